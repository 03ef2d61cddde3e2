"""Appointment dates in working days: weekends and public holidays (data) skipped."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from harness.core.errors import UsageError
from reference_portal.calendar import VIETNAM, WorkingCalendar

calendar = WorkingCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        ("2026-11-23 09:00", 1, "2026-11-24 17:00"),  # Monday → Tuesday
        ("2026-11-27 09:00", 1, "2026-11-30 17:00"),  # Friday → Monday
        ("2026-11-28 10:00", 0, "2026-11-30 17:00"),  # received on a Saturday: the next working day
        ("2026-11-23 09:00", 5, "2026-11-30 17:00"),  # a working week
        ("2026-11-23 18:30", 0, "2026-11-23 18:30"),  # never before the receipt itself
        ("2026-02-13 09:00", 1, "2026-02-23 17:00"),  # Tết 2026: 16–20 February are holidays
        ("2026-04-29 08:00", 2, "2026-05-05 17:00"),  # 30/4 and 1/5
        ("2026-11-23 09:00", 0.5, "2026-11-24 17:00"),  # half a day rounds up
    ],
)
def test_appointment(received: str, days: float, due: str) -> None:
    assert calendar.appointment(at(received), days) == at(due)


def test_extra_holidays_from_configuration() -> None:
    extended = WorkingCalendar(["2026-11-24"])
    assert not extended.is_working_day(date(2026, 11, 24))
    assert extended.appointment(at("2026-11-23 09:00"), 1) == at("2026-11-25 17:00")


def test_a_bad_holiday_is_a_configuration_error() -> None:
    with pytest.raises(UsageError, match="not a date"):
        WorkingCalendar(["24/11/2026"])
