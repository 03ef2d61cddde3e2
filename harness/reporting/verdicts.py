"""From a run's per-test results (the conformance plugin's `--dvc-report` JSON) and the requirement catalogue to
the report model: one verdict per requirement of the profile.

Verdict rules, first match wins:

1. a test of the requirement failed or errored → `fail`;
2. a test failed as the expected-deviations file announced → `deviation`;
3. a test passed having observed something → `pass` when one such test verifies the requirement fully and the
   requirement is fully automated; otherwise `partial`, with what stays unverified (the `partial=` texts of the
   links, the catalogue's reason for a partly automated requirement);
4. its tests were blocked by a failed prerequisite → `blocked` (the root cause named);
5. its tests were omitted because the SUT does not declare their capability → `omitted`;
6. otherwise (no test ran, its tests were skipped, or they observed nothing): `attestation_required` for an
   attestation requirement, else `not_tested` with the reason (the catalogue's, "nothing observed", the skip
   message, not selected, or no test yet).

A load result (`certify --load-result`) then decides the Điều 7 requirements defined at a load level, and the
officer's attestations (`dvc-harness attest`) settle what only a person can. The overall verdict follows
(docs/certify.md): `fail` when a SHALL requirement failed, `pass` when every SHALL requirement passed (or does not
apply: omitted), `conditional` otherwise.
"""

from __future__ import annotations

import ast
import platform
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from harness import __version__
from harness.core.errors import HarnessError
from harness.reporting.model import (
    STEPS_KEPT,
    ArticleGroup,
    Attestation,
    AttestationRecord,
    Overall,
    OverallVerdict,
    Report,
    RequirementVerdict,
    RootCause,
    RunInfo,
    Signing,
    TestOutcome,
    TestState,
    Totals,
    Verdict,
)
from harness.requirements import Requirement, RequirementCatalogue, Testability


@dataclass(frozen=True)
class RunContext:
    """What `certify` knows about a run besides the plugin's results."""

    run_id: str
    seed: int
    reproduce: str
    started_at: datetime
    finished_at: datetime
    selection: tuple[str, ...] = ()
    deviations: Mapping[str, str] = field(default_factory=dict)
    reference_defects: tuple[str, ...] = ()
    pytest_exit_code: int = 0
    pytest_version: str = ""
    #: Điều 7 verdicts of a load run given with --load-result, by requirement ID (`harness.reporting._load`)
    load: Mapping[str, LoadJudgement] = field(default_factory=dict)
    #: where that load result came from and at what scale (shown in the report)
    load_result: Mapping[str, Any] = field(default_factory=dict)
    signing: Signing = field(default_factory=Signing)
    attested: tuple[AttestationRecord, ...] = ()


@dataclass(frozen=True)
class LoadJudgement:
    """A Điều 7 requirement judged on a load run: `passed` at `users`, or `at_scale` False when the run was
    smaller than the profile's concurrent users (then it proves nothing at the profile's level)."""

    passed: bool
    at_scale: bool
    message: str


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    note: str
    unverified: tuple[str, ...] = ()
    blocked_by: str = ""


def read_outcomes(results: Mapping[str, Any]) -> list[TestOutcome]:
    """The tests of a `--dvc-report` document; a malformed one is a harness error (exit 4)."""
    outcomes: list[TestOutcome] = []
    try:
        for entry in results["tests"]:
            outcomes.append(
                TestOutcome(
                    nodeid=str(entry["nodeid"]),
                    state=TestState(entry["state"]),
                    requirements=tuple(str(rid) for rid in entry["requirements"]),
                    message=clean_message(str(entry.get("message", ""))),
                    duration_s=float(entry.get("duration_s", 0.0)),
                    exchanges=tuple(int(seq) for seq in entry.get("exchanges", ())),
                    steps=tuple(str(step) for step in entry.get("steps", ())[:STEPS_KEPT]),
                    step_count=int(entry.get("step_count") or len(entry.get("steps", ()))),
                    partial={str(k): str(v) for k, v in dict(entry.get("partial") or {}).items()},
                    blocked_by=str(entry.get("blocked_by") or ""),
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise HarnessError(f"the conformance plugin's results are unreadable ({type(exc).__name__}: {exc})") from None
    return outcomes


def clean_message(message: str) -> str:
    """A skip's message arrives as the repr of pytest's `(path, line, 'Skipped: why')`: keep `why`."""
    if message.startswith("(") and "Skipped: " in message:
        try:
            parts = ast.literal_eval(message)
        except (ValueError, SyntaxError):
            return message
        if isinstance(parts, tuple) and parts and isinstance(parts[-1], str):
            return parts[-1].removeprefix("Skipped: ")
    return message


def assess(
    req: Requirement, tests: Sequence[TestOutcome], *, deviation: str | None = None, selected: bool = True
) -> Judgement:
    """The verdict on one requirement, why, and what stays unverified (see the module docstring)."""
    states = Counter(t.state for t in tests)
    failed = states[TestState.FAIL] + states[TestState.ERROR]
    if failed:
        return Judgement(Verdict.FAIL, f"{failed} of {len(tests)} test(s) failed")
    if states[TestState.DEVIATION]:
        why = deviation or "listed in the expected-deviations file"
        return Judgement(Verdict.DEVIATION, f"expected deviation: {why}")
    passed = [t for t in tests if t.state is TestState.PASS and t.observed]
    if passed:
        return _passed(req, passed, deviation)
    blocked = next((t for t in tests if t.state is TestState.BLOCKED), None)
    if blocked is not None:
        return Judgement(Verdict.BLOCKED, blocked.message, blocked_by=blocked.blocked_by)
    if states[TestState.OMIT]:
        omitted = next(t for t in tests if t.state is TestState.OMIT)
        return Judgement(Verdict.OMITTED, omitted.message or "capability not declared by the SUT")
    if req.testability is Testability.ATTESTATION:
        return Judgement(Verdict.ATTESTATION_REQUIRED, req.reason or "")
    if req.testability is Testability.NOT_TESTED:
        return Judgement(Verdict.NOT_TESTED, req.reason or "")
    if any(t.state is TestState.PASS for t in tests):
        return Judgement(Verdict.NOT_TESTED, "nothing observed: its tests judged no exchange and took no step")
    if tests:
        return Judgement(Verdict.NOT_TESTED, f"skipped: {tests[0].message}")
    if not selected:
        return Judgement(Verdict.NOT_TESTED, "not selected in this run (--select)")
    return Judgement(Verdict.NOT_TESTED, "no conformance test verifies it yet")


def _passed(req: Requirement, passed: Sequence[TestOutcome], deviation: str | None) -> Judgement:
    stale = " (listed as an expected deviation, but passed: remove it from the file)" if deviation else ""
    full = [t for t in passed if req.id not in t.partial]
    unverified = list(dict.fromkeys(t.partial[req.id] for t in passed if req.id in t.partial))
    if req.testability in (Testability.PARTIAL, Testability.ATTESTATION):
        unverified.append(f"judged by hand: {req.reason or 'the rest'}")
    elif full:
        return Judgement(Verdict.PASS, stale.strip(" ()"))
    what = "the automated part passed" if full else f"{len(passed)} test(s) passed, each verifying it in part"
    return Judgement(Verdict.PARTIAL, f"{what}; not verified: {'; '.join(unverified)}{stale}", tuple(unverified))


def judge(
    req: Requirement, tests: Sequence[TestOutcome], *, deviation: str | None = None, selected: bool = True
) -> tuple[Verdict, str]:
    """The verdict on one requirement and a note saying why (`assess` also says what stays unverified)."""
    judgement = assess(req, tests, deviation=deviation, selected=selected)
    return judgement.verdict, judgement.note


def verdict_for(
    req: Requirement,
    tests: Sequence[TestOutcome],
    *,
    deviation: str | None = None,
    selected: bool = True,
    load: LoadJudgement | None = None,
    attested: AttestationRecord | None = None,
) -> RequirementVerdict:
    judgement = assess(req, tests, deviation=deviation, selected=selected)
    if load is not None:
        judgement = _with_load(judgement, load)
    if attested is not None and judgement.verdict in ATTESTABLE:
        judgement = Judgement(*attested_verdict(attested, judgement.verdict, judgement.note))
    return RequirementVerdict(
        id=req.id,
        citation=req.citation,
        level=req.level.value,
        testability=req.testability.value,
        area=req.area.value,
        summary_en=req.summary_en,
        text_vi=req.text_vi,
        verdict=judgement.verdict,
        note=judgement.note,
        tests=tuple(tests),
        evidence=req.evidence,
        exchanges=tuple(sorted({seq for t in tests for seq in t.exchanges})),
        steps=max((t.step_count or len(t.steps) for t in tests), default=0),
        unverified=judgement.unverified,
        blocked_by=judgement.blocked_by,
        attested_by=attested.by if attested is not None and judgement.note.startswith("attested") else "",
    )


def attested_verdict(record: AttestationRecord, before: Verdict, note: str) -> tuple[Verdict, str]:
    """The officer's verdict on an item, and a note that keeps what the run had said."""
    said = f"attested by {record.by} on {record.at}: {record.verdict}" + (f" — {record.note}" if record.note else "")
    verdict = Verdict.PASS if record.verdict == "pass" else Verdict.FAIL
    return verdict, f"{said} (before: {before.label}{': ' + note if note else ''})"


#: verdicts an officer's attestation can settle (never a test's failure, pass, deviation or a blocked test)
ATTESTABLE = frozenset({Verdict.ATTESTATION_REQUIRED, Verdict.PARTIAL, Verdict.NOT_TESTED, Verdict.OMITTED})


def _with_load(judgement: Judgement, load: LoadJudgement) -> Judgement:
    """A Điều 7 requirement: a load run at the profile's level decides it; a smaller one adds to the partial."""
    if judgement.verdict is Verdict.FAIL:
        return judgement
    if not load.passed and load.at_scale:
        return Judgement(Verdict.FAIL, f"load run: {load.message}")
    if load.at_scale:
        return Judgement(Verdict.PASS, f"load run: {load.message}")
    unverified = (*judgement.unverified, f"the load run was below the profile's level: {load.message}")
    return Judgement(Verdict.PARTIAL, "; ".join(unverified), unverified)


def build_report(
    catalogue: RequirementCatalogue, profile: str, results: Mapping[str, Any], context: RunContext
) -> Report:
    """The report model of one run (its `integrity` block is filled in once the files are written)."""
    view = catalogue.for_profile(profile)
    outcomes = read_outcomes(results)
    by_requirement: dict[str, list[TestOutcome]] = {}
    for outcome in outcomes:
        for rid in outcome.requirements:
            by_requirement.setdefault(rid, []).append(outcome)
    selection = set(context.selection)
    attested = {record.requirement: record for record in context.attested}
    articles = tuple(
        ArticleGroup(
            regulation,
            article,
            tuple(
                verdict_for(
                    req,
                    by_requirement.get(req.id, ()),
                    deviation=context.deviations.get(req.id),
                    selected=not selection or req.id in selection,
                    load=context.load.get(req.id),
                    attested=attested.get(req.id),
                )
                for req in reqs
            ),
        )
        for (regulation, article), reqs in view.by_article().items()
    )
    verdicts = [r for group in articles for r in group.requirements]
    other = tuple(o for o in outcomes if not any(rid in view for rid in o.requirements))
    totals = totals_of(verdicts, other, outcomes)
    gating = totals.gating_failures
    attestations = tuple(
        Attestation(r.id, r.citation, r.level, r.summary_en, view.get(r.id).reason or "", r.evidence)
        for r in verdicts
        if r.evidence and r.verdict is not Verdict.OMITTED
    )
    run = _run_info(catalogue, profile, results, context)
    return Report(
        run=run,
        conformant=gating == 0,
        verdict=overall_verdict(verdicts, gating, partial_run=bool(run.selection or run.reference_defects)),
        totals=totals,
        articles=articles,
        attestations=attestations,
        other_tests=other,
        root_causes=_root_causes(results, verdicts),
        attested=context.attested,
        signing=context.signing,
    )


def totals_of(
    verdicts: Sequence[RequirementVerdict],
    other: Sequence[TestOutcome],
    outcomes: Sequence[TestOutcome] | None = None,
) -> Totals:
    """Counts per verdict and test state; the gate counts failed SHALL requirements and failed untagged tests.
    Without `outcomes`, the tests are those the verdicts and `other` hold (a report read back)."""
    if outcomes is None:
        unique = {t.nodeid: t for r in verdicts for t in r.tests} | {t.nodeid: t for t in other}
        outcomes = list(unique.values())
    gating = sum(1 for r in verdicts if r.gating) + sum(1 for o in other if o.failed and not o.requirements)
    return Totals(
        requirements=len(verdicts),
        verdicts=_counts((r.verdict.value for r in verdicts), Verdict),
        gating_failures=gating,
        tests=len(outcomes),
        test_states=_counts((o.state.value for o in outcomes), TestState),
    )


#: SHALL verdicts that keep a run from ĐẠT without failing it, with how the reasons name them (vi / en)
_PENDING = {
    Verdict.ATTESTATION_REQUIRED: ("cần cán bộ xác nhận", "need the officer's attestation"),
    Verdict.PARTIAL: ("mới được kiểm chứng một phần", "verified only in part"),
    Verdict.NOT_TESTED: ("chưa được kiểm tra", "not tested"),
    Verdict.BLOCKED: ("bị chặn do điều kiện tiên quyết không đạt", "blocked by a failed prerequisite"),
    Verdict.DEVIATION: ("là sai lệch đã biết", "are known deviations"),
}


def overall_verdict(verdicts: Sequence[RequirementVerdict], gating: int, *, partial_run: bool) -> OverallVerdict:
    """ĐẠT when every SHALL requirement passed or does not apply; KHÔNG ĐẠT when a SHALL requirement (or a test
    naming none) failed; ĐẠT CÓ ĐIỀU KIỆN otherwise, with one reason per kind of pending item."""
    shall = [r for r in verdicts if r.level == "SHALL"]
    counts = _counts((r.verdict.value for r in shall), Verdict)
    reasons: list[str] = []
    if gating:
        reasons.append(f"{gating} yêu cầu bắt buộc không đạt / {gating} mandatory (SHALL) failure(s)")
    for verdict, (vi, en) in _PENDING.items():
        if counts[verdict.value]:
            n = counts[verdict.value]
            reasons.append(f"{n} yêu cầu bắt buộc {vi} / {n} SHALL requirement(s) {en}")
    if partial_run:
        reasons.append("lần chạy không đầy đủ, không dùng để chứng nhận / partial or self-test run: certifies nothing")
    if not shall:
        reasons.append("không có yêu cầu bắt buộc nào được đánh giá / no SHALL requirement was judged")
    if gating:
        overall = Overall.FAIL
    elif reasons:
        overall = Overall.CONDITIONAL
    else:
        overall = Overall.PASS
    return OverallVerdict(overall=overall, shall=counts, reasons=tuple(reasons))


def _root_causes(results: Mapping[str, Any], verdicts: Sequence[RequirementVerdict]) -> tuple[RootCause, ...]:
    causes = []
    for entry in results.get("root_causes") or ():
        requirements = [str(rid) for rid in entry.get("requirements", ())]
        root = requirements[0] if requirements else str(entry.get("prerequisite", ""))
        causes.append(
            RootCause(
                requirement=root,
                prerequisite=str(entry.get("prerequisite", "")),
                test=str(entry.get("nodeid", "")),
                message=clean_message(str(entry.get("message", ""))),
                blocked=tuple(r.id for r in verdicts if r.verdict is Verdict.BLOCKED and r.blocked_by == root),
            )
        )
    return tuple(causes)


def _counts(values: Iterable[str], kind: Iterable[Any]) -> dict[str, int]:
    counted = Counter(values)
    return {member.value: counted[member.value] for member in kind}


def _run_info(
    catalogue: RequirementCatalogue, profile: str, results: Mapping[str, Any], context: RunContext
) -> RunInfo:
    sut = results.get("sut") or {}
    return RunInfo(
        run_id=context.run_id,
        profile=profile,
        profile_title=catalogue.profile(profile).title,
        seed=context.seed,
        reproduce=context.reproduce,
        sut_name=str((sut.get("sut") or {}).get("name", "")),
        sut=sut,
        national_url=str(results.get("national_url") or ""),
        harness_version=__version__,
        python_version=platform.python_version(),
        pytest_version=context.pytest_version,
        platform=platform.platform(terse=True),
        started_at=context.started_at.isoformat(timespec="seconds"),
        finished_at=context.finished_at.isoformat(timespec="seconds"),
        duration_s=round((context.finished_at - context.started_at).total_seconds(), 3),
        selection=context.selection,
        expected_deviations=dict(context.deviations),
        reference_defects=context.reference_defects,
        pytest_exit_code=context.pytest_exit_code,
        load_result=dict(context.load_result),
    )
