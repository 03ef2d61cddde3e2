"""Exceptions that map onto the CLI exit codes (README: 0 ok, 1 invalid packet, 2 usage, 3 conformance, 4 internal)."""

from __future__ import annotations


class HarnessError(Exception):
    """Internal or environment failure (exit code 4)."""

    exit_code = 4


class UsageError(HarnessError):
    """Bad invocation, configuration or unusable input file (exit code 2)."""

    exit_code = 2


class UnknownPacketTypeError(UsageError):
    """A packet type name that the catalogue does not know, or a packet whose type cannot be detected."""
