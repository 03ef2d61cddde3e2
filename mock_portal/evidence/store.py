"""Evidence stores: SQLite (WAL; file or memory) and PostgreSQL, behind one writer thread.

Durability: `record()` returns only after the row is committed, so an acknowledged packet is always
in the store. Concurrent requests share commits (group commit): the writer drains everything queued
while the previous transaction ran and commits it as one, so throughput grows with concurrency without
dropping the per-request guarantee.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
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
_MAX_BATCH = 512


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


@dataclass
class _Job:
    kind: str  # "insert" | "call"
    payload: Any
    done: Callable[[Any, BaseException | None], None]


def _row(exchange: Exchange) -> tuple[Any, ...]:
    codes = "|" + "|".join(exchange.ma_ho_so) + "|" if exchange.ma_ho_so else None
    return (
        exchange.id,
        exchange.ts,
        exchange.direction,
        exchange.channel,
        exchange.method,
        exchange.url,
        exchange.service,
        codes,
        exchange.ma_tham_chieu,
        exchange.status,
        orjson.dumps(exchange.request_headers).decode(),
        exchange.request_body,
        orjson.dumps(exchange.response_headers).decode(),
        exchange.response_body,
        exchange.verdict,
        orjson.dumps(list(exchange.rules)).decode(),
        exchange.error,
        exchange.duration_ms,
    )


def _exchange(row: Sequence[Any]) -> Exchange:
    (
        seq,
        id_,
        ts,
        direction,
        channel,
        method,
        url,
        service,
        codes,
        ref,
        status,
        req_h,
        req_b,
        resp_h,
        resp_b,
        verdict,
        rules,
        error,
        duration,
    ) = row
    return Exchange(
        direction=direction,
        channel=channel,
        method=method,
        url=url,
        request_headers=orjson.loads(req_h or "{}"),
        request_body=bytes(req_b or b""),
        status=status,
        response_headers=orjson.loads(resp_h or "{}"),
        response_body=bytes(resp_b or b""),
        service=service,
        ma_ho_so=tuple(c for c in (codes or "").split("|") if c),
        ma_tham_chieu=ref,
        verdict=verdict or "n/a",
        rules=tuple(orjson.loads(rules or "[]")),
        error=error,
        ts=ts,
        duration_ms=duration or 0.0,
        id=id_,
        seq=seq,
    )


class EvidenceStore:
    """The evidence store. All database work runs on one writer thread; callers await or block on it."""

    def __init__(self, url: str = "sqlite:///:memory:") -> None:
        self.url = url
        self._backend = _open_backend(url)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._insert_sql = (
            f"INSERT INTO exchanges ({', '.join(_COLUMNS)}) VALUES "
            f"({', '.join([self._backend.placeholder] * len(_COLUMNS))})"
        )
        self._thread = threading.Thread(target=self._run, name="evidence-writer", daemon=True)
        self._thread.start()
        self.commits = 0
        self.rows = 0

    # --- writer thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                break
            if job.kind == "call":
                self._call(job)
                continue
            batch = [job]
            while len(batch) < _MAX_BATCH:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None or nxt.kind != "insert":
                    self._flush(batch)
                    batch = []
                    if nxt is None:
                        self._backend.close()
                        return
                    self._call(nxt)
                    break
                batch.append(nxt)
            if batch:
                self._flush(batch)
        self._backend.close()

    def _flush(self, batch: list[_Job]) -> None:
        rows = [row for job in batch for row in job.payload]
        try:
            self._backend.execute_many(self._insert_sql, rows)
            self._backend.commit()
        except Exception as exc:  # the callers get the error; the thread lives on
            self._backend.rollback()
            for job in batch:
                job.done(None, exc)
            return
        self.commits += 1
        self.rows += len(rows)
        _settle_all(batch)

    def _call(self, job: _Job) -> None:
        try:
            result = job.payload(self._backend)
            self._backend.commit()
        except Exception as exc:
            self._backend.rollback()
            job.done(None, exc)
        else:
            job.done(result, None)

    # --- API ---------------------------------------------------------------------------------------
    async def record(self, *exchanges: Exchange) -> None:
        """Store exchanges; returns once they are committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def done(_result: Any, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, None, error)

        done.loop = loop  # type: ignore[attr-defined]
        done.future = future  # type: ignore[attr-defined]

        self._queue.put(_Job("insert", [_row(e) for e in exchanges], done))
        await future

    def record_sync(self, *exchanges: Exchange) -> None:
        self._submit("insert", [_row(e) for e in exchanges]).result()

    def _submit(self, kind: str, payload: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def done(result: Any, error: BaseException | None) -> None:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        self._queue.put(_Job(kind, payload, done))
        return future

    def _run_sync(self, work: Callable[[_Backend], Any]) -> Any:
        return self._submit("call", work).result()

    async def _run_async(self, work: Callable[[_Backend], Any]) -> Any:
        return await asyncio.wrap_future(self._submit("call", work))

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
        found: list[Exchange] = self._run_sync(
            self._select(service, ma_ho_so, ma_tham_chieu, since, after_seq, channel, limit)
        )
        return found

    async def query_async(self, **filters: Any) -> list[Exchange]:
        limit = filters.pop("limit", 1000)
        found: list[Exchange] = await self._run_async(
            self._select(
                filters.get("service"),
                filters.get("ma_ho_so"),
                filters.get("ma_tham_chieu"),
                filters.get("since"),
                filters.get("after_seq"),
                filters.get("channel"),
                limit,
            )
        )
        return found

    def iter_all(self, batch: int = 500) -> Iterator[Exchange]:
        after: int | None = 0
        while True:
            rows = self.query(after_seq=after, limit=batch)
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    def count(self) -> int:
        return int(self._run_sync(lambda b: b.query("SELECT COUNT(*) FROM exchanges", [])[0][0]))

    def clear(self) -> None:
        """Delete every exchange (tests and `POST /_admin/reset`)."""
        self._run_sync(lambda b: b.execute("DELETE FROM exchanges"))

    async def reset_async(self) -> None:
        await self._run_async(lambda b: b.execute("DELETE FROM exchanges"))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)


def _settle_all(batch: list[_Job]) -> None:
    """Resolve a committed batch: one call into each waiting event loop for all of its requests."""
    by_loop: dict[int, tuple[asyncio.AbstractEventLoop, list[asyncio.Future[None]]]] = {}
    for job in batch:
        loop = getattr(job.done, "loop", None)
        if loop is None:
            job.done(None, None)
            continue
        by_loop.setdefault(id(loop), (loop, []))[1].append(job.done.future)  # type: ignore[attr-defined]
    for loop, futures in by_loop.values():
        loop.call_soon_threadsafe(_settle_many, futures)


def _settle_many(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        if not future.done():
            future.set_result(None)


def _settle(future: asyncio.Future[None], result: None, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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


__all__ = ["EvidenceStore", "open_store", "uuid"]
