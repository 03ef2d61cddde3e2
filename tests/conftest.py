"""Test configuration: Hypothesis profiles (`HYPOTHESIS_PROFILE=thorough` for a long run)."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

# The tests start some sixty Python subprocesses (pytest on the suites, certify, the CLI, servers). Without a
# bytecode cache each of them compiles every module again (about 5 s of CPU a run): let them write and reuse one,
# even where the environment sets PYTHONDONTWRITEBYTECODE. __pycache__ is git-ignored.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`slow` tests are opt-in (`-m slow`): the default run stays within CI's budget."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: opt in with -m slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
