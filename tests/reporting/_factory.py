"""A valid certification `Report` built by hand, for the renderers' tests.

`make_report(**overrides)`: nine requirements over two articles of TT 22/2019, every `Verdict` represented (the
failed one is a SHOULD, so the run is conformant and the overall verdict is ĐẠT CÓ ĐIỀU KIỆN). Each override
goes to the dataclass that has a field of that name: `Report` (`articles=`, `signing=`...), `RunInfo`
(`sut_name=`, `reference_defects=`...), `OverallVerdict` (`overall=`, `reasons=`), `Signing` (`authority=`) or
`Totals`. Totals and SHALL counts follow the articles unless overridden. The result went through
`Report.from_json(report.to_json())`, so it is a valid report.json too.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from harness.reporting.model import (
    ArticleGroup,
    Attestation,
    Overall,
    OverallVerdict,
    Report,
    RequirementVerdict,
    RunInfo,
    Signing,
    TestOutcome,
    TestState,
    Totals,
    Verdict,
)

SUT_NAME = "Cổng Dịch vụ công tỉnh Thanh Hóa"
RUN_ID = "20250102T030405Z-3f9a"
FINGERPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

# (id, article, level, verdict, test state)
_REQUIREMENTS: tuple[tuple[str, str, str, Verdict, TestState | None], ...] = (
    ("TT22-D5-K1", "Điều 5", "SHALL", Verdict.PASS, TestState.PASS),
    ("TT22-D5-K2", "Điều 5", "SHOULD", Verdict.FAIL, TestState.FAIL),
    ("TT22-D5-K3", "Điều 5", "SHALL", Verdict.PARTIAL, TestState.PASS),
    ("TT22-D5-K4", "Điều 5", "SHALL", Verdict.OMITTED, TestState.OMIT),
    ("TT22-D9-PL5-SYNC", "Điều 9", "SHALL", Verdict.DEVIATION, TestState.DEVIATION),
    ("TT22-D9-PL5-ARCH", "Điều 9", "SHALL", Verdict.ATTESTATION_REQUIRED, None),
    ("TT22-D9-PL5-STATS", "Điều 9", "SHALL", Verdict.NOT_TESTED, None),
    ("TT22-D9-PL5-PAY", "Điều 9", "SHALL", Verdict.BLOCKED, TestState.BLOCKED),
    ("TT22-D9-PL5-AUTH", "Điều 9", "SHALL", Verdict.PASS, TestState.PASS),
)


def _requirement(rid: str, article: str, level: str, verdict: Verdict, state: TestState | None) -> RequirementVerdict:
    tests: tuple[TestOutcome, ...] = ()
    if state is not None:
        tests = (
            TestOutcome(
                nodeid=f"suites/test_{rid.lower().replace('-', '_')}.py::test_{verdict.value}",
                state=state,
                requirements=(rid,),
                message="expected 200, got 500" if state is TestState.FAIL else "",
                duration_s=0.25,
                exchanges=(1, 2) if state is TestState.PASS else (),
                blocked_by="TT22-D5-K2" if state is TestState.BLOCKED else "",
            ),
        )
    return RequirementVerdict(
        id=rid,
        citation=f"TT 22/2019/TT-BTTTT, {article}",
        level=level,
        testability="attestation" if verdict is Verdict.ATTESTATION_REQUIRED else "automated",
        area="portal",
        summary_en=f"Requirement {rid} of {article}.",
        text_vi=f"Yêu cầu {rid} của {article}: hồ sơ được đồng bộ đầy đủ.",
        verdict=verdict,
        note="not observed in this run" if verdict is Verdict.NOT_TESTED else "",
        tests=tests,
        evidence=("Quyết định phê duyệt kiến trúc",) if verdict is Verdict.ATTESTATION_REQUIRED else (),
        exchanges=(1, 2) if state is TestState.PASS else (),
        unverified=("the retention period",) if verdict is Verdict.PARTIAL else (),
        blocked_by="TT22-D5-K2" if verdict is Verdict.BLOCKED else "",
    )


def _articles() -> tuple[ArticleGroup, ...]:
    groups: dict[str, list[RequirementVerdict]] = {}
    for rid, article, level, verdict, state in _REQUIREMENTS:
        groups.setdefault(article, []).append(_requirement(rid, article, level, verdict, state))
    return tuple(ArticleGroup("TT 22/2019/TT-BTTTT", article, tuple(reqs)) for article, reqs in groups.items())


def _run() -> RunInfo:
    return RunInfo(
        run_id=RUN_ID,
        profile="tt22-2019",
        profile_title="TT 22/2019/TT-BTTTT with QCVN 120:2019, NĐ 61/2018 and TT 01/2018",
        seed=1375902617,
        reproduce="dvc-harness certify --seed 1375902617 --profile tt22-2019 --sut sut.toml",
        sut_name=SUT_NAME,
        sut={
            "sut": {"name": SUT_NAME, "base_url": "https://dichvucong.thanhhoa.gov.vn", "control_token": "***"},
            "national": {"username": "demo", "password": "***"},
        },
        national_url="http://127.0.0.1:8787",
        harness_version="0.1.0",
        python_version="3.11.9",
        pytest_version="8.3.3",
        platform="Linux-6.1",
        started_at="2025-01-02T03:04:05+00:00",
        finished_at="2025-01-02T03:19:47+00:00",
        duration_s=942.0,
    )


def _split(cls: type[Any], overrides: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {name: overrides.pop(name) for name in list(overrides) if name in names}


def make_report(**overrides: Any) -> Report:
    report_over = _split(Report, overrides)
    run_over = _split(RunInfo, overrides)
    verdict_over = _split(OverallVerdict, overrides)
    signing_over = _split(Signing, overrides)
    totals_over = _split(Totals, overrides)
    if overrides:
        raise TypeError(f"make_report: no report field named {', '.join(sorted(overrides))}")

    articles: tuple[ArticleGroup, ...] = report_over.pop("articles", None) or _articles()
    requirements = [r for group in articles for r in group.requirements]
    tests = [t for r in requirements for t in r.tests]
    verdicts = Counter(r.verdict.value for r in requirements)
    shall = Counter(r.verdict.value for r in requirements if r.level == "SHALL")
    states = Counter(t.state.value for t in tests)
    totals = Totals(
        requirements=len(requirements),
        verdicts={v.value: verdicts[v.value] for v in Verdict},
        gating_failures=sum(1 for r in requirements if r.gating),
        tests=len(tests),
        test_states={s.value: states[s.value] for s in TestState},
    )
    verdict = OverallVerdict(
        overall=Overall.FAIL if totals.gating_failures else Overall.CONDITIONAL,
        shall={v.value: shall[v.value] for v in Verdict},
        reasons=(
            "1 yêu cầu cần xác nhận / 1 attestation pending",
            "1 yêu cầu đạt một phần / 1 requirement partly verified",
            "1 yêu cầu chưa kiểm tra / 1 requirement not tested",
        ),
    )
    attestations = tuple(
        Attestation(r.id, r.citation, r.level, r.summary_en, "Only a document review shows it.", r.evidence)
        for r in requirements
        if r.verdict is Verdict.ATTESTATION_REQUIRED
    )
    report = Report(
        run=dataclasses.replace(_run(), **run_over),
        conformant=not totals.gating_failures,
        verdict=dataclasses.replace(verdict, **verdict_over),
        totals=dataclasses.replace(totals, **totals_over),
        articles=articles,
        attestations=attestations,
        signing=dataclasses.replace(Signing(FINGERPRINT, "ES256", authority=False), **signing_over),
        **report_over,
    )
    return Report.from_json(report.to_json())
