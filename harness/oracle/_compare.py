"""Comparing expectations with what was seen: a packet, the SUT's own view, a lookup answer. A mismatch names
the subject (dossier), the field, the expected value with the rule that gives it, the value seen and where it
was seen; a field the oracle cannot know is reported as untested, with the reason."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from harness.oracle._codes import parse_code
from harness.oracle._rules import Rule
from harness.oracle._specs import Spec, Unknown

_INDEXED = re.compile(r"(\w+)\[(\d+)\]\.(\w+)")


class HasFields(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def fields(self) -> Mapping[str, Spec]: ...


@dataclass(frozen=True, slots=True)
class Mismatch:
    dossier: str
    field: str
    expected: str
    rule: Rule
    seen: str | None
    where: str

    def __str__(self) -> str:
        shown = "nothing" if self.seen is None else repr(self.seen)
        return (
            f"{self.dossier} {self.field}: expected {self.expected} by rule {self.rule.id} ({self.rule.source}); "
            f"seen {shown} in {self.where}"
        )


@dataclass(frozen=True, slots=True)
class Untested:
    dossier: str
    field: str
    reason: str
    rule: Rule

    def __str__(self) -> str:
        return f"{self.dossier} {self.field}: not tested ({self.reason}; rule {self.rule.id})"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _code_part(code: Any, part: str) -> str | None:
    if code is None:
        return None
    parsed = parse_code(str(code))
    if parsed is None:
        return f"{code} (not a dossier code)"
    return {"agency": parsed.agency, "date": parsed.day.isoformat(), "sequence": str(parsed.sequence)}[part]


def _total(lines: Any) -> str | None:
    if not isinstance(lines, list):
        return None
    total = 0
    for line in lines:
        amount = line.get("Gia") if isinstance(line, dict) else None
        try:
            total += int(str(amount))
        except ValueError:
            return f"{lines!r} (a Gia that is not an amount)"
    return str(total)


def observe(observed: Mapping[str, Any], name: str) -> str | None:
    """The value of field `name` (a packet key or a derived field) in `observed`; None when absent."""
    base, _, derived = name.partition(":")
    if derived:
        value = observed.get(base)
        if base == "MaHoSo":
            return _code_part(value, derived)
        if derived == "total":
            return _total(value)
        if derived == "count":
            return str(len(value)) if isinstance(value, list) else None
        raise ValueError(f"unknown derived field {name!r}")
    indexed = _INDEXED.fullmatch(name)
    if indexed:
        items, index, key = indexed.group(1), int(indexed.group(2)), indexed.group(3)
        rows = observed.get(items)
        row = rows[index] if isinstance(rows, list) and index < len(rows) else None
        value = row.get(key) if isinstance(row, dict) else None
    else:
        value = observed.get(name)
    return None if value is None else _text(value)


def compare(
    expected: HasFields, observed: Mapping[str, Any], where: str, *, fields: Iterable[str] | None = None
) -> list[Mismatch]:
    """The mismatches between `expected` and `observed`. Without `fields`, every expected field that
    `observed` has is compared (a partial view, such as the anonymous lookup, is judged on what it shows);
    with `fields`, those fields are compared and a missing one is a mismatch."""
    names = list(expected.fields) if fields is None else list(fields)
    found = []
    for name in names:
        spec = expected.fields.get(name)
        if spec is None:
            raise KeyError(f"the oracle has no expectation for {name!r} of {expected.subject}")
        if isinstance(spec, Unknown):
            continue
        seen = observe(observed, name)
        if seen is None and fields is None:
            continue
        if seen is None or not spec.accepts(seen):
            found.append(Mismatch(expected.subject, name, spec.describe(), spec.rule, seen, where))
    return found


def untested(expected: HasFields) -> list[Untested]:
    """The fields the oracle cannot know, with the reason (to be reported as not tested, never guessed)."""
    return [
        Untested(expected.subject, name, spec.reason, spec.rule)
        for name, spec in expected.fields.items()
        if isinstance(spec, Unknown)
    ]
