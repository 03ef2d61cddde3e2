"""Worked examples of the month's statistics (DongBoThongKeHoSo) and rating summary (DongBoDanhGia)."""

from __future__ import annotations

from harness.oracle import (
    Finish,
    Intake,
    Oracle,
    Procedure,
    Rate,
    Receive,
    Refuse,
    StartProcessing,
    Withdraw,
    compare,
    untested,
)

from .conftest import vn

AGENCY = "000.00.01.H56"
ONE_DAY = Procedure.simple("1.000001", 1)
NO_TIME = Procedure.simple("1.000002", None)


def _accepted(model: Oracle, key: str, day: int, *, month: int = 3, procedure: str = "1.000001") -> None:
    model.apply(Intake(dossier=key, at=vn(2025, month, day, 9), procedure=procedure, channel="2", agency=AGENCY))
    model.apply(Receive(dossier=key, at=vn(2025, month, day, 9, 30)))
    model.apply(StartProcessing(dossier=key, at=vn(2025, month, day, 10)))


def test_a_month_of_dossiers() -> None:
    model = Oracle([ONE_DAY])
    _accepted(model, "carried", 27, month=2)  # due Friday 28/2, still open on 1/3
    _accepted(model, "on-time", 3)  # due Tuesday 4/3
    model.apply(Finish(dossier="on-time", at=vn(2025, 3, 4, 16)))
    _accepted(model, "late", 5)  # due Thursday 6/3
    model.apply(Finish(dossier="late", at=vn(2025, 3, 7, 9)))
    _accepted(model, "withdrawn", 10)
    model.apply(Withdraw(dossier="withdrawn", at=vn(2025, 3, 10, 11)))
    _accepted(model, "open", 28)  # due Monday 31/3 17:00
    model.apply(Intake(dossier="refused", at=vn(2025, 3, 12, 9), procedure="1.000001", channel="1", agency=AGENCY))
    model.apply(Refuse(dossier="refused", at=vn(2025, 3, 12, 10)))
    expected = model.statistics(2025, 3, as_of=vn(2025, 3, 31, 12))
    item = {
        "Thang": "3", "Nam": "2025", "SoNhanTrongKy": "4", "SoTonKyTruoc": "1", "TongSoXuLy": "5",
        "TongDaXuLy": "2", "TongXuLyDungHan": "1", "PhanTramXuLyDungHan": "50.00", "TongXuLyTreHan": "1",
        "PhanTramXuLyTreHan": "50.00", "TongChuaXuLy": "2", "TongChuaXuLyTrongHan": "1",
        "PhanTramChuaXuLyTrongHan": "50.00", "TongChuaXuLyTreHan": "1", "PhanTramChuaXuLyTreHan": "50.00",
    }  # fmt: skip
    assert compare(expected, item, "DongBoThongKeHoSo", fields=list(item)) == []
    [wrong] = compare(expected, {**item, "TongDaXuLy": "3"}, "DongBoThongKeHoSo 3-2025")
    assert wrong.field == "TongDaXuLy" and wrong.rule.id == "ORACLE-STATISTICS"


def test_percentages_accept_any_rounding_of_the_exact_share() -> None:
    model = Oracle([ONE_DAY])
    for key, finish_day in (("a", 4), ("b", 4), ("c", 10)):
        _accepted(model, key, 3)
        model.apply(Finish(dossier=key, at=vn(2025, 3, finish_day, 16)))
    expected = model.statistics(2025, 3, as_of=vn(2025, 4, 1, 0))
    for shown in ("66.67", "66.66", "67%", "66%", "66,67"):
        assert compare(expected, {"PhanTramXuLyDungHan": shown}, "t") == [], shown
    assert len(compare(expected, {"PhanTramXuLyDungHan": "65.00"}, "t")) == 1


def test_timeliness_is_untested_when_an_appointment_is_unknown() -> None:
    model = Oracle([ONE_DAY, NO_TIME])
    _accepted(model, "n", 3, procedure="1.000002")
    model.apply(Finish(dossier="n", at=vn(2025, 3, 4, 16)))
    expected = model.statistics(2025, 3, as_of=vn(2025, 4, 1, 0))
    assert compare(expected, {"TongDaXuLy": "1", "TongXuLyDungHan": "0"}, "t") == []
    assert {u.field for u in untested(expected)} == {
        "TongXuLyDungHan", "PhanTramXuLyDungHan", "TongXuLyTreHan", "PhanTramXuLyTreHan",
    }  # fmt: skip


def test_rating_summary_per_month_and_procedure() -> None:
    model = Oracle([ONE_DAY])
    for key, level, day in (("a", "1", 4), ("b", "1", 5), ("c", "3", 6)):
        _accepted(model, key, 3)
        model.apply(Finish(dossier=key, at=vn(2025, 3, 3, 16)))
        model.apply(Rate(dossier=key, at=vn(2025, 3 if day < 6 else 4, day, 10), level=level))
    march = model.rating_summary(2025, 3, "1.000001")
    summary = {
        "NgayTongHop": "3-2025",
        "MaThuTuc": "1.000001",
        "TongSoNguoiDanhGia": "2",
        "PhanTramDanhGiaRatHaiLong": "100%",
        "PhanTramDanhGiaHaiLong": "0%",
        "PhanTramDanhGiaChuaHaiLong": "0%",
    }
    assert compare(march, summary, "DongBoDanhGia", fields=list(summary)) == []  # fmt: skip
    april = model.rating_summary(2025, 4, "1.000001")
    assert compare(april, {"TongSoNguoiDanhGia": "1", "PhanTramDanhGiaChuaHaiLong": "100%"}, "t") == []
    assert not model.allows(Rate(dossier="a", at=vn(2025, 3, 7, 10), level="2"))  # once per dossier
