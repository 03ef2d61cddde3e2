"""Shifting the SUT's clock (capability `clock`, `POST /_control/clock`), and the record of what was driven while
it was shifted, so that checks comparing the SUT's times with the national side's (which keeps the real time)
apply the offset, or leave those dossiers to the suite that shifted them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from harness.conformance import ConformanceEnvironment
from suites.portal._http import control_client

VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh
#: how far a SUT's clock may be from the national side's (NTP-synchronised servers agree to well under this)
CLOCK_TOLERANCE = timedelta(minutes=2)


@dataclass
class Shift:
    """One stretch of the run at a shifted SUT clock: the offset the SUT reported, and the dossiers driven."""

    at: datetime
    offset: timedelta = timedelta(0)
    codes: set[str] = field(default_factory=set)
    since: int = 0  # the evidence's newest sequence number before the shift: its exchanges come after
    until: int | None = None  # ... and up to this one, once the shift ended

    def holds(self, seq: int) -> bool:
        return seq > self.since and (self.until is None or seq <= self.until)


#: every dossier driven at a shifted clock in this run (the whole-run time check leaves them to test_clock.py)
SHIFTED_CODES: set[str] = set()


def stamp(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y%m%d%H%M%S")


@contextmanager
def shifted(env: ConformanceEnvironment, at: datetime) -> Iterator[Shift]:
    """The SUT lives at `at` (Vietnam time) from now until the block ends, then at the real time again."""
    shift = Shift(at, since=env.evidence.mark())
    with control_client(env) as control:
        answer = control.post("/_control/clock", json={"at": stamp(at)})
        assert answer.status_code == 200, (
            f"POST /_control/clock (capability clock) answered HTTP {answer.status_code}: {answer.text[:200]}"
        )
        shift.offset = timedelta(seconds=int(answer.json().get("offset_s", 0)))
        try:
            yield shift
        finally:
            SHIFTED_CODES.update(shift.codes)
            control.post("/_control/clock", json={"at": None})
            shift.until = env.evidence.mark()
