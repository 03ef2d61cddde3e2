from __future__ import annotations

from datetime import datetime

import pytest

from harness.oracle import VIETNAM, NationalCalendar


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


@pytest.fixture(scope="session")
def calendar() -> NationalCalendar:
    return NationalCalendar()
