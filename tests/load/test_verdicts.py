"""A run judged against the tt22-2019 Điều 7 thresholds (all assumptions): each verdict names the figure,
the limit and that it is assumed; a smoke proves concurrency only at its own user count; the peak-day
shape's arithmetic."""

from __future__ import annotations

from typing import Any

import pytest

from harness.load import ASSUMED, PEAK_DAY, LoadResult, judge, stage_tick
from harness.requirements import load_catalogue
from tests.load.conftest import result_document

PROFILE = load_catalogue().profile("tt22-2019")


def _judge(smoke: bool = True, **overrides: Any) -> dict[str, Any]:
    return judge(LoadResult.from_json(result_document(**overrides)), PROFILE, smoke=smoke)


def test_a_fast_clean_smoke_passes_and_says_the_limits_are_assumed() -> None:
    verdicts = _judge(failures=0, users_with_failures=0, errors=[])
    assert {name: v.passed for name, v in verdicts.items()} == dict.fromkeys(
        ("mean_response_s", "max_response_s", "error_ratio_pct", "concurrent_users"), True
    )
    assert all(ASSUMED in v.message for v in verdicts.values())
    assert [v.requirement for v in verdicts.values()] == [
        "TT22-D7-PERF-RESPONSE", "TT22-D7-PERF-MAX-RESPONSE", "TT22-D7-PERF-CONCURRENCY", "TT22-D7-PERF-CONCURRENCY",
    ]  # fmt: skip
    concurrency = verdicts["concurrent_users"]
    assert concurrency.smoke_only and concurrency.measured == 2
    assert concurrency.message.startswith("smoke level only: 2 concurrent users were served without errors")
    assert "NOT proven by a smoke" in concurrency.message and ">= 1000 users" in concurrency.message


def test_each_limit_is_judged_on_its_own_measure() -> None:
    verdicts = _judge(mean_ms=3500.0, max_ms=12_020.0)
    assert not verdicts["mean_response_s"].passed and "mean response time 3.50 s" in verdicts["mean_response_s"].message
    assert not verdicts["max_response_s"].passed and "BEYOND <= 10 s" in verdicts["max_response_s"].message
    error_ratio = verdicts["error_ratio_pct"]
    assert not error_ratio.passed and error_ratio.measured == 10.0
    assert "1 of 10 requests failed (10.00 %)" in error_ratio.message and "1× GET /x: 500" in error_ratio.message
    assert not verdicts["concurrent_users"].passed  # a user saw a failure


def test_requests_cut_off_at_the_end_fail_the_maximum() -> None:
    verdict = _judge(cut_off=True, stop_s=18.0)["max_response_s"]
    assert not verdict.passed and "cut off" in verdict.message


def test_a_run_without_requests_judges_nothing() -> None:
    verdicts = _judge(requests=0, failures=0)
    assert not any(v.passed for v in verdicts.values())
    assert all(v.message.startswith("no request was made") for v in verdicts.values())


@pytest.mark.parametrize(("peak", "passed"), [(999, False), (1000, True)])
def test_a_full_run_proves_concurrency_at_the_profile_figure(peak: int, passed: bool) -> None:
    verdict = _judge(smoke=False, peak_users=peak, target_users=peak)["concurrent_users"]
    assert verdict.passed is passed and not verdict.smoke_only


def test_the_peak_day_ramps_to_its_peak_and_ends() -> None:
    ticks = [stage_tick(PEAK_DAY, t / 10, 60.0, 50) for t in range(600)]
    users = [tick[0] for tick in ticks if tick is not None]
    assert len(users) == 600 and max(users) == 50 and min(users) >= 1
    assert users[0] == 10 and users[-1] == 15  # early morning, evening
    assert all(rate >= 1.0 for _, rate in filter(None, ticks))
    assert stage_tick(PEAK_DAY, 60.0, 60.0, 50) is None
    assert stage_tick(PEAK_DAY, 0.0, 60.0, 1) == (1, 1.0)
