"""Exceptions that map onto the CLI exit codes of PRODUCT.md."""

from __future__ import annotations


class HarnessError(Exception):
    """Internal or environment failure (exit code 4)."""

    exit_code = 4


class UsageError(HarnessError):
    """Bad invocation, configuration or unusable input file (exit code 2)."""

    exit_code = 2


class UnknownPacketTypeError(UsageError):
    """A packet type name that the catalogue does not know, or a packet whose type cannot be detected."""
