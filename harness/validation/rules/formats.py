"""Calendar validity of every date field, found from the packet's schema (no list of fields in code)."""

from __future__ import annotations

from typing import Any

from harness.core.timestamps import is_calendar_date8, is_calendar_timestamp
from harness.specs.catalogue import PacketType
from harness.specs.store import Located, SchemaStore
from harness.validation._paths import typed_value_walker
from harness.validation.rules._registry import Finding, PacketCheck, RuleContext, packet_rule


def _timestamp_ok(value: Any) -> bool:
    # Empty or malformed values are FMT-DATETIME's business, not this rule's.
    if type(value) is not str or len(value) != 14 or not value.isdigit():
        return True
    return is_calendar_timestamp(value)


def _date8_ok(value: Any) -> bool:
    if type(value) is not str or len(value) != 8 or not value.isdigit():
        return True
    return is_calendar_date8(value)


@packet_rule("FMT-DATETIME-CALENDAR")
def bind_calendar(ptype: PacketType, store: SchemaStore, root: Located) -> PacketCheck | None:
    walk = typed_value_walker(
        store, root, {"Timestamp": _timestamp_ok, "OptionalTimestamp": _timestamp_ok, "Date8": _date8_ok}
    )
    if walk is None:
        return None

    def check(packet: Any, ctx: RuleContext) -> list[Finding] | None:
        failed = walk(packet)
        if not failed:
            return None
        return [
            Finding("FMT-DATETIME-CALENDAR", path, f"{value} is not a real date and 24-hour time")
            for path, value, _ in failed
        ]

    return check
