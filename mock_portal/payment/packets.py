"""Payment packets: validation with the harness, checksums from the schemas' `x-checksum`, reply builders."""

from __future__ import annotations

from typing import Any

from harness import get_validator
from harness import sign_payment as sign
from harness.core.violations import DEFAULT_MAX_VIOLATIONS, ValidationResult, Violation
from harness.validation.checksums import checksum_fields as checksum_fields  # re-exported (tests)
from mock_portal.payment import codes
from mock_portal.payment.ledger import Transaction
from mock_portal.payment.outcomes import IPN_FAILED, IPN_OK

REPLY_TYPE = "PAY"  # LoaiBanTin of the platform's IPN and QUERY reply (as in the examples)
CURRENCY = "VND"
_MAX_LISTED = 8


def validate(
    type_name: str, packet: Any, profile: str, secret: str, max_violations: int = DEFAULT_MAX_VIOLATIONS
) -> ValidationResult:
    """The verdict, listing at most `max_violations` (the rest counted, or "more" past what was looked at)."""
    return get_validator(type_name, profile).validate(packet, secret=secret, max_violations=max_violations)


def describe(result: ValidationResult) -> str:
    """A MoTaLoi listing the violations: rule, JSON pointer and message; then how many more were found."""
    listed = result.violations[:_MAX_LISTED]
    parts = [f"[{v.rule}] {v.pointer or '/'}: {v.message.split(' — ')[0]}" for v in listed]
    total = result.violation_count
    if total is not None and total > len(listed):
        parts.append(f"(+{total - len(listed)} lỗi khác)")
    elif total is None:
        rest = len(result.violations) - len(listed)
        parts.append(f"(+ hơn {rest} lỗi khác)" if rest else "(+ các lỗi khác)")
    return "; ".join(parts)


def error_code(violations: list[Violation], partner_ok: bool) -> str:
    """The MaLoi of a rejected request: malformed first, then partner, then checksum."""
    if any(v.rule != "PAY-CHECKSUM" for v in violations):
        return codes.BAD_REQUEST
    if not partner_ok:
        return codes.UNKNOWN_PARTNER
    return codes.BAD_CHECKSUM


_ECHO_LIMITS = {"MaDoiTac": 50, "MaThamChieu": 255}


def echo(request: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Request fields worth echoing in an error reply: only values the reply's schema accepts."""
    found: dict[str, Any] = {}
    for key in keys:
        value = request.get(key)
        if not isinstance(value, str) or not value:
            continue
        if key == "ThoiGianGD" and not (len(value) == 14 and value.isdigit() and value.isascii()):
            continue
        if len(value) <= _ECHO_LIMITS.get(key, 10_000):
            found[key] = value
    return found


def init_reply(transaction: Transaction, pay_url: str) -> dict[str, Any]:
    return {
        "MaLoi": codes.OK,
        "MoTaLoi": codes.MEANINGS[codes.OK],
        "MaDoiTac": transaction.partner,
        "MaThamChieu": transaction.reference,
        "UrlThanhToan": pay_url,
        "MaGiaoDich": transaction.transaction_id,
        "ThoiGianGD": transaction.init_time,
    }


def ipn(
    transaction: Transaction, *, success: bool, transaction_id: str, time: str, bank: str, secret: str
) -> dict[str, Any]:
    packet: dict[str, Any] = {
        "LoaiBanTin": REPLY_TYPE,
        "MaLoi": IPN_OK if success else IPN_FAILED,
        "MaDoiTac": transaction.partner,
        "MaThamChieu": transaction.reference,
        "SoTien": transaction.amount,
        "MaTienTe": CURRENCY,
        "MaGiaoDich": transaction_id,
        "MaNganHang": bank,
        "ThoiGianGD": time,
        "ThongTinGiaoDich": transaction.description,
    }
    return sign(packet, "payment.IPN", secret)


def query_reply(transaction: Transaction, secret: str) -> dict[str, Any]:
    packet: dict[str, Any] = {
        "MaLoi": codes.OK,
        "MoTaLoi": codes.MEANINGS[codes.OK],
        "LoaiBanTin": REPLY_TYPE,
        "MaDoiTac": transaction.partner,
        "MaThamChieu": transaction.reference,
        "SoTien": transaction.amount,
        "MaTienTe": CURRENCY,
        "MaGiaoDich": transaction.transaction_id,
        "MaNganHang": transaction.bank,
        "ThoiGianGD": transaction.time,
        "ThongTinGiaoDich": transaction.description,
        "TrangThaiGD": transaction.state,
    }
    return sign(packet, "payment.QUERY.reply", secret)


def query_error(request: dict[str, Any], code: str, message: str, secret: str) -> dict[str, Any]:
    """A QUERY rejection still carries the reply's required fields (echoed) and its own checksum."""
    packet = {"MaLoi": code, "MoTaLoi": message, **echo(request, "MaDoiTac", "MaThamChieu", "ThoiGianGD")}
    return sign(packet, "payment.QUERY.reply", secret)


def bill_reply(transaction: Transaction, receipt_b64: str, series: str) -> dict[str, Any]:
    info = transaction.receipt_info
    return {
        "MaLoi": codes.OK,
        "MoTaLoi": codes.MEANINGS[codes.OK],
        "MaDoiTac": transaction.partner,
        "MaThamChieu": transaction.reference,
        "MaGiaoDich": transaction.transaction_id,
        "SoTien": transaction.amount,
        "ThoiGianGD": transaction.time,
        "HoTenNguoiNop": str(info.get("HoTenNguoiNop", "")),
        "NoiDungThanhToan": str(info.get("NoiDungThanhToan", "")),
        "SoBienLai": transaction.receipt_number or "",
        "KyHieuBienLai": series,
        "BienLai": receipt_b64,
    }
