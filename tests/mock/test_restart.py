"""Restarts as an operator makes them: `mock serve` and `sut serve` killed with SIGKILL while clients are
connected, started again at once on the same port, serve; the mock, on its default store, still knows the
dossier it acknowledged. A port left with connections in TIME_WAIT is free; a port another server listens
on is not. Loopback only; every wait is bounded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from harness.core.errors import UsageError
from mock_portal.config import MockConfig
from mock_portal.ports import check_port, free_port, listen_socket
from mock_portal.server import start_in_thread
from tests.cli._servers import wait_until_up
from tests.mock.test_durable_state import CODE, login, lookup, synced

HARNESS = [sys.executable, "-m", "harness"]


@contextmanager
def serving(args: list[str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*HARNESS, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},  # the banner is out before the kill
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=20)
        assert process.stdout is not None
        process.stdout.close()


def kill_9(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)


def test_mock_serve_listens_again_at_once_after_kill_9_and_keeps_its_dossiers(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["mock", "serve", "--port", str(port)]  # the default store: .dvc-mock/national.sqlite in cwd
    with serving(args, tmp_path) as first:
        wait_until_up(f"{base}/_admin/health")
        client = httpx.Client(base_url=base, timeout=10)  # keep-alive connections, open across the kill
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        assert len(lookup(client, token)) == 1
        kill_9(first)
        assert first.stdout is not None
        assert ".dvc-mock/national.sqlite (durable" in first.stdout.read()
    try:
        with serving(args, tmp_path) as second:
            wait_until_up(f"{base}/_admin/health")
            assert second.poll() is None
            with httpx.Client(base_url=base, timeout=10) as fresh:
                token = login(fresh)
                assert [d["MaHoSo"] for d in lookup(fresh, token)] == [CODE]
                again = synced(fresh, token)
                assert again["error_code"] != 0 and "đã tồn tại" in again["message"]
    finally:
        client.close()


def test_sut_serve_listens_again_at_once_after_kill_9(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    nowhere = f"http://127.0.0.1:{free_port()}"  # the portal starts without reaching the national side
    args = ["sut", "serve", "--port", str(port), "--db", str(tmp_path / "portal.sqlite"), "--national-url", nowhere]
    with serving(args, tmp_path) as first:
        wait_until_up(f"{base}/_control/health")
        client = httpx.Client(base_url=base, timeout=10)
        for _ in range(3):
            client.get("/_control/health")
        kill_9(first)
    try:
        with serving(args, tmp_path) as second:
            wait_until_up(f"{base}/_control/health")
            assert second.poll() is None
            assert httpx.get(f"{base}/_control/health", timeout=10).status_code < 500
    finally:
        client.close()


def test_a_port_in_time_wait_is_free_and_a_listened_one_is_not() -> None:
    listener = listen_socket("127.0.0.1", 0)
    port = listener.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        accepted, _ = listener.accept()
        accepted.close()  # the server side closes first: its end of the connection goes to TIME_WAIT
        assert peer.recv(1) == b""
    with pytest.raises(UsageError, match="cannot listen"):
        check_port("127.0.0.1", port)  # still listened on
    listener.close()
    check_port("127.0.0.1", port)
    listen_socket("127.0.0.1", port).close()


def test_a_mock_in_a_thread_takes_its_exact_port_again_after_a_stop() -> None:
    config = MockConfig(port=free_port())
    for _ in range(2):
        mock = start_in_thread(config, exact_port=True)
        try:
            with httpx.Client(base_url=mock.url, timeout=10) as client:
                assert client.get("/_admin/health", headers={"Authorization": "Bearer demo-admin"}).status_code == 200
        finally:
            mock.stop()
