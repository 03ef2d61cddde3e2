"""Performance smoke (TT 22/2019 Điều 7 khoản 1): a short Locust run against the SUT — citizens looking
dossiers up and browsing the catalogue, officers submitting and receiving dossiers through the control API —
judged against the regulation profile's thresholds.

The thresholds are assumptions: Phụ lục IV, which holds the real figures, is not public (TT22-D7-K2); each
message and the summary after the run say so. A smoke runs a few users for a few seconds: it proves the
limits at that load only, and says so for concurrency (the profile's target needs `dvc-harness load`).
"""

from __future__ import annotations

import pytest

from suites.performance._smoke import Smoke


def _judged(smoke: Smoke, threshold: str, request: pytest.FixtureRequest) -> None:
    verdict = smoke.verdicts[threshold]
    request.node.user_properties.append(("dvc_note", verdict.message))
    assert verdict.passed, verdict.message


@pytest.mark.req("TT22-D7-PERF-RESPONSE")
def test_mean_response_time_is_within_the_limit(smoke: Smoke, request: pytest.FixtureRequest) -> None:
    _judged(smoke, "mean_response_s", request)


@pytest.mark.req("TT22-D7-PERF-MAX-RESPONSE")
def test_slowest_response_time_is_within_the_limit(smoke: Smoke, request: pytest.FixtureRequest) -> None:
    _judged(smoke, "max_response_s", request)


@pytest.mark.req("TT22-D7-PERF-CONCURRENCY")
def test_error_ratio_under_load_is_within_the_limit(smoke: Smoke, request: pytest.FixtureRequest) -> None:
    _judged(smoke, "error_ratio_pct", request)


@pytest.mark.req("TT22-D7-PERF-CONCURRENCY")
def test_the_smoke_users_are_served_at_once_without_errors(smoke: Smoke, request: pytest.FixtureRequest) -> None:
    """Smoke level only: passes when every user of the smoke ran at once and was served without a failure;
    the profile's concurrent-user figure is not proven by a smoke (the message says so)."""
    _judged(smoke, "concurrent_users", request)
