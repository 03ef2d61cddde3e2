"""Fixtures of the harness.load tests: a sample site on loopback with known answers, and specs against it.
Locust itself only ever runs in the subprocess harness.load starts (never imported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.load import LoadSpec
from tests.load.sample_site import SampleSite
from tests.sut.fake_sut import serving

SAMPLE = Path(__file__).parent / "locustfiles" / "sample.py"


@pytest.fixture
def site() -> Iterator[tuple[SampleSite, str]]:
    """The sample site and its base URL (a fresh one per test: its counters start at zero)."""
    sample = SampleSite()
    with serving(sample) as url:  # type: ignore[arg-type]  # serving needs only `.app`
        yield sample, url


SpecFactory = Callable[..., LoadSpec]


def sample_spec(**overrides: Any) -> LoadSpec:
    """A short loopback-only run of tests/load/locustfiles/sample.py (host: a port nothing listens on)."""
    values: dict[str, Any] = {
        "host": "http://127.0.0.1:9",
        "locustfiles": (str(SAMPLE),),
        "users": 4,
        "spawn_rate": 10.0,
        "duration_s": 2.0,
        "user_classes": ("Flaky", "Slow"),
        "request_timeout_s": 5.0,
        "seed": 7,
        "loopback_only": True,
    }
    return LoadSpec(**(values | overrides))


@pytest.fixture
def spec_for(site: tuple[SampleSite, str]) -> SpecFactory:
    """`spec_for(users=2, ...)`: `sample_spec` against the test's sample site."""
    return lambda **overrides: sample_spec(**({"host": site[1]} | overrides))


def result_document(**overrides: Any) -> dict[str, Any]:
    """A LoadResult document as the subprocess writes it (10 requests, 1 failure, 2 users)."""
    document: dict[str, Any] = {
        "requests": 10, "failures": 1, "mean_ms": 5.0, "median_ms": 4.0, "p95_ms": 9.0, "max_ms": 12.5,
        "min_ms": 1.0, "rps": 5.0, "host": "http://127.0.0.1:1", "target_users": 2, "peak_users": 2,
        "users_served": 2, "users_with_failures": 1, "elapsed_s": 2.0, "stop_s": 0.1, "cut_off": False,
        "endpoints": [], "errors": [{"method": "GET", "name": "/x", "error": "500", "occurrences": 1}],
        "exceptions": [],
    }  # fmt: skip
    return document | overrides
