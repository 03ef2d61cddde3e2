"""Test the harness with the harness: the conformance suites pass against the reference portal, and for
every defect switch of the portal they fail, with a failing test naming a requirement the defect's
catalogue entry expects (the kill matrix).

Each case runs `pytest suites/` in a subprocess (a real conformance run: its own mock and portal on
loopback), restricted with `--req` to the tests of the expected requirements so the matrix stays fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reference_portal.defects import defect_catalogue

ROOT = Path(__file__).resolve().parents[2]
DEFECTS = sorted(defect_catalogue())
#: the defects the default test run kills, one per area (the first by id); the whole matrix is `-m slow`, which
#: CI runs after the README's test command, so every switch is still killed on every change that lands
SAMPLE = frozenset(
    min(d for d in DEFECTS if defect_catalogue()[d].area == area)
    for area in {x.area for x in defect_catalogue().values()}
)


def run_suites(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pytest", str(ROOT / "suites"), "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        "--dvc-report", str(report), "--dvc-seed", "20261125", "-o", "addopts=", *args,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"tests": []}
    return done.returncode, data, done.stdout[-6000:] + done.stderr[-3000:]


def test_the_suites_pass_against_the_reference_portal(tmp_path: Path) -> None:
    code, report, output = run_suites(tmp_path)
    failed = [t for t in report["tests"] if t["state"] in ("fail", "error")]
    assert code == 0 and not failed, output
    assert report["seed"] == 20261125
    states = {t["state"] for t in report["tests"]}
    assert "pass" in states and len(report["tests"]) >= 20


@pytest.mark.parametrize(
    "defect_id", [pytest.param(d, marks=() if d in SAMPLE else pytest.mark.slow, id=d) for d in DEFECTS]
)
def test_the_suites_kill_the_defect(defect_id: str, tmp_path: Path) -> None:
    defect = defect_catalogue()[defect_id]
    selection = [arg for rid in defect.requirements for arg in ("--dvc-req", rid)]
    # -x: every selected test names an expected requirement, so the first failure is the kill (a defect that
    # stops sync would otherwise make each selected test wait out its timeout)
    code, report, output = run_suites(tmp_path, "-x", "--dvc-reference-defect", defect_id, *selection)
    failed = [t for t in report["tests"] if t["state"] in ("fail", "error")]
    named = {rid for t in failed for rid in t["requirements"]}
    assert code == 1, f"the suites did not fail with defect {defect_id} on (exit {code}):\n{output}"
    assert named & set(defect.requirements), (
        f"defect {defect_id}: failing tests name {sorted(named)}, expected one of {list(defect.requirements)}\n{output}"
    )
