"""`dvc-harness attest`: the officer settles an item; the report is recomputed, rendered and signed again, and
`verify` covers the attachment. A report made by the factory and written as certify writes it (no suite run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.reporting import Report
from harness.reporting.certify import write_report
from harness.signing import ephemeral_key, generate_key_files, verify_directory
from tests.reporting._factory import make_report


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "run"
    directory.mkdir()
    for name in ("junit.xml", "evidence.ndjson", "pytest.log"):
        (directory / name).write_text("x\n", encoding="utf-8")
    write_report(make_report(), directory, ephemeral_key())
    return directory


@pytest.fixture
def officer(tmp_path: Path) -> tuple[Path, Path]:
    return generate_key_files(tmp_path / "keys")


def attest(
    run_dir: Path, key: Path, *extra: str, item: str = "TT22-D9-PL5-ARCH", verdict: str = "pass"
) -> subprocess.CompletedProcess[str]:
    evidence = run_dir.parent / "bien-ban.pdf"
    if not evidence.exists():
        evidence.write_bytes(b"%PDF-1.4 bien ban nghiem thu")
    args = ["attest", str(run_dir), "--item", item, "--file", str(evidence), "--by", "Nguyễn Thị Hà"]
    command = [sys.executable, "-m", "harness", *args, "--verdict", verdict, "--sign-key", str(key), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def read(run_dir: Path) -> Report:
    return Report.from_json(json.loads((run_dir / "report.json").read_text(encoding="utf-8")))


def test_an_attested_item_no_longer_keeps_the_run_conditional(run_dir: Path, officer: tuple[Path, Path]) -> None:
    before = read(run_dir)
    assert before.verdict.overall.value == "conditional"
    done = attest(run_dir, officer[0], "--note", "Đã đối chiếu quyết định phê duyệt")
    assert done.returncode == 0, done.stdout + done.stderr
    after = read(run_dir)
    item = next(r for r in after.requirements if r.id == "TT22-D9-PL5-ARCH")
    assert item.verdict.value == "pass" and item.attested_by == "Nguyễn Thị Hà"
    assert after.totals.verdicts["attestation_required"] == before.totals.verdicts["attestation_required"] - 1
    assert after.verdict.shall["attestation_required"] == 0
    assert not any("attestation" in reason for reason in after.verdict.reasons)
    record = after.attested[0]
    assert record.files[0].path == "attachments/TT22-D9-PL5-ARCH/bien-ban.pdf" and record.verdict == "pass"
    assert after.signing.authority and after.signing.key_fingerprint == record.key_fingerprint
    assert "Nguyễn Thị Hà" in (run_dir / "report.html").read_text(encoding="utf-8")


def test_the_attachment_is_signed_and_covered_by_verify(run_dir: Path, officer: tuple[Path, Path]) -> None:
    assert attest(run_dir, officer[0]).returncode == 0
    public = json.loads(officer[1].read_text(encoding="utf-8"))
    assert verify_directory(run_dir, public).ok
    attached = run_dir / "attachments" / "TT22-D9-PL5-ARCH" / "bien-ban.pdf"
    attached.write_bytes(attached.read_bytes() + b" ")
    problems = verify_directory(run_dir, public).problems
    assert [p.split(" — ")[0] for p in problems] == ["CHANGED attachments/TT22-D9-PL5-ARCH/bien-ban.pdf"]


def test_a_failed_attestation_fails_the_run(run_dir: Path, officer: tuple[Path, Path]) -> None:
    assert attest(run_dir, officer[0], verdict="fail").returncode == 0
    report = read(run_dir)
    assert report.verdict.overall.value == "fail" and not report.conformant


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("item-passed", "from the run's tests"),
        ("unknown-item", "not a requirement of this report"),
        ("tampered", "does not verify"),
        ("public-key", "public key"),
        ("twice", "already there"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    run_dir: Path, officer: tuple[Path, Path], change: str, expected: str
) -> None:
    key, item = officer[0], "TT22-D9-PL5-ARCH"
    if change == "item-passed":
        item = "TT22-D5-K1"
    elif change == "unknown-item":
        item = "TT22-NOPE"
    elif change == "tampered":
        (run_dir / "pytest.log").write_text("edited\n", encoding="utf-8")
    elif change == "public-key":
        key = officer[1]
    elif change == "twice":
        assert attest(run_dir, key).returncode == 0
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()}
    done = attest(run_dir, key, item=item)
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in (done.stdout + done.stderr) and "Traceback" not in (done.stdout + done.stderr)
    assert {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file()} == before
