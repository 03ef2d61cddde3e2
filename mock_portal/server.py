"""Run the mock with uvicorn: in the foreground (`dvc-harness mock serve`) or in a background thread on a
free loopback port (tests, the pytest plugin, benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import uvicorn

from harness.core.errors import HarnessError, UsageError
from mock_portal.app import MockApp, create_app
from mock_portal.config import MockConfig


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class RunningMock:
    def __init__(self, app: MockApp, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.app = app
        self.server = server
        self.thread = thread

    @property
    def url(self) -> str:
        return self.app.mock.config.base_url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.mock.store.close()


def start_in_thread(
    config: MockConfig | None = None, *, timeout: float = 10.0, exact_port: bool = False
) -> RunningMock:
    """Start the mock on a free loopback port (unless the config names one other than the default 8787, or
    `exact_port` asks for the configured one: `UsageError` when it is taken) and wait until it listens."""
    config = config or MockConfig()
    if exact_port and config.port:
        check_port(config.host, config.port)
    elif config.port == 0 or config.port == MockConfig().port:
        config = replace(config, port=free_port(config.host))
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="mock-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            app.mock.store.close()
            raise HarnessError(f"the mock did not start on {config.base_url}")
        time.sleep(0.02)
    return RunningMock(app, server, thread)


@contextmanager
def running_mock(config: MockConfig | None = None) -> Iterator[RunningMock]:
    mock = start_in_thread(config)
    try:
        yield mock
    finally:
        mock.stop()


def serve_forever(config: MockConfig) -> None:
    check_port(config.host, config.port)
    app = create_app(config)
    try:
        uvicorn.run(app, host=config.host, port=config.port, log_level="warning", access_log=False, lifespan="off")
    finally:
        app.mock.store.close()
