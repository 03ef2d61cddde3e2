"""HTTP handlers of the payment platform: INIT, QUERY, GET_BILL and the pay page.

Every request is judged with the harness validator under the configured profile; a rejected request gets
MaLoi ≠ "00" with the violations listed in MoTaLoi and changes no state. Bad input (not JSON, not an
object, wrong content type, missing keys) gets HTTP 200 with MaLoi "99", never a 5xx.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import parse_qs, quote

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from harness.core.violations import TRUNCATED_TAG, ValidationResult, Violation
from mock_portal._errors import JSON
from mock_portal.notes import ExchangeNote
from mock_portal.payment import codes, packets, pages
from mock_portal.payment.channel import PaymentChannel
from mock_portal.payment.ledger import Transaction
from mock_portal.payment.outcomes import CHOICES, CHOICES_BY_NAME, SUCCESS, select_outcome
from mock_portal.payment.receipt import SERIES, render_receipt
from mock_portal.request_body import parsed_json

PAGE_SERVICE = "PAY_PAGE"


def _json(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type=JSON)


def _note(request: Request, service: str) -> ExchangeNote:
    note: ExchangeNote = request.state.note
    note.service = service
    return note


async def _read(request: Request) -> tuple[dict[str, Any] | None, str]:
    """The request as a JSON object, or None and why not (in Vietnamese, for MoTaLoi)."""
    content_type = request.headers.get("content-type", "")
    if content_type and "json" not in content_type.lower():
        return None, f"Content-Type phải là application/json (nhận được {content_type!r})"
    if not await request.body():
        return None, "Thân yêu cầu rỗng: cần một đối tượng JSON"
    ok, value = parsed_json(request.scope["state"])
    if not ok:
        return None, "Thân yêu cầu không phải JSON hợp lệ"
    if not isinstance(value, dict):
        return None, f"Thân yêu cầu phải là một đối tượng JSON, không phải {type(value).__name__}"
    return value, ""


def _bad_input(note: ExchangeNote, message: str) -> Response:
    note.verdict, note.rules = "invalid", ["PAY-STRUCTURE"]
    return _json({"MaLoi": codes.BAD_REQUEST, "MoTaLoi": f"{codes.MEANINGS[codes.BAD_REQUEST]}: {message}"})


def _identify(note: ExchangeNote, packet: dict[str, Any]) -> str | None:
    reference = packet.get("MaThamChieu")
    if isinstance(reference, str) and reference:
        note.ma_tham_chieu = reference
        return reference
    return None


class _Check:
    """A request's violations, the partner check and the mock's own rules, turned into MaLoi and MoTaLoi."""

    def __init__(self, result: ValidationResult, packet: dict[str, Any], partner: str) -> None:
        self.result = result
        self.violations: list[Violation] = list(result.violations)
        self.given_partner = packet.get("MaDoiTac")
        self.partner_ok = not isinstance(self.given_partner, str) or self.given_partner == partner
        self.rules = [v.rule for v in self.violations] + ([] if self.partner_ok else [codes.RULE_PARTNER])
        if result.truncated:
            self.rules.append(TRUNCATED_TAG)

    @property
    def failed(self) -> bool:
        return bool(self.violations) or not self.partner_ok

    def code(self) -> str:
        return packets.error_code(self.violations, self.partner_ok)

    def message(self) -> str:
        parts = [packets.describe(self.result)] if self.violations else []
        if not self.partner_ok:
            parts.append(f"[{codes.RULE_PARTNER}] MaDoiTac {self.given_partner!r} không phải đối tác đã đăng ký")
        return f"{codes.MEANINGS[self.code()]}: " + "; ".join(parts)


def routes(channel: PaymentChannel) -> list[BaseRoute]:
    state = channel.state  # read state.config at each call: POST /_admin/sut may configure the partner
    ledger = channel.ledger

    def check(type_name: str, packet: dict[str, Any]) -> _Check:
        config = state.config
        result = packets.validate(type_name, packet, config.profile, config.payment_secret, config.max_violations)
        return _Check(result, packet, config.payment_partner)

    def judged(note: ExchangeNote, rules: list[str]) -> None:
        note.rules = list(dict.fromkeys(rules))
        note.verdict = "invalid" if rules else "valid"

    async def init(request: Request) -> Response:
        note = _note(request, "INIT")
        packet, problem = await _read(request)
        if packet is None:
            return _bad_input(note, problem)
        reference = _identify(note, packet)
        receipt_info = packet.get("ThongTinBienLai")
        receipt_info = receipt_info if isinstance(receipt_info, dict) else {}
        dossier = receipt_info.get("MaHoSo")
        if isinstance(dossier, str) and dossier:
            note.ma_ho_so = [dossier]
        result = check("payment.INIT", packet)
        echoed = packets.echo(packet, "MaDoiTac", "MaThamChieu", "ThoiGianGD")
        duplicate = reference is not None and reference in ledger
        judged(note, result.rules + ([codes.RULE_DUPLICATE] if duplicate else []))
        if result.failed:
            return _json({"MaLoi": result.code(), "MoTaLoi": result.message(), **echoed})
        if duplicate or reference is None:
            message = f"{codes.MEANINGS[codes.DUPLICATE_REFERENCE]}: MaThamChieu {reference!r} đã được khởi tạo"
            return _json({"MaLoi": codes.DUPLICATE_REFERENCE, "MoTaLoi": message, **echoed})
        try:
            amount = int(str(packet["SoTien"]))
        except ValueError:
            return _bad_input(note, f"SoTien {packet['SoTien']!r} không phải số nguyên")
        now = state.clock()
        transaction = Transaction(
            reference=reference,
            partner=str(packet["MaDoiTac"]),
            transaction_id=ledger.new_transaction_id(now),
            amount=amount,
            description=str(packet["ThongTinGiaoDich"]),
            init_time=str(packet["ThoiGianGD"]),
            receipt_info=dict(receipt_info),
            created_at=now,
            outcome=select_outcome(amount, reference),
        )
        ledger.add(transaction)
        if transaction.outcome is not None:
            transaction.choice = transaction.outcome.name
            channel.start(transaction, transaction.outcome.steps, delay_s=channel.settings.auto_delay_s)
        pay_url = f"{state.config.base_url}/payment/pay/{quote(reference, safe='')}"
        return _json(packets.init_reply(transaction, pay_url))

    async def query(request: Request) -> Response:
        note = _note(request, "QUERY")
        packet, problem = await _read(request)
        if packet is None:
            return _bad_input(note, problem)
        reference = _identify(note, packet)
        result = check("payment.QUERY", packet)
        secret = state.config.payment_secret
        if result.failed:
            judged(note, result.rules)
            return _json(packets.query_error(packet, result.code(), result.message(), secret))
        transaction = ledger.get(reference or "")
        if transaction is None:
            judged(note, [codes.RULE_UNKNOWN])
            message = f"{codes.MEANINGS[codes.UNKNOWN_REFERENCE]}: MaThamChieu {reference!r}"
            return _json(packets.query_error(packet, codes.UNKNOWN_REFERENCE, message, secret))
        note.ma_ho_so = transaction.dossier_codes
        judged(note, [])
        return _json(packets.query_reply(transaction, secret))

    async def get_bill(request: Request) -> Response:
        note = _note(request, "GET_BILL")
        packet, problem = await _read(request)
        if packet is None:
            return _bad_input(note, problem)
        reference = _identify(note, packet)
        result = check("payment.GET_BILL", packet)
        echoed = packets.echo(packet, "MaDoiTac", "MaThamChieu")
        if result.failed:
            judged(note, result.rules)
            return _json({"MaLoi": result.code(), "MoTaLoi": result.message(), **echoed})
        transaction = ledger.get(reference or "")
        if transaction is None:
            judged(note, [codes.RULE_UNKNOWN])
            message = f"{codes.MEANINGS[codes.UNKNOWN_REFERENCE]}: MaThamChieu {reference!r}"
            return _json({"MaLoi": codes.UNKNOWN_REFERENCE, "MoTaLoi": message, **echoed})
        note.ma_ho_so = transaction.dossier_codes
        if transaction.state != SUCCESS:
            judged(note, [codes.RULE_NOT_PAID])
            message = f"{codes.MEANINGS[codes.NOT_PAID]} (TrangThaiGD {transaction.state}): chưa có biên lai"
            return _json({"MaLoi": codes.NOT_PAID, "MoTaLoi": message, **echoed})
        judged(note, [])
        pdf = await receipt_of(transaction)
        if "application/pdf" in request.headers.get("accept", "").lower():
            filename = f"bienlai-{quote(transaction.reference, safe='')}.pdf"
            return Response(
                pdf, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{filename}"'}
            )
        return _json(packets.bill_reply(transaction, base64.b64encode(pdf).decode("ascii"), SERIES))

    async def receipt_of(transaction: Transaction) -> bytes:
        if transaction.receipt_pdf is None:
            if transaction.receipt_number is None:
                transaction.receipt_number = ledger.new_receipt_number()
            pdf = await asyncio.to_thread(render_receipt, transaction, channel.font)
            transaction.receipt_pdf = transaction.receipt_pdf or pdf
        return transaction.receipt_pdf

    async def pay_page(request: Request) -> Response:
        reference: str = request.path_params["reference"]
        note = _note(request, PAGE_SERVICE)
        note.ma_tham_chieu = reference
        transaction = ledger.get(reference)
        if transaction is None:
            return HTMLResponse(pages.not_found_page(reference), status_code=404)
        note.ma_ho_so = transaction.dossier_codes
        return HTMLResponse(pages.pay_page(transaction, _page_path(reference)))

    async def choose(request: Request) -> Response:
        reference: str = request.path_params["reference"]
        note = _note(request, PAGE_SERVICE)
        note.ma_tham_chieu = reference
        wants_json = "json" in request.headers.get("content-type", "").lower()
        outcome = _chosen(await request.body(), wants_json)
        transaction = ledger.get(reference)

        def refuse(status: int, title: str, message: str) -> Response:
            if wants_json:
                return _json({"error": title, "message": message}, status)
            return HTMLResponse(pages.message_page(title, message, reference), status_code=status)

        if transaction is None:
            if wants_json:
                return refuse(404, "not_found", f"no transaction with MaThamChieu {reference!r}")
            return HTMLResponse(pages.not_found_page(reference), status_code=404)
        note.ma_ho_so = transaction.dossier_codes
        choice = CHOICES_BY_NAME.get(outcome or "")
        if choice is None:
            names = ", ".join(c.name for c in CHOICES)
            return refuse(400, "Kết quả không hợp lệ", f"outcome phải là một trong: {names} (nhận được {outcome!r})")
        if transaction.outcome is not None:
            message = f"Giao dịch có kết quả tự động theo dữ liệu kiểm thử ({transaction.outcome.name})"
            return refuse(409, "Không thể chọn kết quả", message)
        if transaction.final:
            return refuse(409, "Giao dịch đã kết thúc", f"Trạng thái hiện tại: {pages.state_text(transaction)}")
        transaction.choice = choice.name
        channel.start(transaction, choice.steps)
        if wants_json:
            return _json({"MaThamChieu": reference, "outcome": choice.name, "TrangThaiGD": transaction.state})
        return RedirectResponse(_page_path(reference), status_code=303)

    return [
        Route("/payment/init", init, methods=["POST"]),
        Route("/payment/query", query, methods=["POST"]),
        Route("/payment/getbill", get_bill, methods=["POST"]),
        Route("/payment/pay/{reference:path}", pay_page, methods=["GET"]),
        Route("/payment/pay/{reference:path}", choose, methods=["POST"]),
    ]


def _page_path(reference: str) -> str:
    return f"/payment/pay/{quote(reference, safe='')}"


def _chosen(body: bytes, as_json: bool) -> str | None:
    """The `outcome` a pay-page POST carries (form field, or a JSON object for scripts)."""
    if as_json:
        try:
            value = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return None
        found = value.get("outcome") if isinstance(value, dict) else None
        return found if isinstance(found, str) else None
    values = parse_qs(body.decode("utf-8", "replace")).get("outcome")
    return values[0] if values else None
