"""Bad load parameters are refused before anything runs, each with one clear message; the smoke's settings
come from the environment, then the ini, then the defaults, within hard caps; a result that does not have
the protocol's shape is refused."""

from __future__ import annotations

import math
from typing import Any

import pytest

from harness.load import LoadParameterError, LoadResult, LoadRunError, SmokeSettings, smoke_settings
from tests.load.conftest import result_document, sample_spec


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"users": 0}, "users must be a whole number from 1 to 5000, got 0"),
        ({"users": 5001}, "users must be a whole number from 1 to 5000"),
        ({"users": True}, "users must be a whole number"),
        ({"users": 2.5}, "users must be a whole number"),
        ({"spawn_rate": 0}, "spawn_rate must be a number above 0"),
        ({"duration_s": -1}, "duration_s must be a number above 0 and at most 3600"),
        ({"duration_s": math.inf}, "duration_s must be a number"),
        ({"duration_s": 7200}, "at most 3600"),
        ({"request_timeout_s": math.nan}, "request_timeout_s must be a number"),
        ({"host": "127.0.0.1:8788"}, "host must be an http\\(s\\) URL"),
        ({"host": "ftp://127.0.0.1/"}, "host must be an http\\(s\\) URL"),
        ({"host": "http://example.org"}, "is not a loopback address"),
        ({"locustfiles": ()}, "no locustfile given"),
        ({"locustfiles": ("/no/such/file.py",)}, "/no/such/file.py is not an existing .py file"),
        ({"locustfiles": (__file__.replace(".py", ".txt"),)}, "is not an existing .py file"),
        ({"user_classes": ("",)}, "every user class name must be a non-empty string"),
        ({"shape": " "}, "shape must be the non-empty name"),
        ({"seed": "7"}, "seed must be an integer"),
        ({"users": 50, "spawn_rate": 10.0}, "the last one would start after 4.9 s, not within the 2 s run"),
    ],
)
def test_bad_parameters_are_refused_clearly(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(LoadParameterError, match=message):
        sample_spec(**overrides)


def test_a_remote_host_is_allowed_unless_the_run_is_loopback_only() -> None:
    assert sample_spec(host="https://staging.dvc.example.vn", loopback_only=False).host.startswith("https://")
    assert sample_spec(host="http://localhost:1", loopback_only=True).loopback_only
    assert sample_spec(host="http://[::1]:8788").users == 4
    assert sample_spec().stop_grace_s == 7.0 and sample_spec().wall_clock_limit_s == 69.0


def test_the_smoke_defaults_are_ten_users_for_five_seconds() -> None:
    settings = smoke_settings({})
    assert settings == SmokeSettings(users=10, duration_s=5.0, spawn_rate=None) and settings.rate == 10.0


def test_the_environment_wins_over_the_ini() -> None:
    ini = {"dvc_smoke_users": "20", "dvc_smoke_duration_s": "3", "dvc_smoke_spawn_rate": "5"}
    settings = smoke_settings({"DVC_HARNESS_SMOKE_USERS": "4", "DVC_HARNESS_SMOKE_DURATION_S": ""}, ini.get)
    assert (settings.users, settings.duration_s, settings.rate) == (4, 3.0, 5.0)


@pytest.mark.parametrize(
    ("env", "ini", "message"),
    [
        ({"DVC_HARNESS_SMOKE_USERS": "ten"}, {}, "DVC_HARNESS_SMOKE_USERS='ten' is not a whole number"),
        ({"DVC_HARNESS_SMOKE_USERS": "101"}, {}, "DVC_HARNESS_SMOKE_USERS='101': smoke users must be .* 1 to 100"),
        ({}, {"dvc_smoke_duration_s": "31"}, "ini dvc_smoke_duration_s='31': smoke duration .* at most 30"),
        ({}, {"dvc_smoke_duration_s": "0"}, "smoke duration must be a number of seconds above 0"),
        ({"DVC_HARNESS_SMOKE_SPAWN_RATE": "-1"}, {}, "smoke spawn rate must be"),
        ({"DVC_HARNESS_SMOKE_DURATION_S": "nan"}, {}, "DVC_HARNESS_SMOKE_DURATION_S='nan': smoke duration"),
    ],
)
def test_bad_smoke_settings_name_their_source(env: dict[str, str], ini: dict[str, str], message: str) -> None:
    with pytest.raises(LoadParameterError, match=message):
        smoke_settings(env, ini.get)


def test_a_result_reads_back_exactly() -> None:
    result = LoadResult.from_json(result_document())
    assert result.error_ratio == 0.1 and result.error_pct == pytest.approx(10.0)
    assert LoadResult.from_json(result.to_json()) == result
    with pytest.raises(KeyError, match="no requests named '/y' in this run; named: none"):
        result.endpoint("/y")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"requests": "10"}, "requests='10', expected int"),
        ({"cut_off": 0}, "cut_off=0, expected bool"),
        ({"target_users": True}, "target_users=True, expected int"),
        ({"errors": {}}, "errors={}, expected a list"),
        ({"errors": [{"method": "GET"}]}, "answered ErrorCount"),
        ({"extra": 1}, "expected the keys"),
    ],
)
def test_a_result_outside_the_protocol_is_a_run_error(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(LoadRunError, match=message):
        LoadResult.from_json(result_document(**overrides))
