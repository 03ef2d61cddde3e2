"""Evidence stores: SQLite (WAL; file or memory) and PostgreSQL, behind one writer thread.

Durability: `record()` returns only after the row is committed, so an acknowledged packet is always
in the store. Concurrent requests share commits (group commit): everything recorded during one
event-loop iteration is committed as one transaction, so throughput grows with concurrency without
dropping the per-request guarantee.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol
from urllib.parse import urlparse

import orjson

from harness.core.errors import UsageError
from mock_portal.evidence.model import Exchange

_COLUMNS = (
    "id",
    "ts",
    "direction",
    "channel",
    "method",
    "url",
    "service",
    "ma_ho_so",
    "ma_tham_chieu",
    "status",
    "request_headers",
    "request_body",
    "response_headers",
    "response_body",
    "verdict",
    "rules",
    "error",
    "duration_ms",
)


class _Backend(Protocol):
    placeholder: str

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]: ...
    def execute(self, sql: str) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class _SQLite:
    placeholder = "?"

    def __init__(self, path: str) -> None:
        if path in ("", ":memory:"):
            # One connection, owned by the writer thread: a private in-memory database.
            self._conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
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
            """
        )
        self._in_tx = False

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not self._in_tx:
            self._conn.execute("BEGIN")
            self._in_tx = True
        self._conn.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql, params))

    def execute(self, sql: str) -> None:
        self._conn.execute(sql)

    def commit(self) -> None:
        if self._in_tx:
            self._conn.execute("COMMIT")
            self._in_tx = False

    def rollback(self) -> None:
        if self._in_tx:
            self._conn.execute("ROLLBACK")
            self._in_tx = False

    def close(self) -> None:
        self._conn.close()


class _Postgres:
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
                """
            )
        self._conn.commit()

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(sql, rows)

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._conn.cursor() as cur:
            cur.execute(sql, params)
            rows = list(cur.fetchall())
        self._conn.commit()
        return rows

    def execute(self, sql: str) -> None:
        with self._conn.cursor() as cur:
            cur.execute(sql)

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()


def _row(exchange: Exchange) -> tuple[Any, ...]:
    codes = "|" + "|".join(exchange.ma_ho_so) + "|" if exchange.ma_ho_so else None
    return (
        exchange.id, exchange.ts, exchange.direction, exchange.channel, exchange.method, exchange.url,
        exchange.service, codes, exchange.ma_tham_chieu, exchange.status,
        orjson.dumps(exchange.request_headers).decode(), exchange.request_body,
        orjson.dumps(exchange.response_headers).decode(), exchange.response_body, exchange.verdict,
        orjson.dumps(list(exchange.rules)).decode(), exchange.error, exchange.duration_ms,
    )  # fmt: skip


def _exchange(row: Sequence[Any]) -> Exchange:
    (seq, id_, ts, direction, channel, method, url, service, codes, ref, status, req_h, req_b, resp_h, resp_b,
     verdict, rules, error, duration) = row  # fmt: skip
    return Exchange(
        direction=direction, channel=channel, method=method, url=url,
        request_headers=orjson.loads(req_h or "{}"), request_body=bytes(req_b or b""), status=status,
        response_headers=orjson.loads(resp_h or "{}"), response_body=bytes(resp_b or b""), service=service,
        ma_ho_so=tuple(c for c in (codes or "").split("|") if c), ma_tham_chieu=ref, verdict=verdict or "n/a",
        rules=tuple(orjson.loads(rules or "[]")), error=error, ts=ts, duration_ms=duration or 0.0, id=id_, seq=seq,
    )  # fmt: skip


_Pending = list[tuple[list[tuple[Any, ...]], "asyncio.Future[None]"]]


class EvidenceStore:
    """The evidence store: one connection, used under a lock from whichever thread asks.

    `record()` (the request path) queues its rows on the running event loop; the loop commits everything
    queued during one iteration in one transaction (group commit) and only then lets those requests
    answer. There is no writer thread: a second thread competing for the GIL, and its wake-ups, cost
    more than the short commit on the loop (measured with benchmarks/mock_ingest.py).
    """

    def __init__(self, url: str = "sqlite:///:memory:") -> None:
        self.url = url
        self._backend = _open_backend(url)
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._insert_sql = (
            f"INSERT INTO exchanges ({', '.join(_COLUMNS)}) VALUES "
            f"({', '.join([self._backend.placeholder] * len(_COLUMNS))})"
        )
        self.commits = 0
        self.rows = 0
        self._closed = False

    # --- writing -------------------------------------------------------------------------------------
    async def record(self, *exchanges: Exchange) -> None:
        """Store exchanges; returns once they are committed (with what else this loop iteration stored)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        key = id(loop)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = []
            loop.call_soon(self._flush_loop, key)
        pending.append(([_row(e) for e in exchanges], future))
        await future

    def _flush_loop(self, key: int) -> None:
        batch = self._pending.pop(key, [])
        if not batch:
            return
        try:
            self._write([row for rows, _ in batch for row in rows])
        except Exception as exc:  # every waiting request learns that its evidence was not stored
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the evidence store is closed")
            try:
                self._backend.execute_many(self._insert_sql, rows)
                self._backend.commit()
            except Exception:
                self._backend.rollback()
                raise
            self.commits += 1
            self.rows += len(rows)

    def record_sync(self, *exchanges: Exchange) -> None:
        self._write([_row(e) for e in exchanges])

    # --- reading -------------------------------------------------------------------------------------
    def _run(self, work: Callable[[_Backend], Any]) -> Any:
        with self._lock:
            try:
                result = work(self._backend)
                self._backend.commit()
            except Exception:
                self._backend.rollback()
                raise
            return result

    def _select(
        self,
        service: str | None,
        ma_ho_so: str | None,
        ma_tham_chieu: str | None,
        since: float | None,
        after_seq: int | None,
        channel: str | None,
        limit: int,
    ) -> Callable[[_Backend], list[Exchange]]:
        p = self._backend.placeholder
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("service", service), ("ma_tham_chieu", ma_tham_chieu), ("channel", channel)):
            if value is not None:
                where.append(f"{column} = {p}")
                params.append(value)
        if ma_ho_so is not None:
            where.append(f"ma_ho_so LIKE {p}")
            params.append(f"%|{ma_ho_so}|%")
        if since is not None:
            where.append(f"ts >= {p}")
            params.append(since)
        if after_seq is not None:
            where.append(f"seq > {p}")
            params.append(after_seq)
        sql = f"SELECT seq, {', '.join(_COLUMNS)} FROM exchanges"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY seq LIMIT {int(limit)}"
        return lambda backend: [_exchange(row) for row in backend.query(sql, params)]

    def query(
        self,
        *,
        service: str | None = None,
        ma_ho_so: str | None = None,
        ma_tham_chieu: str | None = None,
        since: float | None = None,
        after_seq: int | None = None,
        channel: str | None = None,
        limit: int = 1000,
    ) -> list[Exchange]:
        found: list[Exchange] = self._run(
            self._select(service, ma_ho_so, ma_tham_chieu, since, after_seq, channel, limit)
        )
        return found

    async def query_async(self, **filters: Any) -> list[Exchange]:
        """Admin reads are short: they run on the loop, under the lock, like a commit does."""
        return self.query(**filters)

    def iter_all(self, batch: int = 500) -> Iterator[Exchange]:
        after: int | None = 0
        while True:
            rows = self.query(after_seq=after, limit=batch)
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    def count(self) -> int:
        return int(self._run(lambda b: b.query("SELECT COUNT(*) FROM exchanges", [])[0][0]))

    def clear(self) -> None:
        """Delete every exchange (tests and `POST /_admin/reset`)."""
        self._run(lambda b: b.execute("DELETE FROM exchanges"))

    async def reset_async(self) -> None:
        self.clear()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._backend.close()


def _open_backend(url: str) -> _Backend:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        return _SQLite(path or ":memory:")
    if parsed.scheme in ("postgresql", "postgres"):
        return _Postgres(url)
    raise UsageError(f"unsupported evidence store {url!r}: use sqlite:///path, sqlite:///:memory: or postgresql://...")


def open_store(url: str) -> EvidenceStore:
    try:
        return EvidenceStore(url)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot open the evidence store {url}: {exc}") from None
