"""`/api/officer/dossiers`: counter intake, the flow's actions, the officer's view, an applicant's dossiers.

Every handler first checks the officer login (401 before anything is read), then calls the control API's
own functions (`intake`, `ActionRequest`, `apply_action`, `dossier_view`), so statuses and sync are the
same as there; only the errors differ: Vietnamese first (reference_portal.officer.answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.dossiers import parse_new_dossier
from reference_portal.officer.answers import NO_STORE, officer_error
from reference_portal.officer.login import require_officer
from reference_portal.officer.search import applicant_dossiers
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError, json_body
from reference_portal.web.control import ActionRequest, apply_action, dossier_view, intake

COUNTER, POSTAL = "1", "3"
OfficerHandler = Callable[[Request, str], Awaitable[Response]]


def counter_body(body: Any) -> Any:
    """The control API's create body, for the channels an officer registers: the counter ("1", the default)
    and post ("3"); an online dossier ("2") is the citizen's own submission (POST /api/dossiers)."""
    if not isinstance(body, dict):
        return body  # NewDossier.from_json explains what a body must be
    channel = body.get("KenhThucHien")
    if channel is None or channel == "":
        return {**body, "KenhThucHien": COUNTER}
    if channel not in (COUNTER, POSTAL):
        raise HttpError(422, "invalid", 'KenhThucHien is "1" (counter) or "3" (postal) for an officer')
    return body


def _require_json(request: Request) -> None:
    """Browsers resend Basic credentials on their own: a cross-site form or no-cors post cannot be JSON."""
    if "json" not in request.headers.get("content-type", ""):
        raise HttpError(415, "unsupported_media_type", "send the body as application/json")


def routes(portal: Portal) -> list[BaseRoute]:
    def officer_only(handler: OfficerHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                officer = require_officer(portal.config, request)
                return await handler(request, officer)
            except HttpError as exc:
                return officer_error(exc)

        return endpoint

    async def create(request: Request, officer: str) -> Response:
        _require_json(request)
        body = counter_body(await json_body(request))
        dossier = await intake(portal, lambda: parse_new_dossier(body, portal.defects))
        return JSONResponse(dossier.summary(), status_code=201, headers=NO_STORE)

    async def act(request: Request, officer: str) -> Response:
        _require_json(request)
        action = ActionRequest.from_json(await json_body(request))
        if action.officer is not None:
            raise HttpError(422, "invalid", "the acting officer is the signed-in account: do not send officer")
        dossier = await apply_action(portal, request.path_params["ma_ho_so"], replace(action, officer=officer))
        return JSONResponse(dossier.summary(), headers=NO_STORE)

    async def view(request: Request, officer: str) -> Response:
        return JSONResponse(dossier_view(portal, request.path_params["ma_ho_so"]), headers=NO_STORE)

    async def search(request: Request, officer: str) -> Response:
        number = request.query_params.get("SoDinhDanh", "").strip()
        return JSONResponse(applicant_dossiers(portal, number), headers=NO_STORE)

    return [
        Route("/api/officer/dossiers", officer_only(create), methods=["POST"]),
        Route("/api/officer/dossiers", officer_only(search), methods=["GET"]),
        Route("/api/officer/dossiers/{ma_ho_so}", officer_only(view), methods=["GET"]),
        Route("/api/officer/dossiers/{ma_ho_so}/actions", officer_only(act), methods=["POST"]),
    ]
