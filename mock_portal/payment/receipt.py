"""The e-receipt (biên lai điện tử) as a PDF made with fpdf2.

Vietnamese text needs a Unicode TrueType font: the configured `receipt_font`, else DejaVu Sans from the
usual system places or from matplotlib's bundled fonts. Without one the receipt falls back to the core
Helvetica font with the diacritics stripped (and says so on the page).
"""

from __future__ import annotations

import importlib.util
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF

from mock_portal.payment.ledger import Transaction

SERIES = "BLDT-MOCK"  # KyHieuBienLai of the mock's receipts
_SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
_FALLBACK_NOTE = "(Font khong ho tro tieng Viet: van ban da bo dau)"


@cache
def find_font(configured: str = "") -> Path | None:
    """A TTF able to render Vietnamese, or None."""
    candidates = [configured] if configured else []
    candidates += list(_SYSTEM_FONTS)
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"))
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def strip_accents(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.encode("latin-1", "replace").decode("latin-1")


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def display_time(timestamp: str) -> str:
    try:
        return datetime.strptime(timestamp, "%Y%m%d%H%M%S").strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        return timestamp


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    value: str


def receipt_lines(transaction: Transaction) -> list[ReceiptLine]:
    info = transaction.receipt_info

    def field(name: str) -> str:
        value = info.get(name)
        return value if isinstance(value, str) else ""

    agency = field("TenDonVi") + (f" ({field('MaDonVi')})" if field("MaDonVi") else "")
    lines = [
        ReceiptLine("Ký hiệu / Số biên lai", f"{SERIES} / {transaction.receipt_number or ''}"),
        ReceiptLine("Đơn vị thu", agency or field("TenTKThuHuong")),
        ReceiptLine("Người nộp", field("HoTenNguoiNop")),
        ReceiptLine("Số CCCD/CMND", field("SoCMNDNguoiNop")),
        ReceiptLine(
            "Địa chỉ",
            ", ".join(p for p in (field("DiaChiNguoiNop"), field("HuyenNguoiNop"), field("TinhNguoiNop")) if p),
        ),
        ReceiptLine("Thủ tục", field("TenTTHC")),
        ReceiptLine("Mã hồ sơ", field("MaHoSo")),
        ReceiptLine("Nội dung", field("NoiDungThanhToan") or transaction.description),
        ReceiptLine("Số tiền", money(transaction.amount)),
        ReceiptLine("Mã tham chiếu", transaction.reference),
        ReceiptLine("Mã giao dịch", transaction.transaction_id),
        ReceiptLine("Ngân hàng", transaction.bank),
        ReceiptLine("Thời gian thanh toán", display_time(transaction.time)),
    ]
    return [line for line in lines if line.value]


def fee_lines(transaction: Transaction) -> list[ReceiptLine]:
    items = transaction.receipt_info.get("PhiLePhi")
    found = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and str(item.get("SoTien", "")).isdigit():
            found.append(
                ReceiptLine(
                    str(item.get("TenPhiLePhi") or item.get("MaPhiLePhi") or ""), money(int(str(item["SoTien"])))
                )
            )
    return found


def render_receipt(transaction: Transaction, font_path: Path | None) -> bytes:
    """The receipt PDF (metadata carries the reference and transaction id in plain text)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    if font_path is not None:
        pdf.add_font("Receipt", "", str(font_path))
        bold = font_path.with_name(font_path.stem + "-Bold" + font_path.suffix)
        pdf.add_font("Receipt", "B", str(bold if bold.is_file() else font_path))
        family = "Receipt"
    else:
        family = "Helvetica"

    def text(value: str) -> str:
        return value if font_path is not None else strip_accents(value)

    pdf.set_title(f"Bien lai {transaction.reference}")
    pdf.set_subject(f"MaThamChieu {transaction.reference} MaGiaoDich {transaction.transaction_id}")
    pdf.set_keywords(f"{transaction.reference} {transaction.transaction_id}")
    pdf.set_creator("dvc-harness mock payment platform")
    pdf.add_page()
    pdf.set_font(family, "B", 15)
    pdf.cell(0, 9, text("BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ (ĐIỆN TỬ)"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.cell(
        0,
        6,
        text("Nền tảng thanh toán (bản giả lập để kiểm thử — không có giá trị pháp lý)"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if font_path is None:
        pdf.cell(0, 5, _FALLBACK_NOTE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for line in receipt_lines(transaction):
        _row(pdf, family, text(line.label), text(line.value))
    fees = fee_lines(transaction)
    if fees:
        pdf.ln(2)
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, text("Chi tiết phí, lệ phí"), new_x="LMARGIN", new_y="NEXT")
        for line in fees:
            _row(pdf, family, text(line.label), text(line.value))
    return bytes(pdf.output())


def _row(pdf: FPDF, family: str, label: str, value: str) -> None:
    pdf.set_font(family, "B", 10)
    pdf.cell(58, 7, label + ":")
    pdf.set_font(family, "", 10)
    pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
