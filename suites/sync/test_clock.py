"""The SUT's times at every hour of the day (capability `clock`): a well-formed time can still be wrong by hours —
a 12-hour clock (`%I` for `%H`) is right every morning, UTC written as Vietnam time is 7 hours early, a date taken
from UTC is the day before between 00:00 and 07:00 — and a run at 10 a.m. sees none of that. So the harness shifts
the SUT's clock (`POST /_control/clock`) and drives one flow in the afternoon and one across midnight.

The national side keeps the real time: every time the SUT sends for something that happened (NgayTiepNhan,
ThoiDiemXuLy, NgayKetThucXuLy, NgayTra) must be the shifted time of its exchange — the recorded time plus the
offset the SUT reported — within the clock tolerance, and never before the shift began; each dossier code carries
the date of its receipt (before and after midnight).
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest

from harness.conformance import ConformanceEnvironment, Exchange, ExchangeNotReceived, Observe, accepted, items
from suites._clock import VIETNAM, Shift, shifted
from suites._support import applicant
from suites.sso._browser import require
from suites.sync.test_run_invariants import CLOCK_TOLERANCE, HAPPENED

pytestmark = [pytest.mark.dvc_needs("dossier-sync"), pytest.mark.capability("clock")]

AFTERNOON = time(15, 30, 0)
BEFORE_MIDNIGHT = time(23, 59, 45)
AFTER_MIDNIGHT = time(0, 0, 30)


@dataclass
class Clocked:
    shifts: list[Shift]
    rows: list[Exchange]  # the shifted dossiers' DongBoHoSoMC and CapNhatTienDoHoSoMC, oldest first


def _settled(env: ConformanceEnvironment, code: str) -> None:
    """Wait (while still shifted) until DVCQG acknowledged the dossier's current status."""
    status = env.driver.view(code).status
    with contextlib.suppress(ExchangeNotReceived):  # the tests say what DVCQG refused
        env.evidence.wait_for(
            "DongBoHoSoMC",
            code,
            timeout=3 * env.description.sync_delay_s,
            where=lambda row: accepted(row) and any(i.get("TrangThaiHoSo") == status for i in items(row)),
            nudge=env.driver.flush_sync,
        )


@pytest.fixture(scope="module")
def clocked(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[Clocked]:
    require(dvc_env, "clock")
    driver, rng = dvc_env.driver, random.Random(f"{dvc_seed}:clock")
    today = datetime.now(VIETNAM).date()
    shifts = []
    with shifted(dvc_env, datetime.combine(today, AFTERNOON, VIETNAM)) as afternoon:
        code = driver.create_dossier(applicant(rng)).ma_ho_so
        afternoon.codes.add(code)
        for action in ("receive", "process"):
            driver.act(code, action)
        _settled(dvc_env, code)
    shifts.append(afternoon)
    with shifted(dvc_env, datetime.combine(today, BEFORE_MIDNIGHT, VIETNAM)) as evening:
        late = driver.create_dossier(applicant(rng)).ma_ho_so
        evening.codes.add(late)
        _settled(dvc_env, late)
    shifts.append(evening)
    with shifted(dvc_env, datetime.combine(today + timedelta(days=1), AFTER_MIDNIGHT, VIETNAM)) as night:
        night.codes.add(late)
        driver.act(late, "receive")  # received before midnight, handled after it
        early = driver.create_dossier(applicant(rng)).ma_ho_so
        night.codes.add(early)
        _settled(dvc_env, late)
        _settled(dvc_env, early)
    shifts.append(night)
    codes = set().union(*(shift.codes for shift in shifts))
    rows = [
        row
        for row in dvc_env.evidence.exchanges(record=False)
        if row.get("channel") == "dvcqg" and row.get("service") in HAPPENED and set(_codes(row)) & codes
    ]
    yield Clocked(shifts, rows)


def _codes(row: Exchange) -> list[str]:
    return [str(item.get("MaHoSo") or "") for item in items(row)]


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) != 14 or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except ValueError:
        return None


@pytest.mark.req("SYNC-TIMES-COHERENT")
def test_times_are_the_sut_clocks_in_the_afternoon_and_across_midnight(clocked: Clocked, dvc_observe: Observe) -> None:
    problems: list[str] = []
    judged: list[Exchange] = []
    for row in clocked.rows:
        shift = next((s for s in clocked.shifts if s.holds(int(row["seq"]))), None)
        if shift is None or not accepted(row):
            continue
        judged.append(row)
        sut_now = datetime.fromtimestamp(float(row["ts"]), VIETNAM) + shift.offset
        for item in items(row):
            code = str(item.get("MaHoSo") or "")
            if code not in shift.codes:
                continue
            for name in HAPPENED[str(row["service"])]:
                moment = _time(item.get(name))
                if moment is None:
                    continue
                where = f"{code}: {row['service']} seq {row['seq']} {name} {item.get(name)!r}"
                if moment > sut_now + CLOCK_TOLERANCE:
                    problems.append(f"{where} is after the SUT's own time of the exchange ({sut_now:%Y%m%d%H%M%S})")
                elif moment < _began(clocked, code) - CLOCK_TOLERANCE:
                    problems.append(
                        f"{where} is before the SUT's clock was set to {_began(clocked, code):%Y%m%d%H%M%S} for this "
                        f"dossier; the SUT's clock read {sut_now:%Y%m%d%H%M%S} when it sent it "
                        f"({(sut_now - moment).total_seconds() / 3600:.1f} h behind: a 12-hour clock after noon is "
                        "12 h, UTC for Vietnam time 7 h)"
                    )
    if not judged:
        pytest.skip("nothing observed: no packet of the shifted dossiers was acknowledged")
    dvc_observe.exchanges(judged)
    shown = "\n".join(problems[:10]) + (f"\n... and {len(problems) - 10} more" if len(problems) > 10 else "")
    assert not problems, f"times the SUT sent while its clock was shifted disagree with that clock:\n{shown}"


def _began(clocked: Clocked, code: str) -> datetime:
    """The time the SUT's clock was first set to for a dossier: none of its times can be earlier."""
    return min(shift.at for shift in clocked.shifts if code in shift.codes)


@pytest.mark.req("CODE-DOSSIER-DATE")
def test_codes_carry_the_date_of_receipt_before_and_after_midnight(clocked: Clocked, dvc_observe: Observe) -> None:
    problems: list[str] = []
    judged: list[Exchange] = []
    received: dict[str, str] = {}
    for row in clocked.rows:
        if row.get("service") != "DongBoHoSoMC" or not accepted(row):
            continue
        for item in items(row):
            code, at = str(item.get("MaHoSo") or ""), str(item.get("NgayTiepNhan") or "")
            if code in received or len(at) != 14:
                continue
            received[code] = at
            judged.append(row)
            parts = code.split("-")
            if len(parts) < 3 or parts[-2] != at[2:8]:
                problems.append(f"{code}: NgayTiepNhan {at} (seq {row['seq']}) but the code's date is {parts[-2:-1]}")
    for code in sorted(set().union(*(shift.codes for shift in clocked.shifts)) - set(received)):
        refusals = [row for row in clocked.rows if code in _codes(row) and row.get("service") == "DongBoHoSoMC"]
        judged += refusals
        said = (
            str(((refusals[-1].get("response") or {}).get("body") or {}).get("message", ""))[:300] if refusals else ""
        )
        problems.append(f"{code}: DVCQG never acknowledged the dossier ({len(refusals)} DongBoHoSoMC: {said!r})")
    if not judged:
        pytest.skip("nothing observed: no shifted dossier reached DVCQG")
    dvc_observe.exchanges(judged)
    assert not problems, "a dossier code must carry the date of its receipt (yyMMdd, Vietnam time):\n" + "\n".join(
        problems
    )
