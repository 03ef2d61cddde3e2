"""Hooks the conformance plugin calls, for other plugins (e.g. certify's progress relay) to implement."""

from __future__ import annotations

import pytest


def pytest_dvc_wiring(config: pytest.Config, lines: list[str]) -> None:
    """The national side is up and configured for the SUT: `lines` say where it listens and what the SUT must
    be configured with (Vietnamese first, English beside)."""
