"""Coverage of a regulation profile by tests and attestation items; drift against the packet rule catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.requirements.loader import RequirementCatalogue
from harness.requirements.model import Level, Requirement, Testability


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """How each requirement active in a profile is accounted for.

    A requirement is *tested* when a test names it, else *attested* when the certification checklist has an item
    for it, else *declared not tested* when the catalogue says `not_tested` (it always carries a reason).
    `missing` lists the SHALL requirements with none of the three: the gate. SHOULD/MAY requirements with none
    are `optional_gaps` (reported, not failing). IDs given by tests or attestation items that the catalogue
    does not know are `unknown_ids` (a typo or a stale ID: also failing); known IDs outside the profile are
    `inactive_ids`.
    """

    profile: str
    total: int
    tested: tuple[Requirement, ...]
    attested: tuple[Requirement, ...]
    declared_not_tested: tuple[Requirement, ...]
    missing: tuple[Requirement, ...]
    optional_gaps: tuple[Requirement, ...]
    unknown_ids: tuple[str, ...]
    inactive_ids: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unknown_ids

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (IDs only)."""
        return {
            "profile": self.profile,
            "ok": self.ok,
            "total": self.total,
            "tested": [r.id for r in self.tested],
            "attested": [r.id for r in self.attested],
            "declared_not_tested": [r.id for r in self.declared_not_tested],
            "missing": [r.id for r in self.missing],
            "optional_gaps": [r.id for r in self.optional_gaps],
            "unknown_ids": list(self.unknown_ids),
            "inactive_ids": list(self.inactive_ids),
        }


def coverage(
    catalogue: RequirementCatalogue,
    profile: str | None,
    tested_ids: Iterable[str],
    attested_ids: Iterable[str],
) -> CoverageReport:
    """Account for every requirement active in `profile` (the default profile when None)."""
    tested_set, attested_set = set(tested_ids), set(attested_ids)
    view = catalogue.for_profile(profile)
    tested: list[Requirement] = []
    attested: list[Requirement] = []
    declared: list[Requirement] = []
    missing: list[Requirement] = []
    optional: list[Requirement] = []
    for req in view:
        if req.id in tested_set:
            tested.append(req)
        elif req.id in attested_set:
            attested.append(req)
        elif req.testability is Testability.NOT_TESTED:
            declared.append(req)
        elif req.level is Level.SHALL:
            missing.append(req)
        else:
            optional.append(req)
    given = tested_set | attested_set
    return CoverageReport(
        profile=view.profile_name or "",
        total=len(view),
        tested=tuple(tested),
        attested=tuple(attested),
        declared_not_tested=tuple(declared),
        missing=tuple(missing),
        optional_gaps=tuple(optional),
        unknown_ids=tuple(sorted(rid for rid in given if rid not in catalogue)),
        inactive_ids=tuple(sorted(rid for rid in given if rid in catalogue and rid not in view)),
    )


@dataclass(frozen=True, slots=True)
class RuleSync:
    """Drift between the packet rules (`schemas/catalogue/rules.*.toml`) and the `packets` requirements."""

    without_requirement: tuple[str, ...]
    without_rule: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.without_requirement and not self.without_rule

    def message(self) -> str:
        parts = []
        if self.without_requirement:
            parts.append(f"rules without a 'packets' requirement: {', '.join(self.without_requirement)}")
        if self.without_rule:
            parts.append(f"'packets' requirements without a rule: {', '.join(self.without_rule)}")
        return "; ".join(parts) or "in sync"


def sync_with_rules(catalogue: RequirementCatalogue, rule_ids: Iterable[str]) -> RuleSync:
    """Every packet rule must have exactly one requirement (same ID, area `packets`), and vice versa."""
    rules = set(rule_ids)
    packets = {r.id for r in catalogue if r.rule_backed}
    return RuleSync(tuple(sorted(rules - packets)), tuple(sorted(packets - rules)))
