"""The evidence store: every exchange committed durably before the mock acknowledges it.

`record()` queues the exchange's row with a committer (`committers`) and waits for its commit; rows
recorded meanwhile share that commit (group commit), and the next batch grows while one is being
committed, so the event loop keeps serving. A SQLite file (the default) is written by a writer
process with `synchronous=FULL`; PostgreSQL and in-memory SQLite by a writer thread.

Reads (the admin API, exports, tests) use the store's own connection under a lock. Every acknowledged
exchange is committed, so a read that starts after the acknowledgement sees it.

The store also keeps the national state the channels want to survive a restart (`national_state`, e.g.
the synced dossiers): a channel `stage()`s its state ops as it changes its in-memory state, and the next
`record()` commits them in the same transaction as its exchange; the request that made the change records
its exchange right after, so its answer leaves only once its state is durable too. The in-memory store
is not `durable`: channels keep their state in memory only.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

from harness.core.errors import UsageError
from mock_portal.evidence.backends import Backend, SQLiteBackend, from_row, open_backend, to_row
from mock_portal.evidence.committers import ProcessCommitter, ThreadCommitter
from mock_portal.evidence.model import Exchange
from mock_portal.evidence.sqlite_writer import COLUMNS, StateOp


class EvidenceStore:
    def __init__(self, url: str = "sqlite:///:memory:") -> None:
        self.url = url
        self._backend: Backend = open_backend(url)
        self._lock = threading.Lock()  # guards the connection
        self._staged: list[StateOp] = []
        self._staged_lock = threading.Lock()
        in_memory = isinstance(self._backend, SQLiteBackend) and self._backend.path == ":memory:"
        self.durable = not in_memory
        self._committer: ProcessCommitter | ThreadCommitter
        if isinstance(self._backend, SQLiteBackend) and not in_memory:
            self._committer = ProcessCommitter(self._backend.path)
        else:
            self._committer = ThreadCommitter(self._backend, self._lock)

    @property
    def commits(self) -> int:
        """Transactions committed so far (fewer than rows under concurrency: group commit)."""
        return self._committer.commits

    @property
    def rows(self) -> int:
        return self._committer.rows

    # --- writing -------------------------------------------------------------------------------------
    def record(self, *exchanges: Exchange) -> asyncio.Future[None]:
        """Store exchanges: `await store.record(...)` returns once they are committed (with whatever else
        was queued meanwhile), or raises if they could not be. A future rather than a coroutine: one
        frame less for each request to suspend and resume."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        ops = self._take_staged() if self._staged else ()
        self._committer.submit([to_row(e) for e in exchanges], loop, future, ops)
        return future

    # --- national state ------------------------------------------------------------------------------
    def stage(self, *ops: StateOp) -> None:
        """Queue state ops for the next `record()` (its transaction), in order. Staged outside a request,
        they wait for the next one, or for `close()`."""
        with self._staged_lock:
            self._staged.extend(ops)

    def _take_staged(self) -> list[StateOp]:
        with self._staged_lock:
            ops, self._staged = self._staged, []
        return ops

    def load_state(self, kind: str) -> list[tuple[str, str, bytes | None]]:
        """(key, meta, body) of every committed state row of `kind`, in the order they were first put."""
        p = self._backend.placeholder
        sql = (
            "SELECT s.key, s.meta, COALESCE(s.body, e.request_body) FROM national_state s "
            f"LEFT JOIN exchanges e ON e.seq = s.ref WHERE s.kind = {p} ORDER BY s.seq"
        )
        rows = self._run(lambda b: b.query(sql, [kind]))
        return [(key, meta, None if body is None else bytes(body)) for key, meta, body in rows]

    # --- reading -------------------------------------------------------------------------------------
    def _run(self, work: Callable[[Backend], Any]) -> Any:
        with self._lock:
            return work(self._backend)

    def _select(
        self,
        service: str | None,
        ma_ho_so: str | None,
        ma_tham_chieu: str | None,
        since: float | None,
        after_seq: int | None,
        channel: str | None,
        limit: int,
    ) -> Callable[[Backend], list[Exchange]]:
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
        sql = f"SELECT seq, {', '.join(COLUMNS)} FROM exchanges"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY seq LIMIT {int(limit)}"
        return lambda backend: [from_row(row) for row in backend.query(sql, params)]

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
        """Committed exchanges: every acknowledged one is there (acknowledging waits for the commit)."""
        found: list[Exchange] = self._run(
            self._select(service, ma_ho_so, ma_tham_chieu, since, after_seq, channel, limit)
        )
        return found

    async def query_async(self, **filters: Any) -> list[Exchange]:
        """Admin reads are short: they run on the loop, under the lock."""
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

    def kept_value(self, name: str, make: Callable[[], str]) -> str:
        """A value kept with the evidence for the store's life (the pseudonymisation key): made by `make` the
        first time, read back after that, by any process opening the same store; `clear()` keeps it."""
        if not (name.isidentifier() and name.isascii()):
            raise ValueError(f"not a setting name: {name!r}")

        def work(backend: Backend) -> str:
            backend.execute("CREATE TABLE IF NOT EXISTS evidence_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            select = f"SELECT value FROM evidence_meta WHERE name = {backend.placeholder}"
            rows = backend.query(select, [name])
            if not rows:
                value = make()
                if not (value.isalnum() and value.isascii()):
                    raise ValueError("a kept value is letters and digits")
                # literals: `execute` takes no parameters; both are checked above
                insert = f"INSERT INTO evidence_meta (name, value) VALUES ('{name}', '{value}')"
                backend.execute(insert + " ON CONFLICT (name) DO NOTHING")
                rows = backend.query(select, [name])  # another process may have made it first
            return str(rows[0][0])

        return str(self._run(work))

    def clear(self) -> None:
        """Delete every exchange (tests and `POST /_admin/reset`). State rows that borrow their body from
        an exchange (`ref`) get their own copy first: whatever deletes exchanges must do the same."""
        self._run(_clear_exchanges)

    async def reset_async(self) -> None:
        """`POST /_admin/reset`: commit the staged state ops (the channels' clears) after everything in
        flight, so that no state row is left to copy, then delete the evidence."""
        ops = self._take_staged()
        if ops:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            self._committer.submit([], loop, future, ops)
            await future
        self.clear()

    def close(self) -> None:
        """Commit what is queued (state ops no exchange took along too), stop the writer, close the connection."""
        self._committer.close()
        leftover = self._take_staged()
        with self._lock:
            try:
                if leftover:
                    self._backend.insert([], leftover)
            finally:
                self._backend.close()


def _clear_exchanges(backend: Backend) -> None:
    backend.execute(
        "UPDATE national_state SET ref = NULL, body = "
        "(SELECT request_body FROM exchanges WHERE exchanges.seq = national_state.ref) WHERE ref IS NOT NULL"
    )
    backend.execute("DELETE FROM exchanges")


def open_store(url: str) -> EvidenceStore:
    try:
        return EvidenceStore(url)
    except sqlite3.Error as exc:
        raise UsageError(f"cannot open the evidence store {url}: {exc}") from None
