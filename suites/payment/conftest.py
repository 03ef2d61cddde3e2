"""The payment suite drives its fee flows once (suites/payment/_flows.py); every test reads that run."""

from __future__ import annotations

import pytest

from harness.conformance import ConformanceEnvironment
from suites.payment._flows import PaymentRun, drive_payments


@pytest.fixture(scope="session")
def payments(dvc_env: ConformanceEnvironment, dvc_seed: int) -> PaymentRun:
    if not dvc_env.description.declares("payment"):
        pytest.skip("capability 'payment' not declared by the SUT (omitted)")
    return drive_payments(dvc_env, dvc_seed)
