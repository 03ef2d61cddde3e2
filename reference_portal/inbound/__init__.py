"""Pushes from DVCQG to the province (dvcqg-interfaces §10): TTKM dossiers and supplements, land-tax vouchers
and notices, validated against the inbound schemas, stored once, answered in the documented reply shape."""

from __future__ import annotations

from reference_portal.inbound import store
from reference_portal.inbound.routes import routes
from reference_portal.portal import Feature

FEATURE = Feature("inbound", schema=store.SCHEMA, tables=store.TABLES, routes=routes, capabilities=("inbound",))

__all__ = ["FEATURE"]
