"""Public dossier lookup (TT 01/2018 Điều 16, TT 22/2019 Điều 4 k2): anyone may look a dossier up by its
code and see its status; personal data and the processing history only for its owner.

`GET /api/lookup/{MaHoSo}`: anonymous (or signed in as someone else) → `{MaHoSo, TrangThaiHoSo,
TenTrangThai, NgayHenTra}` and nothing more; the signed-in owner (same TechID, or the account's CCCD /
tax code is the dossier's SoDinhDanh) → also the dossier record and its history.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness.core.statuses import STATUS_NAMES
from reference_portal.auth import Citizen, current_citizen
from reference_portal.dossiers import Dossier, NotFound
from reference_portal.portal import Feature, Portal
from reference_portal.web.common import HttpError

MAX_CODE_CHARS = 64
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]*")
#: answers differ by who asks: never cached by a shared cache, never reused for another cookie
_HEADERS = {"cache-control": "no-store", "vary": "cookie"}


def is_owner(citizen: Citizen | None, dossier: Dossier) -> bool:
    if citizen is None:
        return False
    return (
        dossier.tech_id is not None and dossier.tech_id == citizen.tech_id
    ) or dossier.owner_id in citizen.identifiers


def public_view(dossier: Dossier, *, leak: bool = False) -> dict[str, Any]:
    view = {
        "MaHoSo": dossier.ma_ho_so,
        "TrangThaiHoSo": dossier.status,
        "TenTrangThai": STATUS_NAMES[dossier.status],
        "NgayHenTra": str(dossier.record.get("NgayHenTra") or ""),
    }
    if leak:  # defect `lookup-leaks-personal-data`
        view |= {"ChuHoSo": dossier.record.get("ChuHoSo", ""), "SoDienThoai": dossier.record.get("SoDienThoai", "")}
    return view


def owner_view(portal: Portal, dossier: Dossier) -> dict[str, Any]:
    record = {k: v for k, v in dossier.record.items() if not k.startswith("_")}
    record["DiaChi"] = dossier.record.get("_DiaChi", "")
    return {**public_view(dossier), "record": record, "history": portal.dossiers.history(dossier.ma_ho_so)}


def _stale(portal: Portal, dossier: Dossier) -> Dossier:
    """Defect `lookup-status-stale`: the status the dossier had before its last action (a lagging view)."""
    steps = portal.dossiers.history(dossier.ma_ho_so)
    if len(steps) < 2:
        return dossier
    return replace(dossier, status=str(steps[-2]["TrangThai"]))


def _routes(portal: Portal) -> list[BaseRoute]:
    async def lookup(request: Request) -> Response:
        if portal.defects.on("slow-lookup"):
            await asyncio.sleep(12)  # defect: a lookup slower than the maximum response time
        code = request.path_params["ma_ho_so"]
        if len(code) > MAX_CODE_CHARS or not _CODE.fullmatch(code):
            raise HttpError(400, "invalid", f"MaHoSo is at most {MAX_CODE_CHARS} letters, digits, '.', '-'")
        try:
            dossier = portal.dossiers.get(code)
        except NotFound:
            raise HttpError(404, "not_found", f"no dossier {code}") from None
        if portal.defects.on("lookup-status-stale"):
            dossier = _stale(portal, dossier)
        if is_owner(current_citizen(portal, request), dossier):
            return JSONResponse(owner_view(portal, dossier), headers=_HEADERS)
        leak = portal.defects.on("lookup-leaks-personal-data")
        return JSONResponse(public_view(dossier, leak=leak), headers=_HEADERS)

    return [Route("/api/lookup/{ma_ho_so}", lookup, methods=["GET"])]


FEATURE = Feature("public", routes=_routes, capabilities=("public_lookup",))
