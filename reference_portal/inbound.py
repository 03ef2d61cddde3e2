"""(being built) the inbound feature of the reference portal."""

from __future__ import annotations

from reference_portal.portal import Feature

FEATURE = Feature("inbound")
