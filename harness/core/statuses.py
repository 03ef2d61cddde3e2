"""The national dossier statuses (TrangThaiHoSo, docs/reference/dvcqg-interfaces.md §8.1), shared by the mock and the
reference portal so both name them the same way."""

from __future__ import annotations

STATUS_NAMES: dict[str, str] = {
    "1": "Mới đăng ký",
    "2": "Được tiếp nhận",
    "3": "Không được tiếp nhận",
    "4": "Đang xử lý",
    "5": "Yêu cầu bổ sung giấy tờ",
    "6": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "7": "Công dân yêu cầu rút hồ sơ",
    "8": "Dừng xử lý",
    "9": "Đã xử lý xong",
    "10": "Đã trả kết quả",
}
#: statuses that end processing (QĐ 766): NgayKetThucXuLy is set when a dossier enters one
TERMINAL = frozenset({"3", "7", "8", "9", "10"})
