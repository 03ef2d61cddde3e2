"""The pieces of the oracle suites that need no SUT: counting dossiers registered elsewhere into the sequence
numbers, and the moments the stateful suite may move the SUT's clock to (suites/oracle)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from harness.oracle import VIETNAM, Intake, Oracle, Procedure

AGENCY = "000.00.01.H56"
ROOT = Path(__file__).resolve().parents[2]
#: run in the project's root: `suites` there is the conformance suites (here it would be tests/suites)
PROBE = """
import json
from datetime import date, datetime
from harness.oracle import VIETNAM, NationalCalendar
from harness.requirements import load_catalogue
from suites.oracle._witness import REQUIREMENT_OF_RULE, REQUIREMENTS
from suites.oracle.test_stateful import REACH, day_ranges, landmarks, moments, out_of_reach

calendar = NationalCalendar()
now = datetime(2025, 12, 31, 10, 0, tzinfo=VIETNAM)
found = moments(now, calendar)
print(json.dumps({
    "days": {d: day_ranges(date.fromisoformat(d), calendar)
             for d in ("2025-12-31", "2025-04-26", "2025-04-30", "2025-03-15", "2025-03-12")},
    "sorted": [m.at.isoformat() for m in found] == sorted(m.at.isoformat() for m in found),
    "within": all(now - REACH <= m.at <= now + REACH for m in found[: len(found) - len(landmarks(now, calendar))]),
    "landmarks": [[m.at.isoformat(), list(m.ranges)] for m in landmarks(now, calendar)],
    "late": out_of_reach(datetime(2027, 11, 1, 10, 0, tzinfo=VIETNAM), calendar),
    "ranges": sorted({r for m in found for r in m.ranges}),
    "missed": out_of_reach(now, calendar),
    "unknown_requirements": sorted(set(REQUIREMENTS) - set(load_catalogue().requirements)),
    "rules": sorted(REQUIREMENT_OF_RULE),
}))
"""


def _intake(oracle: Oracle, key: str, at: datetime) -> None:
    oracle.apply(Intake(dossier=key, at=at, procedure="1.001193", channel="2", agency=AGENCY))


def test_dossiers_registered_elsewhere_count_in_the_sequence_of_that_agency_and_day() -> None:
    oracle = Oracle([Procedure.simple("1.001193", 1)])
    morning = datetime(2025, 3, 10, 9, 0, tzinfo=VIETNAM)
    oracle.registered_elsewhere(AGENCY, morning.date(), 3)
    _intake(oracle, "a", morning)
    oracle.registered_elsewhere(AGENCY, morning.date(), 2)  # two more by others between the harness's own
    _intake(oracle, "b", morning + timedelta(minutes=5))
    _intake(oracle, "c", morning + timedelta(days=1))  # another day: from 0001 again
    shown = {key: oracle.expect(key).fields["MaHoSo:sequence"].describe() for key in ("a", "b", "c")}
    assert shown == {"a": "4", "b": "7", "c": "1"}


def test_the_clock_moments_and_the_requirements_of_the_oracle_suites() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    days = found["days"]
    assert days["2025-12-31"] == ["month end", "year end"]
    assert days["2025-04-26"][0].startswith("worked Saturday")
    assert days["2025-04-30"][0].startswith("day off")
    assert days["2025-03-15"] == ["weekend"] and days["2025-03-12"] == []
    assert found["sorted"] and found["within"]
    # beyond the window, the next day of each kind: Sat 3/1/2026, Fri 2/1/2026 (the swapped day off), the worked
    # Saturday 10/1/2026, and the ends of January and of 2026
    assert [at for at, _ in found["landmarks"]] == [
        "2026-01-02T09:30:00+07:00", "2026-01-03T09:30:00+07:00", "2026-01-10T09:30:00+07:00",
        "2026-01-31T23:59:50+07:00", "2026-12-31T23:59:50+07:00",
    ]  # fmt: skip
    assert found["landmarks"][2][1][1].startswith("worked Saturday")
    # late in the calendar data, what is out of reach says why
    assert any("calendar data ends" in note for note in found["late"]), found["late"]
    assert {"evening (after 17:00)", "year end", "month end", "just before midnight"} <= set(found["ranges"])
    assert any(r.startswith("day off") for r in found["ranges"])  # 1/1/2026
    assert not any(note.startswith(("month end", "year end")) for note in found["missed"])
    assert found["unknown_requirements"] == []
    assert {"ORACLE-APPOINTMENT", "ORACLE-CODE-SEQUENCE", "ORACLE-STATUS", "ORACLE-RESULTS"} <= set(found["rules"])
