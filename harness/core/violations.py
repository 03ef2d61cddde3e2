"""Violations and validation results: plain frozen dataclasses that every reporter consumes.

A result lists at most `DEFAULT_MAX_VIOLATIONS` violations (or the caller's cap): a hostile packet of
10,000 empty items would otherwise cost a violation object per missing field. What was not listed is
counted (`omitted`), or, when counting further would itself be unbounded, marked as "more" (`counted`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: violations listed per packet unless the caller says otherwise (mock: `max_violations`; CLI: --max-violations)
DEFAULT_MAX_VIOLATIONS = 100
#: evidence tag of an exchange whose violations were not all listed: rules it does not name were not checked
#: past the cap (the packet suites count such a packet as inconclusive for them, never as passing)
TRUNCATED_TAG = "VIOLATIONS:truncated"


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
    """The verdict on one packet: the first violations found (in the order found), and how many more.

    `omitted` counts violations found but not listed; `counted` is False when the validator stopped
    looking once the cap was passed (then more than `len(violations)` exist, at least `omitted` more).
    """

    type: str
    profile: str
    violations: tuple[Violation, ...] = field(default_factory=tuple)
    omitted: int = 0
    counted: bool = True

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(v.rule for v in self.violations)

    @property
    def truncated(self) -> bool:
        """Whether more violations exist than are listed."""
        return self.omitted > 0 or not self.counted

    @property
    def violation_count(self) -> int | None:
        """Every violation found (listed or not); None when counting stopped early ("more than N")."""
        return len(self.violations) + self.omitted if self.counted else None

    def count_text(self) -> str:
        """ "1 violation", "3 violations", "100 of 12000 violations shown", "100 of more than 100 violations shown"."""
        shown = len(self.violations)
        if not self.truncated:
            return f"{shown} violation" + ("" if shown == 1 else "s")
        total = self.violation_count
        return f"{shown} of {total if total is not None else f'more than {shown}'} violations shown"

    def to_dict(self) -> dict[str, Any]:
        """`{valid, type, violations}`, plus `violations_truncated` and `violation_count` (null: more than
        listed, not counted) when the list is not complete."""
        out: dict[str, Any] = {
            "valid": self.valid,
            "type": self.type,
            "violations": [v.to_dict() for v in self.violations],
        }
        if self.truncated:
            out["violations_truncated"] = True
            out["violation_count"] = self.violation_count
        return out
