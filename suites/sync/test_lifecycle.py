"""Sync of the one-stop flow (NĐ 61/2018 Điều 17–20, TT 01/2018 Điều 17): every lifecycle path produces
DongBoHoSoMC and CapNhatTienDoHoSoMC packets, in order, within the SUT's declared sync delay, with
statuses and history consistent with what the SUT itself shows.

The paths are driven once per module; each requirement is checked by its own test over that evidence.
"""

from __future__ import annotations

import contextlib
import random
import time
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, accepted, items
from suites._support import PATHS, SyncedDossier, applicant, collapse, drive, synced

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")


@pytest.fixture(scope="module")
def lifecycles(dvc_env: ConformanceEnvironment, dvc_seed: int) -> dict[str, SyncedDossier]:
    rng = random.Random(f"{dvc_seed}:lifecycles")
    driver, evidence = dvc_env.driver, dvc_env.evidence
    codes = {name: drive(driver, applicant(rng), actions) for name, actions in PATHS.items()}
    result: dict[str, SyncedDossier] = {}
    # one deadline for all the paths, counted from after the last action: each dossier gets at least the declared
    # delay, and a SUT that never syncs costs one delay, not one per path
    deadline = time.monotonic() + dvc_env.description.sync_delay_s
    for name, code in codes.items():
        final = driver.view(code).status
        # a missed message is not fatal here: the tests below say what is missing, each under its requirement
        with contextlib.suppress(ExchangeNotReceived):
            evidence.wait_for(
                "DongBoHoSoMC",
                code,
                timeout=max(0.0, deadline - time.monotonic()),
                where=lambda row, final=final: (
                    accepted(row) and any(i.get("TrangThaiHoSo") == final for i in items(row))
                ),
                nudge=driver.flush_sync,
            )
        result[name] = synced(driver, evidence, code)
    return result


def _each(lifecycles: dict[str, SyncedDossier]) -> list[tuple[str, SyncedDossier]]:
    return sorted(lifecycles.items())


@pytest.mark.req("SYNC-STATUS-EVERY-CHANGE")
@pytest.mark.req(
    "TT01-D17-PUSH-STATUS",
    partial="checks the push to DVCQG only; that the status also reaches the portal (the citizen's lookup) "
    "is not checked here",
)
@pytest.mark.req(
    "TT22-D3-K4",
    partial="checks only that every status change of the driven dossiers reaches DVCQG; the one-stop rules "
    "themselves are judged under the ND61-* and TT01-* requirements, the paper forms and counter work by hand",
)
@pytest.mark.req(
    "TT22-D3-K8",
    partial="drives receipt, processing and return through the control API and checks each change reaches "
    "DVCQG; inter-agency (liên thông) processing and the officers' own screens are not exercised",
)
def test_every_status_change_reaches_dvcqg(lifecycles: dict[str, SyncedDossier]) -> None:
    problems = []
    for name, dossier in _each(lifecycles):
        national = collapse(dossier.accepted_statuses())
        local = collapse(dossier.history_statuses)
        if national != local:
            problems.append(f"{name} ({dossier.code}): SUT history {local}, DVCQG accepted {national}")
    assert not problems, "status changes missing at DVCQG:\n" + "\n".join(problems)


@pytest.mark.req("SYNC-PROGRESS-EVERY-STEP", "TT01-D17-STEP-LOG")
def test_every_step_is_sent_as_progress(lifecycles: dict[str, SyncedDossier]) -> None:
    problems = []
    for name, dossier in _each(lifecycles):
        sent = [p["TrangThai"] for p in dossier.accepted_progress()]
        local = dossier.history_statuses
        if collapse(sent) != collapse(local) or len(sent) < len(local):
            problems.append(f"{name} ({dossier.code}): {len(local)} steps {local}, progress accepted {sent}")
    assert not problems, "processing steps missing from CapNhatTienDoHoSoMC:\n" + "\n".join(problems)


@pytest.mark.req("SYNC-PROGRESS-AFTER-DOSSIER")
def test_progress_is_sent_only_for_dossiers_dvcqg_knows(lifecycles: dict[str, SyncedDossier]) -> None:
    early = []
    for name, dossier in _each(lifecycles):
        for row in dossier.progress_rows:
            message = str((row.get("response") or {}).get("body", {}).get("message", ""))
            if "không tồn tại" in message:
                early.append(f"{name} ({dossier.code}) seq {row['seq']}: {message[:160]}")
    assert not early, "progress sent before DVCQG had the dossier:\n" + "\n".join(early)


@pytest.mark.req("SYNC-INSERT-VS-UPDATE")
def test_insert_first_then_updates(lifecycles: dict[str, SyncedDossier]) -> None:
    problems = []
    for name, dossier in _each(lifecycles):
        flags = [str((row["request"]["body"] or {}).get("isUpdating")) for row in dossier.dossier_rows if accepted(row)]
        duplicates = [
            row["seq"]
            for row in dossier.dossier_rows
            if "đã tồn tại" in str(row["response"]["body"].get("message", ""))
        ]
        if not flags or flags[0] != "False" or any(flag != "True" for flag in flags[1:]):
            problems.append(f"{name} ({dossier.code}): accepted isUpdating sequence {flags}")
        if duplicates:
            problems.append(
                f"{name} ({dossier.code}): inserts of a known dossier refused as duplicates at {duplicates}"
            )
    assert not problems, "insert vs update decided wrongly:\n" + "\n".join(problems)


@pytest.mark.req("SYNC-FINAL-STATE")
def test_dvcqg_ends_with_the_state_the_sut_shows(lifecycles: dict[str, SyncedDossier]) -> None:
    problems = []
    for name, dossier in _each(lifecycles):
        national = dossier.accepted_statuses()
        if not national or national[-1] != dossier.view.status:
            problems.append(
                f"{name} ({dossier.code}): SUT shows {dossier.view.status}, DVCQG has {national[-1:] or 'nothing'}"
            )
    assert not problems, "DVCQG's last state differs from the SUT's:\n" + "\n".join(problems)


@pytest.mark.req("SYNC-TRANSITIONS")
def test_no_status_change_is_refused_by_the_national_graph(lifecycles: dict[str, SyncedDossier]) -> None:
    refused: list[str] = []
    for name, dossier in _each(lifecycles):
        for row in dossier.dossier_rows:
            rules: list[Any] = row.get("rules") or []
            if any("transition" in str(rule) for rule in rules):
                refused.append(
                    f"{name} ({dossier.code}) seq {row['seq']}: {row['response']['body'].get('message', '')[:200]}"
                )
    assert not refused, "status changes outside the national status graph:\n" + "\n".join(refused)


@pytest.mark.req("QCVN120-DOSSIER-DUE-DATE")
@pytest.mark.req(
    "ND61-D17-RECEIPT",
    partial="checks only that synced dossiers past intake carry an appointment date (NgayHenTra); that it "
    "is not before the receipt date, and the printed receipt (TT 01/2018 form 01), are not checked here",
)
def test_received_dossiers_carry_an_appointment_date(lifecycles: dict[str, SyncedDossier]) -> None:
    problems = []
    for name, dossier in _each(lifecycles):
        for row in dossier.dossier_rows:
            for item in items(row):
                if item.get("TrangThaiHoSo") not in ("1", "3") and not item.get("NgayHenTra"):
                    problems.append(f"{name} ({dossier.code}): status {item.get('TrangThaiHoSo')} without NgayHenTra")
    assert not problems, "received dossiers without NgayHenTra:\n" + "\n".join(sorted(set(problems)))
