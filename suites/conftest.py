"""Fixtures shared by the suites (the harness ones come from the `dvc_harness` pytest plugin)."""

from __future__ import annotations

import random

import pytest


@pytest.fixture
def rng(request: pytest.FixtureRequest, dvc_seed: int) -> random.Random:
    """Test data generator: reproducible from the run's seed and the test's id (`--seed N`)."""
    return random.Random(f"{dvc_seed}:{request.node.nodeid}")
