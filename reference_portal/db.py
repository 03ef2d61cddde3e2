"""The portal's SQLite store: one connection, used under a lock, WAL with synchronous=FULL.

Each concern (dossiers, outbox, payments, sessions, ratings...) declares its own tables as a `SCHEMA`
string in its module; `Database` creates them all. Writes go through `transaction()`, which takes the
write lock at BEGIN (IMMEDIATE) so a read-then-write (the daily MaHoSo counter) cannot interleave.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError


class Database:
    def __init__(self, path: str, schemas: Sequence[str]) -> None:
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"reference portal: cannot create the folder of {path}: {exc}") from None
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise UsageError(f"reference portal: cannot open database {path}: {exc}") from None
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self.path = path
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            for schema in schemas:
                self._conn.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; committed when the block ends, rolled back on an exception."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
            return row

    def wipe(self, tables: Sequence[str]) -> None:
        with self.transaction() as conn:
            for table in tables:
                conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
