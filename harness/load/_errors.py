"""Errors of a load run, mapped onto the CLI exit codes (harness.core.errors)."""

from __future__ import annotations

from harness.core.errors import HarnessError, UsageError


class LoadParameterError(UsageError):
    """A load parameter, a locustfile, a user class or a shape that cannot be used (exit code 2)."""


class LoadRunError(HarnessError):
    """The Locust subprocess crashed, hung or answered outside the protocol (exit code 4)."""
