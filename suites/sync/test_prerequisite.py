"""The prerequisite of every sync test: a new dossier of the SUT reaches DVCQG and DVCQG accepts it.

It runs first (`dvc_prerequisite`). When it fails, the tests that need accepted dossiers (`dvc_needs`) are
reported blocked by it at once, instead of each waiting out the SUT's sync delay and failing for the same root
cause; the run-wide packet rules (suites/packets) still run and name the rules the refused packets break.
"""

from __future__ import annotations

import random

import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, accepted
from suites._support import applicant

PREREQUISITE = "dossier-sync"


@pytest.mark.dvc_prerequisite(PREREQUISITE)
@pytest.mark.req(
    "TT01-D17-PUSH-STATUS",
    partial="a new dossier's first DongBoHoSoMC only: every later status change is judged by suites/sync",
)
def test_a_new_dossier_reaches_dvcqg_and_is_accepted(dvc_env: ConformanceEnvironment, rng: random.Random) -> None:
    driver, evidence = dvc_env.driver, dvc_env.evidence
    code = driver.create_dossier(applicant(rng)).ma_ho_so
    delay = dvc_env.description.sync_delay_s
    try:
        evidence.wait_for("DongBoHoSoMC", code, timeout=delay, where=accepted, nudge=driver.flush_sync)
    except ExchangeNotReceived:
        sent = evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code)
        if not sent:
            pytest.fail(
                f"no DongBoHoSoMC for the new dossier {code} reached the national side at {dvc_env.national_url} "
                f"within {delay:g} s: check the SUT's DVCQG URL and account",
                pytrace=False,
            )
        refusal = (sent[-1].get("response") or {}).get("body") or {}
        rules = ", ".join(sent[-1].get("rules") or []) or "no packet rule"
        pytest.fail(
            f"DVCQG refused all {len(sent)} DongBoHoSoMC packet(s) for the new dossier {code} "
            f"(last: HTTP {sent[-1].get('status')}, rules {rules}): {str(refusal.get('message', ''))[:600]}",
            pytrace=False,
        )
