"""Working days and the appointment date (NgayHenTra): processing time in working days, weekends and
public holidays (data, `data/holidays.toml`) skipped, results due at the end of the office day; and the
portal's clock, which the harness may shift."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from harness.core.errors import UsageError

#: Asia/Ho_Chi_Minh has had no daylight saving since 1975: a fixed offset needs no tz database.
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
END_OF_OFFICE_DAY = time(17, 0, 0)
_HOLIDAYS_FILE = Path(__file__).parent / "data" / "holidays.toml"


def now() -> datetime:
    """The current time in Vietnam, to the second (packets carry seconds)."""
    return datetime.now(VIETNAM).replace(microsecond=0)


def _parse(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{where}: holiday {value!r} is not a date (yyyy-mm-dd)") from None


class WorkingCalendar:
    def __init__(self, extra_holidays: Iterable[str] = ()) -> None:
        with _HOLIDAYS_FILE.open("rb") as handle:
            listed = tomllib.load(handle)["dates"]
        self.holidays = frozenset(
            [_parse(d, str(_HOLIDAYS_FILE)) for d in listed] + [_parse(d, "configuration") for d in extra_holidays]
        )

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (0: `start` itself if it is a working day, else the next)."""
        current = start
        while not self.is_working_day(current):
            current += timedelta(days=1)
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def appointment(self, received: datetime, working_days: float) -> datetime:
        """When the result is due: the end of the office day `working_days` working days after receipt,
        never before the receipt itself (fractions of a day round up)."""
        due_day = self.add_working_days(received.date(), math.ceil(max(working_days, 0)))
        due = datetime.combine(due_day, END_OF_OFFICE_DAY, tzinfo=received.tzinfo)
        return max(due, received)


class ShiftableClock:
    """Callable like the base clock; `shift_to(at)` makes it read `at` now and run on from there, `None` undoes."""

    def __init__(self, base: Callable[[], datetime]) -> None:
        self._base = base
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._base() + self.offset

    def shift_to(self, at: datetime | None) -> timedelta:
        self.offset = timedelta(0) if at is None else at - self._base()
        return self.offset
