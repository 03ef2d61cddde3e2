"""HTTP routes of the payments feature: the control API (`POST /_control/payments`, the portal's own view of
a payment and its receipt) and the IPN endpoint the platform calls (`POST /payment/ipn`)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.dossiers import NotFound
from reference_portal.national.payment import PaymentError
from reference_portal.payments import ipn
from reference_portal.payments.service import PaymentRefused, PaymentService, service_of
from reference_portal.payments.store import Payment
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError, json_body, require_control_token

_START_KEYS = frozenset({"MaHoSo", "amount"})
_MAX_CODE = 100


def payment_view(payment: Payment) -> dict[str, Any]:
    return {
        "MaThamChieu": payment.reference,
        "MaHoSo": payment.ma_ho_so,
        "SoTien": payment.amount,
        "TrangThai": payment.state,
        "MaGiaoDich": payment.transaction_id,
        "receipt": payment.has_receipt,
        "UrlThanhToan": payment.pay_url,
        "MaNganHang": payment.bank,
        "ThoiGianGD": payment.result_time,
        "SoBienLai": payment.receipt_number,
        #: times the payment was recorded as received, and what that adds up to (1 and SoTien when all is well)
        "recorded": payment.recorded,
        "collected": payment.amount * payment.recorded,
        #: none | todo | done (dossier moved 6 → 4) | skipped (the dossier no longer awaited this payment)
        "dossier_update": payment.dossier_update,
        "last_error": payment.last_error,
    }


def _start_request(body: Any) -> tuple[str, int | None]:
    if not isinstance(body, dict):
        raise HttpError(422, "invalid", 'send {"MaHoSo": ..., "amount"?: integer đồng}')
    unknown = sorted(set(body) - _START_KEYS)
    if unknown:
        raise HttpError(422, "invalid", f"unknown key(s) {', '.join(map(repr, unknown))}")
    code, amount = body.get("MaHoSo"), body.get("amount")
    if not isinstance(code, str) or not code.strip() or len(code) > _MAX_CODE:
        raise HttpError(422, "invalid", "MaHoSo must be a non-empty string (the dossier code)")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < 10**15):
        raise HttpError(422, "invalid", "amount must be a positive integer number of đồng")
    return code.strip(), amount


def _found(service: PaymentService, request: Request) -> Payment:
    payment = service.store.get(request.path_params["ma_tham_chieu"])
    if payment is None:
        raise HttpError(404, "not_found", f"no payment {request.path_params['ma_tham_chieu']!r}")
    return payment


def routes(portal: Portal) -> list[BaseRoute]:
    service = service_of(portal)
    token = portal.config.control_token

    async def start(request: Request) -> Response:
        require_control_token(request, token)
        code, amount = _start_request(await json_body(request))
        try:
            payment = await service.start(code, amount)
        except NotFound as exc:
            raise HttpError(404, "not_found", str(exc)) from None
        except PaymentRefused as exc:
            raise HttpError(409, "action_not_allowed", str(exc)) from None
        except PaymentError as exc:
            raise HttpError(502, "national_refused", str(exc)) from None
        body = {"MaThamChieu": payment.reference, "UrlThanhToan": payment.pay_url, "SoTien": payment.amount}
        return JSONResponse(body, status_code=201)

    async def view(request: Request) -> Response:
        require_control_token(request, token)
        return JSONResponse(payment_view(_found(service, request)))

    async def receipt(request: Request) -> Response:
        require_control_token(request, token)
        payment = _found(service, request)
        pdf = service.store.receipt(payment.reference)
        if pdf is None:
            raise HttpError(404, "not_found", f"payment {payment.reference} has no receipt (yet): {payment.state}")
        return Response(pdf, media_type="application/pdf")

    async def notify(request: Request) -> Response:
        """The IPN: HTTP 200 with the platform's reply shape, also for refusals; malformed bodies get the
        status json_body chose (400/413/415) with the same shape."""
        try:
            packet = await json_body(request)
        except HttpError as exc:
            return Response(orjson.dumps(ipn.refused(None, f"{exc.error}: {exc.detail}")), status_code=exc.status,
                            media_type="application/json")  # fmt: skip
        return Response(orjson.dumps(await ipn.handle(service, packet)), media_type="application/json")

    return [
        Route("/_control/payments", start, methods=["POST"]),
        Route("/_control/payments/{ma_tham_chieu}", view, methods=["GET"]),
        Route("/_control/payments/{ma_tham_chieu}/receipt", receipt, methods=["GET"]),
        Route("/payment/ipn", notify, methods=["POST"]),
    ]
