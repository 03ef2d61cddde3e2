"""The typed outcome of a load run (`LoadResult`) and its JSON form, which the Locust subprocess writes
and the parent reads back strictly: an answer outside this shape is a `LoadRunError`, never a guess."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.load._errors import LoadRunError


@dataclass(frozen=True, slots=True)
class ResponseStats:
    """Requests and their response times (Locust's: time to the full answer, in milliseconds).

    A failure is a transport error, an HTTP status ≥ 400 the scenario did not expect, or an answer the
    scenario rejected (e.g. a lookup without `TrangThaiHoSo`)."""

    requests: int
    failures: int
    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float
    min_ms: float
    rps: float

    @property
    def error_ratio(self) -> float:
        """Failed share of the requests, 0..1 (0 when there were none)."""
        return self.failures / self.requests if self.requests else 0.0

    @property
    def error_pct(self) -> float:
        return 100.0 * self.error_ratio


@dataclass(frozen=True, slots=True)
class EndpointStats(ResponseStats):
    """The stats of one request name (Locust groups `/api/lookup/[MaHoSo]` under one name)."""

    method: str
    name: str


@dataclass(frozen=True, slots=True)
class ErrorCount:
    method: str
    name: str
    error: str
    occurrences: int


@dataclass(frozen=True, slots=True)
class UserException:
    """An exception raised by scenario code (not by the SUT): a bug in the locustfile or an unexpected answer."""

    message: str
    count: int


@dataclass(frozen=True, slots=True)
class LoadResult(ResponseStats):
    """A whole run: the totals (inherited), the users, and the breakdown by endpoint.

    - `peak_users`: the most users running at once (`target_users` when every requested user was started).
    - `users_served`: users that got at least one successful answer; `users_with_failures`: users that saw one
      failure or more.
    - `elapsed_s`: from start to the end of the run; `stop_s`: how long the users took to finish their last
      request after it; `cut_off`: some were still waiting when the stop grace ran out (their requests are
      missing from the stats, so the maximum response time is not known).
    """

    host: str
    target_users: int
    peak_users: int
    users_served: int
    users_with_failures: int
    elapsed_s: float
    stop_s: float
    cut_off: bool
    endpoints: tuple[EndpointStats, ...] = ()
    errors: tuple[ErrorCount, ...] = ()
    exceptions: tuple[UserException, ...] = ()

    def endpoint(self, name: str, method: str | None = None) -> EndpointStats:
        for entry in self.endpoints:
            if entry.name == name and (method is None or entry.method == method):
                return entry
        known = ", ".join(f"{e.method} {e.name}" for e in self.endpoints) or "none"
        raise KeyError(f"no requests named {name!r} in this run; named: {known}")

    def summary(self) -> str:
        """One line: `57 requests by 10 users in 5.0 s (11.4/s), 0 failures (0.00 %), mean 8 ms, ...`."""
        return (
            f"{self.requests} requests by {self.peak_users} users in {self.elapsed_s:.1f} s ({self.rps:.1f}/s), "
            f"{self.failures} failures ({self.error_pct:.2f} %), mean {ms(self.mean_ms)}, median {ms(self.median_ms)}, "
            f"p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}"
        )

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: object) -> LoadResult:
        return _build(cls, data)


def ms(value: float) -> str:
    """`8 ms`, `950 ms`, `12.3 s`."""
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


_T = TypeVar("_T")
_SCALARS: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
_NESTED: dict[str, type] = {
    "tuple[EndpointStats, ...]": EndpointStats,
    "tuple[ErrorCount, ...]": ErrorCount,
    "tuple[UserException, ...]": UserException,
}


def _build(cls: type[_T], data: object) -> _T:
    """`cls(**data)` after checking every key and value type (the dataclasses above only)."""
    fields = {f.name: str(f.type) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if not isinstance(data, Mapping) or set(data) != set(fields):
        got = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise LoadRunError(f"the load subprocess answered {cls.__name__} {got}, expected the keys {sorted(fields)}")
    values: dict[str, Any] = {}
    for name, kind in fields.items():
        value = data[name]
        if kind in _NESTED:
            if not isinstance(value, list | tuple):
                raise LoadRunError(f"the load subprocess answered {name}={value!r}, expected a list")
            values[name] = tuple(_build(_NESTED[kind], item) for item in value)
            continue
        allowed = _SCALARS[kind]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise LoadRunError(f"the load subprocess answered {name}={value!r}, expected {kind}")
        values[name] = float(value) if kind == "float" and isinstance(value, int | float) else value
    return cls(**values)
