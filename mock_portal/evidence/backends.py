"""The databases behind the evidence store: SQLite (WAL, file or memory) and PostgreSQL.

A backend answers reads and stores one batch of rows, with the state ops that came with them, as one
durable transaction (`insert`). It is used by one thread at a time (the store holds a lock around it).
A SQLite file is written by the writer process (`sqlite_writer`), not through its backend: the backend
creates the tables and reads.

Tables: `exchanges` (the evidence) and `national_state` (what the mock's channels keep across restarts,
one row per kind and key: `sqlite_writer` describes the ops). A state row's body is its own (`body`) or,
written by the SQLite writer process, the request body of the exchange `ref` names (stored once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import orjson

from harness.core.errors import UsageError
from mock_portal.evidence.model import Exchange
from mock_portal.evidence.sqlite_writer import StateOp, apply_ops, insert_rows, insert_sql, max_rows

Row = tuple[Any, ...]


class Backend(Protocol):
    placeholder: str

    def insert(self, rows: Sequence[Row], ops: Sequence[StateOp] = ()) -> None:
        """Store the rows and apply the state ops as one committed (durable) transaction, or do nothing."""

    def query(self, sql: str, params: Sequence[Any]) -> list[Row]: ...
    def execute(self, sql: str) -> None: ...
    def close(self) -> None: ...


class SQLiteBackend:
    """An autocommit connection; `insert` is `sqlite_writer.insert_rows` (one multi-row INSERT)."""

    placeholder = "?"

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # the default .dvc-mock/ on a first start
        # check_same_thread=False: the writer thread commits, readers query; the store serialises them.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, cached_statements=512)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS exchanges (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL, ts REAL NOT NULL, direction TEXT NOT NULL, channel TEXT NOT NULL,
                method TEXT NOT NULL, url TEXT NOT NULL, service TEXT, ma_ho_so TEXT, ma_tham_chieu TEXT,
                status INTEGER, request_headers TEXT, request_body BLOB, response_headers TEXT,
                response_body BLOB, verdict TEXT, rules TEXT, error TEXT, duration_ms REAL);
            CREATE INDEX IF NOT EXISTS exchanges_service ON exchanges(service, seq);
            CREATE INDEX IF NOT EXISTS exchanges_ts ON exchanges(ts);
            CREATE INDEX IF NOT EXISTS exchanges_ref ON exchanges(ma_tham_chieu);
            CREATE TABLE IF NOT EXISTS national_state (
                seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, meta TEXT NOT NULL, body BLOB,
                ref INTEGER, UNIQUE (kind, key));
            """
        )
        self._max_rows = max_rows(self._conn)

    def insert(self, rows: Sequence[Row], ops: Sequence[StateOp] = ()) -> None:
        insert_rows(self._conn, rows, self._max_rows, ops)

    def query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return list(self._conn.execute(sql, params))

    def execute(self, sql: str) -> None:
        self._conn.execute(sql)

    def close(self) -> None:
        self._conn.close()


class PostgresBackend:
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise UsageError("a postgresql:// store needs psycopg: pip install 'dvc-harness[postgres]'") from None
        try:
            self._conn = psycopg.connect(url, autocommit=False)
        except psycopg.OperationalError as exc:
            raise UsageError(f"cannot connect to the evidence database: {exc}".strip()) from None
        with self._conn.cursor() as cur:
            cur.execute(
                """
                CREATE TABLE IF NOT EXISTS exchanges (
                    seq BIGSERIAL PRIMARY KEY,
                    id TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL, direction TEXT NOT NULL,
                    channel TEXT NOT NULL, method TEXT NOT NULL, url TEXT NOT NULL, service TEXT,
                    ma_ho_so TEXT, ma_tham_chieu TEXT, status INTEGER, request_headers TEXT,
                    request_body BYTEA, response_headers TEXT, response_body BYTEA, verdict TEXT, rules TEXT,
                    error TEXT, duration_ms DOUBLE PRECISION);
                CREATE INDEX IF NOT EXISTS exchanges_service ON exchanges(service, seq);
                CREATE INDEX IF NOT EXISTS exchanges_ts ON exchanges(ts);
                CREATE TABLE IF NOT EXISTS national_state (
                    seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, meta TEXT NOT NULL,
                    body BYTEA, ref BIGINT, UNIQUE (kind, key));
                """
            )
        self._conn.commit()
        self._insert_sql = insert_sql(1, "%s")

    def insert(self, rows: Sequence[Row], ops: Sequence[StateOp] = ()) -> None:
        try:
            with self._conn.cursor() as cur:
                if rows:
                    cur.executemany(self._insert_sql, rows)
                apply_ops(cur.executemany, ops, self.placeholder)
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise

    def query(self, sql: str, params: Sequence[Any]) -> list[Row]:
        try:
            with self._conn.cursor() as cur:
                cur.execute(sql, params)
                rows = list(cur.fetchall())
        finally:
            self._conn.rollback()  # a read: end its transaction, keep nothing open
        return rows

    def execute(self, sql: str) -> None:
        try:
            with self._conn.cursor() as cur:
                cur.execute(sql)
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise

    def close(self) -> None:
        self._conn.close()


def open_backend(url: str) -> Backend:
    """`sqlite:///path`, `sqlite:///:memory:` (or `memory`, as the CLI documents it), `postgresql://...`."""
    if url == "memory":
        url = "sqlite:///:memory:"
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        return SQLiteBackend(path or ":memory:")
    if parsed.scheme in ("postgresql", "postgres"):
        return PostgresBackend(url)
    raise UsageError(f"unsupported evidence store {url!r}: use sqlite:///path, memory or postgresql://...")


def to_row(exchange: Exchange) -> Row:
    codes = "|" + "|".join(exchange.ma_ho_so) + "|" if exchange.ma_ho_so else None
    return (
        exchange.id, exchange.ts, exchange.direction, exchange.channel, exchange.method, exchange.url,
        exchange.service, codes, exchange.ma_tham_chieu, exchange.status,
        orjson.dumps(exchange.request_headers).decode(), orjson.dumps(exchange.response_headers).decode(),
        exchange.verdict, orjson.dumps(exchange.rules).decode(), exchange.error, exchange.duration_ms,
        exchange.request_body, exchange.response_body,
    )  # fmt: skip


def from_row(row: Sequence[Any]) -> Exchange:
    """A row selected as `seq, <COLUMNS>`."""
    (seq, id_, ts, direction, channel, method, url, service, codes, ref, status, req_h, resp_h, verdict, rules,
     error, duration, req_b, resp_b) = row  # fmt: skip
    return Exchange(
        direction=direction, channel=channel, method=method, url=url,
        request_headers=orjson.loads(req_h or "{}"), request_body=bytes(req_b or b""), status=status,
        response_headers=orjson.loads(resp_h or "{}"), response_body=bytes(resp_b or b""), service=service,
        ma_ho_so=tuple(c for c in (codes or "").split("|") if c), ma_tham_chieu=ref, verdict=verdict or "n/a",
        rules=tuple(orjson.loads(rules or "[]")), error=error, ts=ts, duration_ms=duration or 0.0, id=id_, seq=seq,
    )  # fmt: skip
