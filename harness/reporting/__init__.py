"""Certification reports: run the conformance suites, judge every requirement of a regulation profile, and write
report.json (the typed model below), report.html, junit.xml and evidence.ndjson with their sha256.

- `certify(CertifyOptions(...), progress)` → `CertifyResult` (`.report`, `.directory`, `.exit_code`).
- `Report.from_json(data)` rebuilds (validates) a report.json; `Report.to_json()` writes one.
- `collect_tagged_tests(dir)` and `suite_coverage(catalogue, profile, collected)`: which requirements the suites'
  `@pytest.mark.req` tags cover (`dvc-harness requirements coverage`).

Guide: docs/certify.md.
"""

from __future__ import annotations

from harness.reporting._codec import ReportFormatError
from harness.reporting._collect import CollectedSuites, collect_tagged_tests, suite_coverage
from harness.reporting._html import render_html
from harness.reporting._integrity import sha256_file
from harness.reporting._runner import Progress
from harness.reporting._suites import suites_dir
from harness.reporting.certify import CertifyOptions, CertifyResult, certify, new_run_id
from harness.reporting.model import (
    ArticleGroup,
    Attestation,
    AttestationRecord,
    Integrity,
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
from harness.reporting.verdicts import RunContext, assess, build_report, judge

__all__ = [
    "ArticleGroup",
    "Attestation",
    "AttestationRecord",
    "CertifyOptions",
    "CertifyResult",
    "CollectedSuites",
    "Integrity",
    "Overall",
    "OverallVerdict",
    "Progress",
    "Report",
    "ReportFormatError",
    "RequirementVerdict",
    "RootCause",
    "RunContext",
    "RunInfo",
    "Signing",
    "TestOutcome",
    "TestState",
    "Totals",
    "Verdict",
    "assess",
    "build_report",
    "certify",
    "collect_tagged_tests",
    "judge",
    "new_run_id",
    "render_html",
    "sha256_file",
    "suite_coverage",
    "suites_dir",
]
