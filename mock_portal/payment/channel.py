"""The payment channel's state: the ledger, the settings, and the background tasks that send IPNs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from mock_portal.payment.ipn import IpnCourier
from mock_portal.payment.ledger import Ledger, Transaction, vn_timestamp
from mock_portal.payment.outcomes import FAILED, SUCCESS, SendIpn, Settle, Step, Wait
from mock_portal.payment.receipt import find_font
from mock_portal.payment.settings import PaymentSettings
from mock_portal.state import MockState

log = logging.getLogger(__name__)


class PaymentChannel:
    def __init__(self, state: MockState) -> None:
        self.state = state
        self.settings = PaymentSettings.from_config(state.config)
        self.ledger = Ledger()
        self.courier = IpnCourier(state, self.settings, self.ledger)
        self.font = find_font(self.settings.receipt_font)
        self._tasks: set[asyncio.Task[None]] = set()

    def reset(self) -> None:
        """Forget every transaction and cancel the IPNs still waiting to be sent."""
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
        self.ledger.clear()

    @property
    def busy(self) -> int:
        """Background tasks still running (tests wait for 0)."""
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:  # a background IPN must never take the server down
            log.exception("payment background task failed")

    def start(self, transaction: Transaction, steps: tuple[Step, ...], *, delay_s: float = 0.0) -> None:
        """Perform an outcome: without a delay its leading state changes happen now (a QUERY right after
        sees them), the rest (waits, IPNs) in a background task."""
        if not delay_s:
            while steps and isinstance(steps[0], Settle):
                self.settle(transaction, steps[0])
                steps = steps[1:]
        if steps:
            self.spawn(self._run(transaction, steps, delay_s))

    async def _run(self, transaction: Transaction, steps: tuple[Step, ...], delay_s: float) -> None:
        if delay_s:
            await asyncio.sleep(delay_s)
        for step in steps:
            if isinstance(step, Settle):
                self.settle(transaction, step)
            elif isinstance(step, Wait):
                await asyncio.sleep(self.settings.seconds(step.setting))
            elif isinstance(step, SendIpn):
                await self.courier.deliver(
                    transaction,
                    success=step.success,
                    copies=step.copies,
                    bad_checksum=step.bad_checksum,
                    earlier_attempt=step.earlier_attempt,
                )

    def settle(self, transaction: Transaction, step: Settle) -> None:
        transaction.state = step.state
        transaction.final = step.final
        if step.state in (SUCCESS, FAILED):
            transaction.bank = self.settings.bank
            transaction.result_time = vn_timestamp(self.state.clock())
