"""The calendar data: every year loads, every entry has a source, and the notable days are what the notices
say; a missing year is a configuration error naming the year and the file."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from harness.core.errors import UsageError
from harness.oracle import CalendarError, CalendarYearMissing, NationalCalendar
from harness.oracle._calendar import DATA

YEARS = (2024, 2025, 2026, 2027)


@pytest.mark.parametrize("year", YEARS)
def test_every_year_loads_with_a_source_per_entry(calendar: NationalCalendar, year: int) -> None:
    loaded = calendar.year(year)
    assert loaded.entries, f"{year} lists no day"
    for entry in loaded.entries.values():
        assert entry.source.strip() and entry.name.strip()
        assert entry.confidence in ("high", "medium", "assumption")
    assert loaded.office_hours.closes.hour == 17


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # Tết Dương lịch
        (date(2025, 1, 29), False),  # mùng 1 Tết Ất Tỵ
        (date(2025, 4, 7), False),  # Giỗ Tổ Hùng Vương
        (date(2025, 4, 26), True),  # Saturday worked for Friday 2/5
        (date(2025, 5, 2), False),  # swapped day off
        (date(2025, 9, 1), False),  # Quốc khánh, adjacent day
        (date(2026, 1, 2), False),  # swapped for Saturday 10/1
        (date(2026, 1, 10), True),
        (date(2026, 2, 20), False),  # Tết Bính Ngọ
        (date(2026, 4, 27), False),  # Giỗ Tổ on a Sunday, made up on Monday
        (date(2027, 5, 3), False),  # 1/5 on a Saturday, made up on Monday
        (date(2025, 3, 15), False),  # an ordinary Saturday
        (date(2025, 3, 17), True),  # an ordinary Monday
    ],
)
def test_notable_days(calendar: NationalCalendar, day: date, working: bool) -> None:
    assert calendar.is_working_day(day) is working


def test_a_missing_year_names_the_year_and_the_file(tmp_path: Path) -> None:
    with pytest.raises(CalendarYearMissing) as caught:
        NationalCalendar(tmp_path).is_working_day(date(2031, 3, 3))
    assert caught.value.year == 2031
    assert str(tmp_path / "calendar-2031.toml") in str(caught.value)
    assert isinstance(caught.value, UsageError)  # a configuration error: exit code 2


def _write(tmp_path: Path, text: str) -> NationalCalendar:
    (tmp_path / "calendar-2025.toml").write_text(text, encoding="utf-8")
    return NationalCalendar(tmp_path)


_HOURS = """
[office_hours]
morning = ["08:00", "12:00"]
afternoon = ["13:00", "17:00"]
source = "s"
confidence = "assumption"
"""


def _entry(table: str, day: str, *, source: bool = True, confidence: str = "high") -> str:
    lines = [f"[[{table}]]", f'date = "{day}"', 'name = "n"']
    lines += ['source = "s"'] if source else []
    return "\n".join([*lines, f'confidence = "{confidence}"', ""])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("year = 2024\n" + _HOURS, "expected 2025"),
        ("year = 2025\n" + _HOURS + _entry("day_off", "2025-03-15"), "weekend day"),
        ("year = 2025\n" + _HOURS + _entry("working_day", "2025-03-14"), "weekday"),
        ("year = 2025\n" + _HOURS + _entry("day_off", "2025-03-14", source=False), "needs exactly"),
        ("year = 2025\n" + _HOURS + _entry("day_off", "2025-03-14", confidence="sure"), "confidence"),
        ("year = 2025\nholidays = []\n" + _HOURS, "unknown keys"),
    ],
)
def test_bad_data_is_refused_with_the_reason(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        _write(tmp_path, body).is_working_day(date(2025, 3, 3))


def test_files_are_the_years_they_claim() -> None:
    for path in sorted(DATA.glob("calendar-*.toml")):
        with path.open("rb") as handle:
            assert tomllib.load(handle)["year"] == int(path.stem.split("-")[1])
