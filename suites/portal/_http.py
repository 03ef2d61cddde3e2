"""HTTP access to the SUT beyond the driver: its public endpoints (`[sut] base_url`) and the control hooks of
optional capabilities (`[sut] control_url`, bearer control token), and polling a SUT that publishes
asynchronously (within its declared sync delay)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from harness.conformance import ConformanceEnvironment

T = TypeVar("T")
POLL_S = 0.2


def public_client(dvc_env: ConformanceEnvironment) -> httpx.Client:
    """The SUT's public endpoints, as anyone on the internet (or DVCQG) reaches them."""
    return httpx.Client(base_url=dvc_env.description.base_url, timeout=30)


def control_client(dvc_env: ConformanceEnvironment) -> httpx.Client:
    """The SUT's control API, with its bearer token."""
    description = dvc_env.description
    headers = {"authorization": f"Bearer {description.control_token}"}
    return httpx.Client(base_url=description.control_url, headers=headers, timeout=30)


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout: float) -> T:
    """`read()` again until `done` says so or `timeout` seconds have passed; the last reading."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() >= deadline:
            return value
        time.sleep(POLL_S)
