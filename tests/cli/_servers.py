"""Servers the CLI tests start as a vendor would (`dvc-harness mock serve`, `dvc-harness sut serve`)."""

from __future__ import annotations

import time

import httpx


def wait_until_up(url: str, timeout_s: float = 30.0) -> None:
    """Poll `url` until anything answers; AssertionError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up within {timeout_s:g} s")
