"""Load runs with Locust, through its Python API, in a subprocess, with typed results.

Importing locust monkey-patches a process with gevent, so this package never does: `run_load` starts a
fresh interpreter (harness.load._child) that imports locust first, passes it the `LoadSpec` as JSON on argv
(secrets in its environment) and reads a `LoadResult` back from a JSON file (harness.load._protocol).

    spec, env = portal_load(description, users=10, spawn_rate=10, duration_s=5)   # loadtests/portal.py
    result = run_load(spec, env=env)        # requests, failures, error_ratio, mean/median/p95/max ms, rps, peak_users
    verdicts = judge(result, load_catalogue().profile("tt22-2019"), smoke=True)    # Điều 7 thresholds

Guide: docs/load.md.
"""

from __future__ import annotations

from harness.load._errors import LoadParameterError, LoadRunError
from harness.load._portal import excluded_tags, loadtests_root, portal_load
from harness.load._protocol import (  # what the locustfiles (loadtests/) read from their environment
    CONTROL_TOKEN_ENV,
    CONTROL_URL_ENV,
    DEFAULT_CONTROL_TOKEN,
    DEFAULT_REQUEST_TIMEOUT_S,
    REQUEST_TIMEOUT_ENV,
    SHAPE_DURATION_ENV,
    SHAPE_USERS_ENV,
)
from harness.load._result import EndpointStats, ErrorCount, LoadResult, ResponseStats, UserException
from harness.load._runner import run_load
from harness.load._shapes import PEAK_DAY, stage_tick
from harness.load._smoke import SOURCES as SMOKE_SOURCES
from harness.load._smoke import SmokeSettings, smoke_settings
from harness.load._spec import MAX_DURATION_S, MAX_USERS, LoadSpec
from harness.load._verdicts import ASSUMED, Verdict, judge

__all__ = [
    "ASSUMED",
    "CONTROL_TOKEN_ENV",
    "CONTROL_URL_ENV",
    "DEFAULT_CONTROL_TOKEN",
    "DEFAULT_REQUEST_TIMEOUT_S",
    "MAX_DURATION_S",
    "MAX_USERS",
    "PEAK_DAY",
    "REQUEST_TIMEOUT_ENV",
    "SHAPE_DURATION_ENV",
    "SHAPE_USERS_ENV",
    "SMOKE_SOURCES",
    "EndpointStats",
    "ErrorCount",
    "LoadParameterError",
    "LoadResult",
    "LoadRunError",
    "LoadSpec",
    "ResponseStats",
    "SmokeSettings",
    "UserException",
    "Verdict",
    "excluded_tags",
    "judge",
    "loadtests_root",
    "portal_load",
    "run_load",
    "smoke_settings",
    "stage_tick",
]
