"""The INIT the portal sends for a dossier's fee (docs/reference/dvcqg-interfaces.md §11.1(a)), built from the
dossier record.

The receipt lines (`PhiLePhi`, `DSKhoanNop`) always add up to `SoTien` (PAY-AMOUNT): the fee lines of the
record when the amount is the fee due, one line of the requested amount otherwise (the control API's
`amount` override, which tests use to select an outcome of the mock platform).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from reference_portal.config import PortalConfig
from reference_portal.dossiers import Dossier
from reference_portal.national.payment import VERSION
from reference_portal.sync.packets import stamp

#: the beneficiary (tài khoản thu hưởng) of the demo province: the provincial State Treasury account
BENEFICIARY_ACCOUNT = "3511.0.1056789"
BENEFICIARY_BANK = "01201001"
BENEFICIARY_NAME = "Văn phòng Ủy ban nhân dân tỉnh Thanh Hóa"
#: the applicant's address as the INIT reports it (the control API submits on the applicant's behalf)
CLIENT_IP = "127.0.0.1"
#: the receipt fields of the fine branch (MaDichVu "1"), sent empty as both known clients do
_FINE_FIELDS = (
    "MaLoaiHinhThuPhat", "TenLoaiHinhThuPhat", "MaCoQuanQD", "TenCoQuanQD", "KhoBac", "NgayQD", "SoQD",
    "ThoiGianViPham", "DiaDiemViPham", "TenNguoiViPham", "TaiKhoanThuNSNN",
)  # fmt: skip
_FEE_NAME = "Phí, lệ phí giải quyết thủ tục hành chính"


def fee_lines(record: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """(LoaiPhiLePhi, MaPhiLePhi, TenPhiLePhi, amount) of each line of DanhSachLePhi with a whole amount."""
    lines = []
    for line in record.get("DanhSachLePhi") or []:
        if not isinstance(line, dict):
            continue
        price = str(line.get("Gia") or "").strip()
        if not price.isdigit() or not price.isascii():
            continue
        kind = str(line.get("LoaiPhiLePhi") or "")
        lines.append(
            (kind if kind in ("1", "2") else "2", str(line.get("MaPhiLePhi") or ""),
             str(line.get("TenPhiLePhi") or "").strip() or _FEE_NAME, int(price))
        )  # fmt: skip
    return lines


def fee_due(record: dict[str, Any]) -> int:
    return sum(line[3] for line in fee_lines(record))


def new_reference(ma_ho_so: str, moment: datetime) -> str:
    """MaThamChieu as TD builds it (`"dvc" + MaHoSo` without punctuation, then the time) plus a random tail,
    so two payments of one dossier in the same second still differ. Letters and digits only: it can never
    end in one of the mock's outcome suffixes (`_APPROVE`...)."""
    return f"dvc{re.sub(r'[^0-9A-Za-z]', '', ma_ho_so)}{stamp(moment)}{secrets.token_hex(3).upper()}"


def init_packet(config: PortalConfig, dossier: Dossier, reference: str, amount: int, time: str) -> dict[str, Any]:
    """The INIT, unsigned."""
    record = dossier.record
    content = f"Nộp phí, lệ phí hồ sơ {dossier.ma_ho_so}"
    lines = fee_lines(record)
    if sum(line[3] for line in lines) != amount or not lines:
        lines = [("2", "", _FEE_NAME, amount)]
    return {
        "LoaiBanTin": "INIT",
        "PhienBan": VERSION,
        "MaDoiTac": config.payment_partner,
        "MaThamChieu": reference,
        "SoTien": str(amount),
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",
        "MaThietBi": "1",
        "NgonNgu": "vi-VN",
        "MaTienTe": "VND",
        "MaNganHang": "PAYMENT",
        "ThongTinGiaoDich": f"THANH TOAN HO SO {dossier.ma_ho_so}",
        "ThoiGianGD": time,
        "Ip": CLIENT_IP,
        "ThongTinBienLai": {
            "MaDichVu": "2",
            "MaDVC": f"{record['MaTTHC']}.01",
            "TenDVC": str(record.get("TenTTHC") or "")[:250],
            "MaTTHC": record["MaTTHC"],
            "TenTTHC": str(record.get("TenTTHC") or "")[:250],
            "MaDonVi": config.receiving_agency,
            "TenDonVi": str(record.get("DonViXuLy") or config.receiving_agency_name),
            "MaHoSo": dossier.ma_ho_so,
            "TKThuHuong": BENEFICIARY_ACCOUNT,
            "MaNHThuHuong": BENEFICIARY_BANK,
            "TenTKThuHuong": BENEFICIARY_NAME,
            **dict.fromkeys(_FINE_FIELDS, ""),
            "NoiDungThanhToan": content,
            "HoTenNguoiNop": record["ChuHoSo"],
            "SoCMNDNguoiNop": record["SoGiayToChuHoSo"],
            "DiaChiNguoiNop": str(record.get("_DiaChi") or ""),
            "HuyenNguoiNop": "",
            "TinhNguoiNop": "",
            "PhiLePhi": [
                {"LoaiPhiLePhi": kind, "MaPhiLePhi": code, "TenPhiLePhi": name, "SoTien": str(price)}
                for kind, code, name, price in lines
            ],
            "DSKhoanNop": [{"NoiDung": content, "SoTien": str(amount)}],
        },
    }
