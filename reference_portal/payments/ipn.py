"""The IPN endpoint's decisions (docs/reference/dvcqg-interfaces.md §11.1(b)): what the platform says is believed
only when the packet is well formed, carries our partner code and a valid MaXacThuc, names a payment we initiated, and
for the amount we initiated. The answer is the platform's reply shape: MaLoi "00" with MaDoiTac,
MaThamChieu, ThoiGianGD and MaXacThuc echoed, or MaLoi "99" ("Các lỗi khác") with the reason.
"""

from __future__ import annotations

from typing import Any

from reference_portal.national.payment import OK, judge
from reference_portal.payments.service import PaymentService
from reference_portal.payments.store import Result

REFUSED = "99"
ECHOED = ("MaDoiTac", "MaThamChieu", "ThoiGianGD", "MaXacThuc")
_MAX_ECHO = 255


def _echo(packet: Any) -> dict[str, str]:
    """The fields the reply echoes, only where the IPN's value is one the reply schema accepts."""
    if not isinstance(packet, dict):
        return {}
    found = {}
    for key in ECHOED:
        value = packet.get(key)
        if not isinstance(value, str) or not value or len(value) > _MAX_ECHO:
            continue
        if key == "ThoiGianGD" and not (len(value) == 14 and value.isdigit() and value.isascii()):
            continue
        found[key] = value
    return found


def _amount(value: Any) -> int | None:
    """SoTien as an integer: an int, an integral float, or (lenient) its decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value)
    return int(text) if text.isdigit() and text.isascii() and len(text) <= 18 else None


def acknowledged(packet: Any) -> dict[str, Any]:
    return {"MaLoi": OK, "MoTaLoi": "Thành công", **_echo(packet)}


def refused(packet: Any, reason: str) -> dict[str, Any]:
    return {"MaLoi": REFUSED, "MoTaLoi": f"Các lỗi khác: {reason}"[:1000], **_echo(packet)}


async def handle(service: PaymentService, packet: Any) -> dict[str, Any]:
    """Judge one IPN and apply it; the reply to send (always HTTP 200: the refusal is in MaLoi)."""
    portal = service.portal
    defects = portal.defects
    judged = judge(packet, "payment.IPN", service.client.secret)
    if judged.other:
        return refused(packet, f"IPN không hợp lệ: {judged.describe(with_checksum=False)}")
    if judged.checksum and not defects.on("ipn-without-checksum"):
        return refused(packet, f"sai mã xác thực (MaXacThuc): {judged.describe()}")
    assert isinstance(packet, dict)  # the schema says so
    if str(packet["MaDoiTac"]) != service.client.partner:
        return refused(packet, f"MaDoiTac {packet['MaDoiTac']!r} không phải đối tác của cổng")
    reference = str(packet["MaThamChieu"])
    payment = service.store.get(reference)
    if payment is None:
        if defects.on("ipn-unknown-reference-accepted"):
            return acknowledged(packet)
        return refused(packet, f"không có giao dịch MaThamChieu {reference!r}")
    amount = _amount(packet["SoTien"])
    if amount is None:
        return refused(packet, f"SoTien {packet['SoTien']!r} không phải số nguyên")
    if amount != payment.amount and not defects.on("ipn-amount-unchecked"):
        return refused(packet, f"SoTien {amount} khác số tiền đã khởi tạo ({payment.amount})")
    success = str(packet["MaLoi"]) == OK  # any other code is a failure (the platform's codes are not published)
    result = Result(success, str(packet["MaGiaoDich"]), str(packet["MaNganHang"]), str(packet["ThoiGianGD"]))
    await service.settle(reference, result)
    return acknowledged(packet)
