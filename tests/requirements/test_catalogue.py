"""The real requirement catalogue (suites/requirements): it loads, its IDs are well-formed and stable, it stays in
step with the packet rule catalogue, it covers TT 22/2019 Điều 3-9 and the one-stop flow, and its profiles resolve."""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest

from harness.requirements import (
    Area,
    Comparison,
    Level,
    ProfileStatus,
    RequirementCatalogue,
    Testability,
    TextSource,
    UnknownProfileError,
    UnknownRequirementError,
    UnknownThresholdError,
    load_catalogue,
    sync_with_rules,
)
from harness.requirements.loader import ID_PATTERN
from harness.specs import load_catalogue as load_rule_catalogue
from harness.specs.paths import schema_root

CATALOGUE = load_catalogue()
TT22 = "TT 22/2019/TT-BTTTT"

# The prefix of every requirement that is not a packet rule, by the file that holds it.
PREFIX = {
    "tt22-2019.toml": "TT22-",
    "tt21-2023.toml": "TT21-",
    "nd61-2018.toml": "ND61-",
    "tt01-2018.toml": "TT01-",
    "payment.toml": "PAY-",
    "sso.toml": "SSO-",
    "qcvn120.toml": "SYNC-",
    "oracle.toml": "ORACLE-",
}
# Where the requirement of each packet rule lives, by the rule file.
RULE_FILE_TO_REQUIREMENT_FILE = {
    "rules.payment.toml": "payment.toml",
    "rules.sso.toml": "sso.toml",
}


def rule_files() -> dict[str, str]:
    """Rule ID -> the rules.*.toml file that defines it."""
    found: dict[str, str] = {}
    for path in sorted((schema_root() / "catalogue").glob("rules.*.toml")):
        with path.open("rb") as handle:
            for rule in tomllib.load(handle)["rule"]:
                found[rule["id"]] = path.name
    return found


def test_the_catalogue_loads_with_every_file_in_a_profile() -> None:
    assert len(CATALOGUE) > 200
    assert set(PREFIX) == {r.origin for r in CATALOGUE}
    in_profiles = {f for p in CATALOGUE.profiles.values() for f in p.files}
    assert in_profiles == set(PREFIX), "a requirement file that no profile selects is dead data"


def test_ids_are_unique_well_formed_and_prefixed_by_their_file() -> None:
    ids = [r.id for r in CATALOGUE]
    assert len(ids) == len(set(ids))
    for req in CATALOGUE:
        assert ID_PATTERN.match(req.id), req.id
        if not req.rule_backed:
            assert req.id.startswith(PREFIX[req.origin]), f"{req.id} in {req.origin}"


def test_every_packet_rule_has_exactly_one_requirement_and_vice_versa() -> None:
    rules = load_rule_catalogue().rules
    assert len(rules) == len(rule_files())
    sync = sync_with_rules(CATALOGUE, rules)
    assert sync.ok, sync.message()
    packets = Counter(r.id for r in CATALOGUE if r.area is Area.PACKETS)
    assert set(packets) == set(rules) and set(packets.values()) == {1}
    for rule_id, rule_file in rule_files().items():
        req = CATALOGUE.get(rule_id)
        assert req.origin == RULE_FILE_TO_REQUIREMENT_FILE.get(rule_file, "qcvn120.toml"), rule_id
        assert req.testability is Testability.AUTOMATED and req.text_source is TextSource.DERIVED
        assert req.confidence.value == rules[rule_id].confidence


def test_rule_sync_reports_drift_both_ways() -> None:
    rules = set(load_rule_catalogue().rules)
    drift = sync_with_rules(CATALOGUE, (rules - {"PAY-AMOUNT"}) | {"QCVN120-NEW-RULE"})
    assert not drift.ok
    assert drift.without_requirement == ("QCVN120-NEW-RULE",)
    assert drift.without_rule == ("PAY-AMOUNT",)
    assert "QCVN120-NEW-RULE" in drift.message() and "PAY-AMOUNT" in drift.message()


def test_tt22_articles_3_to_9_and_their_enumerated_clauses_are_represented() -> None:
    tt22 = [r for r in CATALOGUE if r.regulation == TT22]
    assert {f"Điều {n}" for n in range(3, 10)} == {r.article for r in tt22}
    clauses_of_3 = {r.clause for r in tt22 if r.article == "Điều 3"}
    assert clauses_of_3 == {f"Khoản {n}" for n in range(1, 11)}
    points = {a: [r.point for r in tt22 if r.article == a and r.clause == "Khoản 1"] for a in ("Điều 5", "Điều 6")}
    assert len(points["Điều 5"]) == 10 and len(points["Điều 6"]) == 19
    assert all(p and p.startswith("Điểm ") for ps in points.values() for p in ps)
    perf = {r.id for r in tt22 if r.article == "Điều 7"}
    assert {"TT22-D7-PERF-RESPONSE", "TT22-D7-PERF-MAX-RESPONSE", "TT22-D7-PERF-CONCURRENCY"} <= perf


def test_annexes_that_are_not_public_are_declared_not_tested_with_a_paraphrase() -> None:
    for rid in ("TT22-D5-K2", "TT22-D6-K2", "TT22-D7-K2", "TT22-D9-PL5-OTHER"):
        req = CATALOGUE.get(rid)
        assert req.testability is Testability.NOT_TESTED and req.reason and "not public" in req.reason
        assert req.text_source is TextSource.PARAPHRASE


def test_the_one_stop_flow_and_the_named_ids_of_the_issue_exist() -> None:
    nd61 = {r.article for r in CATALOGUE if r.regulation == "NĐ 61/2018/NĐ-CP"}
    assert {"Điều 17", "Điều 18", "Điều 19", "Điều 20"} <= nd61
    for rid in (
        "TT22-D4-K2",
        "TT22-D7-PERF-RESPONSE",
        "ND61-D17-RECEIPT",
        "ND61-D17-REFUSAL",
        "ND61-D19-SUPPLEMENT",
        "ND61-D19-DELAY-APOLOGY",
        "ND61-D20-RETURN",
        "TT01-D19-DOSSIER-CODE",
        "TT01-D9-FORM-RECEIPT",
        "PAY-INIT-CHECKSUM",
        "PAY-IPN-CHECKSUM",
        "PAY-IPN-IDEMPOTENT",
        "PAY-IPN-AMOUNT-MISMATCH",
        "PAY-IPN-UNKNOWN-REFERENCE",
        "PAY-QUERY-POLLING",
        "PAY-RECEIPT",
        "SSO-STATE",
        "SSO-NONCE",
        "SSO-IDTOKEN-SIGNATURE",
        "SSO-IDTOKEN-AUDIENCE",
        "SSO-IDTOKEN-EXPIRY",
        "SSO-TECHID-OWNER",
        "SSO-LOGOUT",
        "SYNC-STATUS-EVERY-CHANGE",
        "SYNC-PROGRESS-EVERY-STEP",
        "SYNC-RETRY-NO-LOSS",
        "SYNC-RETRY-NO-DUPLICATE",
        "SYNC-INSERT-VS-UPDATE",
    ):
        assert rid in CATALOGUE, rid


def test_attestations_name_their_evidence_and_excerpts_quote() -> None:
    for req in CATALOGUE:
        if req.testability is Testability.ATTESTATION:
            assert req.reason and req.evidence, req.id
        if req.text_source is TextSource.EXCERPT:
            assert req.regulation == TT22, f"{req.id}: only TT 22/2019 wording is quoted in the reference"


def test_lookups_and_groupings() -> None:
    req = CATALOGUE.get("TT22-D4-K2")
    assert req.citation == "TT 22/2019/TT-BTTTT, Điều 4, Khoản 2"
    assert CATALOGUE.get("TT22-D5-K1-DD").citation.endswith("Khoản 1, Điểm đ")
    with pytest.raises(UnknownRequirementError, match="'TT22-D99' is not in the requirement catalogue"):
        CATALOGUE.get("TT22-D99")
    areas = CATALOGUE.by_area()
    assert list(areas) == [a for a in Area if a in areas] and set(areas) == set(Area)
    assert sum(len(v) for v in areas.values()) == len(CATALOGUE)
    articles = CATALOGUE.by_article()
    assert [r.id for r in articles[(TT22, "Điều 4")]] == ["TT22-D4-K1", "TT22-D4-K2", "TT22-D4-K3"]
    assert sum(len(v) for v in articles.values()) == len(CATALOGUE)


def test_the_default_profile_is_tt22_with_assumed_performance_thresholds() -> None:
    profile = CATALOGUE.profile()
    assert profile.name == CATALOGUE.default_profile == "tt22-2019" and profile.status is ProfileStatus.ACTIVE
    assert not any(rid.startswith("TT21-") for rid in profile.requirement_ids)
    perf = {r.id for r in CATALOGUE if r.area is Area.PERFORMANCE and r.testability is not Testability.NOT_TESTED}
    judged = {t.requirement for t in profile.thresholds.values()}
    assert perf <= judged, "every measurable Điều 7 dimension has a threshold"
    for threshold in profile.thresholds.values():
        if CATALOGUE.get(threshold.requirement).area is Area.PERFORMANCE:
            assert threshold.assumption and threshold.note, threshold.name
    mean = profile.threshold("mean_response_s")
    assert (mean.value, mean.unit, mean.op) == (3.0, "s", Comparison.AT_MOST)
    assert mean.passes(2.9) and mean.passes(3.0) and not mean.passes(3.1)
    assert profile.threshold("uptime_pct").passes(99.5) and not profile.threshold("uptime_pct").passes(98.0)
    assert not profile.threshold("progress_indicator_s").assumption
    with pytest.raises(UnknownThresholdError, match="no threshold 'p99_s'"):
        profile.threshold("p99_s")


def test_the_tt21_draft_inherits_tt22_and_applies_its_known_changes() -> None:
    base, draft = CATALOGUE.profile("tt22-2019"), CATALOGUE.profile("tt21-2023")
    assert draft.status is ProfileStatus.DRAFT and draft.extends == "tt22-2019"
    tt21 = {r.id for r in CATALOGUE if r.origin == "tt21-2023.toml"}
    assert tt21 and draft.requirement_ids == (base.requirement_ids | tt21) - set(draft.exclude)
    assert "TT22-D3-K1" not in draft and "TT22-D3-K1" in base
    assert dict(draft.thresholds) == dict(base.thresholds)
    assert draft.notes, "a draft says what it does not know"


def test_for_profile_is_a_view() -> None:
    view = CATALOGUE.for_profile("tt21-2023")
    assert isinstance(view, RequirementCatalogue) and view.profile_name == "tt21-2023"
    assert {r.id for r in view} == CATALOGUE.profile("tt21-2023").requirement_ids
    with pytest.raises(UnknownRequirementError, match="is not in profile 'tt21-2023'"):
        view.get("TT22-D3-K1")
    assert CATALOGUE.for_profile().profile_name == "tt22-2019"
    with pytest.raises(
        UnknownProfileError, match="unknown regulation profile 'tt99'; known profiles: tt21-2023, tt22-2019"
    ):
        CATALOGUE.for_profile("tt99")


def test_levels_are_mostly_shall_and_should_ones_say_so() -> None:
    levels = Counter(r.level for r in CATALOGUE)
    assert levels[Level.SHALL] > levels[Level.SHOULD] + levels[Level.MAY]
    assert CATALOGUE.get("SSO-NONCE").level is Level.SHOULD
    assert CATALOGUE.get("TT01-D19-BARCODE").level is Level.MAY
