"""A strict JSON codec for the report's frozen dataclasses: `dump` turns a model into plain JSON values,
`load` rebuilds (and so validates) it: an unknown or missing key, a wrong type or a bad enumeration value is one
`ReportFormatError` naming the JSON path."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


class ReportFormatError(ValueError):
    """A report document that does not match the model; the message starts with the JSON path."""


def dump(value: Any) -> Any:
    """Dataclasses to objects (fields in declaration order), enums to their values, tuples to arrays."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): dump(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [dump(item) for item in value]
    return value


def load(cls: type[T], data: Any, path: str = "$") -> T:
    """Rebuild a dataclass of type `cls` from `data` (as `dump` wrote it)."""
    return typing.cast(T, _load(cls, data, path))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        return _load_union(typing.get_args(tp), data, path)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _load_dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise ReportFormatError(f"{path}: {data!r} is not one of {allowed}") from None
    if origin is tuple:
        item_type = typing.get_args(tp)[0]
        _expect(isinstance(data, list), path, "an array", data)
        return tuple(_load(item_type, item, f"{path}[{index}]") for index, item in enumerate(data))
    if origin in (dict, Mapping):
        _, value_type = typing.get_args(tp)
        _expect(isinstance(data, dict), path, "an object", data)
        return {str(key): _load(value_type, item, f"{path}.{key}") for key, item in data.items()}
    return _load_scalar(tp, data, path)


def _load_union(options: tuple[Any, ...], data: Any, path: str) -> Any:
    if data is None:
        _expect(type(None) in options, path, "not null", data)
        return None
    (inner,) = [option for option in options if option is not type(None)]
    return _load(inner, data, path)


def _load_dataclass(cls: type, data: Any, path: str) -> Any:
    _expect(isinstance(data, dict), path, "an object", data)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ReportFormatError(f"{path}: unknown key(s) {', '.join(map(repr, unknown))}")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in data:
            values[name] = _load(hints[name], data[name], f"{path}.{name}")
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise ReportFormatError(f"{path}: missing key {name!r}")
    return cls(**values)


def _load_scalar(tp: Any, data: Any, path: str) -> Any:
    if tp is float:
        _expect(isinstance(data, int | float) and not isinstance(data, bool), path, "a number", data)
        return float(data)
    if tp is int:
        _expect(isinstance(data, int) and not isinstance(data, bool), path, "an integer", data)
        return data
    if tp in (str, bool):
        _expect(isinstance(data, tp), path, f"a {tp.__name__}", data)
        return data
    raise TypeError(f"{path}: the report codec cannot read type {tp!r}")  # a model bug, not bad input


def _expect(condition: bool, path: str, what: str, data: Any) -> None:
    if not condition:
        raise ReportFormatError(f"{path}: expected {what}, got {type(data).__name__} {str(data)[:60]!r}")
