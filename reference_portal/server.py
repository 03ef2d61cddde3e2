"""Run the reference portal with uvicorn: in the foreground (`dvc-harness sut serve`) or in a background
thread on a free loopback port (tests, the pytest plugin, `certify`).

As the mock's (`mock_portal.server`), the listening socket is bound here with SO_REUSEADDR and handed to
uvicorn: the port can be listened on again at once after a stop or a crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import uvicorn
from starlette.applications import Starlette

from harness.core.errors import HarnessError, UsageError
from mock_portal.ports import bound_port, listen_socket
from reference_portal.app import create_app
from reference_portal.config import PortalConfig
from reference_portal.portal import Portal


class RunningPortal:
    def __init__(self, app: Starlette, config: PortalConfig, server: uvicorn.Server, thread: threading.Thread) -> None:
        self.app = app
        self.config = config
        self.server = server
        self.thread = thread

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    @property
    def portal(self) -> Portal:
        portal: Portal = self.app.state.portal
        return portal

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_portal_in_thread(config: PortalConfig, *, timeout: float = 15.0, **app_options: Any) -> RunningPortal:
    """Start the portal (port 0: a free loopback port) and wait until it listens."""
    try:
        sock = listen_socket(config.host, config.port)
    except UsageError as exc:
        raise HarnessError(f"the reference portal did not start on {config.host}:{config.port}: {exc}") from None
    config = replace(config, port=bound_port(sock))
    try:
        app = create_app(config, **app_options)
    except BaseException:
        sock.close()
        raise
    server = _uvicorn(app, config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="reference-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise HarnessError(f"the reference portal did not start on {config.host}:{config.port}")
        time.sleep(0.02)
    return RunningPortal(app, config, server, thread)


def _uvicorn(app: Starlette, config: PortalConfig) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False)
    )


@contextmanager
def running_portal(config: PortalConfig, **app_options: Any) -> Iterator[RunningPortal]:
    running = start_portal_in_thread(config, **app_options)
    try:
        yield running
    finally:
        running.stop()


def serve_portal_forever(config: PortalConfig) -> None:
    sock = listen_socket(config.host, config.port)
    try:
        _uvicorn(create_app(config), config).run(sockets=[sock])
    finally:
        sock.close()
