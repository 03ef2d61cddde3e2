"""`dvc-harness certify`: real runs against the bundled reference portal (narrowed with the hidden `--select`),
the documented exit codes for bad input, and the verdict rules of the report model."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from harness.reporting import (
    AttestationRecord,
    Report,
    ReportFormatError,
    RunContext,
    TestOutcome,
    TestState,
    Verdict,
    build_report,
    judge,
    sha256_file,
)
from harness.reporting.verdicts import LoadJudgement, assess
from harness.requirements import load_catalogue
from harness.signing import verify_directory

SEED = "20261125"
#: quick tests of the real suites: the dossier code format, and one packet rule over the run's traffic
PASSING = ("TT01-D19-DOSSIER-CODE", "FMT-DATETIME")


def certify(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "certify", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def select(*ids: str) -> list[str]:
    return [word for rid in ids for word in ("--select", rid)]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def passing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    cwd = tmp_path_factory.mktemp("certify")
    return certify(cwd, "--seed", SEED, "--json", *select(*PASSING)), cwd


def test_a_passing_selection_exits_0_and_writes_every_file(
    passing_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, cwd = passing_run
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    directory = Path(summary["directory"])
    assert directory.parent == cwd / "reports"  # the default: reports/<run-id>/ under the working directory
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{4}", summary["run_id"]) and directory.name == summary["run_id"]
    assert summary["report"] == str(directory / "report.json") and summary["conformant"] is True
    assert summary["exit_code"] == 0 and summary["totals"]["gating_failures"] == 0
    for name in ("junit.xml", "evidence.ndjson", "report.json", "report.html", "pytest.log", "certificate.pdf"):
        assert (directory / name).is_file(), name
    for name in ("manifest.json", "manifest.jws"):
        assert (directory / name).is_file(), name
    assert "running 2 conformance test(s)" in result.stderr and "no SHALL requirement failed" in result.stderr


def test_the_report_json_validates_against_the_model_and_its_hashes_are_right(
    passing_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    document = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    report = Report.from_json(document)
    assert report.to_json() == document
    artefacts = {"junit.xml", "evidence.ndjson", "report.html", "pytest.log", "certificate.pdf"}
    assert set(report.integrity.files) == artefacts
    for name, digest in report.integrity.files.items():
        assert sha256_file(directory / name) == digest, name
    run = report.run
    assert run.seed == int(SEED) and run.profile == "tt22-2019" and run.selection == PASSING
    assert run.reproduce == f"dvc-harness certify --seed {SEED} --profile tt22-2019 " + " ".join(select(*PASSING))
    assert run.sut_name == "dvc-harness reference portal" and run.sut["sut"]["control_token"] == "***"
    assert run.national_url.startswith("http://127.0.0.1:") and run.pytest_exit_code == 0
    verdicts = {r.id: r for r in report.requirements}
    assert verdicts.keys() == {r.id for r in load_catalogue().for_profile("tt22-2019")}
    assert all(verdicts[rid].verdict is Verdict.PASS for rid in PASSING)
    assert verdicts["TT22-D4-K2"].verdict is Verdict.NOT_TESTED
    assert verdicts["TT22-D4-K2"].note == "not selected in this run (--select)"
    attest = [r for r in report.requirements if r.verdict is Verdict.ATTESTATION_REQUIRED]
    assert attest and {a.requirement for a in report.attestations} >= {r.id for r in attest}
    assert report.totals.tests == 2 and report.totals.test_states["pass"] == 2


def test_the_html_is_self_contained_and_names_every_requirement(
    passing_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    page = (directory / "report.html").read_text(encoding="utf-8")
    report = Report.from_json(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    for requirement in report.requirements:
        assert f'id="{requirement.id}"' in page
    assert "TT 22/2019/TT-BTTTT — Điều 4" in page and report.run.run_id in page and report.run.reproduce in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # no external assets
    assert "<script" not in page and "@import" not in page


def test_the_run_directory_is_signed_and_every_tampered_file_is_detected(
    passing_run: tuple[subprocess.CompletedProcess[str], Path], tmp_path: Path
) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    report = Report.from_json(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    checked = verify_directory(directory)
    assert checked.ok and checked.fingerprint == report.signing.key_fingerprint and not report.signing.authority
    files = sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
    assert {"report.json", "report.html", "certificate.pdf", "junit.xml", "evidence.ndjson"} <= set(files)
    for name in files:
        if name in ("manifest.json", "manifest.jws"):
            continue
        copy = tmp_path / name.replace("/", "_")
        shutil.copytree(directory, copy)
        target = copy / name
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        assert [p.split(" — ")[0] for p in verify_directory(copy).problems] == [f"CHANGED {name}"], name
        shutil.rmtree(copy)


def test_every_judged_exchange_is_beside_the_report(
    passing_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    report = Report.from_json(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    judged = {r.id: r for r in report.requirements}["FMT-DATETIME"]
    assert judged.verdict is Verdict.PASS and judged.exchanges
    for seq in judged.exchanges:
        row = json.loads((directory / "exchanges" / f"{seq:06d}.json").read_text(encoding="utf-8"))
        assert row["seq"] == seq and row["channel"] in ("dvcqg", "payment")
    page = (directory / "report.html").read_text(encoding="utf-8")
    assert f'href="exchanges/{judged.exchanges[0]:06d}.json"' in page


def test_the_page_and_the_certificate_are_vietnamese_first(
    passing_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    from pypdf import PdfReader

    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    report = Report.from_json(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    page = (directory / "report.html").read_text(encoding="utf-8")
    assert '<html lang="vi"' in page and report.verdict.label_vi in page
    pdf = PdfReader(directory / "certificate.pdf")
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert report.verdict.label_vi in text and report.run.run_id in text
    assert report.signing.key_fingerprint in text.replace("\n", "")


def test_junit_and_evidence_are_the_runs(passing_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    cases = ET.parse(directory / "junit.xml").getroot().iter("testcase")
    requirements = {p.get("value") for case in cases for p in case.iter("property") if p.get("name") == "requirement"}
    assert set(PASSING) <= requirements
    text = (directory / "evidence.ndjson").read_text(encoding="utf-8")
    exchanges = [json.loads(line) for line in text.splitlines()]
    assert any(row["service"] == "DongBoHoSoMC" for row in exchanges)
    assert '"password":"***"' in text and '"password":"demo"' not in text  # redacted


def test_a_conformance_failure_exits_3_and_the_report_shows_the_failing_test(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = certify(
        tmp_path, "--out", str(out), "--seed", SEED, "--reference-defect", "dates-iso", *select("FMT-DATETIME")
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "1 conformance failure(s)" in result.stdout and "FMT-DATETIME" in result.stdout
    report = Report.from_json(json.loads((out / "report.json").read_text(encoding="utf-8")))
    (failed,) = [r for r in report.requirements if r.verdict is Verdict.FAIL]
    assert failed.id == "FMT-DATETIME" and failed.gating and not report.conformant
    assert "break FMT-DATETIME" in failed.failing_tests[0].message
    assert report.run.reference_defects == ("dates-iso",) and report.partial_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "1 conformance failure(s)" in page and "This report certifies nothing" in page
    assert "break FMT-DATETIME" in page and failed.failing_tests[0].nodeid in page


def test_refused_dossier_packets_block_the_dependents_and_lead_with_the_root_cause(tmp_path: Path) -> None:
    out = tmp_path / "out"
    chosen = select("TT01-D17-PUSH-STATUS", "SYNC-STATUS-EVERY-CHANGE", "SYNC-PROGRESS-AFTER-DOSSIER")
    result = certify(tmp_path, "--out", str(out), "--seed", SEED, "--reference-defect", "dates-iso", *chosen)
    assert result.returncode == 3, result.stdout + result.stderr
    report = Report.from_json(json.loads((out / "report.json").read_text(encoding="utf-8")))
    (cause,) = report.root_causes
    assert cause.requirement == "TT01-D17-PUSH-STATUS" and "FMT-DATETIME" in cause.message
    verdicts = {r.id: r for r in report.requirements}
    for blocked in ("SYNC-STATUS-EVERY-CHANGE", "SYNC-PROGRESS-AFTER-DOSSIER"):
        assert verdicts[blocked].verdict is Verdict.BLOCKED and verdicts[blocked].blocked_by == cause.requirement
        assert blocked in cause.blocked
    assert report.verdict.overall.value == "fail" and report.verdict.label_vi == "KHÔNG ĐẠT"
    console = result.stdout
    assert console.index("Root causes") < console.index("TT01-D17-PUSH-STATUS") < console.index("verdict ")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("Nguyên nhân gốc") < page.index('id="SYNC-STATUS-EVERY-CHANGE"')


def test_an_expected_deviation_keeps_the_run_green(tmp_path: Path) -> None:
    deviations = tmp_path / "deviations.toml"
    deviations.write_text('[[deviation]]\nrequirement = "FMT-DATETIME"\nreason = "ticket DVC-1"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = certify(
        tmp_path, "--out", str(out), "--expected-deviations", str(deviations), "--reference-defect", "dates-iso",
        *select("FMT-DATETIME"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = Report.from_json(json.loads((out / "report.json").read_text(encoding="utf-8")))
    (deviation,) = [r for r in report.requirements if r.verdict is Verdict.DEVIATION]
    assert deviation.id == "FMT-DATETIME" and deviation.note == "expected deviation: ticket DVC-1"
    assert report.run.expected_deviations == {"FMT-DATETIME": "ticket DVC-1"}


def test_the_draft_tt21_profile_certifies_and_says_it_is_a_draft(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = certify(tmp_path, "--out", str(out), "--profile", "tt21-2023", *select("TT21-D5-K1-CATALOGUE"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = Report.from_json(json.loads((out / "report.json").read_text(encoding="utf-8")))
    assert report.run.profile == "tt21-2023" and "DỰ THẢO" in report.run.profile_title
    verdicts = {r.id: r.verdict for r in report.requirements}
    assert verdicts.keys() == {r.id for r in load_catalogue().for_profile("tt21-2023")}
    assert "TT22-D3-K1" not in verdicts  # the one TT 22/2019 criterion the successor is known to replace
    assert verdicts["TT21-D5-K1-CATALOGUE"] is Verdict.PASS
    assert verdicts["TT21-D5-K1-PAKN"] is Verdict.ATTESTATION_REQUIRED
    assert "DỰ THẢO" in (out / "report.html").read_text(encoding="utf-8")


def test_a_broken_sut_toml_exits_2_with_one_line(tmp_path: Path) -> None:
    sut = tmp_path / "sut.toml"
    sut.write_text("[sut\nname = ", encoding="utf-8")
    result = certify(tmp_path, "--sut", str(sut))
    assert result.returncode == 2
    assert one_line(result).startswith(f"dvc-harness: SUT description {sut} is not valid TOML")
    assert not (tmp_path / "reports").exists()


def test_an_unreachable_sut_exits_4_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sut = tmp_path / "sut.toml"
    sut.write_text(
        f'[sut]\nname = "Closed"\nbase_url = "http://127.0.0.1:{port}"\ncontrol_token = "t"\n'
        '[national]\nusername = "demo"\npassword = "demo"\nmadonvi = "000.00.00.H56"\n',
        encoding="utf-8",
    )
    result = certify(tmp_path, "--sut", str(sut), "--out", str(tmp_path / "out"))
    assert result.returncode == 4
    line = one_line(result)
    assert line.startswith(f"dvc-harness: the SUT 'Closed' ({sut}) is unreachable: ")
    assert f"127.0.0.1:{port}" in line and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--mock-url", "http://127.0.0.1:9"], 4, "the national mock at http://127.0.0.1:9 is unreachable"),
        (["--mock-url", "localhost:8787"], 2, "--mock-url localhost:8787: not an http(s) URL"),
        (["--select", "NOPE-X"], 2, "--select NOPE-X: not a requirement ID of the catalogue"),
        (["--profile", "nope"], 2, "unknown regulation profile 'nope'"),
        (["--seed", "x"], 2, "'x' is not a valid integer"),
        (["--reference-defect", "nope"], 2, "unknown defect switch(es) nope"),
        (["--expected-deviations", "missing.toml"], 2, "expected-deviations file missing.toml does not exist"),
        (["--sign-key", "missing.jwk"], 2, "missing.jwk"),
        (["--load-result", "missing.json"], 2, "--load-result missing.json: cannot be read"),
    ],
)
def test_bad_input_is_one_line_and_the_right_exit_code(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = certify(tmp_path, *args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "reports").exists()


def test_suites_that_pytest_cannot_run_exit_4_with_the_reason(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "test_broken.py").write_text("import module_that_does_not_exist\n", encoding="utf-8")
    out = tmp_path / "out"
    result = certify(tmp_path, "--out", str(out), env={"DVC_HARNESS_SUITES": str(suites)})
    assert result.returncode == 4
    line = one_line(result)
    assert line.startswith("dvc-harness: the conformance run stopped (pytest exit 2): ERROR suites/test_broken.py: ")
    assert "No module named 'module_that_does_not_exist'" in line and str(out / "pytest.log") in line
    assert not (out / "report.json").exists()


def test_an_existing_report_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{}", encoding="utf-8")
    result = certify(tmp_path, "--out", str(tmp_path))
    assert result.returncode == 2 and "already holds a report (report.json)" in one_line(result)
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "{}"


# --- the verdict rules and the model, without a run ---------------------------------------------------------


def outcome(state: TestState, message: str = "", **fields: Any) -> TestOutcome:
    """A test outcome; a pass observed a step unless `steps=()` or `exchanges=` says otherwise."""
    fields.setdefault("steps", ("POST /_control/dossiers → 201",) if state is TestState.PASS else ())
    return TestOutcome(f"suites/test_x.py::test_{state.value}", state, ("X",), message, **fields)


@pytest.mark.parametrize(
    ("testability", "states", "verdict"),
    [
        ("automated", [TestState.PASS, TestState.FAIL], Verdict.FAIL),
        ("automated", [TestState.PASS, TestState.ERROR], Verdict.FAIL),
        ("automated", [TestState.DEVIATION, TestState.PASS], Verdict.DEVIATION),
        ("automated", [TestState.PASS, TestState.SKIP], Verdict.PASS),
        ("partial", [TestState.PASS], Verdict.PARTIAL),
        ("automated", [TestState.OMIT, TestState.OMIT], Verdict.OMITTED),
        ("automated", [TestState.SKIP], Verdict.NOT_TESTED),
        ("automated", [], Verdict.NOT_TESTED),
        ("attestation", [], Verdict.ATTESTATION_REQUIRED),
        ("not_tested", [], Verdict.NOT_TESTED),
    ],
)
def test_verdict_rules(testability: str, states: list[TestState], verdict: Verdict) -> None:
    catalogue = load_catalogue()
    requirement = next(r for r in catalogue if r.testability.value == testability)
    assert judge(requirement, [outcome(s) for s in states])[0] is verdict


def test_verdict_notes_say_why() -> None:
    requirement = next(r for r in load_catalogue() if r.testability.value == "automated")
    assert judge(requirement, [outcome(TestState.PASS), outcome(TestState.FAIL)]) == (
        Verdict.FAIL,
        "1 of 2 test(s) failed",
    )
    assert judge(requirement, [outcome(TestState.SKIP, "applies to no packet")])[1] == "skipped: applies to no packet"
    assert judge(requirement, [], selected=False)[1] == "not selected in this run (--select)"
    assert judge(requirement, [])[1] == "no conformance test verifies it yet"
    assert "remove it from the file" in judge(requirement, [outcome(TestState.PASS)], deviation="ticket")[1]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.update(extra=1), "$: unknown key(s) 'extra'"),
        (lambda d: d["run"].pop("seed"), "$.run: missing key 'seed'"),
        (lambda d: d["run"].update(seed="7"), "$.run.seed: expected an integer"),
        (lambda d: d["articles"][0]["requirements"][0].update(verdict="ok"), "$.articles[0].requirements[0].verdict"),
        (lambda d: d.update(version=99), "not a dvc-harness/certification-report version 2 document"),
    ],
)
def test_a_report_that_does_not_match_the_model_is_refused(
    passing_run: tuple[subprocess.CompletedProcess[str], Path], change: Any, error: str
) -> None:
    directory = Path(json.loads(passing_run[0].stdout)["directory"])
    document = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    change(document)
    with pytest.raises(ReportFormatError) as raised:
        Report.from_json(document)
    assert str(raised.value).startswith(error) or error in str(raised.value)


def test_only_failed_shall_requirements_and_untagged_failures_gate_the_run() -> None:
    def test(nodeid: str, state: str, *requirements: str) -> dict[str, Any]:
        return {"nodeid": nodeid, "requirements": list(requirements), "state": state, "message": "", "duration_s": 0}

    results = {
        "tests": [
            test("t::shall", "fail", "FMT-DATETIME"),
            test("t::should", "fail", "FMT-PHONE"),
            test("t::outside-the-profile", "fail", "TT21-D5-K1-AUTH"),
            test("t::untagged", "fail"),
            test("t::omitted", "omit", "PAY-INIT-FIELDS"),
        ],
        "sut": {"sut": {"name": "Acme"}},
    }
    now = datetime.now(UTC)
    context = RunContext(run_id="r", seed=1, reproduce="dvc-harness certify --seed 1", started_at=now, finished_at=now)
    report = build_report(load_catalogue(), "tt22-2019", results, context)
    verdicts = {r.id: r for r in report.requirements}
    assert verdicts["FMT-DATETIME"].gating and not verdicts["FMT-PHONE"].gating
    assert verdicts["FMT-PHONE"].verdict is Verdict.FAIL and verdicts["PAY-INIT-FIELDS"].verdict is Verdict.OMITTED
    assert [t.nodeid for t in report.other_tests] == ["t::outside-the-profile", "t::untagged"]
    assert report.totals.gating_failures == 2 and not report.conformant
    assert report.totals.verdicts["fail"] == 2 and report.totals.test_states == {
        "pass": 0, "fail": 4, "error": 0, "skip": 0, "omit": 1, "deviation": 0, "blocked": 0,
    }  # fmt: skip
    assert report.verdict.overall.value == "fail" and report.verdict.label_vi == "KHÔNG ĐẠT"
    assert report.run.sut_name == "Acme" and Report.from_json(report.to_json()) == report


# --- evidence, levels, blocked, overall ---------------------------------------------------------------------


def automated() -> Any:
    return next(r for r in load_catalogue().for_profile("tt22-2019") if r.testability.value == "automated")


def test_a_pass_that_observed_nothing_is_not_tested() -> None:
    requirement = automated()
    verdict, note = judge(requirement, [outcome(TestState.PASS, steps=())])
    assert verdict is Verdict.NOT_TESTED and note.startswith("nothing observed")
    assert judge(requirement, [outcome(TestState.PASS, steps=(), exchanges=(7,))])[0] is Verdict.PASS


def test_a_partial_link_gives_partial_with_what_stays_unverified() -> None:
    requirement = automated()
    only_partial = outcome(TestState.PASS, partial={requirement.id: "the viewport tag only"})
    judgement = assess(requirement, [only_partial])
    assert judgement.verdict is Verdict.PARTIAL and judgement.unverified == ("the viewport tag only",)
    assert "the viewport tag only" in judgement.note
    assert assess(requirement, [only_partial, outcome(TestState.PASS)]).verdict is Verdict.PASS


def test_blocked_tests_give_blocked_naming_the_root_cause() -> None:
    blocked = outcome(TestState.BLOCKED, "blocked by TT01-D17-PUSH-STATUS: ...", blocked_by="TT01-D17-PUSH-STATUS")
    judgement = assess(automated(), [blocked])
    assert judgement.verdict is Verdict.BLOCKED and judgement.blocked_by == "TT01-D17-PUSH-STATUS"


def _report(*tests: dict[str, Any], **context: Any) -> Report:
    now = datetime.now(UTC)
    results = {"tests": list(tests), "sut": {"sut": {"name": "Acme"}}, "root_causes": context.pop("causes", [])}
    run_context = RunContext(run_id="r", seed=1, reproduce="x", started_at=now, finished_at=now, **context)
    return build_report(load_catalogue(), "tt22-2019", results, run_context)


def _test(nodeid: str, state: str, *requirements: str, **fields: Any) -> dict[str, Any]:
    return {"nodeid": nodeid, "requirements": list(requirements), "state": state, "message": "", **fields}


def test_the_overall_verdict_is_conditional_while_anything_is_pending_and_lists_why() -> None:
    report = _report(_test("t::a", "pass", "FMT-DATETIME", exchanges=[3, 4]))
    assert report.conformant and report.verdict.overall.value == "conditional"
    assert report.verdict.label_vi == "ĐẠT CÓ ĐIỀU KIỆN"
    assert any("SHALL requirement(s) need the officer's attestation" in reason for reason in report.verdict.reasons)
    assert {r.id: r for r in report.requirements}["FMT-DATETIME"].exchanges == (3, 4)
    assert sum(report.verdict.shall.values()) == sum(1 for r in report.requirements if r.level == "SHALL")


def test_the_overall_verdict_is_pass_only_when_every_shall_requirement_passed() -> None:
    view = load_catalogue().for_profile("tt22-2019")
    tests = [_test(f"t::{r.id}", "pass", r.id, steps=["GET / → 200"]) for r in view if r.level.value == "SHALL"]
    records = tuple(
        AttestationRecord(r.id, "Officer", "pass", "2026-12-07T10:00:00+00:00")
        for r in view
        if r.level.value == "SHALL" and r.testability.value != "automated"
    )
    report = _report(*tests, attested=records)
    assert report.verdict.overall.value == "pass", report.verdict.reasons
    assert report.verdict.label_vi == "ĐẠT"


def test_root_causes_list_the_requirements_they_blocked() -> None:
    cause = {"prerequisite": "dossier-sync", "nodeid": "t::pre", "requirements": ["TT01-D17-PUSH-STATUS"]}
    report = _report(
        _test("t::pre", "fail", "TT01-D17-PUSH-STATUS"),
        _test("t::dep", "blocked", "SYNC-FINAL-STATE", blocked_by="TT01-D17-PUSH-STATUS", message="blocked by ..."),
        causes=[{**cause, "message": "refused"}],
    )
    assert [(c.requirement, c.blocked) for c in report.root_causes] == [("TT01-D17-PUSH-STATUS", ("SYNC-FINAL-STATE",))]
    assert report.verdict.overall.value == "fail"


def test_a_load_run_at_the_profiles_level_decides_the_load_requirements() -> None:
    smoke = _test(
        "t::smoke",
        "pass",
        "TT22-D7-PERF-RESPONSE",
        steps=["Locust smoke"],
        partial={"TT22-D7-PERF-RESPONSE": "smoke scale: 10 users"},
    )
    verdicts = {r.id: r for r in _report(smoke).requirements}
    assert verdicts["TT22-D7-PERF-RESPONSE"].verdict is Verdict.PARTIAL
    at_level = {"TT22-D7-PERF-RESPONSE": LoadJudgement(passed=True, at_scale=True, message="mean 0.4 s at 1000")}
    passed = {r.id: r for r in _report(smoke, load=at_level).requirements}["TT22-D7-PERF-RESPONSE"]
    assert passed.verdict is Verdict.PASS
    too_small = {"TT22-D7-PERF-RESPONSE": LoadJudgement(passed=True, at_scale=False, message="at 50 users")}
    below = {r.id: r for r in _report(smoke, load=too_small).requirements}["TT22-D7-PERF-RESPONSE"]
    assert below.verdict is Verdict.PARTIAL and any("below the profile's level" in u for u in below.unverified)
    failed = {"TT22-D7-PERF-RESPONSE": LoadJudgement(passed=False, at_scale=True, message="mean 4 s")}
    assert {r.id: r for r in _report(smoke, load=failed).requirements}["TT22-D7-PERF-RESPONSE"].verdict is Verdict.FAIL
