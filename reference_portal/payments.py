"""(being built) the payments feature of the reference portal."""

from __future__ import annotations

from reference_portal.portal import Feature

FEATURE = Feature("payments")
