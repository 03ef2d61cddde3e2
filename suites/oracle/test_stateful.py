"""Stateful property tests (harness/oracle; docs/suites.md "The oracle"): a Hypothesis `RuleBasedStateMachine`
drives random but valid sequences of one-stop actions through the SUT — intake on each channel, receive, refuse,
supplement request and receipt, a fee request and its payment (approved or declined, capability `payment`),
processing, finish, return, withdraw, stop, ratings (capability `ratings`) — and after every step the oracle's
expectation is compared with the SUT's own view, the packets DVCQG accepted and the public lookup (the witness of
suites/oracle/_witness.py). An action is only drawn when the oracle's flow allows it (`Oracle.allows`), which is
also the flow the control API documents (schemas/control/openapi.yaml, actOnDossier).

Time is part of the state. When the SUT declares capability `clock`, a sequence may start its dossiers at an
earlier moment and move the SUT's clock forward — to an afternoon, to just before and after 17:00, to an evening,
across midnight, and to the weekend, public holiday (harness/oracle/data/calendar-*.toml), month end or year end
within the SUT's reach — and the oracle is told the SUT's shifted times. The clock is put back at the end of every
sequence; the time ranges a run covered are recorded with the test's result.

Bounded for CI: `max_examples` sequences (3 by default; `--dvc-stateful-examples N` for a thorough run) of up to
8 steps, derandomised by the run's seed. A failing sequence is reported with the seed and its steps as text (and
Hypothesis prints the minimal sequence it shrank to); `pytest suites/oracle/test_stateful.py --dvc-seed <seed>`
replays it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from harness.conformance import ConformanceEnvironment, Observe
from harness.oracle import (
    VIETNAM,
    Action,
    CalendarYearMissing,
    Finish,
    NationalCalendar,
    PaymentOutcome,
    Rate,
    Receive,
    Refuse,
    RequestFee,
    RequestSupplement,
    ReturnResult,
    StartProcessing,
    Stop,
    SupplementReceived,
    Withdraw,
)
from suites._support import FEE_PROCEDURE, PROCEDURE
from suites.oracle._witness import Finding, Witness, procedures, shown, stamp

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [
    pytest.mark.dvc_needs("dossier-sync"),
    pytest.mark.dvc_control_api("random sequences of control actions, with the SUT's clock moved"),
]

DEFAULT_EXAMPLES = 3
STEPS = 8
#: dossiers per sequence at most (an intake is a step too)
MAX_DOSSIERS = 3
#: the procedures the sequences use: one without a fee, one with the catalogue's fee (suites/_support.py)
SEQUENCE_PROCEDURES = (PROCEDURE, FEE_PROCEDURE)
#: the window around the run's real time in which a sequence moves the SUT's clock to any time of day
REACH = timedelta(hours=47)
#: beyond REACH, the kinds of day a sequence jumps to (the next of each), and at what time of day
LANDMARKS = (
    ("weekend", time(9, 30)),
    ("day off", time(9, 30)),
    ("worked Saturday", time(9, 30)),
    ("month end", time(23, 59, 50)),
    ("year end", time(23, 59, 50)),
)
#: how far ahead a landmark is looked for (the bundled portal's clock reaches 400 days)
HORIZON = timedelta(days=366)
#: the times of day a sequence may move the clock to, and the range each belongs to
TIMES_OF_DAY = (
    (time(9, 30), "morning"),
    (time(15, 30), "afternoon"),
    (time(16, 59, 55), "just before 17:00"),
    (time(17, 0, 30), "evening (after 17:00)"),
    (time(20, 0), "evening (after 17:00)"),
    (time(23, 59, 50), "just before midnight"),
)


@dataclass(frozen=True)
class Moment:
    """A time the SUT's clock may be moved to, and the time ranges it stands for."""

    at: datetime
    ranges: tuple[str, ...]

    def __repr__(self) -> str:  # what Hypothesis prints in a falsifying sequence
        return f"Moment({stamp(self.at)}: {', '.join(self.ranges)})"


def day_ranges(day: date, calendar: NationalCalendar) -> list[str]:
    """What a day stands for: weekend, public holiday or worked Saturday (the oracle's calendar), month or year end."""
    found = []
    entry = calendar.entry(day)
    if entry is not None:
        found.append(f"{'worked Saturday' if entry.working else 'day off'} ({entry.name})")
    elif day.weekday() >= 5:
        found.append("weekend")
    if (day + timedelta(days=1)).month != day.month:
        found.append("month end")
    if day.month == 12 and day.day == 31:
        found.append("year end")
    return found


def moments(now: datetime, calendar: NationalCalendar) -> list[Moment]:
    """The moments a sequence may move the clock to, oldest first: every time of day within REACH of the real
    time, then the next day of each kind of LANDMARKS beyond it (a SUT may refuse a jump that far: recorded)."""
    found = []
    day = (now - REACH).date()
    while day <= (now + REACH).date():
        try:
            ranges = day_ranges(day, calendar)
        except CalendarYearMissing:  # past the calendar data: no moment there (out_of_reach says so)
            break
        for at, name in TIMES_OF_DAY:
            moment = datetime.combine(day, at, VIETNAM)
            if now - REACH <= moment <= now + REACH:
                found.append(Moment(moment, (name, *ranges)))
        day += timedelta(days=1)
    return found + landmarks(now, calendar)


def landmarks(now: datetime, calendar: NationalCalendar) -> list[Moment]:
    """Beyond REACH: the next weekend, day off, worked Saturday, month end and year end of the calendar data (within
    HORIZON), at the time of day LANDMARKS gives, so that every run can reach them whatever its date."""
    names = {at: name for at, name in TIMES_OF_DAY}
    found: dict[datetime, Moment] = {}
    for kind, at in LANDMARKS:
        day = (now + REACH).date()
        while day <= (now + HORIZON).date():
            moment = datetime.combine(day, at, VIETNAM)
            try:
                ranges = day_ranges(day, calendar)
            except CalendarYearMissing:
                break
            if moment > now + REACH and any(r.split(" (")[0] == kind for r in ranges):
                found[moment] = Moment(moment, (names[at], *ranges))
                break
            day += timedelta(days=1)
    return [found[at] for at in sorted(found)]


def out_of_reach(now: datetime, calendar: NationalCalendar) -> list[str]:
    """The kinds of day no moment of the run stands for: none within HORIZON, or the calendar data ends first."""
    reachable = {kind.split(" (")[0] for m in moments(now, calendar) for kind in m.ranges}
    notes = []
    for kind, _ in LANDMARKS:
        if kind in reachable:
            continue
        day, why = (now + REACH).date(), f"none within {HORIZON.days} days of {stamp(now)}"
        for _ in range(HORIZON.days):
            day += timedelta(days=1)
            try:
                day_ranges(day, calendar)
            except CalendarYearMissing:
                why = f"the national calendar data ends before one (no {day.year} in harness/oracle/data)"
                break
        notes.append(f"{kind}: {why}")
    return notes


@dataclass
class Coverage:
    sequences: int = 0
    steps: int = 0
    ranges: set[str] = field(default_factory=set)
    refused_shifts: list[str] = field(default_factory=list)
    failure: str = ""
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # the packets judged, by seq
    compared: int = 0  # values compared with the oracle, over every sequence
    unreadable: list[str] = field(default_factory=list)  # views that could not be read back


class OracleMachine(RuleBasedStateMachine):
    """One sequence: a witness (a fresh oracle) and the dossiers it drove, by key."""

    env: ClassVar[ConformanceEnvironment]
    known: ClassVar[dict[str, Any]]
    seed: ClassVar[int]
    reachable: ClassVar[list[Moment]]
    coverage: ClassVar[Coverage]
    serial: ClassVar[Callable[[], int]]

    def __init__(self) -> None:
        super().__init__()
        self.number = type(self).serial()
        self.witness = Witness(self.env, self.known, seed=f"{self.seed}:stateful:{self.number}")
        self.keys: list[str] = []
        self.checked = 0
        self.coverage.sequences += 1

    # --- helpers -------------------------------------------------------------------------------------

    def _capable(self, name: str) -> bool:
        return self.env.description.declares(name)

    def _allowing(self, make: Callable[[str], Action]) -> list[str]:
        return [key for key in self.keys if self.witness.oracle.allows(make(key))]

    def _probe(self, kind: type[Action]) -> Callable[[str], Action]:
        now = self.witness.now()
        if kind is PaymentOutcome:
            return lambda key: PaymentOutcome(dossier=key, at=now, paid=True)
        if kind is Rate:
            return lambda key: Rate(dossier=key, at=now, level="1")
        make: Callable[..., Action] = kind
        return lambda key: make(dossier=key, at=now)

    def _pick(self, data: st.DataObject, kind: type[Action]) -> str:
        return data.draw(st.sampled_from(self._allowing(self._probe(kind))), label=kind.__name__)

    def _step(self) -> None:
        self.coverage.steps += 1
        hour = self.witness.now().time()
        if self.witness.offset:
            return  # the moved clock's ranges are recorded by `move_clock`
        label = "afternoon" if hour >= time(12) and hour < time(17) else "morning" if hour < time(12) else "evening"
        self.coverage.ranges.add(f"{label} (real time)")

    def _intake(self, procedure: str, channel: str) -> None:
        key = f"d{len(self.keys) + 1}"
        self.keys.append(key)
        self.witness.intake(key, procedure, channel)
        self._step()

    def _act(self, data: st.DataObject, kind: type[Action], name: str, amount: int | None = None) -> None:
        key = self._pick(data, kind)
        self.witness.act(key, name, amount=amount)
        self._step()

    def _shift(self, moment: Moment) -> bool:
        problem = self.witness.shift_to(moment.at)
        if problem:
            self.coverage.refused_shifts.append(f"{stamp(moment.at)}: {problem}")
            return False
        self.coverage.ranges.update(moment.ranges)
        return True

    # --- rules ---------------------------------------------------------------------------------------

    @initialize(
        start=st.none() | st.sampled_from(range(64)),
        procedure=st.sampled_from(SEQUENCE_PROCEDURES),
        channel=st.sampled_from(("1", "2", "3")),
    )
    def first_intake(self, start: int | None, procedure: str, channel: str) -> None:
        """The sequence starts at the real time, or (capability clock) at an earlier moment within reach."""
        earlier = [m for m in self.reachable if m.at < datetime.now(VIETNAM)]
        if start is not None and earlier and self._capable("clock"):
            self._shift(earlier[start % len(earlier)])
        self._intake(procedure, channel)

    @precondition(lambda self: len(self.keys) < MAX_DOSSIERS)
    @rule(procedure=st.sampled_from(SEQUENCE_PROCEDURES), channel=st.sampled_from(("1", "2", "3")))
    def intake(self, procedure: str, channel: str) -> None:
        self._intake(procedure, channel)

    @precondition(lambda self: self._allowing(self._probe(Receive)))
    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        self._act(data, Receive, "receive")

    @precondition(lambda self: self._allowing(self._probe(Refuse)))
    @rule(data=st.data())
    def refuse(self, data: st.DataObject) -> None:
        self._act(data, Refuse, "reject")

    @precondition(lambda self: self._allowing(self._probe(StartProcessing)))
    @rule(data=st.data())
    def start_processing(self, data: st.DataObject) -> None:
        self._act(data, StartProcessing, "process")

    @precondition(lambda self: self._allowing(self._probe(RequestSupplement)))
    @rule(data=st.data())
    def request_supplement(self, data: st.DataObject) -> None:
        self._act(data, RequestSupplement, "request_supplement")

    @precondition(lambda self: self._allowing(self._probe(SupplementReceived)))
    @rule(data=st.data())
    def supplement_received(self, data: st.DataObject) -> None:
        self._act(data, SupplementReceived, "submit_supplement")

    @precondition(lambda self: self._allowing(self._probe(RequestFee)))
    @rule(data=st.data(), named=st.booleans())
    def request_fee(self, data: st.DataObject, named: bool) -> None:
        """The procedure's fee from the catalogue (a procedure without one: an amount the officer names)."""
        key = self._pick(data, RequestFee)
        procedure = self.witness.oracle.procedures.get(self.witness.procedure_of[key])
        has_fee = procedure is not None and any(t.fees for t in procedure.channels.values())
        self.witness.act(key, "request_fee", amount=50_000 if named or not has_fee else None)
        self._step()

    @precondition(lambda self: self._capable("payment") and self._allowing(self._probe(PaymentOutcome)))
    @rule(data=st.data(), outcome=st.sampled_from(("approve", "decline")))
    def payment(self, data: st.DataObject, outcome: str) -> None:
        key = self._pick(data, PaymentOutcome)
        self.witness.pay(key, outcome)
        self._step()

    @precondition(lambda self: self._allowing(self._probe(Finish)))
    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        self._act(data, Finish, "finish")

    @precondition(lambda self: self._allowing(self._probe(ReturnResult)))
    @rule(data=st.data())
    def return_result(self, data: st.DataObject) -> None:
        self._act(data, ReturnResult, "return_result")

    @precondition(lambda self: self._allowing(self._probe(Withdraw)))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        self._act(data, Withdraw, "withdraw")

    @precondition(lambda self: self._allowing(self._probe(Stop)))
    @rule(data=st.data())
    def stop(self, data: st.DataObject) -> None:
        self._act(data, Stop, "stop")

    @precondition(lambda self: self._capable("ratings") and self._allowing(self._probe(Rate)))
    @rule(data=st.data(), level=st.sampled_from(("1", "2", "3")))
    def rate(self, data: st.DataObject, level: str) -> None:
        key = self._pick(data, Rate)
        self.witness.rate(key, level)
        self._step()

    @precondition(lambda self: self._capable("clock") and self._later())
    @rule(data=st.data())
    def move_clock(self, data: st.DataObject) -> None:
        """Time goes on: the SUT's clock moves forward to a later moment within reach."""
        self._shift(data.draw(st.sampled_from(self._later()), label="moment"))

    def _later(self) -> list[Moment]:
        now = self.witness.now() + timedelta(seconds=5)
        return [m for m in self.reachable if m.at > now]

    # --- the invariant -------------------------------------------------------------------------------

    @invariant()
    def every_view_agrees_with_the_oracle(self) -> None:
        findings: list[Finding] = self.witness.journal.findings[self.checked :]
        self.checked = len(self.witness.journal.findings)
        if findings:
            script = "\n".join(f"  {n}. {line}" for n, line in enumerate(self.witness.journal.script, start=1))
            message = (
                f"sequence {self.number} (seed {self.seed}; replay: pytest suites/oracle/test_stateful.py "
                f"--dvc-seed {self.seed}): {len(findings)} value(s) disagree with the oracle:\n"
                f"{shown([str(f) for f in findings])}\n\nthe steps so far:\n{script}"
            )
            self.coverage.failure = message
            raise AssertionError(message)

    def teardown(self) -> None:
        if self.witness.shifted:
            self.witness.shift_to(None)
        self.witness.release_shifted()
        for rows in self.witness.journal.rows.values():
            self.coverage.rows.update((int(row["seq"]), row) for row in rows)
        self.coverage.compared += sum(self.witness.journal.compared.values())
        self.coverage.unreadable += self.witness.journal.unreadable[:3]


@pytest.mark.req("ORACLE-SEQUENCES")
def test_random_sequences_agree_with_the_oracle_after_every_step(
    dvc_env: ConformanceEnvironment, dvc_seed: int, dvc_stateful_examples: int | None, dvc_observe: Observe
) -> None:
    calendar = NationalCalendar()
    now = datetime.now(VIETNAM)
    counter = itertools.count(1)
    coverage = Coverage()
    machine = type(
        "OracleSequences",
        (OracleMachine,),
        {
            "env": dvc_env,
            "known": procedures(dvc_env, SEQUENCE_PROCEDURES),
            "seed": dvc_seed,
            "reachable": moments(now, calendar) if dvc_env.description.declares("clock") else [],
            "coverage": coverage,
            "serial": staticmethod(lambda: next(counter)),
        },
    )
    examples = dvc_stateful_examples or DEFAULT_EXAMPLES
    bounded = settings(
        max_examples=examples,
        stateful_step_count=STEPS,
        deadline=None,
        database=None,
        derandomize=False,  # the plugin forces the run's seed on Hypothesis (--dvc-seed replays)
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    try:
        # in a worker thread: the test's record names the judged packets and the steps below, not each request
        with ThreadPoolExecutor(max_workers=1) as worker:
            worker.submit(run_state_machine_as_test, machine, settings=bounded).result()
    finally:
        dvc_observe.exchanges(row for _, row in sorted(coverage.rows.items()))
        dvc_observe.step(
            f"{coverage.sequences} sequence(s), {coverage.steps} step(s) (seed {dvc_seed}, max_examples {examples}, "
            f"up to {STEPS} steps); time ranges covered: {', '.join(sorted(coverage.ranges)) or 'none'}"
        )
        if dvc_env.description.declares("clock"):
            missed = out_of_reach(now, calendar)
            if missed:
                dvc_observe.step("time ranges out of the SUT clock's reach in this run: " + "; ".join(missed))
        else:
            dvc_observe.partial("ORACLE-SEQUENCES", "capability clock not declared: only the real time of the run")
        if coverage.refused_shifts:
            dvc_observe.step("clock moves the SUT refused: " + "; ".join(coverage.refused_shifts[:5]))
        if coverage.unreadable:
            dvc_observe.step("views not read back (not tested there): " + "; ".join(coverage.unreadable[:5]))
    if not coverage.compared:
        pytest.skip("not tested: no value of any sequence could be compared with the oracle (no view read back)")
