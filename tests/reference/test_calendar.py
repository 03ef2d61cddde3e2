"""Appointment dates in working days: weekends, days off and make-up days (data, one file per year), the end
of office hours, half days; a missing year or a missing processing time; the calendar's defect switches."""

from __future__ import annotations

import logging
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from harness.core.errors import UsageError
from reference_portal.calendar import DATA, VIETNAM, WorkingCalendar

calendar = WorkingCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2026-11-23 09:00", 1, "2026-11-24 17:00"),  # Monday → Tuesday
        ("2026-11-27 09:00", 1, "2026-11-30 17:00"),  # Friday → Monday
        ("2026-11-28 10:00", 1, "2026-12-01 17:00"),  # received on a Saturday: counts on Monday, due Tuesday
        ("2026-11-23 09:00", 5, "2026-11-30 17:00"),  # a working week
        ("2026-11-23 17:00:00", 1, "2026-11-24 17:00"),  # 17:00:00 is still office hours
        ("2026-11-23 17:00:01", 1, "2026-11-25 17:00"),  # after office hours: counts on Tuesday
        ("2026-11-23 18:30", 1, "2026-11-25 17:00"),
        ("2026-02-13 09:00", 1, "2026-02-23 17:00"),  # Tết 2026: 16–20 February are days off
        ("2026-04-29 08:00", 2, "2026-05-05 17:00"),  # 30/4 and 1/5
        ("2026-11-23 09:00", 0.5, "2026-11-24 12:00"),  # half a day: the next morning
        ("2026-11-23 09:00", 1.5, "2026-11-25 12:00"),
        ("2025-04-25 10:00", 1, "2025-04-26 17:00"),  # Saturday 26/4/2025 was worked in exchange for Friday 2/5
        ("2024-05-03 10:00", 1, "2024-05-04 17:00"),  # Saturday 4/5/2024, for Monday 29/4
        ("2026-01-09 10:00", 1, "2026-01-10 17:00"),  # Saturday 10/1/2026, for Friday 2/1
        ("2025-12-31 10:00", 1, "2026-01-05 17:00"),  # 1/1 and the swapped Friday 2/1/2026 off
        ("2026-08-31 10:00", 1, "2026-09-03 17:00"),  # Quốc khánh 2026: 1/9 and 2/9
        ("2027-09-01 10:00", 1, "2027-09-06 17:00"),  # Quốc khánh 2027: 2/9 and 3/9
        ("2025-03-10 09:00", 2.3, "2025-03-13 12:00"),  # another fraction: rounded up to the next half day
    ],
)
def test_appointment(received: str, days: float, due: str) -> None:
    assert calendar.appointment(at(received), days) == at(due)


@pytest.mark.parametrize("days", [0, 0.0, -1, float("nan")])
def test_no_processing_time_promises_no_date(days: float) -> None:
    assert calendar.appointment(at("2026-11-23 09:00"), days) is None


def test_make_up_days_and_days_off_from_the_data() -> None:
    assert calendar.is_working_day(date(2025, 4, 26))
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.entry(date(2024, 5, 4)) is not None
    assert not calendar.is_working_day(date(2027, 9, 3))
    assert date(2026, 9, 1) in calendar.holidays


def test_extra_holidays_from_configuration() -> None:
    extended = WorkingCalendar(["2026-11-24"])
    assert not extended.is_working_day(date(2026, 11, 24))
    assert extended.appointment(at("2026-11-23 09:00"), 1) == at("2026-11-25 17:00")


def test_a_bad_holiday_is_a_configuration_error() -> None:
    with pytest.raises(UsageError, match="not a date"):
        WorkingCalendar(["24/11/2026"])


def test_a_missing_year_is_counted_with_weekends_only_and_said_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(DATA / "workdays-2027.toml", tmp_path)
    with caplog.at_level(logging.WARNING, logger="reference_portal.calendar"):
        sparse = WorkingCalendar(directory=tmp_path, today=date(2027, 6, 1))
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and "2028" in warned[0] and "workdays-2028.toml" in warned[0], warned
    assert sparse.missing_years([2026, 2027, 2028]) == [2026, 2028]
    # 1/1/2028 (Saturday) and 3/1 counted as a working day: no data, weekends only
    assert sparse.appointment(at("2027-12-31 10:00"), 1) == at("2028-01-03 17:00")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="reference_portal.calendar"):
        sparse.appointment(at("2026-03-02 10:00"), 1)  # 2026: not warned at start (last year), now it is
        sparse.appointment(at("2026-03-03 10:00"), 1)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and warned[0].startswith("no working calendar for 2026"), warned


def test_the_current_years_are_covered_by_the_bundled_data() -> None:
    assert calendar.missing_years(range(2024, 2028)) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("year = 2030\ndays_off = [{ date = 2030-06-01, name = 'x', source = 's' }]\n", "weekend day"),
        ("year = 2030\nmake_up_days = [{ date = 2030-06-03, name = 'x', source = 's' }]\n", "weekday"),
        ("year = 2030\ndays_off = [{ date = '2030-06-03', name = 'x', source = 's' }]\n", "TOML date"),
        ("year = 2030\ndays_off = [{ date = 2030-06-03, name = 'x' }]\n", "date, name and source"),
        ("year = 2030\ndays_off = [{ date = 2031-06-03, name = 'x', source = 's' }]\n", "not in 2030"),
        ("year = 2031\n", "year = 2030"),
        ("year = 2030\nholidays = []\n", "year = 2030"),
    ],
)
def test_a_bad_year_file_stops_the_start(tmp_path: Path, body: str, problem: str) -> None:
    (tmp_path / "workdays-2030.toml").write_text(body, encoding="utf-8")
    with pytest.raises(UsageError, match=problem):
        WorkingCalendar(directory=tmp_path, today=date(2030, 1, 1))


# --- the defect switches (reference_portal/defects/sync.toml), on the calendar alone -------------------------


def test_counting_the_receipt_day_is_one_working_day_early() -> None:
    assert calendar.appointment(at("2026-11-23 09:00"), 1, count_receipt_day=True) == at("2026-11-23 17:00")
    assert calendar.appointment(at("2026-11-27 09:00"), 3, count_receipt_day=True) == at("2026-12-01 17:00")
    received = at("2026-11-23 16:59")  # never before the receipt itself: still a well-formed date
    due = calendar.appointment(received, 1, count_receipt_day=True)
    assert due is not None and due >= received


def test_weekends_only_ignores_days_off_and_make_up_days() -> None:
    assert calendar.appointment(at("2026-02-13 09:00"), 1, weekends_only=True) == at("2026-02-16 17:00")
    assert calendar.appointment(at("2025-04-25 10:00"), 1, weekends_only=True) == at("2025-04-28 17:00")


def test_after_hours_same_day_counts_from_the_evening_of_receipt() -> None:
    assert calendar.appointment(at("2026-11-23 18:30"), 1, after_hours_same_day=True) == at("2026-11-24 17:00")
    # a day off is still a day off
    assert calendar.appointment(at("2026-11-28 10:00"), 1, after_hours_same_day=True) == at("2026-12-01 17:00")
