"""Violations and validation results: plain frozen dataclasses that every reporter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def json_pointer(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    if not parts:
        return ""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule at one place in a packet.

    `rule` is a stable ID from the rule catalogue, `pointer` a JSON pointer into the packet (for XML
    input, into its JSON form), `message` says what is wrong and what was expected, `source` where the
    rule comes from (reference section and confidence).
    """

    rule: str
    pointer: str
    message: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "pointer": self.pointer, "message": self.message, "source": self.source}


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The verdict on one packet."""

    type: str
    profile: str
    violations: tuple[Violation, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(v.rule for v in self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "type": self.type,
            "violations": [v.to_dict() for v in self.violations],
        }
