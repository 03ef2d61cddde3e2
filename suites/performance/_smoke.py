"""The performance smoke run: the SUT loaded with loadtests/portal.py for a few seconds (Locust in a
subprocess, harness.load), judged against the regulation profile's Điều 7 thresholds."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from harness.conformance import ConformanceEnvironment
from harness.load import LoadResult, SmokeSettings, Verdict, judge, portal_load, run_load, smoke_settings
from harness.requirements import load_catalogue

#: a request gets this many times the profile's maximum response time (+1 s) before it is cut and counted as
#: failed, so an answer slower than the limit is measured rather than lost
TIMEOUT_FACTOR = 1.5


@dataclass(frozen=True)
class Smoke:
    settings: SmokeSettings
    result: LoadResult
    verdicts: dict[str, Verdict]
    profile: str

    def summary_lines(self) -> list[str]:
        """What the run did, each verdict, and the status of the thresholds (for the terminal summary)."""
        settings, result = self.settings, self.result
        lines = [
            f"{settings.users} users at {settings.rate:g}/s for {settings.duration_s:g} s against {result.host}: "
            f"{result.summary()}"
        ]
        lines += [f"{'PASS' if v.passed else 'FAIL'} {v.requirement}: {v.message}" for v in self.verdicts.values()]
        assumed = [v.threshold.name for v in self.verdicts.values() if v.threshold.assumption]
        if assumed:
            lines.append(
                f"The thresholds {', '.join(assumed)} of profile {self.profile} are assumptions, not legal limits: "
                f"TT 22/2019 Phụ lục IV, which sets the figures, is not public (TT22-D7-K2)."
            )
        return lines


def run_smoke(env: ConformanceEnvironment, seed: int, ini: Callable[[str], object]) -> Smoke:
    """Raises `LoadParameterError` (a usage error) for bad smoke settings, `LoadRunError` when Locust failed."""
    settings = smoke_settings(os.environ, ini)
    profile = load_catalogue().profile(env.options.profile)
    spec, variables = portal_load(
        env.description,
        users=settings.users,
        spawn_rate=settings.rate,
        duration_s=settings.duration_s,
        request_timeout_s=min(TIMEOUT_FACTOR * profile.threshold("max_response_s").value + 1, 300.0),
        seed=seed,
    )
    result = run_load(spec, env=variables)
    return Smoke(settings, result, judge(result, profile, smoke=True), profile.name)
