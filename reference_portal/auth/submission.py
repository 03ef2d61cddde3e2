"""Online submission by a signed-in account: `POST /api/dossiers` (TT 22/2019 Điều 6 k1 d, e).

The body is the control API's create body without the applicant: ChuHoSo, SoDinhDanh, LoaiDoiTuong and
MaDoiTuong come from the login (userinfo), never from the client, and the channel is online ("2"). The
account's TechID travels as MaDoiTuong in every DongBoHoSoMC, which is how DVCQG ties the dossier to the
citizen's national account (docs/reference/dvcqg-interfaces.md §12). Contact details left out are prefilled from
userinfo (TT 22/2019 Điều 6 k1 a).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.auth.context import current_citizen, require_citizen
from reference_portal.auth.store import Citizen
from reference_portal.dossiers import parse_new_dossier
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError, json_body
from reference_portal.web.control import intake

ONLINE = "2"
#: fields the login decides; a body that sends them is refused rather than silently overridden
FROM_LOGIN = ("ChuHoSo", "SoDinhDanh", "LoaiDoiTuong", "MaDoiTuong")
#: LoaiTaiKhoan (SSO account type) → LoaiDoiTuong (dossier owner type, docs/reference/dvcqg-interfaces.md §8.3, §8.5)
OWNER_TYPE = {"1": "1", "2": "2", "3": "4"}


def _applicant(citizen: Citizen) -> dict[str, str]:
    number = citizen.citizen_id if citizen.account_type == "1" else citizen.tax_code or citizen.citizen_id
    if not number:
        raise HttpError(422, "invalid", "the signed-in account has neither a SoDinhDanh nor a tax code")
    return {
        "ChuHoSo": citizen.full_name,
        "SoDinhDanh": number,
        "LoaiDoiTuong": OWNER_TYPE.get(citizen.account_type, "1"),
        "KenhThucHien": ONLINE,
    }


def submission_body(body: Any, citizen: Citizen) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HttpError(422, "invalid", "the body must be a JSON object")
    sent = [k for k in FROM_LOGIN if k in body]
    if sent:
        raise HttpError(422, "invalid", f"{', '.join(sent)} come(s) from your login; do not send them")
    if body.get("KenhThucHien", ONLINE) != ONLINE:
        raise HttpError(422, "invalid", 'a submission on the portal is online: KenhThucHien is "2"')
    prefill = {"SoDienThoai": citizen.phone, "Email": citizen.email, "DiaChi": citizen.address}
    merged = {k: v for k, v in prefill.items() if v and body.get(k) in (None, "")}
    return {**body, **merged, **_applicant(citizen)}


def routes(portal: Portal) -> list[BaseRoute]:
    async def submit(request: Request) -> Response:
        if portal.defects.on("anonymous-submission-accepted") and current_citizen(portal, request) is None:
            return await _anonymous(portal, request)
        citizen = require_citizen(portal, request)
        if "json" not in request.headers.get("content-type", ""):  # no cookie-borne form posts (CSRF)
            raise HttpError(415, "unsupported_media_type", "send the dossier as application/json")
        body = submission_body(await json_body(request), citizen)
        tech_id = "" if portal.defects.on("techid-not-carried") else citizen.tech_id
        dossier = await intake(portal, lambda: replace(parse_new_dossier(body, portal.defects), tech_id=tech_id))
        return JSONResponse(dossier.summary(), status_code=201)

    return [Route("/api/dossiers", submit, methods=["POST"])]


async def _anonymous(portal: Portal, request: Request) -> Response:
    """Defect `anonymous-submission-accepted`: an online dossier without any sign-in, under a made-up owner."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise HttpError(422, "invalid", "the body must be a JSON object")
    stranger = {"ChuHoSo": "Khách vãng lai", "SoDinhDanh": "038090000001", "LoaiDoiTuong": "1", "KenhThucHien": ONLINE}
    dossier = await intake(portal, lambda: parse_new_dossier({**body, **stranger}, portal.defects))
    return JSONResponse(dossier.summary(), status_code=201)
