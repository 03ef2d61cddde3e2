"""The `dvc-harness` command line (also `python -m harness`); `validate_command` is the `validate` sub-command
on its own (benchmarks/hostile_input.py calls it in-process)."""

from __future__ import annotations

from harness.cli._main import main
from harness.cli._validate import validate_command

__all__ = ["main", "validate_command"]
