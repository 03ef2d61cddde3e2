"""The DVCQG packets the portal sends, built from its own records (docs/reference/dvcqg-interfaces.md §3, §4).

Every scalar is a string and every date `yyyyMMddHHmmss` (Asia/Ho_Chi_Minh), as QCVN 120 packets are.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from harness.core.timestamps import parse_timestamp

#: the keys of a dossier record that are DongBoHoSoMC fields, in the order OpenCPS sends them
DOSSIER_FIELDS = (
    "MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "SoBienNhan", "ChuHoSo", "LoaiDoiTuong",
    "MaDoiTuong", "ThongTinKhac", "Email", "Fax", "SoDienThoai", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra",
    "TrangThaiHoSo", "NgayTra", "ThongTinTra", "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "GhiChu",
    "KenhThucHien", "SoGiayToChuHoSo", "NoiNopHoSo", "HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID",
    "DuocThanhToanTrucTuyen", "NgayTuChoi", "NgayNopHoSo", "DinhDanhCHS", "DSKetNoiCSDL", "TaiLieuNop",
    "DanhSachLePhi", "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua",
)  # fmt: skip
DATE_FIELDS = ("NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy", "NgayTuChoi", "NgayNopHoSo")


def _iso(value: str) -> str:
    """The ISO form a defective portal sends instead of yyyyMMddHHmmss (defect `dates-iso`)."""
    return parse_timestamp(value).isoformat() if value else value


def dossier_item(record: dict[str, Any], *, iso_dates: bool = False) -> dict[str, Any]:
    """The DongBoHoSoMC `data[]` item of a dossier record (only the national fields, in order)."""
    item = {key: record[key] for key in DOSSIER_FIELDS if key in record}
    if iso_dates:
        for key in DATE_FIELDS:
            if isinstance(item.get(key), str):
                item[key] = _iso(item[key])
    return item


def progress_item(
    ma_ho_so: str, step: dict[str, Any], *, iso_dates: bool = False, officer_chars: int | None = 50
) -> dict[str, Any]:
    """A CapNhatTienDoHoSoMC `data[]` item for one history step (NguoiXuLy cut to what DVCQG holds, 50
    characters; `officer_chars=None` is defect `officer-name-not-truncated`)."""
    item = {
        "MaHoSo": ma_ho_so,
        "NguoiXuLy": step["NguoiXuLy"][:officer_chars],
        "ChucDanh": step.get("ChucDanh", ""),
        "ThoiDiemXuLy": step["ThoiDiem"],
        "PhongBanXuLy": step.get("PhongBan", ""),
        "NoiDungXuLy": step["NoiDungXuLy"],
        "TrangThai": step["TrangThai"],
        "NgayBatDau": step.get("NgayBatDau", ""),
        "NgayKetThucTheoQuyDinh": step.get("HanXuLy", ""),
    }
    if iso_dates:
        for key in ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"):
            item[key] = _iso(item[key])
    return item


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def utc_as_local(value: str) -> str:
    """A Vietnam-time stamp as a server on UTC writes it, labelled local (defect `step-time-utc`): 7 h early."""
    moment = datetime.strptime(value, "%Y%m%d%H%M%S") - timedelta(hours=7)
    return stamp(moment)


def twelve_hour(value: str) -> str:
    """A stamp written with a 12-hour clock (`%I` for `%H`, defect `step-time-12h`): 15:30 becomes 03:30."""
    return datetime.strptime(value, "%Y%m%d%H%M%S").strftime("%Y%m%d%I%M%S")
