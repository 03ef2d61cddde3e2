"""Paying a dossier's fee: INIT, results from IPNs and QUERY applied once, the dossier moved 6 → 4, receipts.

An IPN and the reconciliation task report results through the same `settle`, so whichever arrives first
changes the payment and the other finds nothing to do. The task (every `payment_poll_s`, or sooner when
woken) finishes what a result left to do: moving the dossier, fetching the receipt with GET_BILL, and
asking the platform (QUERY) about payments still pending, so that a lost, late or refused IPN converges.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from weakref import WeakKeyDictionary

from harness import payment_checksum_of
from reference_portal.dossiers import NotFound
from reference_portal.national.payment import FAILED, PAID, PaymentClient, PaymentError, Status
from reference_portal.payments.packets import fee_due, init_packet, new_reference
from reference_portal.payments.store import Change, Payment, PaymentStore, Result
from reference_portal.portal import Portal
from reference_portal.sync import outbox
from reference_portal.sync.packets import progress_item, stamp
from reference_portal.workflow import ActionRefused

log = logging.getLogger(__name__)

FEE_STATUS = "6"  # Yêu cầu thực hiện nghĩa vụ tài chính
#: how long a pending payment is polled with QUERY (the platform gives up on a transaction long before)
POLL_WINDOW = timedelta(days=1)
MAX_RECEIPT_ATTEMPTS = 10


class PaymentRefused(Exception):
    """The payment cannot be started (control API: 409)."""


class PaymentService:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.store = PaymentStore(portal.db)
        config = portal.config
        self.client = PaymentClient(portal.http, partner=config.payment_partner, secret=config.payment_secret)
        self._wake = asyncio.Event()
        self._dossier_lock = asyncio.Lock()

    def _now(self) -> str:
        return stamp(self.portal.clock())

    def _fee_round(self, ma_ho_so: str) -> int:
        return sum(1 for step in self.portal.dossiers.history(ma_ho_so) if step.get("action") == "request_fee")

    def wake(self) -> None:
        self._wake.set()

    # --- starting a payment --------------------------------------------------------------------------

    async def start(self, ma_ho_so: str, amount: int | None = None) -> Payment:
        """INIT on the platform for the dossier's fee (NotFound, PaymentRefused, PaymentError)."""
        dossier = self.portal.dossiers.get(ma_ho_so)
        if dossier.status != FEE_STATUS:
            raise PaymentRefused(f"dossier {ma_ho_so} is in status {dossier.status}, not {FEE_STATUS} (fee requested)")
        fee_round = self._fee_round(ma_ho_so)
        if self.store.paid(ma_ho_so, fee_round):
            raise PaymentRefused(f"the fee of dossier {ma_ho_so} is already paid")
        amount = fee_due(dossier.record) if amount is None else amount
        if amount <= 0:
            raise PaymentRefused(f"dossier {ma_ho_so} has no fee due: pass amount")
        moment = self.portal.clock()
        time = stamp(moment)
        for _ in range(5):  # a random tail of 24 bits: a second draw is already unlikely
            reference = new_reference(ma_ho_so, moment)
            if self.store.insert(reference, ma_ho_so, fee_round, amount, time):
                break
        else:
            raise PaymentRefused(f"no free payment reference for dossier {ma_ho_so}: try again")
        packet = self.client.sign(init_packet(self.portal.config, dossier, reference, amount, time), "payment.INIT")
        if self.portal.defects.on("init-bad-checksum"):
            packet["MaXacThuc"] = payment_checksum_of(packet, "payment.INIT", self.client.secret + "-wrong")
        try:
            answer = await self.client.init(packet)
        except PaymentError as exc:
            self.store.init_failed(reference, str(exc), self._now())
            raise
        self.store.initiated(reference, answer.pay_url, answer.transaction_id, self._now())
        found = self.store.get(reference)
        assert found is not None
        return found

    # --- results ---------------------------------------------------------------------------------------

    async def settle(self, reference: str, result: Result) -> Change:
        """Apply a result the platform reported (IPN or QUERY); a repeated report changes nothing."""
        again = self.portal.defects.on("ipn-not-idempotent")
        if not result.success and self.portal.defects.on("failed-payment-left-pending"):
            return Change.UNCHANGED  # defect: a failure is acknowledged and forgotten; the payment stays pending
        change = self.store.settle(reference, result, self._now(), record_again=again)
        if change is Change.APPLIED and result.success:
            await self._update_dossier(reference)
            self.wake()  # the receipt
        elif change is Change.REPEATED:
            self._report_payment_again(reference)
        return change

    async def _update_dossier(self, reference: str) -> None:
        """The internal `pay` step (6 → 4, DuocThanhToanTrucTuyen "1", synced), once per paid payment; skipped
        when the dossier has moved on (stopped, or paid by another transaction): the money is then kept on
        record for the officers to refund."""
        async with self._dossier_lock:
            payment = self.store.get(reference)
            if payment is None or payment.dossier_update != "todo":
                return
            value, error = "done", ""
            try:
                dossier = self.portal.dossiers.get(payment.ma_ho_so)
                if dossier.status != FEE_STATUS or self._fee_round(payment.ma_ho_so) != payment.fee_round:
                    raise ActionRefused(f"dossier {payment.ma_ho_so} no longer awaits this payment")
                await self.portal.dossiers.act(payment.ma_ho_so, "pay")
            except (ActionRefused, NotFound) as exc:
                value, error = "skipped", f"paid, dossier not updated: {exc}"
                log.warning("payment %s: %s", reference, error)
            self.store.set_dossier_update(reference, value, error, self._now())

    def _report_payment_again(self, reference: str) -> None:
        """Defect `ipn-not-idempotent`: the duplicate is reported to DVCQG as one more payment step."""
        payment = self.store.get(reference)
        if payment is None:
            return
        steps = [s for s in self.portal.dossiers.history(payment.ma_ho_so) if s.get("action") == "pay"]
        if not steps:
            return
        step = {**steps[-1], "ThoiDiem": self._now(), "NgayBatDau": self._now()}
        with self.portal.db.transaction() as conn:
            item = progress_item(payment.ma_ho_so, step)
            outbox.enqueue(conn, "CapNhatTienDoHoSoMC", {"data": [item]}, ma_ho_so=payment.ma_ho_so)
        self.portal.outbox.wake()

    # --- reconciliation --------------------------------------------------------------------------------

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.portal.config.payment_poll_s)
            self._wake.clear()
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad round must not stop reconciliation for good
                log.exception("payment reconciliation failed")

    async def reconcile(self) -> None:
        """One round: dossiers to move, pending payments to QUERY, receipts to fetch."""
        for payment in self.store.dossier_updates_due():
            await self._update_dossier(payment.reference)
        if not self.portal.defects.on("no-query-polling"):
            since = stamp(self.portal.clock() - POLL_WINDOW)
            for payment in self.store.to_poll(since):
                await self._query(payment)
        for payment in self.store.receipts_due(MAX_RECEIPT_ATTEMPTS):
            try:
                receipt = await self.client.bill(payment.reference, payment.init_time)
            except PaymentError as exc:
                self.store.receipt_failed(payment.reference, str(exc), self._now())
                continue
            self.store.save_receipt(payment.reference, receipt.pdf, receipt.number, self._now())

    async def _query(self, payment: Payment) -> None:
        try:
            status: Status = await self.client.query(payment.reference, payment.init_time)
        except PaymentError as exc:
            self.store.note_error(payment.reference, str(exc), self._now())
            return
        if status.state not in (PAID, FAILED):
            return  # 3: the platform does not know the result yet
        if status.amount != payment.amount:
            error = f"QUERY reports SoTien {status.amount}, the payment was initiated for {payment.amount}"
            self.store.note_error(payment.reference, error, self._now())
            return
        result = Result(status.state == PAID, status.transaction_id, status.bank, status.time)
        await self.settle(payment.reference, result)


_SERVICES: WeakKeyDictionary[Portal, PaymentService] = WeakKeyDictionary()


def service_of(portal: Portal) -> PaymentService:
    """The portal's one payment service, shared by its routes and its task."""
    found = _SERVICES.get(portal)
    if found is None:
        found = _SERVICES[portal] = PaymentService(portal)
    return found
