"""Calendar validity of every date field, found from the packet's schema (no list of fields in code)."""

from __future__ import annotations

from typing import Any

from harness.core.timestamps import (
    CALENDAR_DATE8_PATTERN,
    CALENDAR_TIMESTAMP_PATTERN,
    is_calendar_date8,
    is_calendar_timestamp,
)
from harness.validation.rules._registry import typed_value_rule


def _timestamp_ok(value: Any) -> bool:
    # Empty or malformed values are FMT-DATETIME's business, not this rule's.
    if type(value) is not str or len(value) != 14 or not value.isdigit():
        return True
    return is_calendar_timestamp(value)


def _date8_ok(value: Any) -> bool:
    if type(value) is not str or len(value) != 8 or not value.isdigit():
        return True
    return is_calendar_date8(value)


typed_value_rule(
    "FMT-DATETIME-CALENDAR",
    {"Timestamp": _timestamp_ok, "OptionalTimestamp": _timestamp_ok, "Date8": _date8_ok},
    lambda value: f"{value} is not a real date and 24-hour time",
    # Each definition's own pattern already requires the digits (or "" for OptionalTimestamp).
    schema_patterns={
        "Timestamp": CALENDAR_TIMESTAMP_PATTERN,
        "OptionalTimestamp": f"^(?:{CALENDAR_TIMESTAMP_PATTERN[1:-1]})?$",
        "Date8": CALENDAR_DATE8_PATTERN,
    },
)
