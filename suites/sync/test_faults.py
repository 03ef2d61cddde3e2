"""Resilience of the sync (TT 22/2019 Điều 5 interconnection; observed DVCQG behaviour): after 5xx answers,
dropped connections, error_code ≠ 0 answers, an expired session or a restart of the SUT, every change still
reaches DVCQG, in order, once.

The SUT gets 3 × its declared sync delay to recover (retries with backoff take longer than one send).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, Faults, accepted, items
from suites._support import PATHS, applicant, collapse, drive, synced

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

FLOW = PATHS["processed-and-returned"]
FAULTS: dict[str, dict[str, Any]] = {
    "http-503": {"kind": "http_status", "status": 503, "count": 3, "path": "/dvcqg/integration"},
    "http-500-on-progress": {"kind": "http_status", "status": 500, "count": 2, "service": "CapNhatTienDoHoSoMC"},
    "dropped-connection": {"kind": "drop", "count": 2, "path": "/dvcqg/integration"},
    "error-code": {"kind": "error_code", "error_code": -1, "count": 2, "service": "DongBoHoSoMC"},
}


@pytest.fixture
def faults(dvc_env: ConformanceEnvironment) -> Iterator[Faults]:
    dvc_env.faults.clear()
    yield dvc_env.faults
    dvc_env.faults.clear()


def _converged(dvc_env: ConformanceEnvironment, code: str) -> None:
    """Wait until DVCQG accepted the SUT's final state and a progress step for each of its steps."""
    driver = dvc_env.driver
    final = driver.view(code).status
    dvc_env.evidence.wait_for(
        "DongBoHoSoMC",
        code,
        timeout=3 * dvc_env.description.sync_delay_s,
        where=lambda row: accepted(row) and any(i.get("TrangThaiHoSo") == final for i in items(row)),
        nudge=driver.flush_sync,
    )
    steps = len(driver.view(code).history)
    dvc_env.evidence.wait_for(
        "CapNhatTienDoHoSoMC",
        code,
        timeout=dvc_env.description.sync_delay_s,
        where=lambda row: len(synced(driver, dvc_env.evidence, code).accepted_progress()) >= steps,
        nudge=driver.flush_sync,
    )


@pytest.mark.req("SYNC-RETRY-NO-LOSS")
@pytest.mark.parametrize("fault", list(FAULTS))
def test_changes_reach_dvcqg_after_a_fault(
    fault: str, faults: Faults, dvc_env: ConformanceEnvironment, rng: random.Random
) -> None:
    rule = faults.add(**FAULTS[fault])
    code = drive(dvc_env.driver, applicant(rng), FLOW)
    _converged(dvc_env, code)
    assert faults.fired(rule) >= 1, "the injected fault never fired: nothing was proved"
    dossier = synced(dvc_env.driver, dvc_env.evidence, code)
    assert collapse(dossier.accepted_statuses()) == collapse(dossier.history_statuses)


@pytest.mark.req("SYNC-RETRY-NO-DUPLICATE")
def test_retries_do_not_duplicate(faults: Faults, dvc_env: ConformanceEnvironment, rng: random.Random) -> None:
    # 503s are answered before DVCQG looks at the packet: no attempt that failed was stored, so every
    # dossier insert and every step must be accepted exactly once
    faults.add(kind="http_status", status=503, count=4, path="/dvcqg/integration")
    code = drive(dvc_env.driver, applicant(rng), FLOW)
    _converged(dvc_env, code)
    dossier = synced(dvc_env.driver, dvc_env.evidence, code)
    inserts = [r for r in dossier.dossier_rows if accepted(r) and r["request"]["body"].get("isUpdating") == "False"]
    assert len(inserts) == 1, f"the dossier was inserted {len(inserts)} times"
    steps = Counter((p["ThoiDiemXuLy"], p["TrangThai"], p["NoiDungXuLy"]) for p in dossier.accepted_progress())
    repeated = [step for step, count in steps.items() if count > 1]
    assert not repeated, f"progress steps sent again after DVCQG accepted them: {repeated}"


def _seq(row: dict[str, Any]) -> int:
    return int(row["seq"])


def _updating(row: dict[str, Any]) -> bool:
    return row.get("service") == "DongBoHoSoMC" and str((row["request"].get("body") or {}).get("isUpdating")) == "True"


def _answer(row: dict[str, Any]) -> str:
    return str(((row.get("response") or {}).get("body") or {}).get("message", ""))[:120]


@pytest.mark.req("SYNC-PROGRESS-AFTER-DOSSIER")
@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "error_code", "error_code": -1, "count": 3, "service": "DongBoHoSoMC"},
        {"kind": "http_status", "status": 503, "count": 3, "service": "DongBoHoSoMC"},
    ],
    ids=["insert-refused", "insert-503"],
)
def test_nothing_of_a_dossier_is_sent_before_its_insert_is_acknowledged(
    fault: dict[str, Any], faults: Faults, dvc_env: ConformanceEnvironment, rng: random.Random
) -> None:
    """The national side refuses the first inserts while the officers already act on the dossier: its progress
    and updates must wait for the insert, not reach DVCQG (and be refused as an unknown dossier) before it."""
    rule = faults.add(**fault)
    code = drive(dvc_env.driver, applicant(rng), ("receive", "process"))
    _converged(dvc_env, code)
    assert faults.fired(rule) >= 1, "the injected fault never fired: nothing was proved"
    services = ("DongBoHoSoMC", "CapNhatTienDoHoSoMC")
    rows = sorted((r for r in dvc_env.evidence.exchanges(ma_ho_so=code) if r.get("service") in services), key=_seq)
    inserted = next(
        (_seq(r) for r in rows if r["service"] == "DongBoHoSoMC" and accepted(r) and not _updating(r)), None
    )
    assert inserted is not None, f"DVCQG never acknowledged an insert of {code}"
    early = [
        f"seq {r['seq']} {r['service']}{' (update)' if _updating(r) else ''} → {_answer(r)!r}"
        for r in rows
        if _seq(r) < inserted and (r["service"] == "CapNhatTienDoHoSoMC" or _updating(r))
    ]
    assert not early, (
        f"packets of {code} reached DVCQG before its insert was acknowledged (seq {inserted}), while the "
        f"national side refused the first inserts ({fault['kind']}):\n" + "\n".join(early)
    )


@pytest.mark.req("SYNC-SESSION-RENEWAL")
def test_an_expired_session_is_renewed(faults: Faults, dvc_env: ConformanceEnvironment, rng: random.Random) -> None:
    mark = dvc_env.evidence.mark()
    rule = faults.add(kind="session_expiry", count=1, path="/dvcqg/integration")
    code = drive(dvc_env.driver, applicant(rng), ("receive",))
    _converged(dvc_env, code)
    assert faults.fired(rule) == 1
    logins = [r for r in dvc_env.evidence.exchanges(since=mark) if str(r.get("url", "")).endswith("/dvcqg/auth")]
    assert logins, "the SUT never authenticated again after its session expired"


@pytest.mark.req("SYNC-RETRY-NO-LOSS")
@pytest.mark.capability("restart")
def test_nothing_is_lost_when_the_sut_restarts(
    faults: Faults, dvc_env: ConformanceEnvironment, rng: random.Random
) -> None:
    faults.add(kind="http_status", status=503, path="/dvcqg/integration")  # DVCQG down until cleared
    code = drive(dvc_env.driver, applicant(rng), FLOW)
    dvc_env.driver.flush_sync()
    dvc_env.restart_sut()
    faults.clear()
    _converged(dvc_env, code)
