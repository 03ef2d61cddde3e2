"""From a run's per-test results (the conformance plugin's `--dvc-report` JSON) and the requirement catalogue to
the report model: one verdict per requirement of the profile.

Verdict rules, first match wins:

1. a test of the requirement failed or errored → `fail`;
2. a test failed as the expected-deviations file announced → `deviation`;
3. a test passed → `pass`, or `partial` when the requirement is only partly automated (or attestation-only);
4. its tests were omitted because the SUT does not declare their capability → `omitted`;
5. otherwise (no test ran, or its tests were skipped): `attestation_required` for an attestation requirement,
   else `not_tested` with the reason (the catalogue's, the skip message, not selected, or no test yet).
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
    ArticleGroup,
    Attestation,
    Report,
    RequirementVerdict,
    RunInfo,
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


def judge(
    req: Requirement, tests: Sequence[TestOutcome], *, deviation: str | None = None, selected: bool = True
) -> tuple[Verdict, str]:
    """The verdict on one requirement and a note saying why (see the module docstring)."""
    states = Counter(t.state for t in tests)
    failed = states[TestState.FAIL] + states[TestState.ERROR]
    if failed:
        return Verdict.FAIL, f"{failed} of {len(tests)} test(s) failed"
    if states[TestState.DEVIATION]:
        return Verdict.DEVIATION, f"expected deviation: {deviation or 'listed in the expected-deviations file'}"
    if states[TestState.PASS]:
        stale = " (listed as an expected deviation, but passed: remove it from the file)" if deviation else ""
        if req.testability in (Testability.PARTIAL, Testability.ATTESTATION):
            return Verdict.PARTIAL, f"automated part passed; judged by hand: {req.reason or 'the rest'}{stale}"
        return Verdict.PASS, stale.strip(" ()")
    if states[TestState.OMIT]:
        omitted = next(t for t in tests if t.state is TestState.OMIT)
        return Verdict.OMITTED, omitted.message or "capability not declared by the SUT"
    if req.testability is Testability.ATTESTATION:
        return Verdict.ATTESTATION_REQUIRED, req.reason or ""
    if req.testability is Testability.NOT_TESTED:
        return Verdict.NOT_TESTED, req.reason or ""
    if tests:
        return Verdict.NOT_TESTED, f"skipped: {tests[0].message}"
    if not selected:
        return Verdict.NOT_TESTED, "not selected in this run (--select)"
    return Verdict.NOT_TESTED, "no conformance test verifies it yet"


def verdict_for(
    req: Requirement, tests: Sequence[TestOutcome], *, deviation: str | None = None, selected: bool = True
) -> RequirementVerdict:
    verdict, note = judge(req, tests, deviation=deviation, selected=selected)
    return RequirementVerdict(
        id=req.id,
        citation=req.citation,
        level=req.level.value,
        testability=req.testability.value,
        area=req.area.value,
        summary_en=req.summary_en,
        text_vi=req.text_vi,
        verdict=verdict,
        note=note,
        tests=tuple(tests),
        evidence=req.evidence,
    )


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
                )
                for req in reqs
            ),
        )
        for (regulation, article), reqs in view.by_article().items()
    )
    verdicts = [r for group in articles for r in group.requirements]
    other = tuple(o for o in outcomes if not any(rid in view for rid in o.requirements))
    gating = sum(1 for r in verdicts if r.gating) + sum(1 for o in other if o.failed and not o.requirements)
    totals = Totals(
        requirements=len(verdicts),
        verdicts=_counts((r.verdict.value for r in verdicts), Verdict),
        gating_failures=gating,
        tests=len(outcomes),
        test_states=_counts((o.state.value for o in outcomes), TestState),
    )
    attestations = tuple(
        Attestation(r.id, r.citation, r.level, r.summary_en, view.get(r.id).reason or "", r.evidence)
        for r in verdicts
        if r.evidence and r.verdict is not Verdict.OMITTED
    )
    return Report(
        run=_run_info(catalogue, profile, results, context),
        conformant=gating == 0,
        totals=totals,
        articles=articles,
        attestations=attestations,
        other_tests=other,
    )


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
    )
