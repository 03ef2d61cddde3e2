"""Whole-run invariants of the sync: after every flow of the run (faults included), one walk over every exchange
the SUT had with DVCQG.

- No state refusal caused by the SUT: DVCQG refused nothing for what it knows of the dossier — progress or an
  update for a dossier it has not acknowledged (`STATE:not_found`: sent before its insert was acknowledged), a
  second insert (`STATE:duplicate`), a status change the state machine does not allow (`STATE:transition`).
  The faults the harness injects make calls fail; they never make a correct SUT send out of order.
- Times agree with when things happened: every time a dossier packet carries for something that has happened
  (NgayTiepNhan, ThoiDiemXuLy, NgayKetThucXuLy, NgayTra) is Vietnam time no later than the exchange was
  recorded and no earlier than the run began (both with a tolerance for clocks), never before the dossier was
  received, and a dossier's steps go forward. A 12-hour clock after noon or UTC for Vietnam time is well formed
  but hours off the recording time.
- Result documents name what was issued: each synced result document carries its procedure's result code from
  the national catalogue (MaGiayToKetQua, a MAKETQUA of LayThuTuc KETQUATHUCHIEN) when the catalogue codes the
  procedure's results.

Runs after every other test (`dvc_run_wide`); drives each lifecycle path once itself, so a run of this file alone
has traffic to judge. Each failure names the dossier, the field, the value and the exchange.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from harness.conformance import ConformanceEnvironment, Exchange, Observe, accepted, items
from suites._clock import CLOCK_TOLERANCE, SHIFTED_CODES
from suites._national import NationalCatalogue
from suites._support import PATHS, applicant, drive

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

VIETNAM = timezone(timedelta(hours=7))  # Asia/Ho_Chi_Minh, no daylight saving
DOSSIER, PROGRESS = "DongBoHoSoMC", "CapNhatTienDoHoSoMC"
#: per packet: the time fields that say when something happened (NgayHenTra, a due date, is in the future)
HAPPENED = {DOSSIER: ("NgayTiepNhan", "NgayKetThucXuLy", "NgayTra"), PROGRESS: ("ThoiDiemXuLy",)}
#: the invariants state refusals break, with the requirement each belongs to
STATE_KINDS = {
    "progress-after-insert": "SYNC-PROGRESS-AFTER-DOSSIER",
    "insert-then-update": "SYNC-INSERT-VS-UPDATE",
    "allowed-transitions": "SYNC-TRANSITIONS",
}


@dataclass
class RunSync:
    rows: list[Exchange]  # the DVCQG dossier and progress exchanges of the run, oldest first
    began: datetime  # when the run's first exchange was recorded
    refusals: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    incoherent: list[str] = field(default_factory=list)


def _when(row: Exchange) -> datetime:
    return datetime.fromtimestamp(float(row["ts"]), VIETNAM)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) != 14 or not value.isdigit():
        return None  # the format rules judge malformed values; "" is "not yet"
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=VIETNAM)
    except ValueError:
        return None


def _refusals(rows: list[Exchange]) -> dict[str, list[str]]:
    """Invariant → the state refusals that break it: progress for an unknown dossier was sent before its insert
    was acknowledged; an update of an unknown dossier or a second insert confuses insert and update."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        message = str(((row.get("response") or {}).get("body") or {}).get("message", ""))[:300]
        for rule in map(str, row.get("rules") or []):
            if rule == "STATE:transition":
                kind = "allowed-transitions"
            elif rule == "STATE:duplicate":
                kind = "insert-then-update"
            elif rule == "STATE:not_found":
                kind = "progress-after-insert" if row.get("service") == PROGRESS else "insert-then-update"
            else:
                continue
            found[kind].append(f"seq {row['seq']} {row.get('service')} {row.get('ma_ho_so')}: {rule}: {message}")
    return found


def _incoherent(rows: list[Exchange], began: datetime) -> list[str]:
    problems: list[str] = []
    received: dict[str, datetime] = {}  # MaHoSo → NgayTiepNhan as first acknowledged
    last_step: dict[str, tuple[datetime, int]] = {}  # MaHoSo → the latest step time sent, and where
    earliest = began - CLOCK_TOLERANCE
    for row in rows:
        if not accepted(row):
            continue
        service, seq, sent = str(row.get("service")), int(row["seq"]), _when(row)
        latest = sent + CLOCK_TOLERANCE
        for item in items(row):
            code = str(item.get("MaHoSo") or "")
            if code in SHIFTED_CODES:  # driven at a shifted SUT clock: judged by test_clock.py with the offset
                continue
            for name in HAPPENED.get(service, ()):
                value = item.get(name)
                moment = _time(value)
                if moment is None:
                    continue
                where = f"{code}: {service} seq {seq} {name} {value!r}"
                if moment > latest:
                    problems.append(
                        f"{where} is later than the exchange was recorded ({sent:%Y%m%d%H%M%S}, Vietnam time): "
                        "a clock in UTC+7 twice, or ahead"
                    )
                elif moment < earliest:
                    problems.append(
                        f"{where} is before this run began ({began:%Y%m%d%H%M%S}, Vietnam time) though the exchange "
                        f"was recorded at {sent:%Y%m%d%H%M%S}: {_hours(sent - moment)} behind (UTC for Vietnam "
                        "time is 7 h, a 12-hour clock after noon 12 h)"
                    )
                if name == "NgayTiepNhan":
                    received.setdefault(code, moment)
                elif code in received and moment < received[code]:
                    problems.append(f"{where} is before the dossier was received ({received[code]:%Y%m%d%H%M%S})")
                if name == "ThoiDiemXuLy":
                    before = last_step.get(code)
                    if before is not None and moment < before[0]:
                        problems.append(
                            f"{where} goes back before the step sent at seq {before[1]} ({before[0]:%Y%m%d%H%M%S})"
                        )
                    last_step[code] = (moment, seq)
    return problems


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


@pytest.fixture(scope="session")
def run_sync(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[RunSync]:
    rng = random.Random(f"{dvc_seed}:run-invariants")
    for actions in PATHS.values():
        drive(dvc_env.driver, applicant(rng), actions)
    dvc_env.driver.flush_sync()
    every = dvc_env.evidence.exchanges(record=False)
    rows = [row for row in every if row.get("channel") == "dvcqg" and row.get("service") in HAPPENED]
    began = min((_when(row) for row in every), default=datetime.now(VIETNAM))
    found = RunSync(rows, began)
    found.refusals = _refusals(rows)
    found.incoherent = _incoherent(rows, began)
    yield found


def _shown(lines: list[str]) -> str:
    return "\n".join(lines[:10]) + (f"\n... and {len(lines) - 10} more" if len(lines) > 10 else "")


@pytest.mark.dvc_run_wide
@pytest.mark.parametrize(
    "invariant",
    [pytest.param(kind, marks=pytest.mark.req(rid), id=kind) for kind, rid in STATE_KINDS.items()],
)
def test_dvcqg_refused_nothing_for_the_state_of_a_dossier(
    invariant: str, run_sync: RunSync, dvc_observe: Observe
) -> None:
    if not any(accepted(row) for row in run_sync.rows):
        pytest.skip("nothing observed: DVCQG acknowledged no dossier or progress packet in this run")
    dvc_observe.exchanges(run_sync.rows)
    refused = run_sync.refusals.get(invariant, [])
    assert not refused, f"DVCQG refused {len(refused)} packet(s) of the run ({invariant}):\n{_shown(refused)}"


@pytest.mark.dvc_run_wide
@pytest.mark.req("SYNC-TIMES-COHERENT")
def test_every_time_sent_agrees_with_when_it_was_sent(run_sync: RunSync, dvc_observe: Observe) -> None:
    judged = [row for row in run_sync.rows if accepted(row)]
    if not judged:
        pytest.skip("nothing observed: no dossier or progress packet was acknowledged in this run")
    dvc_observe.exchanges(judged)
    problems = run_sync.incoherent
    assert not problems, (
        f"{len(problems)} time(s) the SUT sent disagree with when they were sent (Asia/Ho_Chi_Minh):\n"
        + _shown(problems)
    )


def _uncoded_results(rows: list[Exchange], codes_of: Callable[[str], frozenset[str]]) -> tuple[list[str], int]:
    """Result documents whose MaGiayToKetQua is not one of their procedure's catalogue codes, and how many result
    documents were judged (a procedure whose results the catalogue does not code is not judged)."""
    problems: list[str] = []
    judged = 0
    for row in rows:
        if row.get("service") != DOSSIER or not accepted(row):
            continue
        for item in items(row):
            documents = item.get("DanhSachGiayToKetQua") or []
            codes = codes_of(str(item.get("MaTTHC", ""))) if documents else frozenset()
            for document in documents if codes else ():
                judged += 1
                sent = document.get("MaGiayToKetQua") if isinstance(document, dict) else None
                if sent not in codes:
                    name = document.get("TenGiayTo") if isinstance(document, dict) else document
                    problems.append(
                        f"{item.get('MaHoSo')} (DongBoHoSoMC seq {row.get('seq')}): result {name!r} has "
                        f"MaGiayToKetQua {sent!r}; the national catalogue codes the results of procedure "
                        f"{item.get('MaTTHC')} as {', '.join(sorted(codes))} (LayThuTuc KETQUATHUCHIEN)"
                    )
    return problems, judged


@pytest.mark.dvc_run_wide
@pytest.mark.req("SYNC-RESULT-CODES")
def test_every_result_document_carries_its_catalogue_code(
    run_sync: RunSync, dvc_env: ConformanceEnvironment, dvc_observe: Observe
) -> None:
    with NationalCatalogue(dvc_env) as catalogue:
        problems, judged = _uncoded_results(run_sync.rows, catalogue.result_codes)
    if not judged:
        pytest.skip("nothing observed: no acknowledged packet carried a result of a procedure with coded results")
    dvc_observe.step(f"{judged} result document(s) of the run compared with the national catalogue's result codes")
    dvc_observe.exchanges([row for row in run_sync.rows if row.get("service") == DOSSIER and accepted(row)])
    assert not problems, f"{len(problems)} result document(s) do not carry their catalogue result code:\n" + _shown(
        problems
    )
