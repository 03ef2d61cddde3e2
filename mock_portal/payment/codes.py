"""MaLoi codes the mock answers with, and the rule IDs of the mock's own (cross-packet, state) checks.

The real platform's error-code table is not published (dvcqg-interfaces §15): only "00" = success is
known, so clients must treat every other code as a failure. The codes below are the mock's choice.
The MOCK-PAY-* rule IDs are not in the packet rule catalogue: they judge state and exchanges (a
duplicate reference, an IPN reply that does not echo the IPN), not a single packet.
"""

from __future__ import annotations

OK = "00"
BAD_CHECKSUM = "02"
UNKNOWN_PARTNER = "03"
DUPLICATE_REFERENCE = "04"
UNKNOWN_REFERENCE = "05"
NOT_PAID = "06"
BAD_REQUEST = "99"

MEANINGS: dict[str, str] = {
    OK: "Thành công",
    BAD_CHECKSUM: "Sai mã xác thực (MaXacThuc)",
    UNKNOWN_PARTNER: "Mã đối tác không hợp lệ",
    DUPLICATE_REFERENCE: "Mã tham chiếu đã tồn tại",
    UNKNOWN_REFERENCE: "Không tìm thấy giao dịch",
    NOT_PAID: "Giao dịch chưa thanh toán thành công",
    BAD_REQUEST: "Dữ liệu yêu cầu không hợp lệ",
}

# Mock rule IDs (evidence `rules`).
RULE_PARTNER = "MOCK-PAY-PARTNER"  # MaDoiTac is not the configured partner
RULE_DUPLICATE = "MOCK-PAY-DUPLICATE-REF"  # INIT with a MaThamChieu already used
RULE_UNKNOWN = "MOCK-PAY-UNKNOWN-REF"  # QUERY/GET_BILL/pay page for an unknown MaThamChieu
RULE_NOT_PAID = "MOCK-PAY-NOT-PAID"  # GET_BILL for a transaction that is not paid
RULE_IPN_HTTP = "MOCK-PAY-IPN-HTTP"  # the SUT answered a genuine IPN with an HTTP status other than 200
RULE_IPN_ACK = "MOCK-PAY-IPN-ACK"  # the SUT answered a genuine IPN with MaLoi ≠ "00"
RULE_IPN_ECHO = "MOCK-PAY-IPN-ECHO"  # the reply does not echo MaDoiTac/MaThamChieu/ThoiGianGD/MaXacThuc
RULE_IPN_CHECKSUM_ACCEPTED = "MOCK-PAY-IPN-BAD-CHECKSUM-ACCEPTED"  # the SUT accepted an IPN with a wrong MaXacThuc
RULE_IPN_UNREACHABLE = "MOCK-PAY-IPN-UNREACHABLE"  # transport error, timeout, or no IPN URL configured
