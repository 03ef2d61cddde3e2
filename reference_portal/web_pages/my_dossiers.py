"""The signed-in citizen's own dossiers (TT 22/2019 Điều 6 k1 m "quản lý hồ sơ"):
`GET /api/my/dossiers` → `{"total", "dossiers": [{MaHoSo, MaTTHC, TenTTHC, TrangThaiHoSo, TenTrangThai,
NgayTiepNhan, NgayHenTra}]}`, newest first; 401 `not_signed_in` without a session.

A dossier is the account's when it was submitted under its TechID or names the account's CCCD / tax code as
its owner's number: the same rule as the owner's view of the public lookup (reference_portal.public).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness.core.statuses import STATUS_NAMES
from reference_portal.auth import Citizen, require_citizen
from reference_portal.dossiers import Dossier
from reference_portal.portal import Portal

#: the answer is one person's: never kept by a shared cache, never reused for another cookie
_HEADERS = {"cache-control": "no-store", "vary": "cookie"}


def owned(portal: Portal, citizen: Citizen) -> list[Dossier]:
    numbers = sorted(citizen.identifiers)
    placeholders = ", ".join("?" for _ in numbers) or "NULL"
    rows = portal.db.query(
        f"SELECT * FROM dossier WHERE tech_id = ? OR owner_id IN ({placeholders}) "
        "ORDER BY created_at DESC, ma_ho_so DESC",
        (citizen.tech_id, *numbers),
    )
    return [Dossier.from_row(row) for row in rows]


def summary(dossier: Dossier) -> dict[str, Any]:
    record = dossier.record
    return {
        "MaHoSo": dossier.ma_ho_so,
        "MaTTHC": record.get("MaTTHC", ""),
        "TenTTHC": record.get("TenTTHC", ""),
        "TrangThaiHoSo": dossier.status,
        "TenTrangThai": STATUS_NAMES.get(dossier.status, ""),
        "NgayTiepNhan": record.get("NgayTiepNhan", ""),
        "NgayHenTra": record.get("NgayHenTra", ""),
    }


def routes(portal: Portal) -> list[BaseRoute]:
    async def mine(request: Request) -> Response:
        citizen = require_citizen(portal, request)
        dossiers = [summary(d) for d in owned(portal, citizen)]
        return JSONResponse({"total": len(dossiers), "dossiers": dossiers}, headers=_HEADERS)

    return [Route("/api/my/dossiers", mine, methods=["GET"])]
