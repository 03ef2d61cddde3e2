"""The performance smoke's parameters: a short, bounded run (default 10 users for 5 s), set by environment
variables or pytest ini keys, every bad value one clear `LoadParameterError` naming where it came from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.load._errors import LoadParameterError
from harness.load._spec import in_range

DEFAULT_USERS = 10
DEFAULT_DURATION_S = 5.0
#: a smoke stays a smoke: beyond these, run `dvc-harness load` (or Locust) instead
MAX_USERS = 100
MAX_DURATION_S = 30.0

#: (field, environment variable, pytest ini key)
SOURCES = (
    ("users", "DVC_HARNESS_SMOKE_USERS", "dvc_smoke_users"),
    ("duration_s", "DVC_HARNESS_SMOKE_DURATION_S", "dvc_smoke_duration_s"),
    ("spawn_rate", "DVC_HARNESS_SMOKE_SPAWN_RATE", "dvc_smoke_spawn_rate"),
)


@dataclass(frozen=True, slots=True)
class SmokeSettings:
    """`users` started at `spawn_rate` per second (default: all within the first second) for `duration_s`."""

    users: int = DEFAULT_USERS
    duration_s: float = DEFAULT_DURATION_S
    spawn_rate: float | None = None

    def __post_init__(self) -> None:
        if type(self.users) is not int or not 1 <= self.users <= MAX_USERS:
            raise LoadParameterError(f"smoke users must be a whole number from 1 to {MAX_USERS}, got {self.users!r}")
        if not in_range(self.duration_s, MAX_DURATION_S):
            raise LoadParameterError(
                f"smoke duration must be a number of seconds above 0 and at most {MAX_DURATION_S:g}, "
                f"got {self.duration_s!r}"
            )
        if self.spawn_rate is not None and not in_range(self.spawn_rate, float(MAX_USERS)):
            raise LoadParameterError(
                f"smoke spawn rate must be a number of users per second above 0 and at most {MAX_USERS}, "
                f"got {self.spawn_rate!r}"
            )

    @property
    def rate(self) -> float:
        return self.spawn_rate if self.spawn_rate is not None else float(self.users)


def smoke_settings(env: Mapping[str, str], ini: Callable[[str], object] = lambda _: None) -> SmokeSettings:
    """From the environment (`DVC_HARNESS_SMOKE_USERS`, `_DURATION_S`, `_SPAWN_RATE`), else the ini keys
    (`dvc_smoke_users`, ...), else the defaults."""
    values: dict[str, Any] = {}
    for field, variable, key in SOURCES:
        raw: object = env.get(variable)
        origin = variable
        if not raw:
            raw, origin = ini(key), f"ini {key}"
        if raw is None or raw == "" or raw == []:
            continue
        text = str(raw).strip()
        try:
            values[field] = int(text) if field == "users" else float(text)
            SmokeSettings(**{field: values[field]})  # checks this one value
        except ValueError:
            kind = "a whole number" if field == "users" else "a number"
            raise LoadParameterError(f"{origin}={text!r} is not {kind}") from None
        except LoadParameterError as exc:
            raise LoadParameterError(f"{origin}={text!r}: {exc}") from None
    return SmokeSettings(**values)
