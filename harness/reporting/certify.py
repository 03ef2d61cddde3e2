"""A certification run: preflight, the suites in a child pytest, then report.json, report.html, certificate.pdf,
junit.xml, evidence.ndjson, pytest.log and `exchanges/<seq>.json` (each exchange a verdict rests on) in one
directory (`reports/<run-id>/` by default), signed as a whole: manifest.json and manifest.jws.

Exit codes (docs/certify.md): 0 no SHALL requirement failed; 2 configuration; 3 conformance failures; 4 the SUT or
mock unreachable, or pytest itself failed.
"""

from __future__ import annotations

import json
import random
import secrets
import shlex
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harness.core.errors import HarnessError, UsageError
from harness.reporting._certificate import render_certificate
from harness.reporting._exchanges import write_exchanges
from harness.reporting._html import render_html
from harness.reporting._integrity import integrity_of
from harness.reporting._preflight import (
    ARTEFACTS,
    Checked,
    check_configuration,
    check_mock,
    check_out_dir,
    check_reference_defects,
    check_sut,
)
from harness.reporting._runner import Progress, failure_line, run_pytest
from harness.reporting._suites import base_args, suites_dir
from harness.reporting.model import Report, Signing
from harness.reporting.verdicts import LoadJudgement, RunContext, build_report
from harness.signing import SigningKey, ephemeral_key, load_signing_key, sign_directory
from harness.sut._operator import Operator
from harness.sut._relay import OperatorRelay

DEFAULT_ROOT = Path("reports")


@dataclass(frozen=True)
class CertifyOptions:
    sut_file: str | None = None
    out_dir: str | None = None
    seed: int | None = None
    profile: str | None = None
    mock_url: str | None = None
    expected_deviations: str | None = None
    #: requirement IDs to narrow the run to (passed to pytest as --req)
    selection: tuple[str, ...] = ()
    #: self-tests: defect switches of the embedded reference portal
    reference_defects: tuple[str, ...] = ()
    #: the private JWK that signs the run directory; without it a per-run key (not an authority's signature)
    sign_key: str | None = None
    #: a load run's result (`LoadResult` JSON) that judges the Điều 7 requirements defined at a load level
    load_result: str | None = None
    #: the port of the national mock the run starts (None: 8787 for a SUT named by sut.toml, else a free one)
    mock_port: int | None = None
    #: interactive mode's front end: "terminal" or "jsonl" (a tester performs each step); None: `[control] mode`
    interactive: str | None = None


@dataclass(frozen=True)
class CertifyResult:
    report: Report
    directory: Path

    @property
    def exit_code(self) -> int:
        return 0 if self.report.conformant else 3

    @property
    def report_json(self) -> Path:
        return self.directory / "report.json"

    @property
    def report_html(self) -> Path:
        return self.directory / "report.html"


def new_run_id(now: datetime | None = None) -> str:
    """`20261125T200102Z-3f9a`: the UTC start time and a short random suffix."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def _given(options: CertifyOptions) -> list[tuple[str, str]]:
    """The options given that the suites' pytest takes under the same name, as (flag, value)."""
    pairs = [
        ("--sut", options.sut_file),
        ("--mock-url", options.mock_url),
        ("--mock-port", None if options.mock_port is None else str(options.mock_port)),
        ("--expected-deviations", options.expected_deviations),
        *(("--reference-defect", defect) for defect in options.reference_defects),
    ]
    return [(flag, value) for flag, value in pairs if value]


def reproduce_command(options: CertifyOptions, seed: int, profile: str) -> str:
    words = ["dvc-harness", "certify", "--seed", str(seed), "--profile", profile]
    words += [word for rid in options.selection for word in ("--select", rid)]
    words += [word for pair in _given(options) for word in pair]
    return shlex.join(words)


@dataclass(frozen=True)
class Prepared:
    """What the preflight read: the configuration, the report directory, the signing key, the load verdicts."""

    checked: Checked
    directory: Path
    key: SigningKey
    authority: bool
    load: dict[str, LoadJudgement]
    load_result: dict[str, object]


def preflight(options: CertifyOptions, run_id: str) -> Prepared:
    """Everything that can be checked before the run; raises with the right exit code."""
    directory = (Path(options.out_dir) if options.out_dir else DEFAULT_ROOT / run_id).absolute()
    check_out_dir(directory)
    checked = check_configuration(options.profile, options.selection, options.expected_deviations, options.sut_file)
    check_reference_defects(options.reference_defects, options.sut_file)
    key = load_signing_key(options.sign_key) if options.sign_key else ephemeral_key()
    load: dict[str, LoadJudgement] = {}
    load_result: dict[str, object] = {}
    if options.load_result:
        from harness.reporting._load import judge_load

        load, load_result = judge_load(options.load_result, checked.catalogue.profile(checked.profile))
    if options.mock_url:
        check_mock(options.mock_url)
    if checked.sut is not None and not (options.interactive or checked.sut.interactive):
        check_sut(checked.sut)  # interactive: no control API to ask; the first step proves the SUT is there
    return Prepared(checked, directory, key, bool(options.sign_key), load, load_result)


def interactive_mode(options: CertifyOptions, checked: Checked) -> str | None:
    """The front end of a run a tester plays: `--interactive[=jsonl]`, else "terminal" for `[control] mode =
    "interactive"`, else None (the control API)."""
    if options.interactive:
        return options.interactive
    return "terminal" if checked.sut is not None and checked.sut.interactive else None


def certify(
    options: CertifyOptions, progress: Progress | None = None, operator: Operator | None = None
) -> CertifyResult:
    """One certification run. In interactive mode `operator` is the tester's front end (terminal or JSON lines),
    reached by the suites' process through a loopback relay."""
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    prepared = preflight(options, run_id)
    if interactive_mode(options, prepared.checked) is not None and operator is None:
        raise UsageError("interactive mode needs an operator front end (dvc-harness certify --interactive)")
    if operator is None:
        return _run(options, progress, prepared, started, run_id, None)
    with OperatorRelay(operator) as relay:  # started: the suites' process connects to it
        return _run(options, progress, prepared, started, run_id, relay)


def _run(
    options: CertifyOptions,
    progress: Progress | None,
    prepared: Prepared,
    started: datetime,
    run_id: str,
    relay: OperatorRelay | None,
) -> CertifyResult:
    checked, directory = prepared.checked, prepared.directory
    suites = suites_dir()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dvc-certify-") as tmp:
        results_file = Path(tmp) / "results.json"
        args = [str(suites), *base_args(suites), "-q", "-p", "no:randomly", *_run_args(options, directory, seed)]
        args += ["--dvc-profile", checked.profile, "--dvc-report", str(results_file)]
        if relay is not None:
            args += ["--dvc-operator", relay.address]
        code = run_pytest(args, log_path=directory / "pytest.log", progress=progress)
        finished = datetime.now(UTC)
        if relay is not None and relay.error is not None:
            _stopped_by_operator(relay.error, results_file, directory)
        results = _read_results(code, results_file, directory, options)
    context = RunContext(
        run_id=run_id,
        seed=seed,
        reproduce=reproduce_command(options, seed, checked.profile),
        started_at=started,
        finished_at=finished,
        selection=options.selection,
        deviations=checked.deviations,
        reference_defects=options.reference_defects,
        pytest_exit_code=code,
        pytest_version=pytest.__version__,
        load=prepared.load,
        load_result=prepared.load_result,
        signing=Signing(prepared.key.fingerprint, prepared.key.algorithm, prepared.authority),
    )
    report = build_report(checked.catalogue, checked.profile, results, context)
    write_exchanges(directory, {seq for r in report.requirements for seq in r.exchanges})
    return CertifyResult(write_report(report, directory, prepared.key), directory)


def write_report(report: Report, directory: Path, key: SigningKey) -> Report:
    """report.html, certificate.pdf and report.json (with the sha256 of the others), then the signed manifest
    over every file of the directory. Also how `dvc-harness attest` re-renders and re-signs a run."""
    pytest_files = integrity_of(directory, ("junit.xml", "evidence.ndjson", "pytest.log")).files
    (directory / "report.html").write_text(render_html(report, pytest_files), encoding="utf-8")
    render_certificate(report, directory / "certificate.pdf")
    report = replace(report, integrity=integrity_of(directory, [name for name in ARTEFACTS if name != "report.json"]))
    (directory / "report.json").write_text(report.dumps(), encoding="utf-8")
    sign_directory(directory, key)
    return report


def _stopped_by_operator(error: Exception, results_file: Path, directory: Path) -> None:
    """The operator left or broke the protocol mid-run: one line, exit 2; what was judged so far stays in the
    suites' results (pytest.log, junit.xml, evidence.ndjson in the report directory)."""
    kept = f"; what was judged so far: {directory}" if results_file.is_file() else ""
    raise UsageError(f"interactive run stopped: {error}{kept}")


def _run_args(options: CertifyOptions, directory: Path, seed: int) -> list[str]:
    args = ["--dvc-seed", str(seed), "--junitxml", str(directory / "junit.xml")]
    args += ["--dvc-evidence", str(directory / "evidence.ndjson")]
    args += [word for rid in options.selection for word in ("--dvc-req", rid)]
    for flag, value in _given(options):  # certify's flag → the plugin's --dvc- flag
        given = str(Path(value).resolve()) if flag in ("--sut", "--expected-deviations") else value
        args += ["--dvc-" + flag.removeprefix("--"), given]
    return args


def _read_results(code: int, results_file: Path, directory: Path, options: CertifyOptions) -> dict[str, object]:
    log = directory / "pytest.log"
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        what = f"the selection {', '.join(options.selection)}" if options.selection else "the suites"
        raise UsageError(f"no conformance test to run for {what} (see {log})")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise HarnessError(f"the conformance run stopped (pytest exit {code}): {failure_line(log)} [log: {log}]")
    if not results_file.is_file():
        raise HarnessError(f"the conformance run wrote no results (see {log})")
    try:
        data: dict[str, object] = json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"the conformance run's results are unreadable: {exc}") from None
    return data
