"""Sending IPNs to the SUT: only to the configured URL, bounded timeout, every call recorded and judged.

IPN faults (`ipn_duplicate`, `ipn_out_of_order`, `ipn_late`, `ipn_bad_checksum`) are taken from the fault
engine once per IPN the platform means to send; `ipn_out_of_order` waits for the next success IPN (it
puts a failure IPN of an earlier attempt in front of it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from mock_portal.evidence import Exchange
from mock_portal.faults import IPN_KINDS, MAX_DELAY_S, FaultRule
from mock_portal.payment import packets
from mock_portal.payment.judge import judge_reply
from mock_portal.payment.ledger import Ledger, Transaction, vn_timestamp
from mock_portal.payment.settings import PaymentSettings
from mock_portal.state import MockState

SERVICE = "IPN"
FAULT_PATH = "/payment/ipn"
_HEADERS = {"content-type": "application/json; charset=utf-8", "user-agent": "dvc-harness-mock/payment"}
_EARLIER_ATTEMPT_S = 60.0  # how much earlier the stale failed attempt is dated


@dataclass(frozen=True)
class Delivery:
    """What one logical IPN turned into on the wire."""

    sent: int
    statuses: tuple[int | None, ...]


class IpnCourier:
    def __init__(self, state: MockState, settings: PaymentSettings, ledger: Ledger) -> None:
        self.state = state
        self.settings = settings
        self.ledger = ledger

    async def deliver(
        self,
        transaction: Transaction,
        *,
        success: bool,
        copies: int = 1,
        bad_checksum: bool = False,
        earlier_attempt: bool = False,
    ) -> Delivery:
        """Send one logical IPN (`copies` identical calls), after applying the IPN fault that fires now."""
        kinds = IPN_KINDS if success else IPN_KINDS - {"ipn_out_of_order"}
        fault = self.state.faults.take(kinds, SERVICE, FAULT_PATH)
        marks = (f"FAULT:{fault.kind}#{fault.id}",) if fault is not None else ()
        statuses: list[int | None] = []
        if fault is not None and fault.kind == "ipn_out_of_order":
            stale = self._packet(transaction, success=False, earlier_attempt=True, bad_checksum=False)
            statuses.append(await self.send(transaction, stale, bad_checksum=False, marks=marks))
        if fault is not None and fault.kind == "ipn_late":
            await asyncio.sleep(self._late_delay(fault))
        bad = bad_checksum or (fault is not None and fault.kind == "ipn_bad_checksum")
        packet = self._packet(transaction, success=success, earlier_attempt=earlier_attempt, bad_checksum=bad)
        total = copies + (1 if fault is not None and fault.kind == "ipn_duplicate" else 0)
        for copy in range(total):
            if copy:
                await asyncio.sleep(self.settings.duplicate_gap_s)
            statuses.append(await self.send(transaction, packet, bad_checksum=bad, marks=marks))
        return Delivery(len(statuses), tuple(statuses))

    def _packet(
        self, transaction: Transaction, *, success: bool, earlier_attempt: bool, bad_checksum: bool
    ) -> dict[str, Any]:
        now = self.state.clock()
        if earlier_attempt:  # a failed attempt before this one: its own MaGiaoDich, dated earlier
            when = now - _EARLIER_ATTEMPT_S
            transaction_id, time_ = self.ledger.new_transaction_id(when), vn_timestamp(when)
        else:
            transaction_id, time_ = transaction.transaction_id, transaction.result_time or vn_timestamp(now)
        secret = self.state.config.payment_secret
        return packets.ipn(
            transaction,
            success=success,
            transaction_id=transaction_id,
            time=time_,
            bank=self.settings.bank,
            secret=secret + "-not-the-secret" if bad_checksum else secret,
        )

    def _late_delay(self, fault: FaultRule) -> float:
        """`latency_ms` or a distribution when the rule has one, else its `delay_s` (bounded)."""
        if fault.latency_ms is not None or fault.distribution is not None:
            return self.state.faults.delay_s(fault)
        return min(max(fault.delay_s, 0.0), MAX_DELAY_S)

    async def send(
        self, transaction: Transaction, packet: dict[str, Any], *, bad_checksum: bool, marks: tuple[str, ...] = ()
    ) -> int | None:
        """POST one IPN to the configured SUT URL, record the exchange with its verdict; the HTTP status."""
        url = self.state.config.sut_ipn_url
        body = orjson.dumps(packet)
        transaction.ipns_sent += 1
        transaction.ipns.append(packet)
        exchange = Exchange(
            direction="outbound",
            channel="payment",
            method="POST",
            url=url or "(no sut_ipn_url configured)",
            request_headers=dict(_HEADERS),
            request_body=body,
            service=SERVICE,
            ma_tham_chieu=transaction.reference,
            ma_ho_so=tuple(transaction.dossier_codes),
            ts=self.state.clock(),
        )
        started = time.perf_counter()
        status: int | None = None
        reply = b""
        if not url:
            exchange.error = "no SUT IPN URL configured (sut_ipn_url): the IPN was not sent"
        else:
            try:
                async with httpx.AsyncClient(
                    timeout=self.settings.ipn_timeout_s, follow_redirects=False, trust_env=False
                ) as client:
                    response = await client.post(url, content=body, headers=_HEADERS)
                status, reply = response.status_code, response.content
                exchange.response_headers = dict(response.headers)
            except httpx.HTTPError as exc:
                exchange.error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        exchange.status = status
        exchange.response_body = reply
        exchange.duration_ms = (time.perf_counter() - started) * 1000
        if url:
            judged = judge_reply(
                packet, bad_checksum=bad_checksum, status=status, body=reply, profile=self.state.config.profile
            )
            exchange.verdict, exchange.rules = judged.verdict, marks + judged.rules
        else:
            exchange.rules = marks
        await self.state.store.record(exchange)
        return status
