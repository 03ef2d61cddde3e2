"""Errors of the requirement catalogue. All are configuration errors (exit code 2)."""

from __future__ import annotations

from harness.core.errors import UsageError


class RequirementCatalogueError(UsageError):
    """A requirement or profile file is unreadable or invalid; the message names the file and the entry."""


class UnknownRequirementError(UsageError):
    """A requirement ID that the catalogue does not know."""


class UnknownProfileError(UsageError):
    """A regulation profile name that the catalogue does not know."""


class UnknownThresholdError(UsageError):
    """A threshold name that a profile does not define."""
