"""A SUT wired to another national side: the run stops before any test with exit 4 naming the URL the mock
listens on (a wiring problem is never a SUT failure); and with the wiring check skipped, the harness's mock sees
none of its packets, so no packet rule may be reported as passed ("nothing observed is never a pass")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.requirements import load_catalogue
from mock_portal.server import free_port, start_in_thread
from reference_portal.config import PortalConfig
from reference_portal.server import running_portal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def portal_elsewhere(tmp_path: Path) -> Iterator[Any]:
    """The reference portal, talking to a national mock of its own (not the one the run starts)."""
    other = start_in_thread()
    try:
        config = PortalConfig(port=0, national_url=other.url, db=str(tmp_path / "portal.sqlite"), sync_poll_s=0.1)
        with running_portal(config) as portal:
            yield portal
    finally:
        other.stop()


def _run_packet_rules(portal: Any, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    base = f"http://127.0.0.1:{portal.config.port}"
    sut = tmp_path / "sut.toml"
    sut.write_text(
        f'[sut]\nname = "Wired elsewhere"\nbase_url = "{base}"\ncontrol_token = "demo-control"\n'
        '[national]\nusername = "demo"\npassword = "demo"\nmadonvi = "000.00.00.H56"\n'
        "[timing]\nsync_delay_s = 1\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pytest", str(ROOT / "suites" / "packets" / "test_run_packets.py"), "-q",
        "-p", "no:cacheprovider", "-o", "addopts=", "--dvc-sut", str(sut), "--dvc-report", str(report), *args,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300
    )
    return done, report


def test_a_sut_wired_elsewhere_stops_the_run_with_exit_4_naming_the_url(portal_elsewhere: Any, tmp_path: Path) -> None:
    port = free_port()
    done, report = _run_packet_rules(portal_elsewhere, tmp_path, "--dvc-mock-port", str(port))
    output = done.stdout + done.stderr
    assert done.returncode == 4, output
    assert f"nothing from the SUT reached the national mock at http://127.0.0.1:{port}" in output
    assert f"set the SUT's DVCQG URL to http://127.0.0.1:{port}/dvcqg" in output
    assert "Traceback" not in output and not json.loads(report.read_text(encoding="utf-8"))["tests"]
    first = output.index(f"Phía quốc gia (mock) / national side: http://127.0.0.1:{port}")
    assert first < output.index("wiring check failed")  # the wiring is printed first


def test_no_packet_rule_passes_when_the_sut_talks_to_another_national_side(
    portal_elsewhere: Any, tmp_path: Path
) -> None:
    done, report = _run_packet_rules(portal_elsewhere, tmp_path, "--dvc-mock-port", "0", "--dvc-skip-wiring-check")
    tests = json.loads(report.read_text(encoding="utf-8"))["tests"]
    assert tests, done.stdout + done.stderr
    packet_rules = {r.id for r in load_catalogue() if r.area.value == "packets"}
    passed = [t["nodeid"] for t in tests if t["state"] == "pass" and packet_rules & set(t["requirements"])]
    assert not passed, f"packet rules passed with nothing observed: {passed}"
    assert any("nothing observed" in t["message"] for t in tests)
