"""One reading of the history: every action taken at one end of its time window (the earliest or the latest),
replayed into the facts of each dossier. The oracle reads the history twice and keeps what both readings
allow (`_expectations.py`), so a request answered across midnight or across 17:00 is judged fairly."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from harness.core.statuses import TERMINAL
from harness.oracle._actions import (
    PAYMENT_FLAGS,
    Action,
    Finish,
    Intake,
    PaymentOutcome,
    Rate,
    Receive,
    Refuse,
    RequestFee,
    RequestSupplement,
    ReturnResult,
    SupplementReceived,
)
from harness.oracle._appointment import SupplementClock, after_supplement, appointment
from harness.oracle._calendar import CalendarYearMissing, NationalCalendar
from harness.oracle._codes import SequenceBook
from harness.oracle._flow import target
from harness.oracle._procedures import Procedure


class Reading(enum.Enum):
    EARLIEST = "earliest"
    LATEST = "latest"


@dataclass(frozen=True, slots=True)
class Due:
    """An appointment: a time, or why it cannot be known (`unknown`)."""

    at: datetime | None = None
    unknown: str = ""


@dataclass(slots=True)
class Round:
    requested_at: datetime
    due_before: Due | None
    received_at: datetime | None = None
    due_after: Due | None = None


@dataclass(slots=True)
class DossierFacts:
    key: str
    procedure: str
    channel: str
    agency: str
    registered_at: datetime
    code_day: date
    sequence: int
    status: str = "1"
    steps: list[tuple[str, datetime]] = field(default_factory=list)
    received_at: datetime | None = None
    due: Due | None = None
    rounds: list[Round] = field(default_factory=list)
    ended_at: datetime | None = None
    returned_at: datetime | None = None
    refused_at: datetime | None = None
    fee_requested: bool = False
    fee_total: int | None = None
    fee_unknown: str = ""
    paid_flag: str = "0"
    results: tuple[str, ...] | None = None
    rating: tuple[str, datetime] | None = None


def _working_days(procedures: Mapping[str, Procedure], facts: DossierFacts) -> Fraction | str:
    procedure = procedures.get(facts.procedure)
    if procedure is None:
        return f"procedure {facts.procedure} is not in the oracle's catalogue"
    timing = procedure.terms(facts.channel).processing
    return timing.working_days if timing.working_days is not None else timing.unknown


class _Replay:
    def __init__(
        self,
        procedures: Mapping[str, Procedure],
        calendar: NationalCalendar,
        clock: SupplementClock,
        reading: Reading,
    ) -> None:
        self.procedures = procedures
        self.calendar = calendar
        self.clock = clock
        self.reading = reading
        self.book = SequenceBook()
        self.dossiers: dict[str, DossierFacts] = {}

    def time(self, action: Action) -> datetime:
        return action.earliest if self.reading is Reading.EARLIEST else action.latest

    def apply(self, action: Action) -> None:
        moment = self.time(action)
        if isinstance(action, Intake):
            day = moment.date()
            facts = DossierFacts(
                action.dossier, action.procedure, action.channel, action.agency, moment, day,
                self.book.next(action.agency, day),
            )  # fmt: skip
            facts.steps.append(("1", moment))
            self.dossiers[action.dossier] = facts
            return
        facts = self.dossiers[action.dossier]
        if isinstance(action, Rate):
            facts.rating = (action.level, moment)
            return
        status = target(action, facts.status)
        self._effects(action, facts, moment)
        if status != facts.status or not isinstance(action, PaymentOutcome):
            facts.steps.append((status, moment))
        facts.status = status
        if status in TERMINAL and facts.ended_at is None:
            facts.ended_at = moment

    def _due(self, facts: DossierFacts, received: datetime) -> Due:
        days = _working_days(self.procedures, facts)
        if isinstance(days, str):
            return Due(unknown=days)
        try:
            return Due(appointment(self.calendar, received, days))
        except CalendarYearMissing as exc:  # the due date falls in a year the calendar data does not hold yet
            return Due(unknown=str(exc))

    def _effects(self, action: Action, facts: DossierFacts, moment: datetime) -> None:
        if isinstance(action, Receive):
            facts.received_at = moment
            facts.due = self._due(facts, moment)
        elif isinstance(action, Refuse):
            facts.refused_at = moment
        elif isinstance(action, RequestSupplement):
            facts.rounds.append(Round(moment, facts.due))
        elif isinstance(action, SupplementReceived):
            self._supplement(facts, facts.rounds[-1], moment)
        elif isinstance(action, RequestFee):
            self._fee(action, facts)
        elif isinstance(action, PaymentOutcome) and action.paid:
            facts.paid_flag = PAYMENT_FLAGS[action.where]
        elif isinstance(action, Finish):
            procedure = self.procedures.get(facts.procedure)
            facts.results = procedure.results if procedure is not None else None
        elif isinstance(action, ReturnResult):
            facts.returned_at = moment

    def _supplement(self, facts: DossierFacts, round_: Round, moment: datetime) -> None:
        round_.received_at = moment
        days = _working_days(self.procedures, facts)
        before = round_.due_before
        if isinstance(days, str):
            new = Due(unknown=days)
        elif before is None or before.at is None:
            new = Due(unknown=before.unknown if before else "the dossier had no appointment before the supplement")
        else:
            try:
                new = Due(
                    after_supplement(
                        self.calendar, self.clock, working_days=days, previous_due=before.at,
                        requested=round_.requested_at, received=moment,
                    )
                )  # fmt: skip
            except CalendarYearMissing as exc:
                new = Due(unknown=str(exc))
        round_.due_after = new
        facts.due = new

    def _fee(self, action: RequestFee, facts: DossierFacts) -> None:
        facts.fee_requested = True
        if action.amount is not None:
            facts.fee_total, facts.fee_unknown = action.amount, ""
            return
        procedure = self.procedures.get(facts.procedure)
        fees = procedure.terms(facts.channel).fees if procedure is not None else ()
        total = sum(fee.amount for fee in fees)
        if total > 0:
            facts.fee_total, facts.fee_unknown = total, ""
        else:
            facts.fee_total = None
            facts.fee_unknown = (
                f"procedure {facts.procedure} lists no fee for channel {facts.channel} and none was named"
            )


def replay(
    actions: Sequence[Action],
    procedures: Mapping[str, Procedure],
    calendar: NationalCalendar,
    clock: SupplementClock,
    reading: Reading,
    elsewhere: Sequence[tuple[int, str, date, int]] = (),
) -> dict[str, DossierFacts]:
    """The facts of every dossier after `actions` (already checked against the flow) in one reading.
    `elsewhere`: (position in `actions`, agency, day, count) — that many dossiers of the agency and day were
    registered by others before the action at that position."""
    run = _Replay(procedures, calendar, clock, reading)
    pending = sorted(elsewhere, key=lambda entry: entry[0])
    for position, action in enumerate(actions):
        while pending and pending[0][0] <= position:
            _, agency, day, count = pending.pop(0)
            run.book.skip(agency, day, count)
        run.apply(action)
    return run.dossiers
