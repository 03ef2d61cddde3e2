"""Run the mock with uvicorn: in the foreground (`dvc-harness mock serve`) or in a background thread on a
free loopback port (tests, the pytest plugin, benchmarks).

The listening socket is bound here (`ports.listen_socket`, SO_REUSEADDR) and handed to uvicorn: the port
is free again at once after a stop or a crash, and a busy port is one clear error, with no window between
checking the port and binding it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import uvicorn

from harness.core.errors import HarnessError, UsageError
from mock_portal.app import MockApp, create_app
from mock_portal.config import MockConfig
from mock_portal.ports import bound_port, check_port, free_port, listen_socket

__all__ = ["RunningMock", "check_port", "free_port", "running_mock", "serve_forever", "start_in_thread"]


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


def _uvicorn(app: MockApp, config: MockConfig) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False, lifespan="off")
    )


def start_in_thread(
    config: MockConfig | None = None, *, timeout: float = 10.0, exact_port: bool = False
) -> RunningMock:
    """Start the mock on a free loopback port (unless the config names one other than the default 8787, or
    `exact_port` asks for the configured one: `UsageError` when it is taken) and wait until it listens."""
    config = config or MockConfig()
    wanted = config.port if exact_port or config.port not in (0, MockConfig().port) else 0
    try:
        sock = listen_socket(config.host, wanted)
    except UsageError as exc:
        if exact_port:
            raise
        raise HarnessError(f"the mock did not start on {config.base_url}: {exc}") from None
    config = replace(config, port=bound_port(sock))
    try:
        app = create_app(config)
    except BaseException:
        sock.close()
        raise
    server = _uvicorn(app, config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="mock-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            app.mock.store.close()
            sock.close()
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
    sock = listen_socket(config.host, config.port)
    try:
        app = create_app(config)
    except BaseException:
        sock.close()
        raise
    try:
        _uvicorn(app, config).run(sockets=[sock])
    finally:
        app.mock.store.close()
        sock.close()
