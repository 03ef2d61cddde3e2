"""Feedback to and from the public: satisfaction ratings and monthly dossier statistics (TT 22/2019 Điều 6
k1 h, i), both published on the portal and synced to DVCQG (DongBoDanhGia, DongBoThongKeHoSo)."""

from __future__ import annotations

from reference_portal.feedback import ratings
from reference_portal.feedback.routes import routes
from reference_portal.portal import Feature

FEATURE = Feature(
    "feedback",
    schema=ratings.SCHEMA,
    tables=ratings.TABLES,
    routes=routes,
    capabilities=("ratings", "statistics"),
)

__all__ = ["FEATURE"]
