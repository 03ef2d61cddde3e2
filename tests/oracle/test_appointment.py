"""Worked examples of the appointment date (rule ORACLE-APPOINTMENT), and two properties."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.oracle import (
    VIETNAM,
    CalendarYearMissing,
    NationalCalendar,
    ProcessingTime,
    appointment,
    effective_receipt_day,
)

from .conftest import vn


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # weekend skipped: Friday + 1 → Monday
        (vn(2025, 3, 14, 10), 1, vn(2025, 3, 17, 17)),
        # a holiday: Friday + 1, Monday 7/4/2025 is Giỗ Tổ Hùng Vương → Tuesday
        (vn(2025, 4, 4, 10), 1, vn(2025, 4, 8, 17)),
        # Tết Ất Tỵ: 27/1–31/1/2025 and two weekends skipped
        (vn(2025, 1, 24, 10), 3, vn(2025, 2, 5, 17)),
        # the first day is not counted: Monday + 5 → next Monday
        (vn(2025, 3, 10, 8), 5, vn(2025, 3, 17, 17)),
        # received after office hours: counts from Tuesday → due Wednesday
        (vn(2025, 3, 10, 17, 30), 1, vn(2025, 3, 12, 17)),
        (vn(2025, 3, 10, 17, 0, 0), 1, vn(2025, 3, 11, 17)),
        (vn(2025, 3, 10, 17, 0, 1), 1, vn(2025, 3, 12, 17)),
        # received on a Sunday: counts from Monday
        (vn(2025, 3, 16, 10), 1, vn(2025, 3, 18, 17)),
        # half days: due at the end of the morning
        (vn(2025, 3, 10, 9), Fraction(1, 2), vn(2025, 3, 11, 12)),
        (vn(2025, 3, 10, 9), Fraction(3, 2), vn(2025, 3, 12, 12)),
        # a Saturday worked in exchange for Friday 2/5/2025 is a working day
        (vn(2025, 4, 25, 10), 1, vn(2025, 4, 26, 17)),
        # across the year: 1/1 and the swapped 2/1/2026 off
        (vn(2025, 12, 31, 10), 1, vn(2026, 1, 5, 17)),
        # 10 working days (docs/reference/dvcqg-interfaces.md §3.3b: received 15/3/2024 08:30, due 29/3 17:00)
        (vn(2024, 3, 15, 8, 30), 10, vn(2024, 3, 29, 17)),
    ],
)
def test_worked_examples(calendar: NationalCalendar, received: datetime, days: int | Fraction, due: datetime) -> None:
    assert appointment(calendar, received, Fraction(days)) == due


def test_a_year_missing_from_the_data_is_a_configuration_error(calendar: NationalCalendar) -> None:
    with pytest.raises(CalendarYearMissing, match="2028"):
        appointment(calendar, vn(2027, 12, 28, 10), Fraction(5))


@pytest.mark.parametrize(
    ("value", "unit", "reason"),
    [
        (None, "Ngày làm việc", "no processing time"),
        ("", "Ngày làm việc", "no processing time"),
        (0, "Ngày làm việc", "not a positive"),
        ("ba", "Ngày làm việc", "not a number"),
        (5, "Ngày", "not working days"),
        (0.3, "Ngày làm việc", "whole or half"),
    ],
)
def test_processing_times_the_oracle_cannot_count_are_unknown(value: object, unit: str, reason: str) -> None:
    timing = ProcessingTime.parse(value, unit)
    assert timing.working_days is None and reason in timing.unknown


def test_processing_time_in_working_days() -> None:
    assert ProcessingTime.parse("7", "Ngày làm việc").working_days == 7
    assert ProcessingTime.parse(1.5, " ngày làm việc ").working_days == Fraction(3, 2)


_MOMENTS = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 10, 31)).map(
    lambda d: d.replace(tzinfo=VIETNAM)
)
_DAYS = st.integers(min_value=1, max_value=40).map(lambda halves: Fraction(halves, 2))


@given(received=_MOMENTS, days=_DAYS)
def test_the_appointment_is_on_a_working_day_after_the_receipt(
    calendar: NationalCalendar, received: datetime, days: Fraction
) -> None:
    due = appointment(calendar, received, days)
    assert calendar.is_working_day(due.date())
    assert due > received
    assert due.date() > effective_receipt_day(calendar, received) >= received.date()


@given(received=_MOMENTS, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), days=_DAYS)
def test_the_appointment_never_moves_back_when_the_receipt_is_later(
    calendar: NationalCalendar, received: datetime, later: timedelta, days: Fraction
) -> None:
    assert appointment(calendar, received, days) <= appointment(calendar, received + later, days)


@given(received=_MOMENTS, days=st.integers(min_value=1, max_value=19))
def test_a_longer_time_limit_never_falls_earlier(calendar: NationalCalendar, received: datetime, days: int) -> None:
    assert appointment(calendar, received, Fraction(days)) < appointment(calendar, received, Fraction(days + 1))
