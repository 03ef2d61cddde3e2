"""The `dvc-harness` command line (also `python -m harness`)."""

from __future__ import annotations

from harness.cli._main import main

__all__ = ["main"]
