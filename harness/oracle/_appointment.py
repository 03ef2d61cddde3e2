"""The appointment date (NgayHenTra) from a processing time in working days, and its recomputation after a
supplement. Rules ORACLE-APPOINTMENT, ORACLE-SUPPLEMENT-RESTART and ORACLE-SUPPLEMENT-PAUSE (_rules.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from harness.oracle._calendar import NationalCalendar
from harness.oracle._time import VIETNAM, local

#: LayThuTuc DONVITINH of a time limit in working days (the only unit the oracle counts)
WORKING_DAYS = "ngày làm việc"


@dataclass(frozen=True, slots=True)
class ProcessingTime:
    """A procedure's time limit for one channel: whole or half working days, or why it is not known."""

    working_days: Fraction | None
    unknown: str = ""

    @classmethod
    def days(cls, value: int | float | str | Fraction) -> ProcessingTime:
        return cls.parse(value, WORKING_DAYS)

    @classmethod
    def missing(cls, reason: str) -> ProcessingTime:
        return cls(None, reason)

    @classmethod
    def parse(cls, value: object, unit: object) -> ProcessingTime:
        """From LayThuTuc THOIGIANGIAIQUYET and DONVITINH; anything the oracle cannot count is `unknown`."""
        if value is None or value == "":
            return cls.missing("the procedure gives no processing time")
        if isinstance(value, bool) or not isinstance(value, int | float | str | Fraction):
            return cls.missing(f"processing time {value!r} is not a number")
        try:
            days = Fraction(value) if isinstance(value, Fraction) else Fraction(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            return cls.missing(f"processing time {value!r} is not a number")
        if not isinstance(unit, str) or unit.strip().lower() != WORKING_DAYS:
            return cls.missing(f"processing time unit {unit!r} is not working days (Ngày làm việc)")
        if days <= 0:
            return cls.missing(f"processing time {value!r} is not a positive number of working days")
        if (days * 2).denominator != 1:
            return cls.missing(f"processing time {value!r} working days is not a whole or half day")
        return cls(days)


def effective_receipt_day(calendar: NationalCalendar, received: datetime) -> date:
    """The day a receipt counts on: its own day when that is a working day and the office has not closed yet,
    otherwise the next working day."""
    moment = local(received)
    day = moment.date()
    if calendar.is_working_day(day) and moment.time() <= calendar.office_hours(day).closes:
        return day
    return calendar.next_working_day(day)


def appointment(calendar: NationalCalendar, received: datetime, working_days: Fraction) -> datetime:
    """When the result is due: `working_days` (whole or half) counted from the working day after the
    effective receipt day, at the end of office hours (at the end of the morning for a trailing half day)."""
    halves = working_days * 2
    if halves.denominator != 1 or halves < 1:
        raise ValueError(f"{working_days} working days is not a positive whole or half number of days")
    day = effective_receipt_day(calendar, received)
    whole, half = divmod(int(halves), 2)
    for _ in range(whole):
        day = calendar.next_working_day(day)
    if half:
        day = calendar.next_working_day(day)
        return datetime.combine(day, calendar.office_hours(day).noon, tzinfo=VIETNAM)
    return datetime.combine(day, calendar.office_hours(day).closes, tzinfo=VIETNAM)


class SupplementClock(enum.Enum):
    """How a supplement request affects the time limit."""

    #: the time limit starts again, in full, from the receipt of the complete supplement (NĐ 61/2018 Điều 19)
    RESTART = "restart"
    #: the clock stops while the applicant supplements (QĐ 766 methodology: waiting time excluded)
    PAUSE = "pause"


def after_supplement(
    calendar: NationalCalendar,
    clock: SupplementClock,
    *,
    working_days: Fraction,
    previous_due: datetime,
    requested: datetime,
    received: datetime,
) -> datetime:
    """The new appointment once the supplement asked at `requested` arrived at `received`."""
    if clock is SupplementClock.RESTART:
        return appointment(calendar, received, working_days)
    start, end = effective_receipt_day(calendar, requested), effective_receipt_day(calendar, received)
    due = local(previous_due)
    day = due.date()
    while start < end:
        start = calendar.next_working_day(start)
        day = calendar.next_working_day(day)
    return datetime.combine(day, due.timetz())
