"""Two independent readings of the working calendar and the appointment rule agree: the bundled portal's
(reference_portal/calendar.py, data/workdays-YYYY.toml) and the harness's oracle (harness.oracle,
harness/oracle/data/calendar-YYYY.toml), over every day of 2024–2027, at the hours around the end of the
morning and of the office day, for whole and half processing times. Neither imports the other: a
disagreement is a defect in one of them (or in one's data), to be settled against the sources both cite."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction

import pytest

from harness.oracle import VIETNAM, CalendarYearMissing, NationalCalendar, appointment
from reference_portal.calendar import WorkingCalendar

FIRST, LAST = date(2024, 1, 1), date(2027, 12, 31)
HOURS = [time(8, 0), time(11, 59), time(12, 0), time(16, 59), time(17, 0), time(17, 1), time(23, 59)]
PROCESSING_DAYS = ["0.5", "1", "3", "5", "15"]


def _days() -> list[date]:
    return [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]


@pytest.fixture(scope="module")
def portal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def oracle() -> NationalCalendar:
    return NationalCalendar()


def test_the_working_days_agree(portal: WorkingCalendar, oracle: NationalCalendar) -> None:
    differ = [d for d in _days() if portal.is_working_day(d) != oracle.is_working_day(d)]
    assert not differ, "working day (portal) vs (oracle): " + ", ".join(
        f"{d} {portal.is_working_day(d)}/{oracle.is_working_day(d)}" for d in differ
    )


@pytest.mark.parametrize("days", PROCESSING_DAYS)
def test_the_appointments_agree(days: str, portal: WorkingCalendar, oracle: NationalCalendar) -> None:
    differ: list[str] = []
    beyond = 0
    for day in _days():
        for hour in HOURS:
            received = datetime.combine(day, hour, tzinfo=VIETNAM)
            seen = portal.appointment(received, float(days))
            try:
                expected = appointment(oracle, received, Fraction(days))
            except CalendarYearMissing as missing:
                # the oracle's data stops at 2027; the portal counts weekends only there (and warns)
                assert missing.year == 2028 and seen is not None and seen.year == 2028, (received, seen)
                beyond += 1
                continue
            if seen != expected:
                differ.append(f"received {received:%a %Y-%m-%d %H:%M}, {days} day(s): portal {seen}, oracle {expected}")
    assert not differ, f"{len(differ)} appointment(s) differ:\n" + "\n".join(differ[:30])
    assert beyond <= 7 * 25  # only the last weeks of 2027 run into 2028
