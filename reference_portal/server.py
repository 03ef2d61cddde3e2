"""Run the reference portal with uvicorn: in the foreground (`dvc-harness sut serve`) or in a background
thread on a free loopback port (tests, the pytest plugin, `certify`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import uvicorn
from starlette.applications import Starlette

from harness.core.errors import HarnessError
from mock_portal.server import check_port, free_port
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
    if config.port == 0:
        config = replace(config, port=free_port(config.host))
    app = create_app(config, **app_options)
    server = uvicorn.Server(
        uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="reference-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise HarnessError(f"the reference portal did not start on {config.host}:{config.port}")
        time.sleep(0.02)
    return RunningPortal(app, config, server, thread)


@contextmanager
def running_portal(config: PortalConfig, **app_options: Any) -> Iterator[RunningPortal]:
    running = start_portal_in_thread(config, **app_options)
    try:
        yield running
    finally:
        running.stop()


def serve_portal_forever(config: PortalConfig) -> None:
    check_port(config.host, config.port)
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="warning", access_log=False)
