"""The two schema engines: a compiled one for the happy path and jsonschema for error detail.

Both must agree on every verdict. Patterns are the known risk: Python's `$` also matches before a final
newline, so the detailed engine evaluates `$` as end-of-string, like the compiled one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


_RS_REGISTRIES: dict[int, Any] = {}


def compiled_validator(schema: dict[str, Any], store: SchemaStore) -> Any:
    """A jsonschema-rs validator; the registry of all schema files is built once per store."""
    registry = _RS_REGISTRIES.get(id(store))
    if registry is None:
        registry = jsonschema_rs.Registry(list((sid, store.by_id(sid)) for sid in store.ids()))
        _RS_REGISTRIES[id(store)] = registry
    return jsonschema_rs.validator_for(schema, registry=registry, validate_formats=False)
