"""The signed-in citizen pays their own dossier's fee (TT 22/2019 Điều 6 k1 h "thanh toán trực tuyến"), so a
person (or a scripted tester) using the portal as a citizen needs no control token:

`POST /api/my/dossiers/{MaHoSo}/payments` `{"SoTien"?: int}` sends INIT to the national payment platform (the
same `PaymentService.start` as `POST /_control/payments`) and answers `201 {MaThamChieu, UrlThanhToan,
SoTien}`; `GET` on the same path lists the dossier's payments and their states. Only the dossier's owner
(the rule of the public lookup and `GET /api/my/dossiers`) may do either. SoTien defaults to the fee the
dossier owes; it exists because the national test payment platform picks a payment's outcome from its
amount, and the harness's test steps sometimes name one. Errors read Vietnamese first, the English detail
as the gloss.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.auth import Citizen, require_citizen
from reference_portal.dossiers import Dossier, NotFound
from reference_portal.national.payment import PaymentError
from reference_portal.payments.service import PaymentRefused, service_of
from reference_portal.payments.store import Payment
from reference_portal.portal import Portal
from reference_portal.public import MAX_CODE_CHARS, is_owner
from reference_portal.web.common import HttpError, error_response, json_body

#: the answers are one person's: never kept by a shared cache, never reused for another cookie
NO_STORE = {"cache-control": "no-store", "vary": "cookie"}
_KEYS = frozenset({"SoTien"})
_MAX_AMOUNT = 10**15

_VIETNAMESE = {
    "not_signed_in": "Vui lòng đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia",
    "unsupported_media_type": "Nội dung phải là JSON",
    "invalid": "Yêu cầu không hợp lệ",
    "body_too_large": "Yêu cầu quá lớn",
    "not_found": "Không tìm thấy hồ sơ",
    "not_owner": "Hồ sơ này không thuộc tài khoản đang đăng nhập",
    "action_not_allowed": "Hồ sơ không ở trạng thái chờ nộp phí, lệ phí hoặc phí đã được thanh toán",
    "national_refused": "Nền tảng thanh toán quốc gia không nhận yêu cầu thanh toán, vui lòng thử lại sau",
}

CitizenHandler = Callable[[Request, Citizen], Awaitable[Response]]


def citizen_error(exc: HttpError) -> JSONResponse:
    """The portal's error shape with the detail as `"<tiếng Việt> (<English>)"`, never cached."""
    vietnamese = _VIETNAMESE.get(exc.error, "Không thực hiện được yêu cầu")
    response = error_response(HttpError(exc.status, exc.error, f"{vietnamese} ({exc.detail})", **exc.extra))
    response.headers.update(NO_STORE)
    return response


def start_request(body: Any) -> int | None:
    """The amount asked for, None for the fee due; the checks of the control API's `_start_request`."""
    if not isinstance(body, dict):
        raise HttpError(422, "invalid", 'send a JSON object: {} or {"SoTien": integer đồng}')
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise HttpError(422, "invalid", f"unknown key(s) {', '.join(map(repr, unknown))}")
    amount = body.get("SoTien")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < _MAX_AMOUNT):
        raise HttpError(422, "invalid", "SoTien must be a positive integer number of đồng")
    return amount


def citizen_payment_view(payment: Payment) -> dict[str, Any]:
    """The control API's `payment_view` without what only the portal's staff need (how often it was recorded,
    the dossier update, the last error)."""
    return {
        "MaThamChieu": payment.reference,
        "MaHoSo": payment.ma_ho_so,
        "SoTien": payment.amount,
        "TrangThai": payment.state,
        "MaGiaoDich": payment.transaction_id,
        "UrlThanhToan": payment.pay_url,
        "MaNganHang": payment.bank,
        "ThoiGianGD": payment.result_time,
        "SoBienLai": payment.receipt_number,
        "receipt": payment.has_receipt,
    }


def own_dossier(portal: Portal, citizen: Citizen, ma_ho_so: str) -> Dossier:
    """The dossier if it is the citizen's: 404 when there is none, 403 when it is someone else's."""
    if len(ma_ho_so) > MAX_CODE_CHARS:
        raise HttpError(404, "not_found", f"no dossier with a code of {len(ma_ho_so)} characters")
    try:
        dossier = portal.dossiers.get(ma_ho_so)
    except NotFound:
        raise HttpError(404, "not_found", f"no dossier {ma_ho_so}") from None
    if not is_owner(citizen, dossier) and not portal.defects.on("payment-by-anyone"):
        raise HttpError(403, "not_owner", f"dossier {ma_ho_so} is not the signed-in account's")
    return dossier


def routes(portal: Portal) -> list[BaseRoute]:
    service = service_of(portal)

    def signed_in(handler: CitizenHandler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request, require_citizen(portal, request))
            except HttpError as exc:
                return citizen_error(exc)

        return endpoint

    async def start(request: Request, citizen: Citizen) -> Response:
        if "json" not in request.headers.get("content-type", ""):  # no cookie-borne form posts (CSRF)
            raise HttpError(415, "unsupported_media_type", "send the body as application/json")
        amount = start_request(await json_body(request, required=False))
        dossier = own_dossier(portal, citizen, request.path_params["ma_ho_so"])
        try:
            payment = await service.start(dossier.ma_ho_so, amount)
        except NotFound as exc:  # deleted in between
            raise HttpError(404, "not_found", str(exc)) from None
        except PaymentRefused as exc:
            raise HttpError(409, "action_not_allowed", str(exc), TrangThaiHoSo=dossier.status) from None
        except PaymentError as exc:
            raise HttpError(502, "national_refused", str(exc)) from None
        body = {"MaThamChieu": payment.reference, "UrlThanhToan": payment.pay_url, "SoTien": payment.amount}
        return JSONResponse(body, status_code=201, headers=NO_STORE)

    async def listed(request: Request, citizen: Citizen) -> Response:
        dossier = own_dossier(portal, citizen, request.path_params["ma_ho_so"])
        payments = [citizen_payment_view(p) for p in service.store.of_dossier(dossier.ma_ho_so)]
        body = {"MaHoSo": dossier.ma_ho_so, "total": len(payments), "payments": payments}
        return JSONResponse(body, headers=NO_STORE)

    return [
        Route("/api/my/dossiers/{ma_ho_so}/payments", signed_in(start), methods=["POST"]),
        Route("/api/my/dossiers/{ma_ho_so}/payments", signed_in(listed), methods=["GET"]),
    ]
