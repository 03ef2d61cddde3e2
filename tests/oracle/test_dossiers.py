"""Worked examples of a dossier's expected values after each action, and the compare helper."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from harness.oracle import (
    ActionNotAllowed,
    Fee,
    Finish,
    Intake,
    Oracle,
    PaymentOutcome,
    Procedure,
    Rate,
    Receive,
    Refuse,
    RequestFee,
    RequestSupplement,
    ReturnResult,
    StartProcessing,
    SupplementClock,
    SupplementReceived,
    Unknown,
    Withdraw,
    compare,
    observe,
    procedure_from_detail,
    untested,
)

from .conftest import vn

AGENCY = "000.00.01.H56"
OTHER = "000.00.02.H56"
FIVE_DAYS = Procedure.simple("1.000001", 5, fees=[Fee("LP1", 50_000, "Lệ phí")], results=["Giấy phép", "Bản sao"])
NO_TIME = Procedure.simple("1.000002", None)


def oracle(**options: Any) -> Oracle:
    return Oracle([FIVE_DAYS, NO_TIME], **options)


def intake(key: str, at: datetime, *, agency: str = AGENCY, procedure: str = "1.000001", channel: str = "2") -> Intake:
    return Intake(dossier=key, at=at, procedure=procedure, channel=channel, agency=agency)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def test_sequence_numbers_restart_per_agency_and_day() -> None:
    model = oracle()
    model.apply(intake("a1", vn(2025, 3, 10, 9)))
    model.apply(intake("a2", vn(2025, 3, 10, 10)))
    model.apply(intake("b1", vn(2025, 3, 10, 11), agency=OTHER))
    model.apply(intake("a3", vn(2025, 3, 11, 8)))
    seen = {
        "a1": "000.00.01.H56-250310-0001",
        "a2": "000.00.01.H56-250310-0002",
        "b1": "000.00.02.H56-250310-0001",
        "a3": "000.00.01.H56-250311-0001",
    }
    for key, code in seen.items():
        assert compare(model.expect(key), {"MaHoSo": code}, "test") == []
    wrong = compare(model.expect("a3"), {"MaHoSo": "000.00.01.H56-250311-0004"}, "DongBoHoSoMC")
    assert [(m.field, m.expected, m.seen) for m in wrong] == [("MaHoSo:sequence", "1", "4")]
    assert wrong[0].rule.id == "ORACLE-CODE-SEQUENCE"


def test_sequence_is_a_lower_bound_when_others_register_dossiers_too() -> None:
    model = oracle(sole_writer=False)
    model.apply(intake("a1", vn(2025, 3, 10, 9)))
    model.apply(intake("a2", vn(2025, 3, 10, 10)))
    assert compare(model.expect("a2"), {"MaHoSo": "000.00.01.H56-250310-0007"}, "t") == []
    assert len(compare(model.expect("a2"), {"MaHoSo": "000.00.01.H56-250310-0001"}, "t")) == 1


def test_a_whole_flow_value_by_value() -> None:
    model = oracle()
    model.apply(intake("d", vn(2025, 3, 7, 16)))  # Friday
    first = model.expect("d")
    assert compare(first, {"TrangThaiHoSo": "1", "NgayHenTra": "", "NgayTiepNhan": "20250307160000"}, "t") == []
    model.apply(Receive(dossier="d", at=vn(2025, 3, 10, 17, 30)))  # Monday after hours → counts from Tuesday
    model.apply(StartProcessing(dossier="d", at=vn(2025, 3, 11, 9)))
    model.apply(Finish(dossier="d", at=vn(2025, 3, 14, 10)))
    model.apply(ReturnResult(dossier="d", at=vn(2025, 3, 14, 15)))
    record = {
        "MaHoSo": "000.00.01.H56-250307-0001",
        "KenhThucHien": "2",
        "TrangThaiHoSo": "10",
        "NgayTiepNhan": "20250307160000",
        "NgayNopHoSo": "20250307160000",
        "NgayHenTra": "20250318170000",  # Tuesday 11/3 + 5 working days
        "NgayKetThucXuLy": "20250314100000",
        "NgayTra": "20250314150000",
        "NgayTuChoi": "",
        "DuocThanhToanTrucTuyen": "0",
        "DanhSachLePhi": [],
        "DanhSachGiayToKetQua": [{"TenGiayTo": "Giấy phép"}, {"TenGiayTo": "Bản sao"}],
        "DanhSachHoSoBoSung": [],
    }
    expected = model.expect("d")
    assert compare(expected, record, "t", fields=list(expected.fields)) == []
    steps = [(s.fields["TrangThai"].describe(), s.fields["ThoiDiemXuLy"].describe()) for s in expected.steps]
    assert steps == [
        ("'1'", "'20250307160000'"),
        ("'2'", "'20250310173000'"),
        ("'4'", "'20250311090000'"),
        ("'9'", "'20250314100000'"),
        ("'10'", "'20250314150000'"),
    ]


def test_the_bundled_portals_same_day_count_is_a_mismatch_naming_the_rule() -> None:
    model = oracle()
    model.apply(intake("d", vn(2025, 3, 10, 17, 30)))
    model.apply(Receive(dossier="d", at=vn(2025, 3, 10, 17, 30)))
    [mismatch] = compare(model.expect("d"), {"NgayHenTra": "20250317170000"}, "DVCQG DongBoHoSoMC #2")
    assert mismatch.dossier == "d" and mismatch.field == "NgayHenTra"
    assert mismatch.expected == "'20250318170000'" and mismatch.seen == "20250317170000"
    text = str(mismatch)
    assert "by rule ORACLE-APPOINTMENT" in text and "Bộ luật Dân sự 2015" in text
    assert text.endswith("in DVCQG DongBoHoSoMC #2")


def test_a_window_across_midnight_allows_either_day() -> None:
    model = oracle()
    model.apply(
        Intake(dossier="m", at=vn(2025, 3, 10, 23, 59, 59), until=vn(2025, 3, 11, 0, 0, 1),
               procedure="1.000001", channel="1", agency=AGENCY)
    )  # fmt: skip
    expected = model.expect("m")
    for code in ("000.00.01.H56-250310-0001", "000.00.01.H56-250311-0001"):
        assert compare(expected, {"MaHoSo": code}, "t") == []
    assert compare(expected, {"NgayTiepNhan": "20250311000000"}, "t") == []
    assert len(compare(expected, {"NgayTiepNhan": "20250311000002"}, "t")) == 1


@pytest.mark.parametrize(
    ("clock", "due"),
    [
        # restart: the supplement arrived Thursday after hours → counts from Friday 7/3 → +5 = Friday 14/3
        (SupplementClock.RESTART, "20250314170000"),
        # pause: waited Tuesday 4/3 → Friday 7/3 (3 working days) → Monday 10/3 moved to Thursday 13/3
        (SupplementClock.PAUSE, "20250313170000"),
    ],
)
def test_supplement_recomputes_the_appointment(clock: SupplementClock, due: str) -> None:
    model = oracle(supplement_clock=clock)
    model.apply(intake("s", vn(2025, 3, 3, 9)))
    model.apply(Receive(dossier="s", at=vn(2025, 3, 3, 9, 5)))  # due Monday 10/3 17:00
    model.apply(RequestSupplement(dossier="s", at=vn(2025, 3, 4, 10)))
    waiting = model.expect("s")
    assert compare(waiting, {"TrangThaiHoSo": "5", "NgayHenTra": "20250310170000"}, "t") == []
    assert compare(waiting, {"DanhSachHoSoBoSung": [{"NgayHenTraTruoc": "20250310170000", "NgayHenTraMoi": ""}]},
                   "t", fields=["DanhSachHoSoBoSung:count", "DanhSachHoSoBoSung[0].NgayHenTraTruoc",
                                "DanhSachHoSoBoSung[0].NgayHenTraMoi"]) == []  # fmt: skip
    model.apply(SupplementReceived(dossier="s", at=vn(2025, 3, 6, 18)))
    after = model.expect("s")
    assert compare(after, {"TrangThaiHoSo": "4", "NgayHenTra": due}, "t") == []
    assert after.fields["NgayHenTra"].rule.id == f"ORACLE-SUPPLEMENT-{clock.name}"
    assert observe({"DanhSachHoSoBoSung": [{"NgayHenTraMoi": due}]}, "DanhSachHoSoBoSung[0].NgayHenTraMoi") == due
    assert compare(after, {"DanhSachHoSoBoSung": [{"NgayHenTraMoi": due}]}, "t") == []


def test_unpaid_and_paid_flag() -> None:
    model = oracle()
    model.apply(intake("p", vn(2025, 3, 3, 9)))
    model.apply(Receive(dossier="p", at=vn(2025, 3, 3, 9)))
    model.apply(RequestFee(dossier="p", at=vn(2025, 3, 3, 10)))
    fee = [{"TenPhiLePhi": "Lệ phí", "Gia": "50000"}]
    assert compare(model.expect("p"), {"TrangThaiHoSo": "6", "DanhSachLePhi": fee, "DuocThanhToanTrucTuyen": "0"},
                   "t") == []  # fmt: skip
    model.apply(PaymentOutcome(dossier="p", at=vn(2025, 3, 3, 11), paid=False))
    failed = model.expect("p")
    assert compare(failed, {"TrangThaiHoSo": "6", "DuocThanhToanTrucTuyen": "0"}, "t") == []
    [flag] = compare(failed, {"DuocThanhToanTrucTuyen": "1"}, "SUT view")
    assert flag.rule.id == "ORACLE-PAID-FLAG" and "QCVN120-PAID-FLAG" in flag.rule.source
    assert len(failed.steps) == 3  # a failed payment changes no status: no step
    model.apply(PaymentOutcome(dossier="p", at=vn(2025, 3, 3, 12), paid=True))
    paid = model.expect("p")
    assert compare(paid, {"TrangThaiHoSo": "4", "DuocThanhToanTrucTuyen": "1", "DanhSachLePhi": fee}, "t") == []
    assert len(compare(paid, {"DuocThanhToanTrucTuyen": "0"}, "t")) == 1


def test_a_fee_named_by_the_officer_and_a_fee_nobody_knows() -> None:
    model = oracle()
    for key, procedure in (("named", "1.000001"), ("unknown", "1.000002")):
        model.apply(intake(key, vn(2025, 3, 3, 9), procedure=procedure))
        model.apply(Receive(dossier=key, at=vn(2025, 3, 3, 9)))
    model.apply(RequestFee(dossier="named", at=vn(2025, 3, 3, 10), amount=120_000))
    model.apply(RequestFee(dossier="unknown", at=vn(2025, 3, 3, 10)))
    assert model.expect("named").fields["DanhSachLePhi:total"].describe() == "'120000'"
    assert isinstance(model.expect("unknown").fields["DanhSachLePhi:total"], Unknown)


def test_result_documents_only_once_processing_ended_with_a_result() -> None:
    model = oracle()
    model.apply(intake("r", vn(2025, 3, 3, 9)))
    model.apply(Receive(dossier="r", at=vn(2025, 3, 3, 9)))
    model.apply(StartProcessing(dossier="r", at=vn(2025, 3, 3, 10)))
    early = compare(model.expect("r"), {"DanhSachGiayToKetQua": [{"TenGiayTo": "Giấy phép"}]}, "DongBoHoSoMC #3")
    assert [(m.field, m.expected, m.seen, m.rule.id) for m in early] == [
        ("DanhSachGiayToKetQua:count", "'0'", "1", "ORACLE-RESULTS")
    ]
    model.apply(Finish(dossier="r", at=vn(2025, 3, 4, 10)))
    assert compare(model.expect("r"), {"DanhSachGiayToKetQua": [{}, {}]}, "t") == []
    assert len(compare(model.expect("r"), {"DanhSachGiayToKetQua": []}, "t")) == 1


def test_refusal_and_withdrawal_dates() -> None:
    model = oracle()
    model.apply(intake("x", vn(2025, 3, 3, 9)))
    model.apply(Refuse(dossier="x", at=vn(2025, 3, 3, 10)))
    refused = {"TrangThaiHoSo": "3", "NgayTuChoi": "20250303100000", "NgayKetThucXuLy": "20250303100000",
               "NgayHenTra": ""}  # fmt: skip
    assert compare(model.expect("x"), refused, "t", fields=list(refused)) == []
    model.apply(intake("w", vn(2025, 3, 3, 9)))
    model.apply(Receive(dossier="w", at=vn(2025, 3, 3, 9)))
    model.apply(Withdraw(dossier="w", at=vn(2025, 3, 5, 9)))
    assert compare(model.expect("w"), {"TrangThaiHoSo": "7", "NgayKetThucXuLy": "20250305090000"}, "t") == []
    assert [u.field for u in untested(model.expect("w"))] == ["DanhSachGiayToKetQua:count"]


def test_no_processing_time_leaves_the_appointment_untested_never_guessed() -> None:
    model = oracle()
    model.apply(intake("n", vn(2025, 3, 3, 9), procedure="1.000002"))
    model.apply(Receive(dossier="n", at=vn(2025, 3, 3, 9)))
    expected = model.expect("n")
    assert compare(expected, {"NgayHenTra": "20250303170000"}, "t", fields=["NgayHenTra"]) == []
    [gap] = untested(expected)
    assert gap.field == "NgayHenTra" and "no processing time" in gap.reason


def test_the_flow_refuses_what_the_status_does_not_allow() -> None:
    model = oracle()
    model.apply(intake("f", vn(2025, 3, 3, 9)))
    for action in (Finish(dossier="f", at=vn(2025, 3, 3, 10)), Rate(dossier="f", at=vn(2025, 3, 3, 10), level="1"),
                   Receive(dossier="nobody", at=vn(2025, 3, 3, 10)), intake("f", vn(2025, 3, 3, 11))):  # fmt: skip
        assert not model.allows(action)
        with pytest.raises(ActionNotAllowed):
            model.apply(action)
    assert model.status("f") == "1" and len(model.actions) == 1


def test_compare_with_named_fields_reports_what_is_missing() -> None:
    model = oracle()
    model.apply(intake("f", vn(2025, 3, 3, 9)))
    [missing] = compare(model.expect("f"), {}, "public lookup", fields=["TrangThaiHoSo"])
    assert missing.seen is None and "seen nothing in public lookup" in str(missing)
    [bad] = compare(model.expect("f"), {"MaHoSo": "HS-1"}, "t", fields=["MaHoSo:agency"])
    assert bad.seen == "HS-1 (not a dossier code)"


def test_procedure_from_the_national_catalogue_detail() -> None:
    detail = {
        "MATTHC": "1.004873",
        "CACHTHUCTHUCHIEN": [
            {"KENH": 1, "THOIGIAN": [{"THOIGIANGIAIQUYET": 3, "DONVITINH": "Ngày làm việc",
                                      "PHILEPHI": [{"MAPHILEPHI": "LP", "SOTIEN": 50000.0, "MOTA": "Lệ phí"}]}]},
            {"KENH": 2, "THOIGIAN": [{"THOIGIANGIAIQUYET": 3, "DONVITINH": "Ngày làm việc", "PHILEPHI": []},
                                     {"THOIGIANGIAIQUYET": 5, "DONVITINH": "Ngày làm việc", "PHILEPHI": []}]},
        ],
        "KETQUATHUCHIEN": [{"MAKETQUA": "KQ1", "TENKETQUA": "Giấy chứng nhận"}],
    }  # fmt: skip
    procedure = procedure_from_detail(detail)
    assert procedure.terms("1").processing.working_days == 3
    assert procedure.terms("1").fees == (Fee("LP", 50000, "Lệ phí"),)
    assert "2 processing times" in procedure.terms("2").processing.unknown
    assert "no processing time for channel 3" in procedure.terms("3").processing.unknown
    assert procedure.results == ("Giấy chứng nhận",)


def test_naive_times_are_vietnam_time() -> None:
    model = oracle()
    model.apply(intake("t", datetime(2025, 3, 3, 9)))
    model.apply(Receive(dossier="t", at=datetime(2025, 3, 3, 2)))
    assert compare(model.expect("t"), {"NgayTiepNhan": "20250303090000"}, "t") == []
