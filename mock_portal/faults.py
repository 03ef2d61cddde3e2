"""Fault injection, configured through the admin API or a file, scoped by service/path, probability and count.

Request-side kinds are applied by the middleware before the handler runs (so a faulted request changes
no state); IPN kinds are consumed by the payment platform when it calls the SUT.
"""

from __future__ import annotations

import random
import threading
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from harness.core.errors import UsageError

REQUEST_KINDS = frozenset({"latency", "http_status", "drop", "slow", "error_code", "session_expiry"})
IPN_KINDS = frozenset({"ipn_duplicate", "ipn_out_of_order", "ipn_late", "ipn_bad_checksum"})
KINDS = REQUEST_KINDS | IPN_KINDS
CLIENT_TIMEOUT_S = 6.0  # OpenCPS TIMEOUT_DVCQG; "slow" answers just after it
MAX_DELAY_S = 30.0  # bounded: tests and load runs stop by themselves


@dataclass
class FaultRule:
    kind: str
    service: str | None = None
    path: str | None = None
    probability: float = 1.0
    count: int | None = None
    latency_ms: float | None = None
    distribution: dict[str, float | str] | None = None
    status: int = 503
    error_code: int = -1
    message: str = "Hệ thống đang bận, vui lòng thử lại sau"
    delay_s: float = CLIENT_TIMEOUT_S + 1.0
    id: int = 0
    fired: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class FaultEngine:
    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)
        self._next_id = 1

    def add(self, raw: dict[str, Any]) -> FaultRule:
        rule = parse_rule(raw)
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def take(self, kinds: frozenset[str], service: str | None, path: str) -> FaultRule | None:
        """The first matching rule that fires now (consumes one of its count)."""
        with self._lock:
            for rule in self.rules:
                if rule.kind not in kinds or rule.count == 0:
                    continue
                if rule.service is not None and rule.service != service:
                    continue
                if rule.path is not None and not path.startswith(rule.path):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                rule.fired += 1
                return rule
        return None

    def delay_s(self, rule: FaultRule) -> float:
        """Seconds to wait for a latency/slow rule: fixed, or drawn from its distribution (bounded)."""
        if rule.kind == "slow":
            return min(rule.delay_s, MAX_DELAY_S)
        dist = rule.distribution
        with self._lock:
            if dist is None:
                value = (rule.latency_ms or 0.0) / 1000.0
            elif dist.get("kind") == "uniform":
                value = self._rng.uniform(float(dist["min_ms"]), float(dist["max_ms"])) / 1000.0
            elif dist.get("kind") == "normal":
                value = max(0.0, self._rng.gauss(float(dist["mean_ms"]), float(dist["stddev_ms"]))) / 1000.0
            else:
                value = self._rng.expovariate(1.0 / float(dist["mean_ms"])) / 1000.0
        return min(value, MAX_DELAY_S)


def parse_rule(raw: dict[str, Any]) -> FaultRule:
    if not isinstance(raw, dict):
        raise UsageError("a fault rule is a JSON object")
    unknown = set(raw) - {f for f in FaultRule.__dataclass_fields__ if f not in ("id", "fired")}
    if unknown:
        raise UsageError(f"unknown fault rule field(s): {', '.join(sorted(unknown))}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise UsageError(f"fault kind must be one of {', '.join(sorted(KINDS))}; got {kind!r}")
    try:
        rule = FaultRule(**raw)
    except TypeError as exc:
        raise UsageError(f"bad fault rule: {exc}") from None
    if not 0.0 <= float(rule.probability) <= 1.0:
        raise UsageError("fault probability must be between 0 and 1")
    if rule.count is not None and (not isinstance(rule.count, int) or rule.count < 0):
        raise UsageError("fault count must be a non-negative integer")
    if rule.kind == "http_status" and rule.status not in (500, 502, 503, 504):
        raise UsageError("http_status faults answer 500, 502, 503 or 504")
    if rule.kind == "latency" and rule.latency_ms is None and rule.distribution is None:
        raise UsageError("a latency fault needs latency_ms or a distribution")
    if rule.distribution is not None:
        kind_d = rule.distribution.get("kind")
        needed = {"uniform": {"min_ms", "max_ms"}, "normal": {"mean_ms", "stddev_ms"}, "exponential": {"mean_ms"}}
        if kind_d not in needed or not needed[str(kind_d)] <= set(rule.distribution):
            raise UsageError("distribution: uniform{min_ms,max_ms} | normal{mean_ms,stddev_ms} | exponential{mean_ms}")
    return rule


def load_fault_file(path: str) -> list[dict[str, Any]]:
    """Rules from a TOML file (`[[faults]]` tables) or a JSON file (a list, or {"faults": [...]})."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read fault file {path}: {exc.strerror or exc}") from None
    try:
        document: Any = tomllib.loads(data.decode()) if file.suffix == ".toml" else orjson.loads(data)
    except (tomllib.TOMLDecodeError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"fault file {path} is not valid: {exc}") from None
    rules = document.get("faults", []) if isinstance(document, dict) else document
    if not isinstance(rules, list):
        raise UsageError(f"fault file {path}: expected a list of rules")
    return rules
