"""Vietnam time: every time the oracle reasons about is a wall-clock time in Asia/Ho_Chi_Minh (UTC+7, no
daylight saving since 1975), as the national packets write them (docs/reference/dvcqg-interfaces.md §9.4)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from harness.core.timestamps import FORMAT

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def local(moment: datetime) -> datetime:
    """`moment` in Vietnam time; a naive datetime is taken as Vietnam time already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(VIETNAM)


def wall(moment: datetime) -> datetime:
    """The naive Vietnam wall-clock time of `moment` (what a yyyyMMddHHmmss value denotes)."""
    return local(moment).replace(tzinfo=None)


def stamp(moment: datetime) -> str:
    """`moment` as the national packets write it: yyyyMMddHHmmss, Vietnam time, whole seconds."""
    return wall(moment).strftime(FORMAT)
