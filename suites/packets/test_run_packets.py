"""QCVN 120 packet rules over the whole run: every message the SUT sent to the national side (and every
reply it gave to the national side's calls) is judged by the national side under the strict profile as
it arrives; here each rule is its own test, so a report names exactly the rules the SUT breaks.

Runs after every other test (`dvc_run_wide`), so it sees all the traffic of the run; it first drives one
dossier through each lifecycle path itself, so a run of this file alone still has traffic to judge.
"""

from __future__ import annotations

import random
from collections import defaultdict
from functools import cache

import pytest

import harness
from harness.conformance import ConformanceEnvironment
from harness.generation import mutation_rules
from suites._support import PATHS, applicant, drive

#: replies the SUT gives to calls from the national side
SUT_REPLIES = ("inbound.reply", "payment.IPN.reply")
#: criteria a packet rule verifies as well (the catalogue's codes in every packet the SUT sends)
ALSO_VERIFIES = {"CODE-AGENCY": ("TT22-D5-K1-DD",), "CODE-FIELD": ("TT22-D5-K1-DD", "TT01-D20-FIELD-CODE")}


@cache
def _applicable_rules() -> frozenset[str]:
    """The rules that can apply to some packet the SUT produces."""
    applicable: set[str] = set()
    for name, packet_type in harness.packet_types().items():
        if packet_type.direction == "province-to-national" or name in SUT_REPLIES:
            applicable |= mutation_rules(name, "strict")
    return frozenset(applicable)


@pytest.fixture(scope="session")
def run_violations(dvc_env: ConformanceEnvironment, dvc_seed: int) -> dict[str, list[str]]:
    rng = random.Random(f"{dvc_seed}:run-packets")
    for actions in PATHS.values():
        drive(dvc_env.driver, applicant(rng), actions)
    dvc_env.driver.flush_sync()
    found: dict[str, list[str]] = defaultdict(list)
    known = set(harness.rules())
    for row in dvc_env.evidence.exchanges():
        if row.get("verdict") != "invalid":
            continue
        message = str(((row.get("response") or {}).get("body") or {}).get("message", ""))[:400]
        for rule in row.get("rules") or []:
            if rule in known:
                subject = row.get("ma_ho_so") or row.get("ma_tham_chieu") or ""
                found[rule].append(f"seq {row['seq']} {row.get('service')} {subject}: {message}")
    return dict(found)


@pytest.mark.dvc_run_wide
@pytest.mark.parametrize(
    "rule_id",
    [
        pytest.param(rule_id, marks=pytest.mark.req(rule_id, *ALSO_VERIFIES.get(rule_id, ())), id=rule_id)
        for rule_id in sorted(harness.rules())
    ],
)
def test_no_packet_of_the_run_breaks_the_rule(rule_id: str, run_violations: dict[str, list[str]]) -> None:
    if rule_id not in _applicable_rules():
        pytest.skip(f"{rule_id} applies to no packet the SUT sends")
    breaches = run_violations.get(rule_id, [])
    shown = "\n".join(breaches[:10]) + (f"\n... and {len(breaches) - 10} more" if len(breaches) > 10 else "")
    assert not breaches, f"{len(breaches)} packet(s) sent by the SUT break {rule_id}:\n{shown}"
