"""The national working calendar, as data: one file per year (`data/calendar-YYYY.toml`) listing the days off
(public holidays, Tết, compensatory and swapped days) and the Saturdays worked in exchange, each with its
source; and the office hours. A year without its file is a configuration error, never a guess."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError

DATA = Path(__file__).parent / "data"
CONFIDENCE = ("high", "medium", "assumption")
_ENTRY_KEYS = frozenset({"date", "name", "source", "confidence"})
_TOP_KEYS = frozenset({"year", "office_hours", "day_off", "working_day"})
_HOURS_KEYS = frozenset({"morning", "afternoon", "source", "confidence"})


class CalendarError(UsageError):
    """The calendar data cannot be used (exit code 2: a configuration error)."""


class CalendarYearMissing(CalendarError):
    """No calendar data for a year the oracle needs: add the file (it names the year and the path)."""

    def __init__(self, year: int, path: Path) -> None:
        super().__init__(
            f"no working calendar for {year}: {path} does not exist; add it (days off, worked Saturdays and "
            f"office hours of {year}, each with its source) before judging dates in {year}"
        )
        self.year = year
        self.path = path


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    day: date
    name: str
    source: str
    confidence: str
    working: bool


@dataclass(frozen=True, slots=True)
class OfficeHours:
    morning: tuple[time, time]
    afternoon: tuple[time, time]
    source: str
    confidence: str

    @property
    def opens(self) -> time:
        return self.morning[0]

    @property
    def closes(self) -> time:
        return self.afternoon[1]

    @property
    def noon(self) -> time:
        """The end of the morning session: when a half working day falls due."""
        return self.morning[1]


@dataclass(frozen=True, slots=True)
class CalendarYear:
    year: int
    path: Path
    office_hours: OfficeHours
    entries: Mapping[date, CalendarEntry]


def _fail(path: Path, message: str) -> CalendarError:
    return CalendarError(f"{path}: {message}")


def _text(path: Path, item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where}: {key} must be a non-empty string")
    return value


def _confidence(path: Path, item: Mapping[str, Any], where: str) -> str:
    value = _text(path, item, "confidence", where)
    if value not in CONFIDENCE:
        raise _fail(path, f"{where}: confidence must be one of {', '.join(CONFIDENCE)}, got {value!r}")
    return value


def _hours(path: Path, raw: Any) -> OfficeHours:
    if not isinstance(raw, dict) or set(raw) != _HOURS_KEYS:
        raise _fail(path, f"[office_hours] needs exactly {', '.join(sorted(_HOURS_KEYS))}")
    sessions: list[tuple[time, time]] = []
    for key in ("morning", "afternoon"):
        value = raw[key]
        try:
            start, end = (time.fromisoformat(v) for v in value)
        except (TypeError, ValueError):
            raise _fail(path, f'office_hours.{key} must be ["HH:MM", "HH:MM"], got {value!r}') from None
        sessions.append((start, end))
    (m0, m1), (a0, a1) = sessions
    if not m0 < m1 <= a0 < a1:
        raise _fail(path, "office_hours: the morning must end before the afternoon starts, each start before its end")
    where = "office_hours"
    return OfficeHours(sessions[0], sessions[1], _text(path, raw, "source", where), _confidence(path, raw, where))


def _entries(path: Path, year: int, raw: Any, *, working: bool) -> list[CalendarEntry]:
    table = "working_day" if working else "day_off"
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail(path, f"[[{table}]] must be an array of tables")
    found = []
    for index, item in enumerate(raw):
        where = f"{table}[{index}]"
        if not isinstance(item, dict) or set(item) != _ENTRY_KEYS:
            raise _fail(path, f"{where} needs exactly {', '.join(sorted(_ENTRY_KEYS))}")
        try:
            day = date.fromisoformat(_text(path, item, "date", where))
        except ValueError:
            raise _fail(path, f"{where}: date must be yyyy-mm-dd, got {item['date']!r}") from None
        if day.year != year:
            raise _fail(path, f"{where}: {day} is not in {year}")
        weekend = day.weekday() >= 5
        if working and not weekend:
            raise _fail(path, f"{where}: {day} is a weekday, already a working day")
        if not working and weekend:
            raise _fail(path, f"{where}: {day} is a weekend day, already off; list the compensatory weekday instead")
        found.append(
            CalendarEntry(day, _text(path, item, "name", where), _text(path, item, "source", where),
                          _confidence(path, item, where), working)
        )  # fmt: skip
    return found


def load_year(path: Path, year: int) -> CalendarYear:
    """Read and check one year's file (CalendarYearMissing when it does not exist)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise CalendarYearMissing(year, path) from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML: {exc}") from None
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise _fail(path, f"unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(_TOP_KEYS))})")
    if document.get("year") != year:
        raise _fail(path, f"year = {document.get('year')!r}, expected {year}")
    entries: dict[date, CalendarEntry] = {}
    listed = _entries(path, year, document.get("day_off"), working=False)
    listed += _entries(path, year, document.get("working_day"), working=True)
    for entry in listed:
        if entry.day in entries:
            raise _fail(path, f"{entry.day} is listed twice")
        entries[entry.day] = entry
    return CalendarYear(year, path, _hours(path, document.get("office_hours")), entries)


class NationalCalendar:
    """Working days of Vietnamese state agencies: Monday to Friday, less the days off of the year's data, plus
    the Saturdays it lists as worked. Years are read when first needed."""

    def __init__(
        self,
        directory: Path = DATA,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.directory = directory
        self._years: dict[int, CalendarYear] = {}
        self._extra_off = frozenset(extra_days_off)
        self._extra_on = frozenset(extra_working_days)

    def path(self, year: int) -> Path:
        return self.directory / f"calendar-{year}.toml"

    def year(self, year: int) -> CalendarYear:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = load_year(self.path(year), year)
        return found

    def entry(self, day: date) -> CalendarEntry | None:
        """Why `day` departs from the Monday–Friday rule (a holiday, a worked Saturday), if it does."""
        return self.year(day.year).entries.get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self._extra_on:
            return True
        if day in self._extra_off:
            return False
        entry = self.entry(day)
        return entry.working if entry is not None else day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        current = day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def office_hours(self, day: date) -> OfficeHours:
        return self.year(day.year).office_hours
