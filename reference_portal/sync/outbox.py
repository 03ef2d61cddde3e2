"""The durable outbox: every packet for DVCQG is written in the same transaction as the change it
reports, then sent in order by a background worker, retried with exponential backoff on transport
errors, HTTP errors, timeouts and error_code ≠ 0, and marked sent only once DVCQG acknowledged it.

Insert vs update (`isUpdating`) is decided when a DongBoHoSoMC is sent, by whether DVCQG has
acknowledged that MaHoSo before (`national_ack`), not by what the portal believes it sent. A "đã tồn tại"
(duplicate) answer to an insert means an earlier attempt did land: the dossier is recorded as
acknowledged and the packet goes again as an update. Entries are sent strictly in order, so a failure
holds back what follows (the national side sees every status change in sequence); an entry that keeps
failing for `max_attempts` is set aside as failed so one bad packet cannot block the portal forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from reference_portal.db import Database
from reference_portal.defects import Defects
from reference_portal.national.dvcqg import DvcqgClient, NationalError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service TEXT NOT NULL,
    ma_ho_so TEXT,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at REAL NOT NULL,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE INDEX IF NOT EXISTS outbox_dossier ON outbox (ma_ho_so);
CREATE TABLE IF NOT EXISTS national_ack (
    ma_ho_so TEXT PRIMARY KEY,
    acknowledged_at REAL NOT NULL
);
"""
TABLES = ("outbox", "national_ack")
DUPLICATE_MARK = "đã tồn tại"
UNKNOWN_MARK = "không tồn tại"


def enqueue(conn: sqlite3.Connection, service: str, fields: dict[str, Any], *, ma_ho_so: str | None = None) -> None:
    """Queue one call (the envelope fields after session/madonvi/service), inside the caller's transaction."""
    conn.execute(
        "INSERT INTO outbox (service, ma_ho_so, body, created_at) VALUES (?, ?, ?, ?)",
        (service, ma_ho_so, json.dumps(fields, ensure_ascii=False), time.time()),
    )


@dataclass(frozen=True)
class FlushReport:
    sent: int
    pending: int
    failed: int
    last_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "pending": self.pending, "failed": self.failed, "last_error": self.last_error}


@dataclass(frozen=True)
class DossierSyncState:
    pending: int
    acknowledged: int
    failed: int
    last_error: str | None
    national_known: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "acknowledged": self.acknowledged,
            "failed": self.failed,
            "last_error": self.last_error,
            "national_known": self.national_known,
        }


class _Refused(Exception):
    """DVCQG answered error_code ≠ 0 (possibly transient: the national side may inject such answers)."""


class Outbox:
    def __init__(
        self,
        db: Database,
        dvcqg: DvcqgClient,
        defects: Defects,
        *,
        poll_s: float,
        retry_base_s: float,
        retry_max_s: float,
        max_attempts: int = 8,
    ) -> None:
        self._db = db
        self._dvcqg = dvcqg
        self._defects = defects
        self._poll_s = poll_s
        self._retry_base_s = retry_base_s
        self._retry_max_s = retry_max_s
        self._max_attempts = max_attempts
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._not_before = 0.0
        self._failures = 0
        if defects.on("outbox-lost-on-restart"):
            with db.transaction() as conn:
                conn.execute("DELETE FROM outbox WHERE state = 'pending'")

    def wake(self) -> None:
        self._wake.set()

    # --- sending -----------------------------------------------------------------------------------

    def _acknowledged(self, ma_ho_so: str) -> bool:
        return self._db.one("SELECT 1 FROM national_ack WHERE ma_ho_so = ?", (ma_ho_so,)) is not None

    def _record_ack(self, ma_ho_so: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO national_ack (ma_ho_so, acknowledged_at) VALUES (?, ?)", (ma_ho_so, time.time())
            )

    async def _send_dossier(self, ma_ho_so: str, fields: dict[str, Any]) -> None:
        always_insert = self._defects.on("isupdating-always-false")
        updating = self._acknowledged(ma_ho_so) and not always_insert
        for _ in range(2):
            body = {"isUpdating": "True" if updating else "False", **fields}
            reply = await self._dvcqg.call("DongBoHoSoMC", body)
            if reply.ok:
                self._record_ack(ma_ho_so)
                return
            if not updating and DUPLICATE_MARK in reply.message and not always_insert:
                self._record_ack(ma_ho_so)  # an earlier attempt landed: send it again as an update
                updating = True
                continue
            if updating and UNKNOWN_MARK in reply.message:
                updating = False  # DVCQG does not know it (reset on its side): insert it again
                continue
            raise _Refused(f"DongBoHoSoMC {ma_ho_so}: error_code {reply.error_code}: {reply.message}")
        raise _Refused(f"DongBoHoSoMC {ma_ho_so}: refused as insert and as update")

    async def _send(self, service: str, ma_ho_so: str | None, fields: dict[str, Any]) -> None:
        if service == "DongBoHoSoMC" and ma_ho_so:
            await self._send_dossier(ma_ho_so, fields)
            return
        reply = await self._dvcqg.call(service, fields)
        if not reply.ok:
            raise _Refused(f"{service} {ma_ho_so or ''}: error_code {reply.error_code}: {reply.message}".strip())

    async def flush(self, *, force: bool = False) -> FlushReport:
        """Send pending entries in order until one fails or none is left. `force` ignores the backoff."""
        async with self._lock:
            sent, error = 0, None
            if force or time.monotonic() >= self._not_before:
                sent, error = await self._drain()
            return self._report(sent, error)

    async def _drain(self) -> tuple[int, str | None]:
        sent = 0
        skipped: list[int] = []  # defect `outbox-skips-failed`: entries that failed in this drain, passed over
        error: str | None = None
        while True:
            row = self._next(skipped)
            if row is None:
                if error is None:
                    self._failures = 0
                return sent, error
            try:
                await self._send(row["service"], row["ma_ho_so"], json.loads(row["body"]))
            except (NationalError, _Refused) as exc:
                self._fail(row, str(exc))
                if not self._defects.on("outbox-skips-failed"):
                    return sent, str(exc)
                skipped.append(int(row["id"]))
                error = str(exc)
                continue
            with self._db.transaction() as conn:
                conn.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                    (time.time(), row["id"]),
                )
            sent += 1

    def _next(self, skipped: list[int]) -> sqlite3.Row | None:
        """The oldest pending entry: strictly in order, so a failed one holds back what follows. Defect
        `outbox-skips-failed` passes over the entries that failed in this drain and sends the rest (a failed insert
        no longer holds back the dossier's progress)."""
        if not skipped:
            return self._db.one("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1")
        marks = ", ".join("?" for _ in skipped)
        return self._db.one(
            f"SELECT * FROM outbox WHERE state = 'pending' AND id NOT IN ({marks}) ORDER BY id LIMIT 1", skipped
        )

    def _fail(self, row: sqlite3.Row, error: str) -> None:
        attempts = int(row["attempts"]) + 1
        give_up = attempts >= self._max_attempts or self._defects.on("no-retry")
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = ?, last_error = ?, state = ? WHERE id = ?",
                (attempts, error, "failed" if give_up else "pending", row["id"]),
            )
            if give_up and row["ma_ho_so"]:
                # what followed it for the same dossier would reach DVCQG out of order: set it aside too
                # (the dossier's next change queues its whole state again)
                conn.execute(
                    "UPDATE outbox SET state = 'failed', last_error = ? "
                    "WHERE state = 'pending' AND ma_ho_so = ? AND id > ?",
                    (f"not sent: entry {row['id']} before it was set aside", row["ma_ho_so"], row["id"]),
                )
        if give_up:
            log.error("outbox entry %s set aside after %s attempts: %s", row["id"], attempts, error)
        self._failures += 1
        delay = min(self._retry_base_s * 2 ** (self._failures - 1), self._retry_max_s)
        self._not_before = time.monotonic() + delay
        log.warning("sync to DVCQG failed (attempt %s), retrying in %.1f s: %s", attempts, delay, error)

    def _report(self, sent: int, error: str | None) -> FlushReport:
        counts = dict(
            (r["state"], r["n"]) for r in self._db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
        )
        return FlushReport(sent, counts.get("pending", 0), counts.get("failed", 0), error)

    def dossier_state(self, ma_ho_so: str) -> DossierSyncState:
        rows = self._db.query(
            "SELECT state, COUNT(*) AS n FROM outbox WHERE ma_ho_so = ? GROUP BY state",
            (ma_ho_so,),
        )
        counts = {r["state"]: r["n"] for r in rows}
        error_row = self._db.one(
            "SELECT last_error FROM outbox WHERE ma_ho_so = ? AND last_error IS NOT NULL "
            "ORDER BY attempts DESC, id DESC LIMIT 1",
            (ma_ho_so,),
        )
        return DossierSyncState(
            pending=counts.get("pending", 0),
            acknowledged=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            last_error=error_row["last_error"] if error_row else None,
            national_known=self._acknowledged(ma_ho_so),
        )

    # --- the background worker ---------------------------------------------------------------------

    async def run(self) -> None:
        """Send forever: woken by new entries, or every `poll_s` (retries honour the backoff)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_s)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # the worker must survive anything; the entry stays pending
                log.exception("outbox worker error")
