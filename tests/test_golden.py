"""Hand-written, real-shaped packets (tests/golden, examples/packets) and single-defect variants of them.

The variants are written by hand, independently of the generators, so they check the validator
against a second opinion: each one breaks one thing and must fail with exactly the named rule.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from harness import validate
from harness.specs import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples" / "packets"

DELETE = object()


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_golden_opencps_batch_is_valid_under_both_profiles() -> None:
    packet = load(GOLDEN / "DongBoHoSoMC.opencps-batch.json")
    assert len(packet["data"]) == 3
    for profile in ("strict", "lenient"):
        result = validate(packet, profile=profile)
        assert result.type == "DongBoHoSoMC" and result.valid, result.violations


def test_golden_extended_form_and_progress_are_valid() -> None:
    for name, expected in (
        ("DongBoHoSoMC.extended.json", "DongBoHoSoMC"),
        ("CapNhatTienDoHoSoMC.json", "CapNhatTienDoHoSoMC"),
    ):
        result = validate(load(GOLDEN / name))
        assert result.type == expected and result.valid, result.violations


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_is_a_valid_packet_of_its_named_type(path: Path) -> None:
    type_name = path.stem
    assert type_name in load_catalogue().types
    result = validate(load(path), type_name, "strict")
    assert result.valid, [v.to_dict() for v in result.violations]


def test_every_packet_type_has_an_example() -> None:
    assert {p.stem for p in EXAMPLES.glob("*.json")} == set(load_catalogue().types)


def mutate(packet: Any, pointer: str, value: Any) -> Any:
    packet = copy.deepcopy(packet)
    *parents, last = pointer.lstrip("/").split("/")
    target = packet
    for step in parents:
        target = target[int(step)] if isinstance(target, list) else target[step]
    if value is DELETE:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return packet


BATCH = "DongBoHoSoMC.opencps-batch.json"
EXTENDED = "DongBoHoSoMC.extended.json"
PROGRESS = "CapNhatTienDoHoSoMC.json"

# (golden file, [(pointer, new value or DELETE), ...], expected rule, expected pointer)
VARIANTS = [
    (BATCH, [("/data/0/NgayTiepNhan", "2024-03-15T08:30:00")], "FMT-DATETIME", "/data/0/NgayTiepNhan"),
    (BATCH, [("/data/0/NgayHenTra", "15/03/2024 16:30")], "FMT-DATETIME", "/data/0/NgayHenTra"),
    (BATCH, [("/data/1/NgayTra", "20240231094500")], "FMT-DATETIME-CALENDAR", "/data/1/NgayTra"),
    (BATCH, [("/data/1/NgayKetThucXuLy", "20240315251000")], "FMT-DATETIME-CALENDAR", "/data/1/NgayKetThucXuLy"),
    (BATCH, [("/data/0/NgayHenTra", "20240314170000")], "QCVN120-DOSSIER-DUE-DATE", "/data/0/NgayHenTra"),
    (BATCH, [("/data/2/NgayKetThucXuLy", "")], "QCVN120-DOSSIER-END-DATE", "/data/2/NgayKetThucXuLy"),
    (BATCH, [("/data/1/NgayTra", "")], "QCVN120-DOSSIER-RETURN-DATE", "/data/1/NgayTra"),
    (BATCH, [("/data/0/MaHoSo", "000.00.12.H56-240316-0001")], "CODE-DOSSIER-DATE", "/data/0/MaHoSo"),
    (BATCH, [("/data/0/MaHoSo", "000.00.12.H22-240315-0001")], "CODE-DOSSIER-PROVINCE", "/data/0/MaHoSo"),
    (BATCH, [("/data/0/MaHoSo", "000.00.12.H56-240315-00001")], "CODE-DOSSIER-TT01", "/data/0/MaHoSo"),
    (BATCH, [("/data/0/MaHoSo", "HS-2024-0001")], "CODE-DOSSIER-FORMAT", "/data/0/MaHoSo"),
    (BATCH, [("/madonvi", "H56")], "CODE-AGENCY", "/madonvi"),
    (BATCH, [("/data/0/MaTTHC", "1003560")], "CODE-PROCEDURE", "/data/0/MaTTHC"),
    (BATCH, [("/data/0/TrangThaiHoSo", "11")], "QCVN120-STATUS", "/data/0/TrangThaiHoSo"),
    (BATCH, [("/data/0/TrangThaiHoSo", 2)], "FMT-STRING-SCALAR", "/data/0/TrangThaiHoSo"),
    (BATCH, [("/isUpdating", False)], "FMT-STRING-SCALAR", "/isUpdating"),
    (BATCH, [("/isUpdating", "false")], "QCVN120-BOOL-STRING", "/isUpdating"),
    (BATCH, [("/data/0/TaiLieuNop/0/IsDeleted", "0")], "QCVN120-BOOL-STRING", "/data/0/TaiLieuNop/0/IsDeleted"),
    (BATCH, [("/data/0/LoaiDoiTuong", "5")], "QCVN120-APPLICANT-TYPE", "/data/0/LoaiDoiTuong"),
    (BATCH, [("/data/0/HinhThuc", "2")], "QCVN120-DELIVERY-FORM", "/data/0/HinhThuc"),
    (BATCH, [("/data/0/MaTTHC", DELETE)], "QCVN120-DOSSIER-REQUIRED", "/data/0/MaTTHC"),
    (BATCH, [("/data/0/TrichYeuHoSo", "")], "FMT-NON-EMPTY", "/data/0/TrichYeuHoSo"),
    (BATCH, [("/data/0/TrichYeuHoSo", "Đ" * 1001)], "QCVN120-LENGTH", "/data/0/TrichYeuHoSo"),
    (
        BATCH,
        [("/data/0/TaiLieuNop/1/DuongDanTaiTepTin", "documents/Giay_chung_sinh.pdf")],
        "FMT-URL",
        "/data/0/TaiLieuNop/1/DuongDanTaiTepTin",
    ),
    (
        BATCH,
        [("/data/0/TaiLieuNop/1/TepDinhKemId", DELETE)],
        "QCVN120-FILE-REQUIRED",
        "/data/0/TaiLieuNop/1/TepDinhKemId",
    ),
    (BATCH, [("/data/0/SoDienThoai", "091-234-5678")], "FMT-PHONE", "/data/0/SoDienThoai"),
    (BATCH, [("/data/0/Email", "nguyenvanan")], "FMT-EMAIL", "/data/0/Email"),
    (BATCH, [("/data/0/GhiChuNoiBo", "x")], "QCVN120-UNKNOWN-FIELD", "/data/0/GhiChuNoiBo"),
    (BATCH, [("/session", DELETE)], "QCVN120-ENVELOPE", "/session"),
    (BATCH, [("/data", [])], "QCVN120-ENVELOPE", "/data"),
    (EXTENDED, [("/data/0/KenhThucHien", "4")], "QCVN120-CHANNEL", "/data/0/KenhThucHien"),
    (EXTENDED, [("/data/0/HoSoCoThanhPhanSoHoa", "yes")], "QCVN120-FLAG", "/data/0/HoSoCoThanhPhanSoHoa"),
    (EXTENDED, [("/data/0/DuocThanhToanTrucTuyen", "5")], "QCVN120-ONLINE-PAYMENT", "/data/0/DuocThanhToanTrucTuyen"),
    (EXTENDED, [("/data/0/DinhDanhCHS/0/LoaiDinhDanh", "2")], "QCVN120-OWNER-ID", "/data/0/DinhDanhCHS/0/SoDinhDanh"),
    (EXTENDED, [("/data/0/DanhSachLePhi/0/Gia", "75.000")], "FMT-AMOUNT", "/data/0/DanhSachLePhi/0/Gia"),
    (
        EXTENDED,
        [("/data/0/DanhSachLePhi/0/HinhThucThu", "3")],
        "QCVN120-FEE-ENUM",
        "/data/0/DanhSachLePhi/0/HinhThucThu",
    ),
    (
        EXTENDED,
        [("/data/0/DanhSachHoSoBoSung/0/NoiDungBoSung", DELETE)],
        "QCVN120-SUPPLEMENT-REQUIRED",
        "/data/0/DanhSachHoSoBoSung/0/NoiDungBoSung",
    ),
    (
        EXTENDED,
        [("/data/0/DanhSachHoSoBoSung/0/HoSoBoSungId", "3391")],
        "QCVN120-STRUCTURE",
        "/data/0/DanhSachHoSoBoSung/0/HoSoBoSungId",
    ),
    (
        EXTENDED,
        [("/data/0/DanhSachGiayToKetQua/0/GiayToId", DELETE)],
        "QCVN120-RESULT-REQUIRED",
        "/data/0/DanhSachGiayToKetQua/0/GiayToId",
    ),
    (EXTENDED, [("/data/0/MaLinhVuc", "XD03")], "CODE-FIELD", "/data/0/MaLinhVuc"),
    (PROGRESS, [("/data/1/ThoiDiemXuLy", "20240403 081000")], "FMT-DATETIME", "/data/1/ThoiDiemXuLy"),
    (
        PROGRESS,
        [("/data/1/NguoiXuLy", "Lê Văn Tâm - Chuyên viên Phòng Quản lý đô thị UBND thành phố")],
        "QCVN120-LENGTH",
        "/data/1/NguoiXuLy",
    ),
    (PROGRESS, [("/data/2/TrangThai", DELETE)], "QCVN120-PROGRESS-REQUIRED", "/data/2/TrangThai"),
    (PROGRESS, [("/data/0/MaHoSo", "000.00.31.H41-240402-0012")], "CODE-DOSSIER-PROVINCE", "/data/0/MaHoSo"),
]


@pytest.mark.parametrize(
    ("golden", "changes", "rule", "pointer"), VARIANTS, ids=[f"{rule}:{pointer}" for _, _, rule, pointer in VARIANTS]
)
def test_single_defect_variant_fails_with_exactly_its_rule(
    golden: str, changes: list[tuple[str, Any]], rule: str, pointer: str
) -> None:
    packet = load(GOLDEN / golden)
    for where, value in changes:
        packet = mutate(packet, where, value)
    result = validate(packet, None, "strict")
    assert [(v.rule, v.pointer) for v in result.violations] == [(rule, pointer)], result.violations
    violation = result.violations[0]
    assert violation.source and violation.message


def test_lenient_profile_accepts_what_real_clients_send_and_still_checks_values() -> None:
    packet = load(GOLDEN / BATCH)
    loose = mutate(
        mutate(mutate(packet, "/data/0/TrangThaiHoSo", 2), "/isUpdating", False),
        "/data/0/GhiChuNoiBo",
        "trường thêm của nhà cung cấp",
    )
    strict = validate(loose, profile="strict")
    assert strict.rules == {"FMT-STRING-SCALAR", "QCVN120-UNKNOWN-FIELD"}
    assert validate(loose, profile="lenient").valid
    # Read leniently, 10 is the status "10" and still needs its return date.
    returned = mutate(mutate(loose, "/data/0/TrangThaiHoSo", 10), "/data/0/NgayKetThucXuLy", "20240315150000")
    assert [(v.rule, v.pointer) for v in validate(returned, profile="lenient").violations] == [
        ("QCVN120-DOSSIER-RETURN-DATE", "/data/0/NgayTra")
    ]


def test_checksum_recomputed_independently_matches_the_example_init() -> None:
    packet = load(EXAMPLES / "payment.INIT.json")
    fields = [
        "LoaiBanTin",
        "PhienBan",
        "MaDoiTac",
        "MaThamChieu",
        "SoTien",
        "LoaiHinhThanhToan",
        "MaKenhThanhToan",
        "MaThietBi",
        "NgonNgu",
        "MaTienTe",
        "MaNganHang",
        "ThongTinGiaoDich",
        "ThoiGianGD",
        "Ip",
    ]
    expected = hashlib.sha256(("|".join(str(packet[f]) for f in fields) + "|demo-secret").encode()).hexdigest()
    assert packet["MaXacThuc"] == expected
    assert validate(packet).valid
    other_secret = validate(packet, secret="another-secret")
    assert [(v.rule, v.pointer) for v in other_secret.violations] == [("PAY-CHECKSUM", "/MaXacThuc")]


def test_payment_amount_must_match_fee_lines() -> None:
    packet = load(EXAMPLES / "payment.INIT.json")
    lines = packet["ThongTinBienLai"]["PhiLePhi"]
    assert lines, "the example INIT carries fee lines"
    total = sum(int(line["SoTien"]) for line in lines)
    assert packet["SoTien"] == str(total)
    wrong = mutate(packet, "/SoTien", str(total + 5000))
    rules = validate(wrong).rules
    assert "PAY-AMOUNT" in rules and "PAY-CHECKSUM" in rules  # the amount is also under the checksum


def test_id_token_expiry_must_follow_issue() -> None:
    token = load(EXAMPLES / "sso.id_token.json")
    assert validate(token, "sso.id_token").valid
    expired_at_issue = mutate(token, "/exp", token["iat"])
    assert validate(expired_at_issue, "sso.id_token").rules == {"SSO-TOKEN-TIMES"}
