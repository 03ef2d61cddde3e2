"""QCVN 120 packet rules over the whole run: every message the SUT sent to the national side (and every
reply it gave to the national side's calls) is judged by the national side under the strict profile as
it arrives; here each rule is its own test, so a report names exactly the rules the SUT breaks.

Runs after every other test (`dvc_run_wide`), so it sees all the traffic of the run; it first drives one
dossier through each lifecycle path itself, so a run of this file alone still has traffic to judge.

Each rule's test names the exchanges it judged: every packet of a type the rule applies to that the national side
validated. A rule that no packet of the run could be judged against is not tested ("nothing observed"), never
passed: a SUT wired to another national side sends nothing here, and gets no pass for any packet rule.

The national side lists at most `max_violations` violations of a packet and stops looking past them (its
evidence row then carries `VIOLATIONS:truncated`): such a packet was not checked for the rules it does not
name, so a rule that no packet breaks but such a packet may have is inconclusive (skipped with the reason).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import pytest

import harness
from harness.conformance import ConformanceEnvironment, Exchange, Observe
from harness.core.violations import TRUNCATED_TAG
from harness.generation import mutation_rules
from suites._support import PATHS, applicant, drive

#: replies the SUT gives to calls from the national side
SUT_REPLIES = ("inbound.reply", "payment.IPN.reply")
#: criteria a packet rule verifies as well, in part (the catalogue's codes in every packet the SUT sends)
ALSO_VERIFIES = {"CODE-AGENCY": ("TT22-D5-K1-DD",), "CODE-FIELD": ("TT22-D5-K1-DD", "TT01-D20-FIELD-CODE")}
CODES_ONLY_IN_FORM = "checks the form of the agency and field codes only; that they are the shared e-catalogue's is not"


def _marks(rule_id: str) -> list[pytest.MarkDecorator]:
    marks = [pytest.mark.req(rule_id)]
    if rule_id in ALSO_VERIFIES:
        marks.append(pytest.mark.req(*ALSO_VERIFIES[rule_id], partial=CODES_ONLY_IN_FORM))
    return marks


@cache
def _applicable_rules() -> frozenset[str]:
    """The rules that can apply to some packet the SUT produces."""
    applicable: set[str] = set()
    for name, packet_type in harness.packet_types().items():
        if packet_type.direction == "province-to-national" or name in SUT_REPLIES:
            applicable |= mutation_rules(name, "strict")
    return frozenset(applicable)


@cache
def _rules_of(packet_type: str) -> frozenset[str]:
    return frozenset(mutation_rules(packet_type, "strict"))


def judged_type(row: Exchange) -> str | None:
    """The packet type the national side validated an exchange as: what the SUT sent (DVCQG, payment) or how it
    answered the national side's call (an IPN's reply); None for what carries no SUT packet."""
    if row.get("verdict") not in ("valid", "invalid"):
        return None
    channel, service = row.get("channel"), str(row.get("service") or "")
    if channel == "dvcqg":
        name = f"adapter.{service}" if "/adapter/" in str(row.get("url") or "") else service
    elif channel == "payment":
        name = f"payment.{service}.reply" if row.get("direction") == "outbound" else f"payment.{service}"
    else:
        return None
    return name if name in harness.packet_types() else None


@dataclass
class RunPackets:
    """Per rule: the exchanges judged against it and the breaches found."""

    judged: dict[str, list[Exchange]] = field(default_factory=lambda: defaultdict(list))
    breaches: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: packets not checked for the rule: their violations were cut at the national side's cap
    unchecked: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@pytest.fixture(scope="session")
def run_packets(dvc_env: ConformanceEnvironment, dvc_seed: int) -> RunPackets:
    rng = random.Random(f"{dvc_seed}:run-packets")
    for actions in PATHS.values():
        drive(dvc_env.driver, applicant(rng), actions)
    dvc_env.driver.flush_sync()
    packets = RunPackets()
    known = set(harness.rules())
    for row in dvc_env.evidence.exchanges(record=False):  # each rule's test names the rows it judged
        packet_type = judged_type(row)
        if packet_type is None:
            continue
        for rule in _rules_of(packet_type):
            packets.judged[rule].append(row)
        if row.get("verdict") != "invalid":
            continue
        named = set(row.get("rules") or [])
        if TRUNCATED_TAG in named:
            for rule in _rules_of(packet_type) - named:
                packets.unchecked[rule].append(f"seq {row['seq']} {row.get('service')}")
        message = str(((row.get("response") or {}).get("body") or {}).get("message", ""))[:400]
        for rule in row.get("rules") or []:
            if rule in known:
                subject = row.get("ma_ho_so") or row.get("ma_tham_chieu") or ""
                packets.breaches[rule].append(f"seq {row['seq']} {row.get('service')} {subject}: {message}")
    return packets


@pytest.mark.dvc_run_wide
@pytest.mark.parametrize(
    "rule_id",
    [pytest.param(rule_id, marks=_marks(rule_id), id=rule_id) for rule_id in sorted(harness.rules())],
)
def test_no_packet_of_the_run_breaks_the_rule(rule_id: str, run_packets: RunPackets, dvc_observe: Observe) -> None:
    if rule_id not in _applicable_rules():
        pytest.skip(f"{rule_id} applies to no packet the SUT sends")
    judged = run_packets.judged.get(rule_id, [])
    if not judged:
        pytest.skip(f"nothing observed: no packet of the run is of a type {rule_id} applies to")
    dvc_observe.exchanges(judged)
    breaches = run_packets.breaches.get(rule_id, [])
    shown = "\n".join(breaches[:10]) + (f"\n... and {len(breaches) - 10} more" if len(breaches) > 10 else "")
    assert not breaches, f"{len(breaches)} packet(s) sent by the SUT break {rule_id}:\n{shown}"
    unchecked = run_packets.unchecked.get(rule_id, [])
    if unchecked:
        pytest.skip(
            f"inconclusive: {len(unchecked)} packet(s) had more violations than the national side lists and were "
            f"not checked for {rule_id} past them ({', '.join(unchecked[:5])})"
        )
