"""The SUT control API (`schemas/control/openapi.yaml`): create dossiers, drive the flow, read the portal's
own view, flush the outbox, reset. Payments add `POST /_control/payments` from their feature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from harness.core.statuses import STATUS_NAMES
from reference_portal.catalogue import UnknownProcedure
from reference_portal.dossiers import Dossier, InvalidRequest, NewDossier, NotFound, parse_new_dossier
from reference_portal.national.dvcqg import NationalError
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError, json_body, require_control_token
from reference_portal.workflow import CONTROL_ACTIONS, ActionRefused

VERSION = "0.1.0"


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise HttpError(422, "invalid", f"{key} must be a string")
    return value


def dossier_view(portal: Portal, ma_ho_so: str) -> dict[str, Any]:
    """The portal's own view of a dossier (control API, officers); HttpError 404 for an unknown code."""
    try:
        dossier = portal.dossiers.get(ma_ho_so)
    except NotFound as exc:
        raise HttpError(404, "not_found", str(exc)) from None
    national = {k: v for k, v in dossier.record.items() if not k.startswith("_")}
    return {
        "MaHoSo": dossier.ma_ho_so,
        "TrangThaiHoSo": dossier.status,
        "TenTrangThai": STATUS_NAMES[dossier.status],
        "record": national,
        "history": portal.dossiers.history(ma_ho_so),
        "sync": portal.outbox.dossier_state(ma_ho_so).to_json(),
    }


async def intake(portal: Portal, build: Callable[[], NewDossier]) -> Dossier:
    """Create the dossier `build` reads from a request (control API, online submission); HttpError 422/502
    for what cannot be used."""
    try:
        return await portal.dossiers.create(build())
    except InvalidRequest as exc:
        raise HttpError(422, "invalid", "; ".join(exc.problems)) from None
    except UnknownProcedure as exc:
        raise HttpError(422, "unknown_procedure", str(exc)) from None
    except NationalError as exc:
        raise HttpError(502, "national_unavailable", f"the procedure could not be fetched: {exc}") from None


@dataclass(frozen=True)
class ActionRequest:
    """`{"action", "reason"?, "amount"?, "officer"?}`: one step of the flow asked over HTTP."""

    action: str
    reason: str | None = None
    amount: int | None = None
    officer: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> ActionRequest:
        """HttpError 422 for a body that is not an action of the flow (`pay` comes from the payment platform)."""
        if not isinstance(body, dict) or not isinstance(body.get("action"), str):
            raise HttpError(422, "invalid", f'send {{"action": one of {", ".join(CONTROL_ACTIONS)}}}')
        action = body["action"]
        if action not in CONTROL_ACTIONS:
            raise HttpError(422, "invalid", f"{action!r}; one of {', '.join(CONTROL_ACTIONS)}")
        amount = body.get("amount")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
            raise HttpError(422, "invalid", "amount must be an integer number of đồng")
        return cls(action, _optional_text(body, "reason"), amount, _optional_text(body, "officer"))


async def apply_action(portal: Portal, ma_ho_so: str, request: ActionRequest) -> Dossier:
    """Apply `request` to the dossier (control API, officers): HttpError 404 for an unknown dossier, 409 with
    the current TrangThaiHoSo when the flow refuses the action."""
    try:
        return await portal.dossiers.act(
            ma_ho_so, request.action, reason=request.reason, amount=request.amount, officer=request.officer
        )
    except NotFound as exc:
        raise HttpError(404, "not_found", str(exc)) from None
    except ActionRefused as exc:
        current = portal.dossiers.get(ma_ho_so).status
        raise HttpError(409, "action_not_allowed", str(exc), TrangThaiHoSo=current) from None


def routes(portal: Portal) -> list[BaseRoute]:
    token = portal.config.control_token

    async def create(request: Request) -> Response:
        require_control_token(request, token)
        body = await json_body(request)
        dossier = await intake(portal, lambda: parse_new_dossier(body, portal.defects))
        return JSONResponse(dossier.summary(), status_code=201)

    async def act(request: Request) -> Response:
        require_control_token(request, token)
        action = ActionRequest.from_json(await json_body(request))
        dossier = await apply_action(portal, request.path_params["ma_ho_so"], action)
        return JSONResponse(dossier.summary())

    async def view(request: Request) -> Response:
        require_control_token(request, token)
        return JSONResponse(dossier_view(portal, request.path_params["ma_ho_so"]))

    async def sync(request: Request) -> Response:
        require_control_token(request, token)
        report = await portal.outbox.flush(force=True)  # drains in order until empty or a failure
        return JSONResponse(report.to_json())

    async def reset(request: Request) -> Response:
        require_control_token(request, token)
        portal.reset()
        return JSONResponse({"ok": True})

    async def health(request: Request) -> Response:
        require_control_token(request, token)
        return JSONResponse({"ok": True, "version": VERSION, "capabilities": portal.capabilities})

    return [
        Route("/_control/health", health, methods=["GET"]),
        Route("/_control/dossiers", create, methods=["POST"]),
        Route("/_control/dossiers/{ma_ho_so}", view, methods=["GET"]),
        Route("/_control/dossiers/{ma_ho_so}/actions", act, methods=["POST"]),
        Route("/_control/sync", sync, methods=["POST"]),
        Route("/_control/reset", reset, methods=["POST"]),
    ]
