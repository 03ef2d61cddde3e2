"""Load shapes as plain data and arithmetic (no locust import), so they are tested in-process and the
Locust `LoadTestShape` classes of loadtests/shapes.py stay one-liners.

A shape is a tuple of stages `(end, share)`: until `end × duration` the run holds `share × peak users`.
"""

from __future__ import annotations

#: a working day at a provincial portal, compressed into the run's duration (office hours 7:30-11:30 and
#: 13:30-17:00, citizens online in the evening)
PEAK_DAY: tuple[tuple[float, float], ...] = (
    (0.10, 0.2),  # early morning: the portal wakes up
    (0.25, 0.6),  # offices open, the first dossiers of the day
    (0.45, 1.0),  # the morning peak
    (0.55, 0.4),  # lunch break
    (0.80, 0.8),  # the afternoon
    (0.90, 1.0),  # the rush before the offices close
    (1.00, 0.3),  # evening: citizens online at home
)
#: a stage reaches its user count within this share of its length (at least 1 user per second)
RAMP_SHARE = 0.25


def stage_tick(
    stages: tuple[tuple[float, float], ...], elapsed_s: float, duration_s: float, peak_users: int
) -> tuple[int, float] | None:
    """Locust's `tick()`: (users, spawn rate) at `elapsed_s`, or None once the run is over."""
    previous, start = 0, 0.0
    for end, share in stages:
        users = max(1, round(share * peak_users))
        if elapsed_s < end * duration_s:
            ramp_s = max((end - start) * duration_s * RAMP_SHARE, 1.0)
            return users, max(abs(users - previous) / ramp_s, 1.0)
        previous, start = users, end
    return None
