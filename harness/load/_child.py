"""The Locust side of a load run, executed only in the subprocess `harness.load._runner` starts (its
`BOOTSTRAP` imports locust first). Never import this module anywhere else: importing locust monkey-patches
the whole process with gevent.

Locust through its Python API: `Environment` → `create_local_runner()` → `runner.start(users, spawn_rate)`
(or `start_shape()`), a loop that samples the running users until the duration is up, `runner.stop()` with
a grace for the requests in flight, then `env.stats`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
import traceback
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped]
import locust
from locust import User
from locust.env import Environment
from locust.runners import STATE_STOPPED
from locust.shape import LoadTestShape
from locust.stats import StatsEntry
from locust.user.task import filter_tasks_by_tags
from locust.util.load_locustfile import load_locustfile

from harness.load._errors import LoadParameterError
from harness.load._protocol import PROTOCOL, REQUEST_TIMEOUT_ENV, SHAPE_DURATION_ENV, SHAPE_USERS_ENV
from harness.load._result import EndpointStats, ErrorCount, LoadResult, UserException
from harness.load._spec import LoadSpec

SAMPLE_S = 0.05
MAX_REPORTED = 10


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness.load._child", description="one Locust run (internal)")
    parser.add_argument("--spec", required=True, help="LoadSpec as JSON")
    parser.add_argument("--result", required=True, help="where to write the result document")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.result)
    try:
        result = run(LoadSpec.from_json(args.spec))
    except LoadParameterError as exc:
        _write(out, {"protocol": PROTOCOL, "ok": False, "kind": "usage", "message": str(exc)})
        return 2
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"
        _write(out, {"protocol": PROTOCOL, "ok": False, "kind": "error", "message": message})
        traceback.print_exc()
        return 4
    _write(out, {"protocol": PROTOCOL, "ok": True, "result": result.to_json()})
    return 0


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


class _Tracker:
    """Who ran and who was served: request events arrive in the greenlet of the user that made the request."""

    def __init__(self, env: Environment) -> None:
        self.peak = 0
        self.served: set[int] = set()
        self.failed: set[int] = set()
        events: Any = env.events  # locust's EventHook is untyped
        events.request.add_listener(self._on_request)
        events.spawning_complete.add_listener(self.sample)

    def _on_request(self, exception: BaseException | None = None, **_: Any) -> None:
        (self.failed if exception else self.served).add(id(gevent.getcurrent()))

    def sample(self, user_count: int) -> None:
        self.peak = max(self.peak, user_count)


def run(spec: LoadSpec) -> LoadResult:
    os.environ[REQUEST_TIMEOUT_ENV] = f"{spec.request_timeout_s:g}"
    os.environ[SHAPE_USERS_ENV] = str(spec.users)
    os.environ[SHAPE_DURATION_ENV] = f"{spec.duration_s:g}"
    if spec.seed is not None:
        random.seed(spec.seed)
    user_classes, shape = _load(spec)
    env = Environment(
        user_classes=user_classes,
        shape_class=shape,
        events=locust.events,
        host=spec.host,
        stop_timeout=spec.stop_grace_s,
        catch_exceptions=True,
    )
    tracker = _Tracker(env)
    runner = env.create_local_runner()
    events: Any = env.events
    events.init.fire(environment=env, runner=runner, web_ui=None)
    started = time.monotonic()
    if shape is not None:
        runner.start_shape()
    else:
        runner.start(spec.users, spawn_rate=spec.spawn_rate)
    while time.monotonic() - started < spec.duration_s and runner.state != STATE_STOPPED:
        tracker.sample(runner.user_count)
        gevent.sleep(SAMPLE_S)
    elapsed = time.monotonic() - started
    stopping = time.monotonic()
    runner.stop()
    stop_s = time.monotonic() - stopping
    exceptions = tuple(
        UserException(str(e["msg"]), int(e["count"]))
        for e in sorted(runner.exceptions.values(), key=lambda e: -int(e["count"]))[:MAX_REPORTED]
    )
    runner.quit()
    errors = sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)[:MAX_REPORTED]
    return LoadResult(
        **_stats(env.stats.total),
        host=spec.host,
        target_users=spec.users,
        peak_users=tracker.peak,
        users_served=len(tracker.served),
        users_with_failures=len(tracker.failed),
        elapsed_s=elapsed,
        stop_s=stop_s,
        cut_off=stop_s >= spec.stop_grace_s,
        endpoints=tuple(
            EndpointStats(**_stats(entry), method=str(entry.method), name=entry.name)
            for entry in sorted(env.stats.entries.values(), key=lambda e: (e.name, str(e.method)))
        ),
        errors=tuple(ErrorCount(e.method, e.name, str(e.error), e.occurrences) for e in errors),
        exceptions=exceptions,
    )


def _stats(entry: StatsEntry) -> dict[str, Any]:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "mean_ms": float(entry.avg_response_time),
        "median_ms": float(entry.median_response_time),
        "p95_ms": float(entry.get_response_time_percentile(0.95)) if entry.num_requests else 0.0,
        "max_ms": float(entry.max_response_time),
        "min_ms": float(entry.min_response_time or 0),
        "rps": float(entry.total_rps),
    }


def _load(spec: LoadSpec) -> tuple[list[type[User]], LoadTestShape | None]:
    """The user classes the spec asks for (with their excluded tasks removed) and its shape."""
    found: dict[str, type[User]] = {}
    shapes: dict[str, LoadTestShape] = {}
    for path in spec.locustfiles:
        try:
            users, shape_list = load_locustfile(path)
        except Exception as exc:
            raise LoadParameterError(f"locustfile {path} cannot be loaded: {type(exc).__name__}: {exc}") from None
        for name, cls in users.items():
            if name in found and found[name] is not cls:
                raise LoadParameterError(f"two locustfiles define a user class {name!r}")
            found[name] = cls
        shapes.update({str(getattr(s, "name", type(s).__name__)): s for s in shape_list})
    wanted = spec.user_classes or tuple(found)
    unknown = sorted(set(wanted) - set(found))
    if unknown or not wanted:
        raise LoadParameterError(
            f"no user class {', '.join(unknown) or '(none found)'} in {', '.join(spec.locustfiles)}; "
            f"defined: {', '.join(sorted(found)) or 'none'}"
        )
    classes = []
    for name in wanted:
        if spec.exclude_tags:
            filter_tasks_by_tags(found[name], None, set(spec.exclude_tags))
        if found[name].tasks:
            classes.append(found[name])
    if not classes:
        raise LoadParameterError(f"no task is left once the tags {', '.join(spec.exclude_tags)} are excluded")
    if spec.shape is not None and spec.shape not in shapes:
        raise LoadParameterError(f"no load shape {spec.shape!r}; defined: {', '.join(sorted(shapes)) or 'none'}")
    return classes, shapes[spec.shape] if spec.shape is not None else None
