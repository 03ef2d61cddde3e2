"""The one-stop flow over the national statuses (docs/reference/dvcqg-interfaces.md §8.1): which action a
status allows and where it leads (rule ORACLE-STATUS)."""

from __future__ import annotations

from harness.core.statuses import STATUS_NAMES, TERMINAL
from harness.oracle._actions import (
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
    StartProcessing,
    Stop,
    SupplementReceived,
    Withdraw,
)

#: action → (statuses it applies to, status it leads to)
FLOW: dict[type[Action], tuple[frozenset[str], str]] = {
    Receive: (frozenset({"1"}), "2"),
    Refuse: (frozenset({"1"}), "3"),
    StartProcessing: (frozenset({"2"}), "4"),
    RequestSupplement: (frozenset({"2", "4"}), "5"),
    SupplementReceived: (frozenset({"5"}), "4"),
    RequestFee: (frozenset({"2", "4"}), "6"),
    PaymentOutcome: (frozenset({"6"}), "4"),
    Finish: (frozenset({"4"}), "9"),
    ReturnResult: (frozenset({"9"}), "10"),
    Withdraw: (frozenset({"2", "4", "5"}), "7"),
    Stop: (frozenset({"2", "4", "5", "6"}), "8"),
}


class ActionNotAllowed(ValueError):
    """The action does not apply to the dossier as the oracle knows it (the oracle's state is unchanged)."""


def target(action: Action, status: str | None, *, rated: bool = False) -> str:
    """The status `action` leads to from `status` (None: the dossier does not exist yet)."""
    name = type(action).__name__
    if isinstance(action, Intake):
        if status is not None:
            raise ActionNotAllowed(f"dossier {action.dossier} already exists")
        return "1"
    if status is None:
        raise ActionNotAllowed(f"{name}: no dossier {action.dossier} (intake first)")
    if isinstance(action, Rate):
        if status not in TERMINAL:
            raise ActionNotAllowed(f"Rate: dossier {action.dossier} is in status {status}, not ended yet")
        if rated:
            raise ActionNotAllowed(f"Rate: dossier {action.dossier} was rated already (once per dossier)")
        return status
    sources, goal = FLOW[type(action)]
    if status not in sources:
        allowed = ", ".join(sorted(sources, key=int))
        raise ActionNotAllowed(
            f"{name} does not apply to dossier {action.dossier} in status {status} ({STATUS_NAMES[status]}); "
            f"it applies in status {allowed}"
        )
    if isinstance(action, PaymentOutcome) and not action.paid:
        return status
    return goal
