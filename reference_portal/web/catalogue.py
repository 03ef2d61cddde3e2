"""Publication of the procedure catalogue (TT 22/2019 Điều 6 k1 c: "công bố danh mục dịch vụ công trực
tuyến"; TT 32/2017 Điều 6: each service with its procedure code, field and service level).

  GET /api/procedures[?MaLinhVuc=&MucDo=&q=]  every cached procedure (Procedure.public_view), filtered
  GET /api/procedures/{MaTTHC}                one procedure; fetched from DVCQG when not cached yet

`MucDo` is the online service level from LayDVC: 4 toàn trình (full online), 3 một phần (partial online),
null when DVCQG does not list the procedure as an online service.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.catalogue import Procedure, UnknownProcedure
from reference_portal.national.dvcqg import NationalError
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

_CODE = re.compile(r"[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})?")
_LEVELS = ("3", "4")
MAX_QUERY = 200


def _folded(text: str) -> str:
    """Lower case without diacritics, so "khai sinh" finds "Đăng ký khai sinh" typed either way."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def routes(portal: Portal) -> list[BaseRoute]:
    def view(procedure: Procedure) -> dict[str, Any]:
        published = procedure.public_view()
        if portal.defects.on("catalogue-without-level"):
            published.pop("MucDo", None)
            published.pop("MucDoDichVu", None)
        return published

    async def listing(request: Request) -> Response:
        params = request.query_params
        field, level, query = params.get("MaLinhVuc"), params.get("MucDo"), params.get("q", "").strip()
        if level is not None and level not in _LEVELS:
            raise HttpError(422, "invalid", 'MucDo must be "4" (toàn trình) or "3" (một phần)')
        if len(query) > MAX_QUERY:
            raise HttpError(422, "invalid", f"q is longer than {MAX_QUERY} characters")
        wanted = _folded(query)
        procedures = [
            p
            for p in portal.catalogue.all()
            if (field is None or p.field_code == field)
            and (level is None or str(p.level) == level)
            and (not wanted or wanted in _folded(f"{p.code} {p.name} {p.field_name}"))
        ]
        return JSONResponse({"total": len(procedures), "procedures": [view(p) for p in procedures]})

    async def one(request: Request) -> Response:
        code = request.path_params["ma_tthc"]
        if not _CODE.fullmatch(code):
            raise HttpError(422, "invalid", f"{code[:60]!r} is not x.yyyyyy (or x.yyyyyy.000.00.00.H56)")
        try:
            procedure = await portal.catalogue.get(code)
        except UnknownProcedure as exc:
            raise HttpError(404, "not_found", str(exc)) from None
        except NationalError as exc:
            raise HttpError(502, "national_unavailable", f"the procedure could not be fetched: {exc}") from None
        return JSONResponse(view(procedure))

    return [
        Route("/api/procedures", listing, methods=["GET"]),
        Route("/api/procedures/{ma_tthc}", one, methods=["GET"]),
    ]
