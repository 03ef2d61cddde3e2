"""The in-process fixtures (respx for httpx, responses for requests) and `dvc-harness mock serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import requests

from mock_portal.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_respx_fixture_routes_httpx_to_the_mock_without_sockets(dvc_mock_respx: Any) -> None:
    base = "http://127.0.0.1:8787"
    with httpx.Client(base_url=base) as client:
        answer = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
        assert answer["error_code"] == 0 and answer["session"]
        rows = client.get("/_admin/exchanges", headers={"Authorization": "Bearer demo-admin"}).json()
    assert [row["url"] for row in rows] == ["/dvcqg/auth"]
    assert dvc_mock_respx.calls.call_count == 2


def test_responses_fixture_routes_requests_to_the_same_logic(dvc_mock_responses: Any) -> None:
    base = "http://127.0.0.1:8787"
    answer = requests.post(f"{base}/dvcqg/auth", json={"username": "demo", "password": "wrong"}, timeout=5).json()
    assert answer["error_code"] != 0
    packet = {
        "session": "unknown",
        "madonvi": "000.00.00.H56",
        "service": "TraCuuHoSo",
        "mahoso": "000.00.12.H56-240315-0001",
    }
    assert requests.post(f"{base}/dvcqg/integration", json=packet, timeout=5).json()["error_code"] != 0


def test_fixture_state_is_reset_between_tests(dvc_mock_inprocess: Any) -> None:
    """The previous tests sent requests through the same in-process app: none of it is left."""
    status, _, body = dvc_mock_inprocess.handle(
        "GET", "http://127.0.0.1:8787/_admin/exchanges", [("authorization", "Bearer demo-admin")], b""
    )
    assert status == 200 and orjson.loads(body) == []
    assert dvc_mock_inprocess.app.mock.faults.rules == []


def test_mock_serve_prints_url_and_credentials_and_serves(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "harness", "mock", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,  # the default store is a file under the working directory
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        banner = "".join(process.stdout.readline() for _ in range(5))
        assert "demo/demo" in banner and "demo-secret" in banner and "demo-admin" in banner
        deadline = time.monotonic() + 10
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/_admin/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the mock did not come up"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        assert (tmp_path / ".dvc-mock" / "national.sqlite").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def test_mock_serve_on_a_busy_port_is_one_line_and_exit_2() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "harness", "mock", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
    assert result.returncode == 2
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr
