"""What happens to a transaction: the outcomes test data selects and the choices a person makes on the pay page.

This module is the one place these are defined. `docs/payment-outcomes.md` mirrors the tables rendered by
`outcome_table()` and `choice_table()` (a test keeps them equal; `python -m mock_portal.payment.outcomes`
prints them). Each entry carries the steps the platform performs, so behaviour and documentation cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS = "1"  # TrangThaiGD: thanh toán thành công
PENDING = "3"  # TrangThaiGD: the platform does not know the final result yet
FAILED = "4"  # TrangThaiGD: thất bại

IPN_OK = "00"  # MaLoi of a success IPN
IPN_FAILED = "01"  # MaLoi of a failure IPN (the platform's failure codes are not documented; any ≠ "00" fails)


@dataclass(frozen=True)
class Settle:
    """Set TrangThaiGD (and the result time); `final` closes the pay page."""

    state: str
    final: bool = True


@dataclass(frozen=True)
class Wait:
    """Sleep for the named setting of `PaymentSettings` (seconds)."""

    setting: str


@dataclass(frozen=True)
class SendIpn:
    """Send one IPN (possibly several identical copies) to the SUT's IPN URL."""

    success: bool
    copies: int = 1
    bad_checksum: bool = False
    earlier_attempt: bool = False  # a failure of an earlier attempt: its own MaGiaoDich and time


Step = Settle | Wait | SendIpn


@dataclass(frozen=True)
class Outcome:
    """An outcome selected by test data: `SoTien % 1000 == amount_code`, or `MaThamChieu` ending in `suffix`."""

    name: str
    amount_code: int
    suffix: str
    states: str  # the TrangThaiGD values QUERY reports, in order
    ipns: str  # what the SUT receives
    steps: tuple[Step, ...]


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "approve",
        1,
        "_APPROVE",
        "1",
        "one success IPN (MaLoi 00)",
        (Settle(SUCCESS), SendIpn(success=True)),
    ),
    Outcome(
        "decline",
        2,
        "_DECLINE",
        "4",
        "one failure IPN (MaLoi 01)",
        (Settle(FAILED), SendIpn(success=False)),
    ),
    Outcome(
        "pending",
        3,
        "_PENDING",
        "3, then 1 after `pending_s`",
        "one success IPN once the result is known (after `pending_s`)",
        (Settle(PENDING, final=False), Wait("pending_s"), Settle(SUCCESS), SendIpn(success=True)),
    ),
    Outcome(
        "timeout",
        4,
        "_TIMEOUT",
        "3 (for good)",
        "none",
        (Settle(PENDING),),
    ),
    Outcome(
        "duplicate_ipn",
        5,
        "_DUPIPN",
        "1",
        "the same success IPN twice, `duplicate_gap_s` apart",
        (Settle(SUCCESS), SendIpn(success=True, copies=2)),
    ),
    Outcome(
        "late_ipn",
        6,
        "_LATEIPN",
        "1 (before the IPN arrives)",
        "one success IPN, `late_ipn_s` after the payment",
        (Settle(SUCCESS), Wait("late_ipn_s"), SendIpn(success=True)),
    ),
    Outcome(
        "bad_checksum_ipn",
        7,
        "_BADSUM",
        "1",
        "one success IPN with a wrong MaXacThuc: the SUT must reject it and learn the payment by QUERY",
        (Settle(SUCCESS), SendIpn(success=True, bad_checksum=True)),
    ),
    Outcome(
        "out_of_order",
        8,
        "_OUTOFORDER",
        "4, then 1",
        "a failure IPN of an earlier attempt (its own MaGiaoDich), then the success IPN",
        (Settle(FAILED), SendIpn(success=False, earlier_attempt=True), Settle(SUCCESS), SendIpn(success=True)),
    ),
)

OUTCOMES_BY_NAME = {outcome.name: outcome for outcome in OUTCOMES}


@dataclass(frozen=True)
class Choice:
    """A button of the pay page."""

    name: str
    label: str  # Vietnamese, shown to the person
    states: str
    ipns: str
    steps: tuple[Step, ...]


CHOICES: tuple[Choice, ...] = (
    Choice("approve", "Thanh toán thành công", "1", "one success IPN", (Settle(SUCCESS), SendIpn(success=True))),
    Choice("decline", "Thanh toán thất bại", "4", "one failure IPN", (Settle(FAILED), SendIpn(success=False))),
    Choice(
        "pending",
        "Chờ ngân hàng xác nhận",
        "3 (the page still offers the choices)",
        "none yet",
        (Settle(PENDING, final=False),),
    ),
    Choice("timeout", "Hết thời gian, bỏ dở giao dịch", "3 (for good)", "none", (Settle(PENDING),)),
)

CHOICES_BY_NAME = {choice.name: choice for choice in CHOICES}


def select_outcome(amount: int, reference: str) -> Outcome | None:
    """The outcome test data asks for: a `MaThamChieu` suffix (case-insensitive) first, then the amount."""
    upper = reference.upper()
    for outcome in OUTCOMES:
        if upper.endswith(outcome.suffix):
            return outcome
    code = amount % 1000
    for outcome in OUTCOMES:
        if outcome.amount_code == code:
            return outcome
    return None


def outcome_table() -> str:
    """The Markdown table of automatic outcomes (mirrored in docs/payment-outcomes.md)."""
    rows = [
        "| Outcome | `SoTien` ends in | or `MaThamChieu` ends in | QUERY `TrangThaiGD` | IPNs the SUT receives |",
        "|---|---|---|---|---|",
    ]
    for o in OUTCOMES:
        example = 150000 + o.amount_code
        rows.append(f"| `{o.name}` | `{o.amount_code:03d}` (e.g. {example}) | `{o.suffix}` | {o.states} | {o.ipns} |")
    return "\n".join(rows)


def choice_table() -> str:
    """The Markdown table of the pay page's choices (mirrored in docs/payment-outcomes.md)."""
    rows = [
        "| Choice (`outcome=`) | Button | QUERY `TrangThaiGD` | IPNs the SUT receives |",
        "|---|---|---|---|",
    ]
    rows += [f"| `{c.name}` | {c.label} | {c.states} | {c.ipns} |" for c in CHOICES]
    return "\n".join(rows)


if __name__ == "__main__":
    print(outcome_table())
    print()
    print(choice_table())
