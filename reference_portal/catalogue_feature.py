"""The published procedure catalogue as a feature of the portal (routes: reference_portal.web.catalogue)."""

from __future__ import annotations

from reference_portal.portal import Feature
from reference_portal.web.catalogue import routes

FEATURE = Feature("catalogue", routes=routes, capabilities=("catalogue",))

__all__ = ["FEATURE"]
