"""Cheap checks of `yyyyMMddHHmmss` values (the hot path must not call strptime)."""

from __future__ import annotations

import re
from datetime import datetime

FORMAT = "%Y%m%d%H%M%S"
# Month, day-of-month (≤ 31), 24-hour time in one match; only days 29-31 need a second look.
_SHAPE = re.compile(r"([0-9]{4})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]\Z")
_SHORT_MONTHS = frozenset({"04", "06", "09", "11"})


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
