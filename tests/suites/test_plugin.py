"""The conformance plugin seen from outside: a pytest run in a subprocess, on small suites written here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from mock_portal.server import free_port

ROOT = Path(__file__).resolve().parents[2]

SUITE = """
import pytest

@pytest.mark.req("SYNC-RETRY-NO-LOSS")
def test_passes(dvc_sut, rng):
    from suites._support import applicant

    assert dvc_sut.create_dossier(applicant(rng)).ma_ho_so

@pytest.mark.req("SYNC-PROGRESS-EVERY-STEP")
def test_observes_nothing(dvc_sut):
    assert dvc_sut.health().ok  # a health check is plumbing, not an observation of the SUT

@pytest.mark.req("SYNC-FINAL-STATE", "TT01-D17-PUSH-STATUS")
def test_fails():
    assert False, "the SUT did something wrong"

@pytest.mark.req("SYNC-TRANSITIONS")
@pytest.mark.capability("qa")
def test_needs_a_capability_the_portal_lacks():
    pass

@pytest.mark.req("TT01-D19-SEQUENCE")
def test_seed(dvc_seed, rng):
    print("SEED", dvc_seed, rng.random())
"""
CONFTEST = "from suites.conftest import rng  # noqa: F401\n"


def run(tmp_path: Path, *args: str, suite: str = SUITE) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "mysuite"
    folder.mkdir(exist_ok=True)
    (folder / "test_it.py").write_text(textwrap.dedent(suite), encoding="utf-8")
    (folder / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", str(folder), "-p", "no:cacheprovider", "-o", "addopts=", "-rA", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_results_junit_properties_and_states(tmp_path: Path) -> None:
    done = run(tmp_path, "--junitxml", "junit.xml", "--dvc-report", "report.json", "--dvc-seed", "42")
    assert done.returncode == 1, done.stdout
    assert "seed 42 (reproduce with --dvc-seed 42)" in done.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    states = {t["nodeid"].rsplit("::", 1)[1]: (t["state"], t["requirements"]) for t in report["tests"]}
    assert states["test_passes"] == ("pass", ["SYNC-RETRY-NO-LOSS"])
    assert states["test_observes_nothing"] == ("skip", ["SYNC-PROGRESS-EVERY-STEP"])
    by_name = {t["nodeid"].rsplit("::", 1)[1]: t for t in report["tests"]}
    assert "nothing observed" in by_name["test_observes_nothing"]["message"]
    assert any(re.search(r"^POST \S+/_control/dossiers → 20\d$", s) for s in by_name["test_passes"]["steps"])
    assert not any("/_control/health" in s for t in report["tests"] for s in t["steps"])
    assert states["test_fails"] == ("fail", ["SYNC-FINAL-STATE", "TT01-D17-PUSH-STATUS"])
    assert states["test_needs_a_capability_the_portal_lacks"][0] == "omit"
    assert report["seed"] == 42 and report["sut"]["sut"]["control_token"] == "***"
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "junit.xml").getroot().iter("testcase")}
    properties = [(p.get("name"), p.get("value")) for p in cases["test_fails"].iter("property")]
    assert properties == [("requirement", "SYNC-FINAL-STATE"), ("requirement", "TT01-D17-PUSH-STATUS")]


def test_the_seed_reproduces_generated_data(tmp_path: Path) -> None:
    first = run(tmp_path, "--dvc-seed", "7", "-s", "-k", "seed")
    second = run(tmp_path, "--dvc-seed", "7", "-s", "-k", "seed")
    third = run(tmp_path, "--dvc-seed", "8", "-s", "-k", "seed")

    def printed(done: subprocess.CompletedProcess[str]) -> list[str]:
        return re.findall(r"SEED \d+ [0-9.]+", done.stdout)

    assert printed(first) and printed(first) == printed(second)
    assert printed(first) != printed(third)


def test_expected_deviations_keep_the_run_green(tmp_path: Path) -> None:
    deviations = tmp_path / "deviations.toml"
    deviations.write_text('[[deviation]]\nrequirement = "SYNC-FINAL-STATE"\nreason = "fixed in 2.4"\n')
    done = run(tmp_path, "--expected-deviations", str(deviations), "--dvc-report", "report.json", "-k", "fails")
    assert done.returncode == 0, done.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert [t["state"] for t in report["tests"]] == ["deviation"]
    assert "fixed in 2.4" in done.stdout


def test_unknown_requirement_ids_stop_the_collection(tmp_path: Path) -> None:
    suite = 'import pytest\n@pytest.mark.req("NOT-A-REQUIREMENT")\ndef test_x():\n    pass\n'
    done = run(tmp_path, suite=suite)
    assert done.returncode == 4
    assert "unknown requirement ID(s) NOT-A-REQUIREMENT" in done.stderr + done.stdout


def test_a_malformed_sut_toml_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    sut = tmp_path / "sut.toml"
    sut.write_text('[sut]\nbase_url = "http://127.0.0.1:1"\ncontrol_token = \n')
    done = run(tmp_path, "--sut", str(sut), "--dvc-mock-port", "0", "-k", "passes")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "sut.toml" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_an_unreachable_sut_is_one_clear_line_and_exit_4(tmp_path: Path) -> None:
    port = free_port()
    sut = tmp_path / "sut.toml"
    sut.write_text(
        f'[sut]\nname = "x"\nbase_url = "http://127.0.0.1:{port}"\ncontrol_token = "t"\n'
        '[national]\nusername = "demo"\npassword = "demo"\nmadonvi = "000.00.00.H56"\n'
    )
    done = run(tmp_path, "--sut", str(sut), "--dvc-mock-port", "0", "-k", "passes")
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"127.0.0.1:{port}" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_an_unreachable_mock_url_is_exit_4(tmp_path: Path) -> None:
    done = run(tmp_path, "--mock-url", f"http://127.0.0.1:{free_port()}", "-k", "passes")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "unreachable" in done.stdout + done.stderr


OBSERVING = """
import random

import pytest
from harness.conformance import accepted
from suites._support import applicant


@pytest.fixture(scope="module")
def synced(dvc_sut, dvc_evidence):
    code = dvc_sut.create_dossier(applicant(random.Random(3))).ma_ho_so
    return dvc_evidence.wait_for("DongBoHoSoMC", code, timeout=10, where=accepted, nudge=dvc_sut.flush_sync)


@pytest.mark.req("SYNC-INSERT-VS-UPDATE")
@pytest.mark.req("TT01-D17-PUSH-STATUS", partial="the insert only")
def test_first(synced):
    assert synced["seq"]


@pytest.mark.req("SYNC-FINAL-STATE")
def test_second_shares_the_fixture(synced, dvc_observe):
    dvc_observe.partial("SYNC-FINAL-STATE", "one dossier only")
    assert synced["seq"]
"""


def test_fixture_observations_are_credited_to_every_test_using_it(tmp_path: Path) -> None:
    done = run(tmp_path, "--dvc-report", "report.json", "--dvc-seed", "3", suite=OBSERVING)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = {t["nodeid"].rsplit("::", 1)[1]: t for t in json.loads((tmp_path / "report.json").read_text())["tests"]}
    first, second = tests["test_first"], tests["test_second_shares_the_fixture"]
    assert first["state"] == second["state"] == "pass"
    assert first["exchanges"] and first["exchanges"] == second["exchanges"]
    assert any("/_control/dossiers" in step for step in second["steps"])
    assert first["partial"] == {"TT01-D17-PUSH-STATUS": "the insert only"}
    assert second["partial"] == {"SYNC-FINAL-STATE": "one dossier only"}


PREREQUISITES = """
import pytest


@pytest.mark.req("SYNC-FINAL-STATE")
@pytest.mark.dvc_needs("wired")
def test_dependent(dvc_observe):
    dvc_observe.step("would take long")


@pytest.mark.req("SYNC-TRANSITIONS")
def test_independent(dvc_observe):
    dvc_observe.step("runs anyway")


@pytest.mark.req("TT01-D17-PUSH-STATUS")
@pytest.mark.dvc_prerequisite("wired")
def test_prerequisite():
    assert False, "nothing arrived"
"""


def test_a_failed_prerequisite_blocks_its_dependents_and_runs_first(tmp_path: Path) -> None:
    done = run(tmp_path, "--dvc-report", "report.json", suite=PREREQUISITES)
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    order = [t["nodeid"].rsplit("::", 1)[1] for t in report["tests"]]
    assert order[0] == "test_prerequisite"
    states = {t["nodeid"].rsplit("::", 1)[1]: t for t in report["tests"]}
    assert states["test_dependent"]["state"] == "blocked"
    assert states["test_dependent"]["blocked_by"] == "TT01-D17-PUSH-STATUS"
    assert states["test_independent"]["state"] == "pass"
    assert [(c["prerequisite"], c["requirements"]) for c in report["root_causes"]] == [
        ("wired", ["TT01-D17-PUSH-STATUS"])
    ]
    assert "nothing arrived" in report["root_causes"][0]["message"]


def test_the_plugin_loads_beside_pytest_profiling_and_its_options_have_env_vars(tmp_path: Path) -> None:
    """pytest-profiling (in the test extra, loaded by its entry point) owns --profile; the plugin's options are
    --dvc-*, each also an environment variable."""
    loaded = run(tmp_path, "--help")
    assert loaded.returncode == 0, loaded.stderr
    assert "--profile-svg" in loaded.stdout and "--dvc-profile" in loaded.stdout
    assert "conflicting option" not in loaded.stderr
    env_seed = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "mysuite"), "-p", "no:cacheprovider",
         "-o", "addopts=", "-s", "-k", "seed"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT), "DVC_HARNESS_SEED": "7"}, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    flagged = run(tmp_path, "--dvc-seed", "7", "-s", "-k", "seed")
    seeds = [re.findall(r"SEED \d+ [0-9.]+", done.stdout) for done in (env_seed, flagged)]
    assert seeds[0] and seeds[0] == seeds[1], (env_seed.stdout[-2000:], flagged.stdout[-2000:])
