"""Publication of the procedure catalogue (TT 22/2019 Điều 6 k1 c: "công bố danh mục dịch vụ công trực
tuyến"; TT 32/2017 Điều 6: each service with its procedure code, field and service level).

  GET /api/procedures[?MaLinhVuc=&MucDo=&q=]  every cached procedure (Procedure.public_view), filtered
  GET /api/procedures/{MaTTHC}                one procedure; fetched from DVCQG when not cached yet

`MucDo` is the online service level from LayDVC: 4 toàn trình (full online), 3 một phần (partial online),
null when DVCQG does not list the procedure as an online service.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness.specs import scalar_pattern
from reference_portal.catalogue import Procedure, UnknownProcedure
from reference_portal.national.dvcqg import NationalError
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

_LEVELS = ("3", "4")
MAX_QUERY = 200


def _folded(text: str) -> str:
    """Lower case without diacritics, so "khai sinh" finds "Đăng ký khai sinh" typed either way."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(request: Request) -> str:
    """The `q` parameter, trimmed and bounded (422 when too long)."""
    query = request.query_params.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise HttpError(422, "invalid", f"q is longer than {MAX_QUERY} characters")
    return query


def mentions(procedure: Procedure, query: str) -> bool:
    """True when the folded query is in the procedure's code, name or field (any query when empty)."""
    wanted = _folded(query)
    return not wanted or wanted in _folded(f"{procedure.code} {procedure.name} {procedure.field_name}")


async def find_procedure(portal: Portal, code: str) -> Procedure:
    """A procedure by code, fetched from DVCQG when unknown; 422 / 404 / 502 as HttpError."""
    if not scalar_pattern("ProcedureCode").match(code):
        raise HttpError(422, "invalid", f"{code[:60]!r} is not x.yyyyyy (or x.yyyyyy.000.00.00.H56)")
    try:
        return await portal.catalogue.get(code)
    except UnknownProcedure as exc:
        raise HttpError(404, "not_found", str(exc)) from None
    except NationalError as exc:
        raise HttpError(502, "national_unavailable", f"the procedure could not be fetched: {exc}") from None


def routes(portal: Portal) -> list[BaseRoute]:
    def view(procedure: Procedure) -> dict[str, Any]:
        published = procedure.public_view()
        if portal.defects.on("catalogue-without-level"):
            published.pop("MucDo", None)
            published.pop("MucDoDichVu", None)
        return published

    async def listing(request: Request) -> Response:
        params = request.query_params
        field, level = params.get("MaLinhVuc"), params.get("MucDo")
        if level is not None and level not in _LEVELS:
            raise HttpError(422, "invalid", 'MucDo must be "4" (toàn trình) or "3" (một phần)')
        query = search_text(request)
        procedures = [
            p
            for p in portal.catalogue.all()
            if (field is None or p.field_code == field)
            and (level is None or str(p.level) == level)
            and mentions(p, query)
        ]
        return JSONResponse({"total": len(procedures), "procedures": [view(p) for p in procedures]})

    async def one(request: Request) -> Response:
        return JSONResponse(view(await find_procedure(portal, request.path_params["ma_tthc"])))

    return [
        Route("/api/procedures", listing, methods=["GET"]),
        Route("/api/procedures/{ma_tthc}", one, methods=["GET"]),
    ]
