"""A load run judged against a regulation profile's Điều 7 thresholds (`mean_response_s`,
`max_response_s`, `error_ratio_pct`, `concurrent_users`). Every message says when a threshold is an
assumption: TT 22/2019 Phụ lục IV, which holds the real figures, is not public."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.load._result import LoadResult, ms
from harness.requirements import RegulationProfile, Threshold

ASSUMED = "an assumed limit, not a legal one: TT 22/2019 Phụ lục IV is not public"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One threshold judged: `passed`, and a message that names the measurement, the limit and its status.

    `smoke_only`: the verdict holds for the load the run applied, not for the profile's figure (a smoke
    shows the users it ran, not the profile's concurrent users)."""

    threshold: Threshold
    measured: float
    passed: bool
    message: str
    smoke_only: bool = False

    @property
    def requirement(self) -> str:
        return self.threshold.requirement


def limit(threshold: Threshold) -> str:
    """`≤ 3 s (profile threshold mean_response_s, an assumed limit, ...)`."""
    status = f", {ASSUMED}" if threshold.assumption else ""
    return f"{threshold.op.value} {threshold.value:g} {threshold.unit} (profile threshold {threshold.name}{status})"


def judge(result: LoadResult, profile: RegulationProfile, *, smoke: bool = False) -> dict[str, Verdict]:
    """The four Điều 7 verdicts of a run, by threshold name. With `smoke`, concurrency is judged at the
    run's own user count and marked `smoke_only`."""
    verdicts = {}
    for name, judge_one in _JUDGES.items():
        threshold = profile.threshold(name)
        if result.requests == 0:
            message = f"no request was made in the run: nothing to judge{_errors(result)}"
            verdicts[name] = Verdict(threshold, 0.0, False, message)
        else:
            verdicts[name] = judge_one(result, threshold, smoke)
    return verdicts


def _response(label: str, value_ms: float, result: LoadResult, threshold: Threshold) -> Verdict:
    measured = value_ms / 1000
    passed = threshold.passes(measured)
    verb = "within" if passed else "BEYOND"
    message = (
        f"{label} response time {ms(value_ms)} over {result.requests} requests by {result.peak_users} users: "
        f"{verb} {limit(threshold)}"
    )
    return Verdict(threshold, measured, passed, message)


def _mean(result: LoadResult, threshold: Threshold, smoke: bool) -> Verdict:
    return _response("mean", result.mean_ms, result, threshold)


def _max(result: LoadResult, threshold: Threshold, smoke: bool) -> Verdict:
    verdict = _response("maximum", result.max_ms, result, threshold)
    if not result.cut_off:
        return verdict
    message = (
        f"{verdict.message}; but requests still unanswered {result.stop_s:.0f} s after the run ended were cut "
        f"off, so the slowest answer is longer than measured"
    )
    return Verdict(threshold, verdict.measured, False, message)


def _error_ratio(result: LoadResult, threshold: Threshold, smoke: bool) -> Verdict:
    passed = threshold.passes(result.error_pct)
    message = (
        f"{result.failures} of {result.requests} requests failed ({result.error_pct:.2f} %): "
        f"{'within' if passed else 'BEYOND'} {limit(threshold)}{_errors(result)}"
    )
    return Verdict(threshold, result.error_pct, passed, message)


def _concurrency(result: LoadResult, threshold: Threshold, smoke: bool) -> Verdict:
    if not smoke:
        passed = threshold.passes(result.peak_users)
        message = (
            f"{result.peak_users} concurrent users ran ({'meets' if passed else 'BELOW'} {limit(threshold)}); "
            f"the run's response-time and error-ratio verdicts hold at that load"
        )
        return Verdict(threshold, float(result.peak_users), passed, message)
    target = result.target_users
    passed = result.peak_users >= target and result.users_served >= target and result.users_with_failures == 0
    if passed:
        message = (
            f"smoke level only: {target} concurrent users were served without errors (each got answers, none "
            f"saw a failure). The profile's target, {limit(threshold)}, is NOT proven by a smoke: run "
            f"`dvc-harness load` (or Locust, docs/load.md) at that level"
        )
    else:
        message = (
            f"smoke level: {result.peak_users} of {target} users ran at once, {result.users_served} got a "
            f"successful answer and {result.users_with_failures} saw failures{_errors(result)}"
        )
    return Verdict(threshold, float(result.peak_users), passed, message, smoke_only=True)


def _errors(result: LoadResult) -> str:
    if not result.errors:
        return ""
    shown = "; ".join(f"{e.occurrences}× {e.method} {e.name}: {e.error}" for e in result.errors[:3])
    return f" — {shown}"


_JUDGES: dict[str, Callable[[LoadResult, Threshold, bool], Verdict]] = {
    "mean_response_s": _mean,
    "max_response_s": _max,
    "error_ratio_pct": _error_ratio,
    "concurrent_users": _concurrency,
}
