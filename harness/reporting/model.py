"""The certification report model (`report.json`): the run, one verdict per requirement of the profile grouped by
regulation article, the attestation checklist, the tests, and an integrity block (sha256 of every artefact).

`Report.to_json()` is the document; `Report.from_json()` rebuilds it strictly (a validation of the file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from harness.reporting._codec import ReportFormatError, dump, load

REPORT_FORMAT = "dvc-harness/certification-report"
REPORT_VERSION = 2
#: steps kept per test in report.json (the count is exact): a flow's steps repeat in every test that shares it
STEPS_KEPT = 10


class Verdict(StrEnum):
    """What the run concludes about one requirement."""

    PASS = "pass"
    FAIL = "fail"
    #: some tests passed, but the requirement is only partly automated: the rest is judged by hand
    PARTIAL = "partial"
    #: its tests were skipped because the SUT does not declare the capability they need
    OMITTED = "omitted"
    #: its tests failed as the expected-deviations file said they would
    DEVIATION = "deviation"
    #: only a document or an operator can show it: the certifier attaches the evidence listed
    ATTESTATION_REQUIRED = "attestation_required"
    #: no test verified it in this run (the reason says why: nothing observed, no test yet, not selected...)
    NOT_TESTED = "not_tested"
    #: its tests did not run because a prerequisite failed (`blocked_by` names the root cause)
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def label_vi(self) -> str:
        return VERDICT_LABELS_VI[self]


VERDICT_LABELS_VI = {
    Verdict.PASS: "Đạt",
    Verdict.FAIL: "Không đạt",
    Verdict.PARTIAL: "Đạt một phần",
    Verdict.OMITTED: "Bỏ qua (không áp dụng)",
    Verdict.DEVIATION: "Sai lệch đã biết",
    Verdict.ATTESTATION_REQUIRED: "Cần xác nhận",
    Verdict.NOT_TESTED: "Chưa kiểm tra",
    Verdict.BLOCKED: "Bị chặn",
}


class Overall(StrEnum):
    """The run's one verdict (docs/certify.md, "The overall verdict")."""

    #: ĐẠT: every SHALL requirement in scope passed, nothing pending
    PASS = "pass"
    #: KHÔNG ĐẠT: a SHALL requirement failed
    FAIL = "fail"
    #: ĐẠT CÓ ĐIỀU KIỆN: none failed, but attestations, partial verifications or untested items remain
    CONDITIONAL = "conditional"

    @property
    def label_vi(self) -> str:
        return {"pass": "ĐẠT", "fail": "KHÔNG ĐẠT", "conditional": "ĐẠT CÓ ĐIỀU KIỆN"}[self.value]

    @property
    def label_en(self) -> str:
        return {"pass": "PASS", "fail": "FAIL", "conditional": "CONDITIONAL PASS"}[self.value]


class TestState(StrEnum):
    """A test's result, as the conformance plugin records it (`harness.conformance.STATES`)."""

    __test__ = False  # not a pytest test class

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIP = "skip"
    OMIT = "omit"
    DEVIATION = "deviation"
    #: not run: a prerequisite test failed (`blocked_by`)
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """One test of the run and the requirement IDs it names."""

    __test__ = False

    nodeid: str
    state: TestState
    requirements: tuple[str, ...] = ()
    message: str = ""
    duration_s: float = 0.0
    #: sequence numbers of the national exchanges the test judged (its fixtures' included)
    exchanges: tuple[int, ...] = ()
    #: the first control-API and HTTP steps it took, e.g. `POST /_control/dossiers → 200` (its fixtures' included)
    steps: tuple[str, ...] = ()
    #: how many steps it took in all (`steps` keeps the first `STEPS_KEPT`)
    step_count: int = 0
    #: requirement ID → what this test leaves unverified, for the requirements it verifies only in part
    partial: Mapping[str, str] = field(default_factory=dict)
    #: the requirement ID of the failed prerequisite that kept this test from running
    blocked_by: str = ""

    @property
    def observed(self) -> bool:
        return bool(self.exchanges or self.steps or self.step_count)

    @property
    def failed(self) -> bool:
        return self.state in (TestState.FAIL, TestState.ERROR)


@dataclass(frozen=True, slots=True)
class RequirementVerdict:
    """One requirement of the profile: its citation, the verdict, why, and the tests behind it."""

    id: str
    citation: str
    level: str
    testability: str
    area: str
    summary_en: str
    text_vi: str
    verdict: Verdict
    #: why this verdict: the failing count, the deviation or not-tested reason, the omitted capability...
    note: str = ""
    tests: tuple[TestOutcome, ...] = ()
    #: what a certifier must attach (attestation and partly automated requirements)
    evidence: tuple[str, ...] = ()
    #: sequence numbers of the national exchanges its tests judged (files `exchanges/<seq>.json` beside the report)
    exchanges: tuple[int, ...] = ()
    #: how many control-API / HTTP steps its busiest test took (its fixtures' included)
    steps: int = 0
    #: what stays unverified when the verdict is `partial` (one entry per reason)
    unverified: tuple[str, ...] = ()
    #: the requirement ID of the failed prerequisite when the verdict is `blocked`
    blocked_by: str = ""
    #: the officer's attestation, when one was recorded (`dvc-harness attest`)
    attested_by: str = ""

    @property
    def failing_tests(self) -> tuple[TestOutcome, ...]:
        return tuple(t for t in self.tests if t.failed)

    @property
    def gating(self) -> bool:
        """A failed SHALL requirement: the run is not conformant."""
        return self.verdict is Verdict.FAIL and self.level == "SHALL"


@dataclass(frozen=True, slots=True)
class ArticleGroup:
    """The requirements of one (regulation, article), in catalogue order."""

    regulation: str
    article: str
    requirements: tuple[RequirementVerdict, ...]

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.requirements if r.verdict is verdict)


@dataclass(frozen=True, slots=True)
class Attestation:
    """An item of the certification checklist: a requirement the certifier documents by hand."""

    requirement: str
    citation: str
    level: str
    summary_en: str
    reason: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file the officer attached to an attestation, inside the report directory."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class AttestationRecord:
    """What an officer attested with `dvc-harness attest`: who, when, which verdict, on what evidence."""

    requirement: str
    by: str
    verdict: str
    at: str
    note: str = ""
    files: tuple[AttachedFile, ...] = ()
    #: fingerprint of the key that signed the report after this attestation
    key_fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class RootCause:
    """A failed prerequisite: its requirement, why, and the requirements it kept from being judged."""

    requirement: str
    prerequisite: str
    test: str
    message: str
    blocked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OverallVerdict:
    """`verdict.overall` with the counts and reasons behind it."""

    overall: Overall
    #: SHALL requirements per verdict (every `Verdict` value is a key)
    shall: Mapping[str, int]
    #: one sentence per reason, Vietnamese then English ("3 yêu cầu cần xác nhận / 3 attestations pending")
    reasons: tuple[str, ...] = ()

    @property
    def label_vi(self) -> str:
        return self.overall.label_vi

    @property
    def label_en(self) -> str:
        return self.overall.label_en


@dataclass(frozen=True, slots=True)
class Signing:
    """Who signs the run directory's manifest (`manifest.jws`)."""

    #: RFC 7638 JWK thumbprint (SHA-256, base64url) of the signing public key
    key_fingerprint: str = ""
    algorithm: str = ""
    #: False for a per-run key generated because no `--sign-key` was given: not an authority's signature
    authority: bool = False


@dataclass(frozen=True, slots=True)
class Totals:
    requirements: int
    #: requirements per verdict (every `Verdict` value is a key)
    verdicts: Mapping[str, int]
    #: failed SHALL requirements, plus failed tests that name no requirement: the exit-code gate
    gating_failures: int
    tests: int
    #: tests per state (every `TestState` value is a key)
    test_states: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    profile: str
    profile_title: str
    seed: int
    #: the command that repeats this run with the same seed
    reproduce: str
    sut_name: str
    #: the SUT description as sut.toml gives it, secrets replaced by `***`
    sut: Mapping[str, Any]
    national_url: str
    harness_version: str
    python_version: str
    pytest_version: str
    platform: str
    started_at: str
    finished_at: str
    duration_s: float
    #: requirement IDs the run was narrowed to (`--select`); empty for a full run
    selection: tuple[str, ...] = ()
    expected_deviations: Mapping[str, str] = field(default_factory=dict)
    #: self-tests only: defect switches of the embedded reference portal (such a run certifies nothing)
    reference_defects: tuple[str, ...] = ()
    pytest_exit_code: int = 0
    #: the load-test result given with `--load-result` (path, users reached), or empty
    load_result: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Integrity:
    """sha256 of the run's artefacts (every file of the report directory but report.json itself); the signed
    `manifest.json` / `manifest.jws` beside the report cover every file, report.json included."""

    algorithm: str = "sha256"
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Report:
    run: RunInfo
    #: True when no SHALL requirement failed (attestations may still be outstanding): exit code 0
    conformant: bool
    #: the one overall verdict: ĐẠT / KHÔNG ĐẠT / ĐẠT CÓ ĐIỀU KIỆN
    verdict: OverallVerdict
    totals: Totals
    articles: tuple[ArticleGroup, ...]
    attestations: tuple[Attestation, ...] = ()
    #: tests that name no requirement of the profile (untagged, or tagged with inactive requirements)
    other_tests: tuple[TestOutcome, ...] = ()
    #: failed prerequisites, the first thing to fix
    root_causes: tuple[RootCause, ...] = ()
    #: attestations recorded by the certification officer after the run
    attested: tuple[AttestationRecord, ...] = ()
    signing: Signing = field(default_factory=Signing)
    integrity: Integrity = field(default_factory=Integrity)
    format: str = REPORT_FORMAT
    version: int = REPORT_VERSION

    @property
    def requirements(self) -> tuple[RequirementVerdict, ...]:
        return tuple(r for group in self.articles for r in group.requirements)

    @property
    def partial_run(self) -> bool:
        return bool(self.run.selection or self.run.reference_defects)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dump(self)
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Any) -> Report:
        """Rebuild a report from its JSON document; `ReportFormatError` on any mismatch with the model."""
        report = load(cls, data)
        if report.format != REPORT_FORMAT or report.version != REPORT_VERSION:
            raise ReportFormatError(f"$: not a {REPORT_FORMAT} version {REPORT_VERSION} document")
        return report
