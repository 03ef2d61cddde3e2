"""The HTML pages, rendered with jinja2 from ./templates (autoescaped; no scripts, styles or assets from
elsewhere). Defect `desktop-only`: the pages leave out the viewport declaration phones need."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.catalogue import LEVEL_NAMES, Procedure
from reference_portal.portal import Portal
from reference_portal.web.catalogue import find_procedure, mentions, search_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHANNELS = {"1": "Trực tiếp", "2": "Trực tuyến", "3": "Qua dịch vụ bưu chính"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def money(amount: int) -> str:
    """8000 → "8.000 đồng" (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


def level_name(procedure: Procedure) -> str:
    name = LEVEL_NAMES.get(procedure.level or 0)
    return f"Dịch vụ công trực tuyến {name}" if name else "Chưa cung cấp trực tuyến"


def routes(portal: Portal) -> list[BaseRoute]:
    def render(template: str, **context: Any) -> HTMLResponse:
        mobile = not portal.defects.on("desktop-only")
        html = _environment().get_template(template).render(mobile=mobile, **context)
        return HTMLResponse(html)

    async def home(request: Request) -> Response:
        return render("home.html")

    async def listing(request: Request) -> Response:
        query = search_text(request)
        procedures = [p for p in portal.catalogue.all() if mentions(p, query)]
        return render("procedures.html", procedures=procedures, query=query, level_name=level_name)

    async def procedure(request: Request) -> Response:
        found = await find_procedure(portal, request.path_params["ma_tthc"])
        times = [(name, found.working_days(channel)) for channel, name in CHANNELS.items()]
        fees = [(fee.description or "Lệ phí", money(fee.amount)) for fee in found.fees("2") if fee.amount > 0]
        return render("procedure.html", p=found, level=level_name(found), times=times, fees=fees)

    async def guide(request: Request) -> Response:
        return render("guide.html")

    return [
        Route("/", home, methods=["GET"]),
        Route("/thu-tuc", listing, methods=["GET"]),
        Route("/thu-tuc/{ma_tthc}", procedure, methods=["GET"]),
        Route("/huong-dan", guide, methods=["GET"]),
    ]
