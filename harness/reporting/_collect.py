"""The suite tests and the requirement IDs they name (`@pytest.mark.req`), by pytest's own collection run
in-process with only the conformance plugin loaded: fast (no third-party plugins), quiet (output swallowed),
and blind to the SUT (nothing starts during collection)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.reporting._suites import base_args
from harness.requirements import CoverageReport, RequirementCatalogue, Testability, coverage


@dataclass(frozen=True)
class CollectedSuites:
    directory: Path
    #: node ID → the requirement IDs its `req` markers name (sorted)
    tests: Mapping[str, tuple[str, ...]]

    def by_requirement(self) -> dict[str, list[str]]:
        """Requirement ID → the node IDs of the tests naming it."""
        found: dict[str, list[str]] = {}
        for nodeid, ids in self.tests.items():
            for rid in ids:
                found.setdefault(rid, []).append(nodeid)
        return found


class _Collector:
    """Records each collected item's `req` IDs, then empties the item list so nothing else runs or reports."""

    def __init__(self) -> None:
        self.tests: dict[str, tuple[str, ...]] = {}
        self.errors: list[str] = []

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        ids = {str(arg) for marker in item.iter_markers("req") for arg in marker.args}
        self.tests[item.nodeid] = tuple(sorted(ids))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
            self.errors.append(f"{report.nodeid or 'collection'}: {lines[-1].strip() if lines else 'error'}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.clear()  # the conformance plugin then has nothing to check: unknown IDs are ours to report


def collect_tagged_tests(directory: Path) -> CollectedSuites:
    """Collect the suites under `directory`; a suite that cannot be collected is a `HarnessError` (exit 4)."""
    collector = _Collector()
    args = [
        "--collect-only",
        "-q",
        "--disable-plugin-autoload",
        "-p",
        "dvc_harness",
        *base_args(directory),
        str(directory),
    ]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main(args, plugins=[collector])
    if collector.errors:
        more = len(collector.errors) - 3
        shown = "; ".join(collector.errors[:3]) + (f" (and {more} more)" if more > 0 else "")
        raise HarnessError(f"cannot collect the suites in {directory}: {shown}")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        errors = [line for line in output.getvalue().splitlines() if "ERROR" in line] or ["(no message)"]
        raise HarnessError(f"cannot collect the suites in {directory} (pytest exit {int(code)}): {errors[-1].strip()}")
    return CollectedSuites(directory, dict(collector.tests))


def suite_coverage(catalogue: RequirementCatalogue, profile: str | None, collected: CollectedSuites) -> CoverageReport:
    """Coverage of a profile: tested by a collected suite test, else attested (an `attestation` requirement,
    whose evidence list is its checklist item), else declared `not_tested`; SHALL requirements with none are
    missing, and IDs the tests name that the catalogue does not know are unknown."""
    view = catalogue.for_profile(profile)
    attested = [r.id for r in view if r.testability is Testability.ATTESTATION and r.evidence]
    return coverage(catalogue, profile, collected.by_requirement(), attested)
