"""What a load run does: `LoadSpec`, checked when it is built (every bad parameter is one clear
`LoadParameterError`), and its JSON form, which the parent passes to the Locust subprocess on argv."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.load._errors import LoadParameterError
from harness.load._protocol import DEFAULT_REQUEST_TIMEOUT_S

#: hard caps of any run the harness starts (a certification run stays well below them)
MAX_USERS = 5000
MAX_DURATION_S = 3600.0
MAX_SPAWN_RATE = 1000.0
MAX_REQUEST_TIMEOUT_S = 300.0
#: how long the subprocess may take beyond the run and its stop grace (interpreter, locust and locustfile imports)
STARTUP_ALLOWANCE_S = 60.0


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """One Locust run: `users` users started at `spawn_rate` per second against `host` for `duration_s`.

    - `locustfiles`: Python files defining the `HttpUser` classes (and shapes); `user_classes` picks some by
      name (all by default); `exclude_tags` drops the tasks tagged so (e.g. a capability the SUT lacks).
    - `shape`: the `name` of a `LoadTestShape` in the locustfiles; `users` and `duration_s` then scale it.
    - `request_timeout_s`: exported to the locustfiles (`DVC_HARNESS_LOAD_REQUEST_TIMEOUT_S`); at the end of
      the run the users get that long (plus 2 s) to finish the request they are in, so a slow answer is
      measured, not dropped.
    - `loopback_only`: refuse any host that is not a loopback address (the project's own tests).
    """

    host: str
    locustfiles: tuple[str, ...]
    users: int
    spawn_rate: float
    duration_s: float
    user_classes: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    shape: str | None = None
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    seed: int | None = None
    loopback_only: bool = False

    def __post_init__(self) -> None:
        _check_host(self.host, loopback_only=self.loopback_only)
        _check_count("users", self.users, MAX_USERS)
        _check_positive("spawn_rate", self.spawn_rate, MAX_SPAWN_RATE)
        _check_positive("duration_s", self.duration_s, MAX_DURATION_S)
        _check_positive("request_timeout_s", self.request_timeout_s, MAX_REQUEST_TIMEOUT_S)
        if self.seed is not None and (type(self.seed) is not int):
            raise LoadParameterError(f"seed must be an integer, got {self.seed!r}")
        if not self.locustfiles:
            raise LoadParameterError("no locustfile given")
        object.__setattr__(self, "locustfiles", tuple(_check_locustfile(f) for f in self.locustfiles))
        for label, names in (("user class", self.user_classes), ("tag", self.exclude_tags)):
            if any(not isinstance(n, str) or not n.strip() for n in names):
                raise LoadParameterError(f"every {label} name must be a non-empty string, got {list(names)!r}")
        if self.shape is not None and (not isinstance(self.shape, str) or not self.shape.strip()):
            raise LoadParameterError(f"shape must be the non-empty name of a load shape, got {self.shape!r}")
        ramp_s = (self.users - 1) / self.spawn_rate  # the first user starts at once
        if self.shape is None and ramp_s >= self.duration_s:
            raise LoadParameterError(
                f"{self.users} users at {self.spawn_rate:g}/s: the last one would start after {ramp_s:g} s, not "
                f"within the {self.duration_s:g} s run: raise the spawn rate or the duration"
            )

    @property
    def stop_grace_s(self) -> float:
        """How long the users may take to finish their current request once the run ends."""
        return self.request_timeout_s + 2.0

    @property
    def wall_clock_limit_s(self) -> float:
        """After this long the subprocess is killed and the run is an error."""
        return self.duration_s + self.stop_grace_s + STARTUP_ALLOWANCE_S

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> LoadSpec:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise LoadParameterError(f"the load spec is not JSON: {exc}") from None
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) != names:
            raise LoadParameterError(f"the load spec needs exactly the keys {sorted(names)}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)


def _check_host(host: object, *, loopback_only: bool) -> None:
    parts = urlsplit(host) if isinstance(host, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadParameterError(f"host must be an http(s) URL such as http://127.0.0.1:8788, got {host!r}")
    if loopback_only and not _is_loopback(parts.hostname):
        raise LoadParameterError(f"host {host} is not a loopback address: this run may only load 127.0.0.1/::1")


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _check_count(name: str, value: object, cap: int) -> None:
    if type(value) is not int or not 1 <= value <= cap:
        raise LoadParameterError(f"{name} must be a whole number from 1 to {cap}, got {value!r}")


def in_range(value: object, cap: float) -> bool:
    """A finite number (not a bool) above 0 and at most `cap`."""
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    return math.isfinite(number) and 0 < number <= cap


def _check_positive(name: str, value: object, cap: float) -> None:
    if not in_range(value, cap):
        raise LoadParameterError(f"{name} must be a number above 0 and at most {cap:g}, got {value!r}")


def _check_locustfile(path: object) -> str:
    if not isinstance(path, str | Path):
        raise LoadParameterError(f"a locustfile must be a path, got {path!r}")
    file = Path(path).expanduser().resolve()
    if file.suffix != ".py" or not file.is_file():
        raise LoadParameterError(f"locustfile {path} is not an existing .py file")
    return str(file)
