"""jsonschema errors → rule-labelled violations with JSON pointers and messages a vendor can act on.

Errors are taken one at a time from jsonschema's lazy `iter_errors` (`ViolationCollector`), so that the
validator stops walking a hostile packet once it holds more violations than it will list.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from harness.core.jsontypes import json_type
from harness.core.violations import Violation, json_pointer
from harness.specs.catalogue import Catalogue
from harness.specs.store import Located, SchemaStore

FALLBACK_RULE = "QCVN120-STRUCTURE"
UNCAPPED = sys.maxsize
_MAX_SHOWN = 60


def show(value: Any) -> str:
    """A short, readable rendering of an offending value (Vietnamese text stays verbatim)."""
    if isinstance(value, str):
        text = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 1] + "…"
        return f'"{text}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return str(value)


class ErrorLabeller:
    """Finds the rule ID and source that label a jsonschema error (innermost labelled subschema wins)."""

    def __init__(self, store: SchemaStore, root: Located) -> None:
        self._store = store
        self._root = root

    def label(self, error: ValidationError) -> tuple[str | None, str | None]:
        found = self._own_label(error.schema, error.validator)
        if found[0] is not None:
            return found
        return self._walk(list(error.absolute_schema_path), str(error.validator))

    @staticmethod
    def _own_label(schema: Any, keyword: Any) -> tuple[str | None, str | None]:
        if not isinstance(schema, dict):
            return None, None
        rules = schema.get("x-rules")
        if isinstance(rules, dict) and keyword in rules:
            return rules[keyword], schema.get("x-source")
        if "x-rule" in schema:
            return schema["x-rule"], schema.get("x-source")
        return None, None

    def _walk(self, path: list[Any], keyword: str) -> tuple[str | None, str | None]:
        located = self._root
        best: tuple[str | None, str | None] = self._own_label(located.schema, keyword)
        source = located.schema.get("x-source") if isinstance(located.schema, dict) else None
        for step in path[:-1]:
            node = located.schema
            while isinstance(node, dict) and step not in node and "$ref" in node:
                located = self._store.resolve(node["$ref"], located.base)
                node = located.schema
            try:
                located = Located(node[step], located.base)
            except (KeyError, IndexError, TypeError):
                break
            label = self._own_label(located.schema, keyword)
            if label[0] is not None:
                best = label
            if isinstance(located.schema, dict) and "x-source" in located.schema:
                source = located.schema["x-source"]
        return best[0], best[1] or source


def _detail(error: ValidationError) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, what is wrong) pairs; one error can name several fields (required, additionalProperties:
    as many as the packet has, hence lazily)."""
    path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.instance
    expected: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required" and isinstance(value, dict):
        return (((*path, name), f"required field {name} is missing") for name in expected if name not in value)
    if keyword == "additionalProperties" and isinstance(value, dict):
        known = set(schema.get("properties", {}))
        return (((*path, name), f"field {name} is not part of this packet") for name in value if name not in known)
    field = f"{path[-1]}: " if path and isinstance(path[-1], str) else ""
    if keyword == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return iter([(path, f"{field}got {json_type(value)} {show(value)}, expected a JSON {wanted}")])
    if keyword == "pattern":
        return iter([(path, f"{field}{show(value)} does not have the required form {error.validator_value}")])
    if keyword == "enum":
        allowed = ", ".join(show(v) for v in expected)
        return iter([(path, f"{field}{show(value)} is not one of {allowed}")])
    if keyword == "const":
        return iter([(path, f"{field}{show(value)} must be {show(error.validator_value)}")])
    if keyword == "minLength" and isinstance(value, str):
        return iter([(path, f"{field}empty or too short (at least {error.validator_value} characters)")])
    if keyword == "maxLength" and isinstance(value, str):
        return iter([(path, f"{field}{len(value)} characters, at most {error.validator_value} allowed")])
    if keyword == "minItems" and isinstance(value, list):
        return iter([(path, f"{field}{len(value)} items, at least {error.validator_value} required")])
    if keyword in ("minimum", "maximum"):
        return iter([(path, f"{field}{show(value)} is outside the allowed range ({keyword} {error.validator_value})")])
    return iter([(path, f"{field}{error.message}")])


class ViolationCollector:
    """Violations of a stream of errors, up to a cap: `add` says when more than `cap` are held.

    A type error at a place hides the other keyword errors at that place (whichever comes first), a
    (rule, pointer) pair is reported once, and only errors whose rule is `active` count. Stopping early
    yields exactly what the whole stream's prefix up to that error yields.
    """

    def __init__(self, labeller: ErrorLabeller, catalogue: Catalogue, cap: int, active: Callable[[str], bool]) -> None:
        self._labeller = labeller
        self._catalogue = catalogue
        self._cap = cap
        self._active = active
        self._typed_places: set[tuple[str | int, ...]] = set()
        self._seen: set[tuple[str, str]] = set()
        # (place of the error, whether a type error, violation)
        self._held: list[tuple[tuple[str | int, ...], bool, Violation]] = []

    @property
    def full(self) -> bool:
        return len(self._held) > self._cap

    def violations(self) -> list[Violation]:
        return [violation for _, _, violation in self._held]

    def add(self, error: ValidationError) -> bool:
        """Take one error; True once more than `cap` violations are held (stop feeding then)."""
        place = tuple(error.absolute_path)
        typed = error.validator == "type"
        if not typed and place in self._typed_places:
            return self.full
        if typed and place not in self._typed_places:
            self._typed_places.add(place)
            self._hide(place)
        rule_id, source = self._labeller.label(error)
        rule = self._catalogue.rule(rule_id or FALLBACK_RULE)
        if not self._active(rule.id):
            return self.full
        for path, detail in _detail(error):
            pointer = json_pointer(path)
            if (rule.id, pointer) in self._seen:
                continue
            self._seen.add((rule.id, pointer))
            message = f"{detail} — {rule.title}." + (f" Fix: {rule.fix}." if rule.fix else "")
            self._held.append((place, typed, Violation(rule.id, pointer, message, source or rule.source)))
            if self.full:
                return True
        return False

    def _hide(self, place: tuple[str | int, ...]) -> None:
        """A type error arrived at `place`: drop the other keyword errors held for it."""
        kept = [held for held in self._held if held[0] != place or held[1]]
        if len(kept) < len(self._held):
            self._seen = {(v.rule, v.pointer) for _, _, v in kept}
            self._held = kept


def schema_violations(
    errors: Iterable[ValidationError],
    labeller: ErrorLabeller,
    catalogue: Catalogue,
) -> list[Violation]:
    """Every violation of a set of errors (uncapped; see ViolationCollector)."""
    collector = ViolationCollector(labeller, catalogue, UNCAPPED, lambda _rule: True)
    for error in errors:
        collector.add(error)
    return collector.violations()
