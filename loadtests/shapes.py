"""Load shapes for loadtests/portal.py (the stages are data in harness.load._shapes).

    locust -f loadtests/portal.py,loadtests/shapes.py --host http://127.0.0.1:8788 -u 200 -t 10m --headless

`-u` is the peak user count and `-t` the whole day compressed; without them the harness's
`DVC_HARNESS_LOAD_USERS` / `DVC_HARNESS_LOAD_DURATION_S` apply, else 100 users over 10 minutes.
"""

from __future__ import annotations

import os

from locust import LoadTestShape

from harness.load import PEAK_DAY, SHAPE_DURATION_ENV, SHAPE_USERS_ENV, stage_tick

DEFAULT_PEAK_USERS = 100
DEFAULT_DURATION_S = 600.0


class PeakDay(LoadTestShape):
    """A working day at a provincial portal: morning peak, lunch lull, afternoon rush, quiet evening."""

    name = "peak-day"
    use_common_options = True  # -u and -t scale the day instead of being ignored

    def tick(self) -> tuple[int, float] | None:
        users, duration_s = self._scale()
        return stage_tick(PEAK_DAY, self.get_run_time(), duration_s, users)

    def _scale(self) -> tuple[int, float]:
        options = self.runner.environment.parsed_options if self.runner else None
        users = getattr(options, "num_users", None) or int(os.environ.get(SHAPE_USERS_ENV) or DEFAULT_PEAK_USERS)
        duration = getattr(options, "run_time", None) or float(os.environ.get(SHAPE_DURATION_ENV) or DEFAULT_DURATION_S)
        return int(users), float(duration)
