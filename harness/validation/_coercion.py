"""The lenient profile's reading of loosely typed packets: integers, floats and booleans as the strings
the de-facto spec expects (and digit strings where an integer is expected)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

_INT = re.compile(r"-?[0-9]+\Z")


def _as_string(value: Any, schema: dict[str, Any]) -> str | None:
    enum = schema.get("enum", ())
    if isinstance(value, bool):
        if "True" in enum or "False" in enum:
            return "True" if value else "False"
        if "1" in enum or "0" in enum:
            return "1" if value else "0"
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _coerced(error: ValidationError) -> tuple[bool, Any]:
    if error.validator in ("const", "enum"):
        # A bare 2 where the schema says const "2" (no `type` keyword to fail first).
        schema = error.schema if isinstance(error.schema, dict) else {}
        text = _as_string(error.instance, schema) if not isinstance(error.instance, str) else None
        expected: Any = error.validator_value
        allowed = [expected] if error.validator == "const" else list(expected)
        return (text is not None and text in allowed), text
    expected = error.validator_value
    wanted = set(expected) if isinstance(expected, list) else {expected}
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "string" in wanted:
        text = _as_string(value, schema)
        return (text is not None), text
    if "integer" in wanted and isinstance(value, str) and _INT.match(value):
        return True, int(value)
    if "boolean" in wanted and isinstance(value, str) and value.lower() in ("true", "false"):
        return True, value.lower() == "true"
    return False, None


class Coercer:
    """Applies coercible type errors one at a time to a copy of a packet that shares every container
    off the fixed paths with the original (a hostile packet of many items is not deep-copied)."""

    def __init__(self, instance: Any) -> None:
        self.original = instance
        self.result = instance
        self._copied: set[int] = set()  # ids of the containers this copy owns

    @property
    def changed(self) -> bool:
        return self.result is not self.original

    def offer(self, error: ValidationError) -> bool:
        """Fix the error's value if the lenient reading allows it; whether it did."""
        if error.validator not in ("type", "const", "enum"):
            return False
        ok, value = _coerced(error)
        path = list(error.absolute_path)
        if not ok or not path:
            return False
        target = self._own(self.result, None, None)
        for step in path[:-1]:
            target = self._own(target[step], target, step)
        target[path[-1]] = value
        return True

    def _own(self, container: Any, parent: Any, step: Any) -> Any:
        """`container` itself if this copy owns it, else a shallow copy put in its place."""
        if id(container) in self._copied:
            return container
        copied = copy.copy(container)
        self._copied.add(id(copied))
        if parent is None:
            self.result = copied
        else:
            parent[step] = copied
        return copied


def coerce(instance: Any, errors: Iterable[ValidationError]) -> tuple[Any, bool]:
    """A copy of `instance` with every coercible type error fixed, and whether anything changed."""
    coercer = Coercer(instance)
    for error in errors:
        coercer.offer(error)
    return coercer.result, coercer.changed
