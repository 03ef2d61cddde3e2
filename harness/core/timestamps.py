"""Cheap checks of `yyyyMMddHHmmss` values (the hot path must not call strptime)."""

from __future__ import annotations

import re
from datetime import datetime

FORMAT = "%Y%m%d%H%M%S"
# Month, day-of-month (≤ 31), 24-hour time in one match; only days 29-31 need a second look.
_SHAPE = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]\Z")
_SHORT_MONTHS = frozenset({"04", "06", "09", "11"})

# The same calendar as regular expressions (no look-around: valid in ECMA-262, Python and Rust), for a
# compiled schema engine to check on its own; tests hold them equal to the functions below.
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_DATE8 = f"(?:[0-9]{{4}}{_MONTH_DAY}|{_LEAP_YEAR}0229)"
CALENDAR_DATE8_PATTERN = f"^{_DATE8}$"
CALENDAR_TIMESTAMP_PATTERN = f"^{_DATE8}(?:[01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]$"


def is_calendar_timestamp(value: str) -> bool:
    """True when a value is a real date with a 24-hour time in `yyyyMMddHHmmss`."""
    match = _SHAPE.match(value)
    if match is None:
        return False
    day = match.group(3)
    if day < "29":
        return True
    month = match.group(2)
    if month == "02":
        if day > "29":
            return False
        year = int(match.group(1))
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return not (day == "31" and month in _SHORT_MONTHS)


def is_calendar_date8(value: str) -> bool:
    """True when an 8-digit `yyyyMMdd` value is a real date."""
    return len(value) == 8 and is_calendar_timestamp(value + "000000")


def format_timestamp(moment: datetime) -> str:
    return moment.strftime(FORMAT)


def parse_timestamp(value: str) -> datetime:
    """Parse a value already known to be valid (not for the hot path)."""
    return datetime.strptime(value, FORMAT)
