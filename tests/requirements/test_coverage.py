"""coverage(): which requirements of a profile are tested, attested, declared not tested, or missing."""

from __future__ import annotations

import pytest

from harness.requirements import Requirement, RequirementCatalogue, coverage, load_catalogue
from tests.requirements.conftest import WriteCatalogue, requirement


@pytest.fixture
def catalogue(write_catalogue: WriteCatalogue) -> RequirementCatalogue:
    entries = [
        requirement("X-AUTO"),
        requirement("X-PARTIAL", testability="partial"),
        requirement("X-ATTEST", testability="attestation", reason="paper", evidence=["a signed report"]),
        requirement("X-NOT", testability="not_tested", reason="annex not public"),
        requirement("X-SHOULD", level="SHOULD"),
        requirement("X-MAY", level="MAY", testability="partial"),
        requirement("X-OUT"),
    ]
    profiles = {
        "p": {"files": ["a.toml"], "exclude": ["X-OUT"]},
        "q": {"extends": "p", "include": ["X-OUT"]},
    }
    return load_catalogue(write_catalogue({"a.toml": entries}, profiles))


def ids(reqs: tuple[Requirement, ...]) -> list[str]:
    return [r.id for r in reqs]


def test_every_active_requirement_is_accounted_for_once(catalogue: RequirementCatalogue) -> None:
    report = coverage(catalogue, "p", tested_ids={"X-AUTO", "X-OUT", "X-TYPO"}, attested_ids={"X-ATTEST"})
    assert report.profile == "p" and report.total == 6
    assert ids(report.tested) == ["X-AUTO"]
    assert ids(report.attested) == ["X-ATTEST"]
    assert ids(report.declared_not_tested) == ["X-NOT"]
    assert ids(report.missing) == ["X-PARTIAL"]
    assert ids(report.optional_gaps) == ["X-SHOULD", "X-MAY"]
    assert report.unknown_ids == ("X-TYPO",)
    assert report.inactive_ids == ("X-OUT",)
    assert not report.ok
    accounted = report.tested + report.attested + report.declared_not_tested + report.missing + report.optional_gaps
    assert sorted(ids(accounted)) == sorted(r.id for r in catalogue.for_profile("p"))


def test_a_shall_is_covered_by_a_test_an_attestation_item_or_a_not_tested_reason(
    catalogue: RequirementCatalogue,
) -> None:
    report = coverage(catalogue, "p", tested_ids={"X-AUTO"}, attested_ids={"X-PARTIAL", "X-ATTEST"})
    assert report.ok and not report.missing
    assert ids(report.attested) == ["X-PARTIAL", "X-ATTEST"]
    # An attestation requirement without its checklist item is missing, like an untested automated one.
    report = coverage(catalogue, "p", tested_ids={"X-AUTO", "X-PARTIAL"}, attested_ids=set())
    assert ids(report.missing) == ["X-ATTEST"]


def test_a_test_wins_over_a_declared_reason_and_optional_gaps_do_not_fail(catalogue: RequirementCatalogue) -> None:
    report = coverage(catalogue, "p", tested_ids={"X-AUTO", "X-PARTIAL", "X-NOT"}, attested_ids={"X-ATTEST"})
    assert "X-NOT" in ids(report.tested) and not report.declared_not_tested
    assert report.ok and ids(report.optional_gaps) == ["X-SHOULD", "X-MAY"]


def test_the_profile_decides_what_is_active(catalogue: RequirementCatalogue) -> None:
    report = coverage(catalogue, "q", tested_ids={"X-AUTO", "X-PARTIAL"}, attested_ids={"X-ATTEST"})
    assert report.total == 7 and ids(report.missing) == ["X-OUT"] and not report.inactive_ids
    assert coverage(catalogue, None, set(), set()).profile == "p"


def test_the_report_serialises_to_ids(catalogue: RequirementCatalogue) -> None:
    data = coverage(catalogue, "p", tested_ids=["X-AUTO"], attested_ids=[]).to_dict()
    assert data["profile"] == "p" and data["ok"] is False
    assert data["missing"] == ["X-PARTIAL", "X-ATTEST"]
    assert data["tested"] == ["X-AUTO"] and data["unknown_ids"] == []


def test_the_real_catalogue_with_nothing_tested_lists_every_testable_shall() -> None:
    real = load_catalogue()
    report = coverage(real, "tt22-2019", tested_ids=set(), attested_ids=set())
    view = real.for_profile("tt22-2019")
    expected = {r.id for r in view if r.level.value == "SHALL" and r.testability.value != "not_tested"}
    assert set(ids(report.missing)) == expected
    assert {r.id for r in report.declared_not_tested} == {r.id for r in view if r.testability.value == "not_tested"}
