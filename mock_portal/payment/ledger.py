"""Transactions of the payment platform, owned by the server's event loop (no locks needed)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from mock_portal.payment.outcomes import PENDING, Outcome

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no daylight saving time


def vn_timestamp(epoch: float) -> str:
    """`yyyyMMddHHmmss` in Vietnam time (24-hour clock), the platform's ThoiGianGD format (§9.4)."""
    return datetime.fromtimestamp(epoch, VIETNAM).strftime("%Y%m%d%H%M%S")


@dataclass
class Transaction:
    reference: str  # MaThamChieu (the province's payment reference)
    partner: str  # MaDoiTac
    transaction_id: str  # MaGiaoDich (the platform's)
    amount: int  # SoTien
    description: str  # ThongTinGiaoDich
    init_time: str  # ThoiGianGD of the INIT
    receipt_info: dict[str, Any]  # ThongTinBienLai
    created_at: float
    outcome: Outcome | None  # chosen by test data; None = a person chooses on the pay page
    state: str = PENDING  # TrangThaiGD as QUERY reports it
    final: bool = False  # the pay page no longer offers choices
    choice: str | None = None  # the last outcome applied (automatic or a person's)
    bank: str = "PAYMENT"  # MaNganHang: INIT's value until the payer has paid through a bank
    result_time: str | None = None  # ThoiGianGD of the result
    receipt_number: str | None = None  # SoBienLai, once a receipt was issued
    receipt_pdf: bytes | None = None
    ipns_sent: int = 0
    ipns: list[dict[str, Any]] = field(default_factory=list)  # the IPN packets sent, in order

    @property
    def dossier_codes(self) -> list[str]:
        code = self.receipt_info.get("MaHoSo")
        return [code] if isinstance(code, str) and code else []

    @property
    def time(self) -> str:
        """ThoiGianGD the platform reports: the result's time once there is one, else the INIT's."""
        return self.result_time or self.init_time


class Ledger:
    def __init__(self) -> None:
        self._by_reference: dict[str, Transaction] = {}
        self._ids = itertools.count(1)  # never reset: a SUT keeps the ids of earlier runs
        self._receipts = itertools.count(1)

    def __len__(self) -> int:
        return len(self._by_reference)

    def __iter__(self) -> Iterator[Transaction]:
        return iter(list(self._by_reference.values()))

    def __contains__(self, reference: object) -> bool:
        return reference in self._by_reference

    def get(self, reference: str) -> Transaction | None:
        return self._by_reference.get(reference)

    def add(self, transaction: Transaction) -> None:
        self._by_reference[transaction.reference] = transaction

    def clear(self) -> None:
        self._by_reference.clear()

    def new_transaction_id(self, epoch: float) -> str:
        """MaGiaoDich like the platform's: PP + yyMMddHHmmss + a 6-digit sequence."""
        return f"PP{vn_timestamp(epoch)[2:]}{next(self._ids) % 1_000_000:06d}"

    def new_receipt_number(self) -> str:
        return f"{next(self._receipts):07d}"
