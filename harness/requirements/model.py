"""The requirement catalogue's value types: requirements, regulation profiles and their thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from harness.requirements.errors import UnknownThresholdError


class Level(StrEnum):
    """Normative force of a requirement (RFC 2119 words)."""

    SHALL = "SHALL"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Testability(StrEnum):
    """How a requirement can be verified by a black-box harness."""

    __test__ = False  # not a pytest test class, although suites import it under its Test… name

    AUTOMATED = "automated"
    PARTIAL = "partial"
    ATTESTATION = "attestation"
    NOT_TESTED = "not_tested"


class Area(StrEnum):
    """Where a requirement sits in the product; reports and suites are organised by area."""

    PACKETS = "packets"
    SYNC = "sync"
    PAYMENT = "payment"
    SSO = "sso"
    ONE_STOP = "one_stop"
    PORTAL = "portal"
    PERFORMANCE = "performance"
    SECURITY = "security"
    ORGANISATION = "organisation"


class Confidence(StrEnum):
    """How sure the reference is of the requirement (H/M/L as in the reference documents)."""

    HIGH = "H"
    MEDIUM = "M"
    LOW = "L"


class TextSource(StrEnum):
    """Where `text_vi` comes from.

    - `excerpt`: the key words of the public article text as the reference quotes them (not the whole clause);
    - `paraphrase`: the text is not public or not at hand; our Vietnamese paraphrase of what is known;
    - `derived`: no normative text exists; our wording of a rule derived from observed integrations.
    """

    EXCERPT = "excerpt"
    PARAPHRASE = "paraphrase"
    DERIVED = "derived"


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    DRAFT = "draft"


class Comparison(StrEnum):
    """How a measured value is compared with a threshold: it must be at most (`<=`) or at least (`>=`) it."""

    AT_MOST = "<="
    AT_LEAST = ">="


@dataclass(frozen=True, slots=True)
class Requirement:
    """One testable clause: its citation, its text, and how (or why not) the harness verifies it."""

    id: str
    regulation: str
    article: str
    text_vi: str
    text_source: TextSource
    summary_en: str
    level: Level
    testability: Testability
    area: Area
    source: str
    confidence: Confidence
    clause: str | None = None
    point: str | None = None
    reason: str | None = None
    evidence: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    origin: str = field(default="", compare=False)

    @property
    def citation(self) -> str:
        """`TT 22/2019/TT-BTTTT, Điều 4, Khoản 2` (with `Điểm …` when the point is known)."""
        parts = [self.regulation, self.article]
        if self.clause:
            parts.append(self.clause)
        if self.point:
            parts.append(self.point)
        return ", ".join(parts)

    @property
    def rule_backed(self) -> bool:
        """True for the requirements that mirror one packet rule of `schemas/catalogue/rules.*.toml`."""
        return self.area is Area.PACKETS


@dataclass(frozen=True, slots=True)
class Threshold:
    """A numeric limit a profile applies, e.g. mean response time ≤ 3 s.

    `assumption` is true when the figure is not in a public text (TT 22/2019 Phụ lục IV is not public):
    reports must show such verdicts as judged against an assumed limit.
    """

    name: str
    value: float
    unit: str
    op: Comparison
    requirement: str
    assumption: bool
    source: str
    note: str = ""

    def passes(self, measured: float) -> bool:
        return measured <= self.value if self.op is Comparison.AT_MOST else measured >= self.value


@dataclass(frozen=True, slots=True)
class RegulationProfile:
    """A named set of active requirements and thresholds, e.g. `tt22-2019`; resolved through `extends`."""

    name: str
    title: str
    status: ProfileStatus
    description: str
    requirement_ids: frozenset[str]
    thresholds: Mapping[str, Threshold] = field(hash=False)
    extends: str | None = None
    files: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.requirement_ids

    def threshold(self, name: str) -> Threshold:
        try:
            return self.thresholds[name]
        except KeyError:
            known = ", ".join(sorted(self.thresholds)) or "none"
            raise UnknownThresholdError(
                f"profile {self.name!r} has no threshold {name!r}; known thresholds: {known}"
            ) from None
