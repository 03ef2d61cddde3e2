"""The two schema engines: a compiled one for the happy path and jsonschema for error detail.

Both must agree on every verdict. Patterns are the known risk: Python's `$` also matches before a final
newline, so the detailed engine evaluates `$` as end-of-string, like the compiled one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from harness.specs.store import SchemaStore

_DOLLAR = re.compile(r"(?<!\\)\$")


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(_DOLLAR.sub(r"\\Z", pattern))


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not _compile(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


DetailedValidator: Any = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern}
)


def detailed_validator(schema: dict[str, Any], store: SchemaStore) -> Validator:
    validator: Validator = DetailedValidator(schema, registry=store.registry)
    return validator


_Extra = tuple[tuple[str, tuple[str, ...]], ...]
_RS_REGISTRIES: dict[tuple[int, _Extra], Any] = {}


def compiled_validator(
    schema: dict[str, Any], store: SchemaStore, def_patterns: Mapping[str, Sequence[str]] | None = None
) -> Any:
    """A jsonschema-rs validator; the registry of all schema files is built once per store.

    `def_patterns` ($defs name → patterns) adds patterns to every definition of that name: the compiled
    schema then also checks what a semantic rule would (see `PacketValidator`)."""
    extra: _Extra = tuple(sorted((name, tuple(patterns)) for name, patterns in (def_patterns or {}).items()))
    registry = _RS_REGISTRIES.get((id(store), extra))
    if registry is None:
        documents = [(sid, _with_patterns(store.by_id(sid), extra)) for sid in store.ids()]
        registry = jsonschema_rs.Registry(documents)
        _RS_REGISTRIES[(id(store), extra)] = registry
    return jsonschema_rs.validator_for(_with_patterns(schema, extra), registry=registry, validate_formats=False)


def _with_patterns(document: dict[str, Any], extra: _Extra) -> dict[str, Any]:
    """A copy of a schema document whose named `$defs` also require patterns (the document itself if
    it defines none of them)."""
    defs = document.get("$defs")
    if not extra or not isinstance(defs, dict) or not any(name in defs for name, _ in extra):
        return document
    defs = dict(defs)
    for name, patterns in extra:
        if isinstance(defs.get(name), dict):
            definition = defs[name]
            required = [{"pattern": pattern} for pattern in patterns]
            defs[name] = {**definition, "allOf": [*definition.get("allOf", []), *required]}
    return {**document, "$defs": defs}
