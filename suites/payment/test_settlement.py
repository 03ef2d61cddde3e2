"""After the payment (docs/reference/dvcqg-interfaces.md §11.1(b)-(d), §8.1): the dossier goes back to processing and
DVCQG learns it was paid online; a result the SUT never got in a valid IPN is learnt with QUERY; the e-receipt is
fetched.

Every flow of the run ends paid (approved by the platform, after a decline, pending, with a duplicate, late or
wrongly signed IPN, after a failure of an earlier attempt, or by a person on the pay page).
"""

from __future__ import annotations

import pytest

from harness.conformance import accepted
from suites.payment._flows import (
    BY_HAND,
    FEE_STATUS,
    ONLINE_PAID,
    PROCESSING,
    FeeFlow,
    PaymentRun,
    after_fee,
    listed,
    paid_sync,
    paid_transitions,
    receipt_fetched,
    reply_body,
    statuses,
)

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [pytest.mark.capability("payment"), pytest.mark.dvc_needs("dossier-sync")]


def _not_started(flow: FeeFlow) -> str | None:
    if flow.started():
        return None
    return f"{flow.label()}: the payment could not be started ({flow.attempts[0].error if flow.attempts else '?'})"


@pytest.mark.req("PAY-DOSSIER-STATUS")
def test_a_paid_dossier_goes_back_to_processing_once(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        missing = _not_started(flow)
        if missing or flow.view is None:
            problems.append(missing or f"{flow.label()}: no view")
            continue
        history = [step.status for step in flow.view.history]
        if flow.view.status != PROCESSING or paid_transitions(history) != 1:
            problems.append(
                f"{flow.label()}: the SUT shows status {flow.view.status}, history {history} after the payment "
                f"(expected one step {FEE_STATUS} → {PROCESSING})" + (f"; {flow.pay_page}" if flow.pay_page else "")
            )
        national = [status for row in after_fee(flow) for status in statuses(row)]
        if PROCESSING not in national:
            problems.append(f"{flow.label()}: DVCQG was never told the paid dossier is processing again: {national}")
    assert not problems, "paid dossiers did not move on from status 6 (once):\n" + listed(problems)


@pytest.mark.req("PAY-DOSSIER-FLAG")
@pytest.mark.req(
    "ND61-D25-K2-D",
    partial="checks only that a dossier paid online is synced as paid through the national payment "
    "platform; verifying citizens and enterprises against the population database and the business "
    "registry is not checked",
)
def test_a_paid_dossier_is_synced_as_paid_online(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        item = paid_sync(flow)
        if item is None:
            problems.append(_not_started(flow) or f"{flow.label()}: no DongBoHoSoMC after the payment reached DVCQG")
        elif item.get("DuocThanhToanTrucTuyen") != ONLINE_PAID:
            problems.append(
                f"{flow.label()}: synced in status {item.get('TrangThaiHoSo')} with DuocThanhToanTrucTuyen "
                f"{item.get('DuocThanhToanTrucTuyen')!r}"
            )
    assert not problems, f'dossiers paid online through DVCQG need DuocThanhToanTrucTuyen "{ONLINE_PAID}":\n' + listed(
        problems
    )


@pytest.mark.req("PAY-QUERY-POLLING")
def test_results_without_a_valid_ipn_are_learnt_with_query(payments: PaymentRun) -> None:
    problems = []
    refused = payments.flows["bad-checksum-ipn"]  # its only IPN is forged: QUERY alone can tell the SUT
    missing = _not_started(refused)
    if missing:
        problems.append(missing)
    else:
        queries = refused.exchanges("QUERY", refused.paid_ref)
        if not any(accepted(row) for row in queries):
            problems.append(f"{refused.label()}: the SUT never asked the platform (QUERY) about {refused.paid_ref}")
        if paid_sync(refused) is None or refused.view is None or refused.view.status != PROCESSING:
            status = refused.view.status if refused.view else None
            problems.append(
                f"{refused.label()}: paid (the platform says TrangThaiGD 1), but the SUT still shows status {status}"
            )
    for flow in payments.each(("pending", *BY_HAND)):  # TrangThaiGD 3 for a while: keep waiting, do not give up
        if flow.started() and (flow.view is None or flow.view.status != PROCESSING):
            problems.append(
                f"{flow.label()}: QUERY answered TrangThaiGD 3 before the payment, and the SUT never recorded it "
                f"(status {flow.view.status if flow.view else None})"
            )
    for flow in payments.each():
        for row in flow.exchanges("QUERY"):
            if row.get("verdict") == "invalid":
                problems.append(f"{flow.label()} QUERY seq {row['seq']}: refused under {row.get('rules')}")
    assert not problems, "payments not reconciled with QUERY:\n" + listed(problems)


@pytest.mark.req("PAY-RECEIPT")
def test_the_receipt_is_fetched_after_payment(payments: PaymentRun) -> None:
    problems = []
    for flow in payments.each():
        ref = flow.paid_ref
        if ref is None:
            problems.append(_not_started(flow) or flow.label())
            continue
        bills = flow.exchanges("GET_BILL", ref)
        fetched = [row for row in bills if receipt_fetched(row)]
        if not fetched:
            shown = [(row["seq"], row.get("rules"), (reply_body(row) or {}).get("MaLoi")) for row in bills]
            problems.append(f"{flow.label()}: no receipt fetched with GET_BILL for {ref}; attempts {shown}")
        early = [row["seq"] for row in bills if "MOCK-PAY-NOT-PAID" in (row.get("rules") or [])]
        invalid = [
            (row["seq"], row.get("rules"))
            for row in bills
            if row.get("verdict") == "invalid" and row["seq"] not in early
        ]
        if invalid:
            problems.append(f"{flow.label()}: GET_BILL refused by the platform: {invalid}")
    assert not problems, "e-receipts (GET_BILL) not fetched after payment:\n" + listed(problems)
