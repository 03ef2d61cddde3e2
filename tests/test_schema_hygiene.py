"""The schema files and catalogues keep their own conventions (schemas/README.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from harness.generation._mutations import SEMANTIC
from harness.generation._providers import BY_DEF, BY_HINT
from harness.specs import load_catalogue, load_store
from harness.validation._engines import detailed_validator
from harness.validation.rules import ENTITY_CHECKS, PACKET_BINDERS

CONSTRAINTS = {
    "type",
    "pattern",
    "enum",
    "const",
    "required",
    "minLength",
    "maxLength",
    "minItems",
    "minimum",
    "maximum",
    "additionalProperties",
}
SOURCE = re.compile(r"\[(H|M|L)\]$")

store = load_store()
catalogue = load_catalogue()
DOCUMENTS = sorted(store.documents())


def subschemas(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield pointer, node
        for key, value in node.items():
            if key in ("x-invalid-examples", "enum", "const", "examples", "x-checksum", "required", "x-rules"):
                continue
            yield from subschemas(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from subschemas(value, f"{pointer}/{index}")


@pytest.mark.parametrize(("path", "document"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_schema_is_valid_2020_12_with_id_and_version(path: str, document: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(document)
    assert document["$id"] == f"https://schemas.dvc-harness.org/v1/{path}"
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", document["x-schema-version"])


@pytest.mark.parametrize(("path", "document"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_every_constraint_names_its_source_and_rule(path: str, document: dict[str, Any]) -> None:
    problems = []
    for pointer, node in subschemas(document):
        if pointer.endswith(("/properties", "/$defs")):
            continue  # a map of named subschemas, not a subschema
        constrained = CONSTRAINTS & set(node)
        if constrained and "x-source" not in node:
            problems.append(f"{pointer}: constrains {sorted(constrained)} without x-source")
        if "x-source" in node and not SOURCE.search(node["x-source"]):
            problems.append(f"{pointer}: x-source does not end in [H], [M] or [L]")
        for rule_id in [node.get("x-rule"), *(node.get("x-rules") or {}).values()]:
            if rule_id is not None and rule_id not in catalogue.rules:
                problems.append(f"{pointer}: rule {rule_id} is not in the catalogue")
        for pattern in [node.get("pattern")] if "pattern" in node else []:
            if "\\d" in pattern or not (pattern.startswith("^") and pattern.endswith("$")):
                problems.append(f"{pointer}: pattern {pattern} must use [0-9] and be anchored")
        if "format" in node and isinstance(node["format"], str):
            problems.append(f"{pointer}: 'format' is not used (engines disagree on it); use a pattern")
        hint = node.get("x-gen")
        if hint is not None and hint not in BY_HINT:
            problems.append(f"{pointer}: unknown x-gen hint {hint!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "document"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_invalid_examples_are_invalid_and_schemas_have_no_unused_defs(path: str, document: dict[str, Any]) -> None:
    for pointer, node in subschemas(document):
        for example in node.get("x-invalid-examples", ()):
            validator = detailed_validator({"$ref": f"{document['$id']}#{pointer}"}, store)
            assert list(validator.iter_errors(example)), f"{pointer}: {example!r} is accepted"


def test_every_packet_type_points_at_a_schema_file() -> None:
    for ptype in catalogue.types.values():
        store.id_for_path(ptype.schema)
        assert ptype.direction in {"province-to-national", "national-to-province", "reply", "either"}, ptype.name


def test_every_rule_has_a_source_a_confidence_and_a_known_kind() -> None:
    for rule in catalogue.rules.values():
        assert rule.kind in {"schema", "semantic"}, rule.id
        assert rule.confidence in {"H", "M", "L"}, rule.id
        assert rule.source and rule.title, rule.id
        assert rule.profiles, rule.id


def test_semantic_rules_have_a_check_and_a_violator_and_schema_rules_are_used() -> None:
    implemented = {rule_id for checks in ENTITY_CHECKS.values() for rule_id, _ in checks}
    implemented |= {rule_id for rule_id, _ in PACKET_BINDERS}
    semantic = {r.id for r in catalogue.rules.values() if r.kind == "semantic"}
    assert implemented == semantic
    assert set(SEMANTIC) == semantic
    used = set()
    for _, document in DOCUMENTS:
        for _, node in subschemas(document):
            if "x-rule" in node:
                used.add(node["x-rule"])
            used |= set((node.get("x-rules") or {}).values())
    schema_rules = {r.id for r in catalogue.rules.values() if r.kind == "schema"}
    assert schema_rules - used <= {"QCVN120-XML-SCHEMA"}, "catalogued schema rules that no schema uses"


def test_value_providers_cover_only_defs_that_exist() -> None:
    scalars = store.by_id("https://schemas.dvc-harness.org/v1/common/scalars.schema.json")["$defs"]
    assert set(BY_DEF) <= set(scalars)
