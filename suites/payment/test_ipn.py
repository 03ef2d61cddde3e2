"""The payment result the platform reports (IPN, docs/reference/dvcqg-interfaces.md §11.1(b)): what the SUT answers,
as the national side judged it (docs/payment-outcomes.md, "How the SUT's reply is judged"), and what the SUT does with
it: believed only when genuine, for a payment it started and for the amount it started; applied once.

Besides the platform's own IPN with a wrong checksum, the suite posts IPNs of its own to the SUT's IPN URL before
a person pays on the pay page: wrongly signed, unsigned, for another amount, for an unknown reference. The SUT
must refuse them (an HTTP error or MaLoi other than "00") and leave the dossier waiting for its fee.
"""

from __future__ import annotations

import pytest

from harness.conformance import accepted, items, request_body
from suites.payment._flows import (
    FEE_STATUS,
    IPN_SUCCESS,
    PROCESSING,
    Exchange,
    FeeFlow,
    Forged,
    PaymentRun,
    after_fee,
    listed,
    paid_transitions,
    reply_body,
    statuses,
)

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [pytest.mark.capability("payment"), pytest.mark.dvc_needs("dossier-sync")]

BAD_CHECKSUM_ACCEPTED = "MOCK-PAY-IPN-BAD-CHECKSUM-ACCEPTED"


def _history(flow: FeeFlow, *, at_checkpoint: bool = False) -> list[str]:
    view = flow.checkpoint if at_checkpoint else flow.view
    return [step.status for step in view.history] if view else []


def _still_waiting(flow: FeeFlow) -> str | None:
    """Why the dossier did not wait for its fee at the checkpoint (None: it did)."""
    if flow.checkpoint is None:
        return f"{flow.label()}: never reached the checkpoint (the payment did not start)"
    if flow.checkpoint.status != FEE_STATUS or paid_transitions(_history(flow, at_checkpoint=True)):
        return (
            f"{flow.label()}: the dossier moved on to status {flow.checkpoint.status} "
            f"(history {_history(flow, at_checkpoint=True)}) though no payment was confirmed"
        )
    start = int(flow.fee_row["seq"]) if flow.fee_row else 0
    moved = [r["seq"] for r in flow.checkpoint_synced if accepted(r) and r["seq"] > start and PROCESSING in statuses(r)]
    if moved:
        return f"{flow.label()}: DVCQG was told the dossier is processing again (seq {moved}) before anyone paid"
    return None


def _refusal(flow: FeeFlow, kind: str, what: str, control: Forged | None = None) -> list[str]:
    """The suite's IPN of `kind` was refused and the dossier kept waiting for its fee. With `control` (the
    suite's correctly signed copy of a genuine IPN): a refusal only counts when the control was acknowledged."""
    forged = flow.forged_of(kind)
    if forged is None:
        return [f"{flow.label()}: the {what} IPN could not be sent (the payment did not start)"]
    problems = []
    if control is not None and not control.acknowledged:
        problems.append(
            f"inconclusive: the suite's correctly signed copy of a genuine IPN was not acknowledged either "
            f"({control.shown()}): the SUT's partner secret is not the platform's (the mock's payment_secret), "
            "or the SUT refuses repeated IPNs (PAY-IPN-IDEMPOTENT)"
        )
    if forged.acknowledged:
        problems.append(f'{flow.label()}: the {what} IPN was acknowledged with MaLoi "00" ({forged.shown()})')
    waiting = _still_waiting(flow)
    if waiting:
        problems.append(f"{waiting} — after the {what} IPN")
    return problems


def _control(payments: PaymentRun) -> Forged | None:
    """The suite's correctly signed copy of the platform's IPN for the paid pay-page flow (None: not sent)."""
    return payments.flows["pay-page"].forged_of("replay")


def _ipns(flow: FeeFlow) -> list[Exchange]:
    return flow.exchanges("IPN")


@pytest.mark.req("PAY-IPN-REPLY")
def test_genuine_ipns_are_acknowledged_and_echoed(payments: PaymentRun) -> None:
    problems, judged = [], 0
    for flow in payments.each():
        if flow.name == "bad-checksum-ipn":
            continue  # not genuine: judged under PAY-IPN-CHECKSUM
        for row in _ipns(flow):
            judged += 1
            if row.get("verdict") != "valid":
                problems.append(
                    f"{flow.label()} IPN {row.get('ma_tham_chieu')} (MaLoi {(request_body(row) or {}).get('MaLoi')}): "
                    f"{row.get('rules')} — HTTP {row.get('status')}, reply {str(reply_body(row))[:300]}"
                    + (f", {row['error']}" if row.get("error") else "")
                )
    assert judged, "the platform sent no IPN to the SUT: no payment was started or paid"
    assert not problems, (
        'genuine IPNs must get HTTP 200, MaLoi "00" and MaDoiTac, MaThamChieu, ThoiGianGD, MaXacThuc echoed:\n'
        + listed(problems)
    )


@pytest.mark.req("PAY-IPN-CHECKSUM")
def test_ipn_with_a_wrong_checksum_is_refused(payments: PaymentRun) -> None:
    flow = payments.flows["bad-checksum-ipn"]
    rows = _ipns(flow)
    problems = [
        f"{flow.label()}: the platform's IPN signed with a wrong secret was acknowledged: {reply_body(row)}"
        for row in rows
        if BAD_CHECKSUM_ACCEPTED in (row.get("rules") or [])
    ]
    if flow.started() and not rows:
        problems.append(f"{flow.label()}: the platform's IPN with a wrong MaXacThuc never reached the SUT")
    problems += _refusal(payments.flows["forged-checksum"], "forged-checksum", "wrongly signed")
    problems += _refusal(payments.flows["unsigned"], "unsigned", "unsigned (no MaXacThuc)")
    assert not problems, "IPNs with a wrong or missing MaXacThuc must be refused and change nothing:\n" + listed(
        problems
    )


#: the suite's correctly signed IPNs that must be refused: (flow, what is wrong with it, the expected behaviour)
SIGNED_BUT_WRONG = [
    pytest.param(
        "amount-mismatch",
        "correctly signed, but for another SoTien than initiated,",
        "an IPN for another amount must not count as the payment",
        marks=pytest.mark.req("PAY-IPN-AMOUNT-MISMATCH"),
        id="amount-mismatch",
    ),
    pytest.param(
        "unknown-reference",
        "correctly signed, naming the dossier but a MaThamChieu never initiated,",
        "an IPN for a reference the SUT never initiated must be refused",
        marks=pytest.mark.req("PAY-IPN-UNKNOWN-REFERENCE"),
        id="unknown-reference",
    ),
]


@pytest.mark.parametrize(("name", "what", "expected"), SIGNED_BUT_WRONG)
def test_a_genuinely_signed_but_wrong_ipn_is_refused(payments: PaymentRun, name: str, what: str, expected: str) -> None:
    problems = _refusal(payments.flows[name], name, what, _control(payments))
    assert not problems, f"{expected}:\n" + listed(problems)


@pytest.mark.req("PAY-IPN-FAILURE")
def test_a_failed_payment_leaves_the_dossier_waiting(payments: PaymentRun) -> None:
    flow = payments.flows["decline"]
    assert flow.refs, f"{flow.label()}: the payment could not be started: {flow.attempts[0].error}"
    failures = [r for r in flow.exchanges("IPN", flow.refs[0]) if (request_body(r) or {}).get("MaLoi") != IPN_SUCCESS]
    assert failures, f"{flow.label()}: the platform's failure IPN for {flow.refs[0]} never reached the SUT"
    problems = [_still_waiting(flow)]
    flags = [
        item.get("DuocThanhToanTrucTuyen")
        for row in flow.checkpoint_synced
        if accepted(row)
        for item in items(row)
        if item.get("DuocThanhToanTrucTuyen") not in (None, "", "0")
    ]
    if flags:
        problems.append(
            f"{flow.label()}: synced as paid online (DuocThanhToanTrucTuyen {flags}) after a failed payment"
        )
    view = flow.payment_views.get(flow.refs[0], "not read: no checkpoint")
    if isinstance(view, dict) and view.get("TrangThai") != "failed":
        problems.append(
            f"{flow.label()}: the SUT's record of the declined payment {flow.refs[0]} says TrangThai "
            f"{view.get('TrangThai')!r} after its failure IPN (GET /_control/payments/{flow.refs[0]}), not 'failed'"
        )
    found = [p for p in problems if p]
    assert not found, 'a failed payment (IPN MaLoi ≠ "00") must not mark the fee paid:\n' + listed(found)


@pytest.mark.req("PAY-IPN-IDEMPOTENT")
def test_a_repeated_ipn_is_applied_once(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each(("duplicate-ipn", "late-ipn")):
        ref = flow.paid_ref
        rows = flow.exchanges("IPN", ref) if ref else []
        wanted = 2 if flow.name == "duplicate-ipn" else 1
        if len(rows) < wanted:
            problems.append(f"{flow.label()}: {len(rows)} IPN(s) for {ref} reached the SUT, the platform sent {wanted}")
        unacknowledged = [row["seq"] for row in rows if (reply_body(row) or {}).get("MaLoi") != IPN_SUCCESS]
        if unacknowledged:
            problems.append(f"{flow.label()}: repeated IPNs must still be acknowledged (seq {unacknowledged})")
        problems += _applied_once(flow)
    assert not problems, "a payment reported twice (duplicate IPN, or IPN after QUERY) was applied twice:\n" + listed(
        problems
    )


def _applied_once(flow: FeeFlow) -> list[str]:
    """One 6 → 4 step in the SUT's history, one progress step per status-4 step, one 6 → 4 at DVCQG."""
    history = _history(flow)
    problems = []
    if paid_transitions(history) != 1:
        problems.append(
            f"{flow.label()}: {paid_transitions(history)} payment step(s) 6 → 4 in the SUT's history {history}"
        )
    progress = [
        item
        for row in flow.exchanges("CapNhatTienDoHoSoMC")
        if accepted(row)
        for item in items(row)
        if item.get("TrangThai") == PROCESSING
    ]
    steps = history.count(PROCESSING)
    if len(progress) != steps:
        problems.append(
            f"{flow.label()}: DVCQG received {len(progress)} progress step(s) in status 4 for {steps} such step(s) in "
            f"the SUT's history: {[(p.get('ThoiDiemXuLy'), p.get('NoiDungXuLy')) for p in progress]}"
        )
    return problems


@pytest.mark.req("PAY-IPN-OUT-OF-ORDER")
def test_a_failure_of_another_attempt_does_not_undo_the_payment(payments: PaymentRun) -> None:
    problems = []
    flow = payments.flows["out-of-order"]
    ref = flow.paid_ref
    rows = flow.exchanges("IPN", ref) if ref else []
    results = [(request_body(r) or {}).get("MaLoi") for r in rows]
    if IPN_SUCCESS not in results or len(rows) < 2:
        problems.append(f"{flow.label()}: expected a failure IPN then a success IPN, the SUT received {results}")
    problems += _paid(flow)
    paid = payments.flows["pay-page"]
    stale = paid.forged_of("stale-failure")
    if stale is None:
        problems.append(f"{paid.label()}: the payment never completed, so no stale failure could follow it")
    problems += [f"{p} — after a failure IPN of an earlier attempt arrived late" for p in _paid(paid)]
    assert not problems, "a failure IPN of another attempt undid a payment:\n" + listed(problems)


def _paid(flow: FeeFlow) -> list[str]:
    view = flow.view
    national = [s for row in after_fee(flow) for s in statuses(row)]
    problems = []
    if view is None or view.status != PROCESSING or paid_transitions(_history(flow)) != 1:
        problems.append(
            f"{flow.label()}: the SUT shows status {view.status if view else None}, history {_history(flow)} "
            "(expected one step 6 → 4 and status 4)"
        )
    if not national or national[-1] != PROCESSING:
        problems.append(f"{flow.label()}: DVCQG's statuses since the fee request are {national} (expected to end in 4)")
    return problems
