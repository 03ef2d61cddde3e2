"""The pay page a person sees (Vietnamese, plain HTML, no script): the transaction and the outcome buttons."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from mock_portal.payment.ledger import Transaction
from mock_portal.payment.outcomes import CHOICES, FAILED, SUCCESS
from mock_portal.payment.receipt import display_time, money

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}
dd{margin:0}.status{padding:.75rem;border:2px solid #555;border-radius:.25rem}
fieldset{border:1px solid #888;padding:1rem}button{font-size:1rem;margin:.25rem .5rem .25rem 0;padding:.5rem 1rem}
button:focus{outline:3px solid #0b57d0;outline-offset:2px}.note{font-size:.9rem;color:#444}
"""

_STATES = {SUCCESS: "Thanh toán thành công", FAILED: "Thanh toán thất bại"}


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def state_text(transaction: Transaction) -> str:
    if transaction.state in _STATES:
        return _STATES[transaction.state]
    if transaction.final:
        return "Hết thời gian: giao dịch không hoàn tất"
    if transaction.choice == "pending":
        return "Đang chờ ngân hàng xác nhận"
    return "Chờ thanh toán"


def pay_page(transaction: Transaction, action: str) -> str:
    info = transaction.receipt_info

    def field(name: str) -> str:
        value = info.get(name)
        return value if isinstance(value, str) else ""

    details = [
        ("Số tiền", money(transaction.amount)),
        ("Nội dung", field("NoiDungThanhToan") or transaction.description),
        ("Người nộp", field("HoTenNguoiNop")),
        ("Đơn vị thụ hưởng", field("TenDonVi") or field("TenTKThuHuong")),
        ("Thủ tục", field("TenTTHC")),
        ("Mã hồ sơ", field("MaHoSo")),
        ("Mã tham chiếu", transaction.reference),
        ("Mã giao dịch", transaction.transaction_id),
        ("Thời gian", display_time(transaction.time)),
    ]
    rows = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in details if v)
    parts = [
        "<h1>Thanh toán trực tuyến — Nền tảng thanh toán (giả lập)</h1>",
        '<p class="note">Trang kiểm thử của dvc-harness: không có giao dịch thật nào được thực hiện.</p>',
        f'<section aria-labelledby="gd"><h2 id="gd">Thông tin giao dịch</h2>\n<dl>\n{rows}\n</dl></section>',
        f'<p class="status" role="status" id="trang-thai">Trạng thái: <strong>{escape(state_text(transaction))}'
        f"</strong> (TrangThaiGD {escape(transaction.state)})</p>",
    ]
    if transaction.outcome is not None:
        parts.append(
            f"<p>Kết quả được chọn tự động theo dữ liệu kiểm thử: <code>{escape(transaction.outcome.name)}</code>.</p>"
        )
    elif not transaction.final:
        buttons = "\n".join(
            f'<button type="submit" name="outcome" value="{escape(c.name)}">{escape(c.label)}</button>' for c in CHOICES
        )
        parts.append(
            f'<form method="post" action="{escape(action)}">\n<fieldset>\n'
            f"<legend>Chọn kết quả thanh toán</legend>\n{buttons}\n</fieldset>\n</form>"
        )
    return _document(f"Thanh toán {transaction.reference}", "\n".join(parts))


def not_found_page(reference: str) -> str:
    return _document(
        "Không tìm thấy giao dịch",
        f"<h1>Không tìm thấy giao dịch</h1>\n<p>Không có giao dịch với mã tham chiếu "
        f"<code>{escape(reference)}</code>.</p>",
    )


def message_page(title: str, message: str, reference: str) -> str:
    back = f"/payment/pay/{quote(reference, safe='')}"
    return _document(
        title,
        f'<h1>{escape(title)}</h1>\n<p role="alert">{escape(message)}</p>\n'
        f'<p><a href="{escape(back)}">Quay lại trang thanh toán</a></p>',
    )
