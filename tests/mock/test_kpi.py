"""QĐ 766 indicators for a small hand-made set of dossiers synced over HTTP (GET /_admin/kpi)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_portal.config import MockConfig
from mock_portal.dvcqg.store import DossierRecord
from mock_portal.kpi import compute_kpi, end_time, indicators, on_time_verdict
from mock_portal.server import RunningMock, running_mock

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer demo-admin"}
GOLDEN = ROOT / "tests" / "golden" / "DongBoHoSoMC.opencps-batch.json"
BASE = json.loads(GOLDEN.read_text(encoding="utf-8"))["data"][0]
DUE = "20240329170000"


def dossier(seq: int, status: str, **fields: Any) -> dict[str, Any]:
    """A valid dossier received 2024-03-15, due 2024-03-29 17:00, with `fields` set (None deletes)."""
    item = copy.deepcopy(BASE)
    item.update(MaHoSo=f"000.00.12.H56-240315-{seq:04d}", TrangThaiHoSo=status, NgayHenTra=DUE)
    for key, value in fields.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


def fee(amount: str) -> list[dict[str, str]]:
    return [{"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": "LP01", "HinhThucThu": "1", "Gia": amount, "LoaiPhiLePhi": "1"}]


def supplement(n: int, new_due: str = "") -> dict[str, Any]:
    return {
        "HoSoBoSungId": n,
        "NoiDungBoSung": "Bổ sung giấy tờ",
        "NgayBoSung": "20240318090000",
        "NgayHenTraMoi": new_due,
    }


def step(code: str, at: str, status: str) -> dict[str, str]:
    return {"MaHoSo": code, "NguoiXuLy": "Chuyên viên", "ThoiDiemXuLy": at, "NoiDungXuLy": "Xử lý", "TrangThai": status}


# A: finished on time, online, digitised, VNeID, paid online on DVCQG
# B: returned late, at the desk, fee not paid online
# C: still processing (not in the on-time count), online without VNeID
# D: one supplement round moving the due date: on time; KenhThucHien missing (counts as 1); paid via gateway
# E: finished before the due date but two supplement rounds: overdue; postal; a zero fee is no fee
# G: NgayKetThucXuLy says on time but the progress step in status 9 is after the due date: overdue; online, VNeID
ROOT_SET = [
    dossier(1, "9", NgayKetThucXuLy="20240328100000", KenhThucHien="2", HoSoCoThanhPhanSoHoa="1",
            TaiKhoanDuocXacThucVoiVNeID="1", DanhSachLePhi=fee("50000"), DuocThanhToanTrucTuyen="1"),
    dossier(2, "10", NgayKetThucXuLy="20240401100000", NgayTra="20240402080000", KenhThucHien="1",
            HoSoCoThanhPhanSoHoa="0", DanhSachLePhi=fee("75000"), DuocThanhToanTrucTuyen="0"),
    dossier(3, "4", KenhThucHien="2", TaiKhoanDuocXacThucVoiVNeID="0"),
    dossier(7, "9", NgayKetThucXuLy="20240320100000", KenhThucHien="2", TaiKhoanDuocXacThucVoiVNeID="1"),
]  # fmt: skip
AGENCY_SET = [
    dossier(4, "9", NgayKetThucXuLy="20240402100000", KenhThucHien=None, HoSoCoThanhPhanSoHoa="1",
            DanhSachHoSoBoSung=[supplement(1, "20240405170000")], DanhSachLePhi=fee("20000"),
            DuocThanhToanTrucTuyen="2"),
    dossier(5, "9", NgayKetThucXuLy="20240325100000", KenhThucHien="3",
            DanhSachHoSoBoSung=[supplement(1), supplement(2)], DanhSachLePhi=fee("0")),
]  # fmt: skip
G_STEPS = [
    step("000.00.12.H56-240315-0007", "20240315083000", "2"),
    step("000.00.12.H56-240315-0007", "20240318090000", "4"),
    step("000.00.12.H56-240315-0007", "20240330100000", "9"),
]


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig()) as running:
        yield running


@pytest.fixture(scope="module")
def kpi(mock: RunningMock) -> dict[str, Any]:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        assert http.post("/_admin/reset", headers=ADMIN).status_code == 200
        session = http.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["session"]
        for madonvi, data in (("000.00.00.H56", ROOT_SET), ("000.00.12.H56", AGENCY_SET)):
            packet = {
                "session": session,
                "madonvi": madonvi,
                "service": "DongBoHoSoMC",
                "isUpdating": "False",
                "data": data,
            }
            answer = http.post("/dvcqg/integration", json=packet).json()
            assert answer["error_code"] == 0, answer["message"]
        progress = {"session": session, "madonvi": "000.00.00.H56", "service": "CapNhatTienDoHoSoMC", "data": G_STEPS}
        assert http.post("/dvcqg/integration", json=progress).json()["error_code"] == 0
        response = http.get("/_admin/kpi", headers=ADMIN)
        assert response.status_code == 200
        return dict(response.json())


def numbers(indicator: dict[str, Any]) -> tuple[int, int, float | None]:
    return indicator["numerator"], indicator["denominator"], indicator["ratio"]


def test_overall_indicators(kpi: dict[str, Any]) -> None:
    overall = kpi["overall"]
    assert overall["dossiers"] == 6
    assert numbers(overall["on_time"]) == (2, 5, 0.4)  # A, D on time; B, E, G overdue; C still processing
    assert overall["on_time"]["undetermined"] == 0
    assert numbers(overall["online"]) == (3, 6, 0.5)  # A, C, G
    assert numbers(overall["digitised"]) == (2, 6, 0.3333)  # A, D
    assert numbers(overall["online_payment"]) == (2, 3, 0.6667)  # A (1), D (2) among A, B, D
    assert numbers(overall["vneid"]) == (2, 3, 0.6667)  # A, G among the online A, C, G


def test_indicators_per_madonvi(kpi: dict[str, Any]) -> None:
    root, agency = kpi["by_madonvi"]["000.00.00.H56"], kpi["by_madonvi"]["000.00.12.H56"]
    assert set(kpi["by_madonvi"]) == {"000.00.00.H56", "000.00.12.H56"}
    assert root["dossiers"] == 4 and agency["dossiers"] == 2
    assert numbers(root["on_time"]) == (1, 3, 0.3333)
    assert numbers(agency["on_time"]) == (1, 2, 0.5)
    assert numbers(agency["online"]) == (0, 2, 0.0)
    assert numbers(agency["vneid"]) == (0, 0, None)  # no online dossier: no ratio
    assert numbers(agency["online_payment"]) == (1, 1, 1.0)


def test_every_indicator_cites_its_rule(kpi: dict[str, Any]) -> None:
    for name in ("on_time", "online", "digitised", "online_payment", "vneid"):
        assert "QĐ 766" in kpi["overall"][name]["rule"]
    assert "9, else 10, else 8 or 3" in kpi["overall"]["on_time"]["rule"]


def test_end_time_prefers_the_progress_steps_by_status_priority() -> None:
    record = DossierRecord.from_object(
        "X",
        dossier(9, "10", NgayKetThucXuLy="20240320100000", NgayTra="20240321000000"),
        "H56",
        "demo",
        "000.00.00.H56",
        "DongBoHoSoMC",
        0.0,
        0.0,
    )
    assert end_time(record) == "20240320100000"  # no steps: NgayKetThucXuLy
    record.progress = [step("X", "20240322000000", "10"), step("X", "20240325000000", "8")]
    assert end_time(record) == "20240322000000"  # 10 before 8/3
    record.progress.append(step("X", "20240330000000", "9"))
    assert end_time(record) == "20240330000000" and on_time_verdict(record) == "overdue"  # 9 first


def test_withdrawn_and_undated_dossiers() -> None:
    withdrawn = DossierRecord.from_object(
        "W",
        dossier(10, "7", NgayKetThucXuLy="20240320100000"),
        "H56",
        "demo",
        "000.00.00.H56",
        "DongBoHoSoMC",
        0.0,
        0.0,
    )
    assert on_time_verdict(withdrawn) is None
    undated = DossierRecord.from_object(
        "U",
        dossier(11, "9", NgayKetThucXuLy="20240320100000", NgayHenTra=""),
        "H56",
        "demo",
        "000.00.00.H56",
        "DongBoHoSoMC",
        0.0,
        0.0,
    )
    assert on_time_verdict(undated) == "undetermined"


def test_empty_mock_has_no_ratios() -> None:
    with running_mock(MockConfig()) as running:
        result = compute_kpi(running.app.mock)
    assert result["overall"]["dossiers"] == 0 and result["by_madonvi"] == {}
    assert all(result["overall"][k]["ratio"] is None for k in ("on_time", "online", "digitised", "vneid"))


def test_loosely_typed_values_accepted_by_the_lenient_profile_count_as_their_strings() -> None:
    item = dossier(12, "9", NgayKetThucXuLy="20240320100000", KenhThucHien=2, HoSoCoThanhPhanSoHoa=True,
                   TaiKhoanDuocXacThucVoiVNeID=1, DanhSachLePhi=fee("1000"), DuocThanhToanTrucTuyen=2.0)  # fmt: skip
    record = DossierRecord.from_object("L", item, "H56", "demo", "000.00.00.H56", "DongBoHoSoMC", 0.0, 0.0)
    result = indicators([record])
    assert [result[k]["numerator"] for k in ("on_time", "online", "digitised", "online_payment", "vneid")] == [1] * 5
