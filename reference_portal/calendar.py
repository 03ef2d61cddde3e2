"""Working days and the appointment date (NgayHenTra); and the portal's clock, which the harness may shift.

The calendar is data, one file per year (`data/workdays-YYYY.toml`): the weekdays off (holidays, Tết, days
off in lieu, swapped days) and the weekend days worked in exchange (ngày làm bù), each with its source.
The portal reads them itself: it never asks the harness's oracle (two independent readings of the rules).

The appointment (NĐ 61/2018 Điều 17–19; Bộ luật Dân sự 2015 Điều 147): the receipt counts on its own day if
that is a working day and the office has not closed (17:00:00 still counts), otherwise on the next working
day; the processing time is counted from the working day after it; the result is due at the end of the last
working day's office hours, at the end of its morning for a trailing half day.

A year without its file is not a reason to stop serving: its days are counted with weekends only, and the
portal says so loudly (a warning at start-up for the current and the next year, and again the first time a
date of that year is counted), naming the year and the file to add.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError

#: Asia/Ho_Chi_Minh has had no daylight saving since 1975: a fixed offset needs no tz database.
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
#: office hours of the receiving agency (08:00–12:00, 13:00–17:00; set by each province): a receipt after the
#: end of the office day counts on the next working day; a result falls due at the end of an office day, a half
#: working day at the end of the morning
END_OF_MORNING = time(12, 0, 0)
END_OF_OFFICE_DAY = time(17, 0, 0)
DATA = Path(__file__).parent / "data"
_KEYS = frozenset({"year", "days_off", "make_up_days"})
_ENTRY_KEYS = frozenset({"date", "name", "source"})

log = logging.getLogger(__name__)


def now() -> datetime:
    """The current time in Vietnam, to the second (packets carry seconds)."""
    return datetime.now(VIETNAM).replace(microsecond=0)


def _parse(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{where}: holiday {value!r} is not a date (yyyy-mm-dd)") from None


@dataclass(frozen=True)
class CalendarDay:
    """A day that departs from the Monday–Friday rule: `working` for a make-up day, else a day off."""

    day: date
    name: str
    source: str
    working: bool


def year_file(directory: Path, year: int) -> Path:
    return directory / f"workdays-{year}.toml"


def _entries(path: Path, year: int, raw: Any, *, working: bool) -> list[CalendarDay]:
    key = "make_up_days" if working else "days_off"
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise UsageError(f"{path}: {key} must be a list of {{date, name, source}} tables")
    found = []
    for index, item in enumerate(raw):
        where = f"{path}: {key}[{index}]"
        if not isinstance(item, dict) or set(item) != _ENTRY_KEYS:
            raise UsageError(f"{where} needs exactly date, name and source")
        day = item["date"]
        if isinstance(day, datetime) or not isinstance(day, date):
            raise UsageError(f"{where}: date must be a TOML date (yyyy-mm-dd, unquoted), got {day!r}")
        if not all(isinstance(item[k], str) and item[k].strip() for k in ("name", "source")):
            raise UsageError(f"{where}: name and source must be non-empty strings")
        if day.year != year:
            raise UsageError(f"{where}: {day} is not in {year}")
        weekend = day.weekday() >= 5
        if working and not weekend:
            raise UsageError(f"{where}: {day} is a weekday, a working day already")
        if not working and weekend:
            raise UsageError(f"{where}: {day} is a weekend day, off already; list the weekday taken in lieu")
        found.append(CalendarDay(day, item["name"], item["source"], working))
    return found


def load_year(path: Path, year: int) -> dict[date, CalendarDay] | None:
    """One year's departures from Monday–Friday; None when the file does not exist; UsageError when it is
    not usable (a configuration error: the portal does not start)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    if set(document) - _KEYS or document.get("year") != year:
        raise UsageError(f"{path}: expected the keys year = {year}, days_off and make_up_days, got {sorted(document)}")
    days: dict[date, CalendarDay] = {}
    for entry in _entries(path, year, document.get("days_off"), working=False) + _entries(
        path, year, document.get("make_up_days"), working=True
    ):
        if entry.day in days:
            raise UsageError(f"{path}: {entry.day} is listed twice")
        days[entry.day] = entry
    return days


class WorkingCalendar:
    """Working days of the receiving agency: Monday to Friday, less the days off of the year's file and the
    configuration's extra holidays, plus the make-up days of the year's file."""

    def __init__(
        self, extra_holidays: Iterable[str] = (), *, directory: Path = DATA, today: date | None = None
    ) -> None:
        self.directory = directory
        self.extra_holidays = frozenset(_parse(d, "configuration") for d in extra_holidays)
        self._years: dict[int, Mapping[date, CalendarDay] | None] = {}
        self._warned: set[int] = set()
        current = (today or now().date()).year
        for year in range(current - 1, current + 2):  # a bad file stops the start; a missing one is told
            self._year(year, warn=year != current - 1)

    # --- the data ----------------------------------------------------------------------------------

    def _year(self, year: int, *, warn: bool = True) -> Mapping[date, CalendarDay] | None:
        if year not in self._years:
            self._years[year] = load_year(year_file(self.directory, year), year)
        days = self._years[year]
        if days is None and warn and year not in self._warned:
            self._warned.add(year)
            log.warning(
                "no working calendar for %s: %s does not exist; appointments (NgayHenTra) falling in %s are "
                "counted with weekends only, its public holidays as working days: add the file (days off and "
                "make-up days of %s, each with its source)",
                year, year_file(self.directory, year), year, year,
            )  # fmt: skip
        return days

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """The years among `years` without a calendar file (counted with weekends only)."""
        return [y for y in sorted(set(years)) if self._year(y, warn=False) is None]

    def entry(self, day: date) -> CalendarDay | None:
        """Why `day` departs from the Monday–Friday rule (a day off, a make-up day), if it does."""
        days = self._year(day.year)
        return None if days is None else days.get(day)

    @property
    def holidays(self) -> frozenset[date]:
        """The weekdays off of the years read so far, and the configuration's."""
        listed = {d for days in self._years.values() if days for d, e in days.items() if not e.working}
        return frozenset(listed | self.extra_holidays)

    # --- counting ----------------------------------------------------------------------------------

    def is_working_day(self, day: date, *, weekends_only: bool = False) -> bool:
        """`weekends_only`: defect `appointment-ignores-holidays` (public holidays and make-up days ignored)."""
        if weekends_only:
            return day.weekday() < 5
        if day in self.extra_holidays:
            return False
        entry = self.entry(day)
        return entry.working if entry is not None else day.weekday() < 5

    def next_working_day(self, day: date, *, weekends_only: bool = False) -> date:
        """The first working day strictly after `day`."""
        current = day + timedelta(days=1)
        while not self.is_working_day(current, weekends_only=weekends_only):
            current += timedelta(days=1)
        return current

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (0: `start` itself if it is a working day, else the next)."""
        current = start if self.is_working_day(start) else self.next_working_day(start)
        for _ in range(days):
            current = self.next_working_day(current)
        return current

    def receipt_day(
        self, received: datetime, *, after_hours_same_day: bool = False, weekends_only: bool = False
    ) -> date:
        """The day a receipt counts on: its own day if that is a working day and the office has not closed
        (17:00:00 still counts), else the next working day. `after_hours_same_day`: defect
        `appointment-after-hours-same-day` (any hour of a working day counts on that day)."""
        moment = received.astimezone(VIETNAM) if received.tzinfo else received
        day = moment.date()
        open_then = after_hours_same_day or moment.time() <= END_OF_OFFICE_DAY
        if open_then and self.is_working_day(day, weekends_only=weekends_only):
            return day
        return self.next_working_day(day, weekends_only=weekends_only)

    def appointment(
        self,
        received: datetime,
        working_days: float,
        *,
        count_receipt_day: bool = False,
        after_hours_same_day: bool = False,
        weekends_only: bool = False,
    ) -> datetime | None:
        """When the result is due, `working_days` after the receipt, or None for no positive processing time
        (the portal then promises no date). A fraction other than a half is rounded up to the next half day.

        The keywords are defect switches: `count_receipt_day` (`appointment-counts-receipt-day`: the receipt's
        day is the first day counted), `after_hours_same_day` and `weekends_only` (above)."""
        if not working_days > 0:  # also NaN
            return None
        halves = math.ceil(working_days * 2 - 1e-9)
        whole, half = divmod(halves, 2)
        day = self.receipt_day(received, after_hours_same_day=after_hours_same_day, weekends_only=weekends_only)
        # counting the receipt's day takes one whole day off (a lone half day stays after the receipt)
        steps = whole + half - (1 if count_receipt_day and whole else 0)
        for _ in range(steps):
            day = self.next_working_day(day, weekends_only=weekends_only)
        return datetime.combine(day, END_OF_MORNING if half else END_OF_OFFICE_DAY, tzinfo=VIETNAM)


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
