"""The oracle: the harness's model of the one-stop process. Feed it what the harness did to the SUT and when
(typed actions, in order); ask it what every observable value must be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from harness.oracle._actions import Action, Intake, Rate
from harness.oracle._appointment import SupplementClock
from harness.oracle._calendar import NationalCalendar
from harness.oracle._expectations import (
    DossierExpectations,
    Expectations,
    dossier_expectations,
    merge_fields,
)
from harness.oracle._flow import ActionNotAllowed, target
from harness.oracle._procedures import Procedure
from harness.oracle._replay import DossierFacts, Reading, replay
from harness.oracle._statistics import month_tally, rating_fields, statistics_fields


class Oracle:
    """`procedures`: what the oracle knows of each procedure (by MaTTHC). `sole_writer`: the harness is the
    only one registering dossiers at its agencies during the run, so sequence numbers are exact (otherwise
    only a lower bound). `supplement_clock`: how a supplement affects the time limit (RESTART by default)."""

    def __init__(
        self,
        procedures: Mapping[str, Procedure] | Iterable[Procedure] = (),
        *,
        calendar: NationalCalendar | None = None,
        supplement_clock: SupplementClock = SupplementClock.RESTART,
        sole_writer: bool = True,
    ) -> None:
        listed = procedures.values() if isinstance(procedures, Mapping) else procedures
        self.procedures: dict[str, Procedure] = {p.code: p for p in listed}
        self.calendar = calendar if calendar is not None else NationalCalendar()
        self.supplement_clock = supplement_clock
        self.sole_writer = sole_writer
        self._actions: list[Action] = []
        self._status: dict[str, str] = {}
        self._rated: set[str] = set()
        self._cache: tuple[int, dict[str, DossierFacts], dict[str, DossierFacts]] | None = None
        self._elsewhere: list[tuple[int, str, date, int]] = []

    # --- what happened -------------------------------------------------------------------------------

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(self._actions)

    @property
    def dossiers(self) -> tuple[str, ...]:
        return tuple(self._status)

    def status(self, dossier: str) -> str:
        return self._status[dossier]

    def allows(self, action: Action) -> bool:
        try:
            target(action, self._status.get(action.dossier), rated=action.dossier in self._rated)
        except ActionNotAllowed:
            return False
        return True

    def registered_elsewhere(self, agency: str, day: date, count: int) -> None:
        """`count` dossiers of `agency` on `day` were registered by others (other tests, other clients, an
        earlier run) before the harness's next action: the sequence numbers of the harness's later dossiers of
        that agency and day count them too (rule ORACLE-CODE-SEQUENCE)."""
        if count < 0:
            raise ValueError(f"a number of dossiers registered elsewhere cannot be negative, got {count}")
        if count:
            self._elsewhere.append((len(self._actions), agency, day, count))
            self._cache = None

    def apply(self, action: Action) -> None:
        """Record an action the SUT accepted (ActionNotAllowed, with nothing recorded, when the flow does not
        allow it: the harness should have expected a refusal)."""
        status = target(action, self._status.get(action.dossier), rated=action.dossier in self._rated)
        if isinstance(action, Intake):
            self.calendar.office_hours(action.earliest.date())  # a missing calendar year fails here, clearly
        if isinstance(action, Rate):
            self._rated.add(action.dossier)
        self._actions.append(action)
        self._status[action.dossier] = status

    # --- what must be seen ---------------------------------------------------------------------------

    def _readings(self) -> tuple[dict[str, DossierFacts], dict[str, DossierFacts]]:
        if self._cache is None or self._cache[0] != len(self._actions):
            earliest, latest = (
                replay(self._actions, self.procedures, self.calendar, self.supplement_clock, reading, self._elsewhere)
                for reading in (Reading.EARLIEST, Reading.LATEST)
            )
            self._cache = (len(self._actions), earliest, latest)
        return self._cache[1], self._cache[2]

    def expect(self, dossier: str) -> DossierExpectations:
        """Every expected value of a dossier now, and its progress steps."""
        earliest, latest = self._readings()
        if dossier not in earliest:
            raise KeyError(f"the oracle knows no dossier {dossier!r}")
        return dossier_expectations(
            earliest[dossier], latest[dossier], sole_writer=self.sole_writer, clock=self.supplement_clock
        )

    def statistics(self, year: int, month: int, *, as_of: datetime, agency: str | None = None) -> Expectations:
        """The month's dossier statistics (DongBoThongKeHoSo) over the harness's dossiers (of `agency`)."""
        readings = []
        for facts in self._readings():
            chosen = [f for f in facts.values() if agency is None or f.agency == agency]
            readings.append(statistics_fields(month_tally(chosen, year, month, as_of), year, month))
        subject = f"statistics {year}-{month:02d}" + (f" {agency}" if agency else "")
        return Expectations(subject, merge_fields(readings[0], readings[1]))

    def rating_summary(self, year: int, month: int, procedure: str) -> Expectations:
        """The month's rating summary of a procedure (DongBoDanhGia)."""
        first, second = (rating_fields(facts.values(), year, month, procedure) for facts in self._readings())
        return Expectations(f"ratings {year}-{month:02d} {procedure}", merge_fields(first, second))
