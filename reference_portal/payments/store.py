"""The payment table: one row per transaction initiated on the national payment platform.

State changes (`settle`) are one conditional write each, so an IPN and a QUERY answer arriving together,
or a duplicated IPN, change a payment once: `paid` is final, `failed` may still become `paid` (a failed
attempt reported before the successful one, `out_of_order`), `pending` becomes either.
Moving the dossier (6 → 4) is a second step tracked by `dossier_update` (todo → done | skipped), so a
crash between the two is finished by the reconciliation task.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from reference_portal.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS payment (
    ma_tham_chieu TEXT PRIMARY KEY,
    ma_ho_so TEXT NOT NULL,
    fee_round INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    state TEXT NOT NULL,
    initiated INTEGER NOT NULL DEFAULT 0,
    init_time TEXT NOT NULL,
    pay_url TEXT NOT NULL DEFAULT '',
    ma_giao_dich TEXT NOT NULL DEFAULT '',
    bank TEXT NOT NULL DEFAULT '',
    result_time TEXT NOT NULL DEFAULT '',
    recorded INTEGER NOT NULL DEFAULT 0,
    dossier_update TEXT NOT NULL DEFAULT 'none',
    receipt BLOB,
    receipt_number TEXT NOT NULL DEFAULT '',
    receipt_attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS payment_by_dossier ON payment (ma_ho_so, fee_round);
CREATE INDEX IF NOT EXISTS payment_by_state ON payment (state, initiated);
"""
TABLES = ("payment",)
PENDING, PAID, FAILED = "pending", "paid", "failed"
_COLUMNS = (
    "ma_tham_chieu, ma_ho_so, fee_round, amount, state, initiated, init_time, pay_url, ma_giao_dich, bank, "
    "result_time, recorded, dossier_update, receipt IS NOT NULL AS has_receipt, receipt_number, last_error"
)


class Change(StrEnum):
    """What a reported result did to a payment."""

    APPLIED = "applied"  # the state changed
    REPEATED = "repeated"  # already paid, recorded once more (defect ipn-not-idempotent only)
    UNCHANGED = "unchanged"  # a duplicate or stale report: nothing to do
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Payment:
    reference: str  # MaThamChieu
    ma_ho_so: str
    fee_round: int  # which request_fee of the dossier this pays (the count of request_fee steps)
    amount: int  # SoTien sent in the INIT
    state: str
    initiated: bool  # the platform acknowledged the INIT
    init_time: str  # ThoiGianGD of the INIT (QUERY and GET_BILL carry it)
    pay_url: str
    transaction_id: str  # MaGiaoDich
    bank: str
    result_time: str
    recorded: int  # how many times the payment was recorded as received (1 when all is well)
    dossier_update: str  # none | todo | done | skipped
    has_receipt: bool
    receipt_number: str
    last_error: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Payment:
        return cls(
            row["ma_tham_chieu"], row["ma_ho_so"], int(row["fee_round"]), int(row["amount"]), row["state"],
            bool(row["initiated"]), row["init_time"], row["pay_url"], row["ma_giao_dich"], row["bank"],
            row["result_time"], int(row["recorded"]), row["dossier_update"], bool(row["has_receipt"]),
            row["receipt_number"], row["last_error"],
        )  # fmt: skip


@dataclass(frozen=True)
class Result:
    """A payment result as the platform reported it (IPN or QUERY)."""

    success: bool
    transaction_id: str
    bank: str
    time: str


class PaymentStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _select(self, where: str, params: tuple[object, ...] = ()) -> list[Payment]:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM payment WHERE {where} ORDER BY created_at", params)
        return [Payment.from_row(r) for r in rows]

    def get(self, reference: str) -> Payment | None:
        found = self._select("ma_tham_chieu = ?", (reference,))
        return found[0] if found else None

    def of_dossier(self, ma_ho_so: str) -> list[Payment]:
        """Every payment of a dossier, newest first (what its owner sees)."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM payment WHERE ma_ho_so = ? ORDER BY created_at DESC, rowid DESC", (ma_ho_so,)
        )
        return [Payment.from_row(r) for r in rows]

    def paid(self, ma_ho_so: str, fee_round: int) -> bool:
        row = self._db.one(
            "SELECT 1 FROM payment WHERE ma_ho_so = ? AND fee_round = ? AND state = ?", (ma_ho_so, fee_round, PAID)
        )
        return row is not None

    def insert(self, reference: str, ma_ho_so: str, fee_round: int, amount: int, init_time: str) -> bool:
        """A new pending payment; False when the reference is taken (the caller draws another)."""
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO payment (ma_tham_chieu, ma_ho_so, fee_round, amount, state, init_time, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (reference, ma_ho_so, fee_round, amount, PENDING, init_time, init_time, init_time),
                )  # fmt: skip
        except sqlite3.IntegrityError:
            return False
        return True

    def _update(self, reference: str, assignments: str, params: tuple[object, ...], now: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                f"UPDATE payment SET {assignments}, updated_at = ? WHERE ma_tham_chieu = ?", (*params, now, reference)
            )

    def initiated(self, reference: str, pay_url: str, transaction_id: str, now: str) -> None:
        self._update(reference, "initiated = 1, pay_url = ?, ma_giao_dich = ?", (pay_url, transaction_id), now)

    def init_failed(self, reference: str, error: str, now: str) -> None:
        self._update(reference, "state = ?, last_error = ?", (FAILED, error[:1000]), now)

    def note_error(self, reference: str, error: str, now: str) -> None:
        self._update(reference, "last_error = ?", (error[:1000],), now)

    def settle(self, reference: str, result: Result, now: str, *, record_again: bool = False) -> Change:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT state FROM payment WHERE ma_tham_chieu = ?", (reference,)).fetchone()
            if row is None:
                return Change.UNKNOWN
            state = row["state"]
            if result.success and state != PAID:
                conn.execute(
                    "UPDATE payment SET state = ?, ma_giao_dich = ?, bank = ?, result_time = ?, "
                    "recorded = recorded + 1, dossier_update = 'todo', updated_at = ? WHERE ma_tham_chieu = ?",
                    (PAID, result.transaction_id, result.bank, result.time, now, reference),
                )
                return Change.APPLIED
            if result.success and record_again:
                conn.execute(
                    "UPDATE payment SET recorded = recorded + 1, updated_at = ? WHERE ma_tham_chieu = ?",
                    (now, reference),
                )
                return Change.REPEATED
            if not result.success and state == PENDING:
                conn.execute(
                    "UPDATE payment SET state = ?, result_time = ?, updated_at = ? WHERE ma_tham_chieu = ?",
                    (FAILED, result.time, now, reference),
                )
                return Change.APPLIED
            return Change.UNCHANGED

    def to_poll(self, since: str) -> list[Payment]:
        """Pending payments the platform acknowledged, initiated at or after `since` (yyyyMMddHHmmss)."""
        return self._select("state = ? AND initiated = 1 AND created_at >= ?", (PENDING, since))

    def dossier_updates_due(self) -> list[Payment]:
        return self._select("state = ? AND dossier_update = 'todo'", (PAID,))

    def set_dossier_update(self, reference: str, value: str, error: str, now: str) -> None:
        self._update(reference, "dossier_update = ?, last_error = ?", (value, error[:1000]), now)

    def receipts_due(self, max_attempts: int) -> list[Payment]:
        return self._select("state = ? AND receipt IS NULL AND receipt_attempts < ?", (PAID, max_attempts))

    def save_receipt(self, reference: str, pdf: bytes, number: str, now: str) -> None:
        self._update(reference, "receipt = ?, receipt_number = ?", (pdf, number), now)

    def receipt_failed(self, reference: str, error: str, now: str) -> None:
        self._update(reference, "receipt_attempts = receipt_attempts + 1, last_error = ?", (error[:1000],), now)

    def receipt(self, reference: str) -> bytes | None:
        row = self._db.one("SELECT receipt FROM payment WHERE ma_tham_chieu = ?", (reference,))
        return bytes(row["receipt"]) if row is not None and row["receipt"] is not None else None
