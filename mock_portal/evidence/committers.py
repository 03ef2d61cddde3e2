"""How evidence rows become durable while the event loop keeps serving (group commit, pipelined).

`submit(rows, loop, future, ops)` queues rows (and state ops, committed in the same transaction);
`future` (of `loop`) completes once they are committed, or fails if they could not be. Rows submitted
meanwhile share the next commit, so durability costs one fsync per batch, and the batch grows while the
previous one is being committed. Batches are committed in the order they were submitted.

- `ProcessCommitter` (a SQLite file, the default store): a writer process owns the write connection.
  The loop sends each iteration's rows over a socket and learns of the commit as an ordinary readable
  socket: nothing competes with the event loop for the GIL. A state op whose body is a row's request
  body travels as a reference to that row (`by_reference`): a dossier kept as received is written once.
- `ThreadCommitter` (PostgreSQL, in-memory SQLite): one writer thread; a SQLite batch is one statement,
  stepped without the GIL. The thread needs the GIL once per batch, which the loop only yields when it
  waits for I/O: fine for these stores, not for the loaded default.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.errors import UsageError
from mock_portal.evidence import sqlite_writer
from mock_portal.evidence.backends import Backend, Row
from mock_portal.evidence.sqlite_writer import StateOp

_BUFFER_BYTES = 4 << 20  # socket buffers: a batch in flight never blocks the loop
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0


@dataclass(slots=True)
class _Batch:
    """Rows recorded on one event loop, and the futures (of that loop) waiting for their commit."""

    loop: asyncio.AbstractEventLoop
    rows: list[Row] = field(default_factory=list)
    futures: list[asyncio.Future[None]] = field(default_factory=list)
    ops: list[StateOp] = field(default_factory=list)


def settle(batches: list[_Batch], error: BaseException | None) -> None:
    """Complete the futures on their own loop: directly from that loop's thread, else with one
    thread-safe call per loop. A closed loop has nobody waiting any more."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
    for batch in batches:
        by_loop.setdefault(batch.loop, []).extend(batch.futures)
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, futures in by_loop.items():
        if loop is running:
            _resolve(futures, error)
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, futures, error)


def _resolve(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # cancelled: the client went away
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


class ThreadCommitter:
    def __init__(self, backend: Backend, lock: threading.Lock) -> None:
        self._backend = backend
        self._lock = lock  # the store's: reads share the connection
        self._queue: deque[_Batch] = deque()
        self._wake = threading.Event()
        self._closed = False
        self.commits = 0
        self.rows = 0
        self._thread = threading.Thread(target=self._write_forever, name="evidence-writer", daemon=True)
        self._thread.start()

    def submit(
        self,
        rows: list[Row],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[None],
        ops: Sequence[StateOp] = (),
    ) -> None:
        if self._closed:
            raise RuntimeError("the evidence store is closed")
        self._queue.append(_Batch(loop, rows, [future], list(ops)))
        if not self._wake.is_set():  # one wake-up per batch: later rows find the event already set
            self._wake.set()

    def _write_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            batches: list[_Batch] = []
            while self._queue:
                batches.append(self._queue.popleft())
            if batches:
                self._commit(batches)
            if self._closed and not self._queue:
                return

    def _commit(self, batches: list[_Batch]) -> None:
        rows = [row for batch in batches for row in batch.rows]
        ops = [op for batch in batches for op in batch.ops]
        error: BaseException | None = None
        try:
            with self._lock:
                self._backend.insert(rows, ops)
            self.commits += 1
            self.rows += len(rows)
        except Exception as exc:  # every waiting request learns that its evidence was not stored
            error = exc
        settle(batches, error)

    def close(self) -> None:
        """Commit what is queued, then stop."""
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._thread.join()
        leftover = list(self._queue)  # raced with closing
        self._queue.clear()
        settle(leftover, RuntimeError("the evidence store is closed"))


class ProcessCommitter:
    """Rows recorded during one loop iteration go to the writer process as one frame; its reply (the
    highest committed batch id) arrives on a socket the loop watches, and settles every batch up to it.

    One loop reads the replies (the one that last sent while no other was running); futures of other
    loops are settled on theirs with a thread-safe call.
    """

    def __init__(self, path: str) -> None:
        mine, theirs = socket.socketpair()
        for sock in (mine, theirs):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _BUFFER_BYTES)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _BUFFER_BYTES)
        script = str(Path(sqlite_writer.__file__).resolve())
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", script, path, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self._sock = mine
        self._await_ready()
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()  # frames whole and in id order; guards _inflight
        self._pending: dict[asyncio.AbstractEventLoop, _Batch] = {}
        self._inflight: deque[tuple[int, _Batch]] = deque()
        self._replies = bytearray()
        self._reader: asyncio.AbstractEventLoop | None = None
        self._failure: str | None = None
        self.commits = 0
        self.rows = 0

    def _await_ready(self) -> None:
        self._sock.settimeout(_START_TIMEOUT_S)
        try:
            ready = self._sock.recv(len(sqlite_writer.READY))
        except OSError:
            ready = b""
        self._sock.settimeout(None)
        if ready != sqlite_writer.READY:
            self._process.kill()
            self._sock.close()
            raise UsageError("the evidence writer process did not start (see its message above)")

    # --- sending -------------------------------------------------------------------------------------
    def submit(
        self,
        rows: list[Row],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[None],
        ops: Sequence[StateOp] = (),
    ) -> None:
        if self._failure is not None:
            raise RuntimeError(self._failure)
        batch = self._pending.get(loop)
        if batch is None:
            batch = self._pending[loop] = _Batch(loop)
            loop.call_soon(self._send, loop)
        if ops:
            batch.ops += by_reference(ops, rows, len(batch.rows))
        batch.rows += rows
        batch.futures.append(future)

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._pending.pop(loop, None)
        if batch is not None:
            self._send_batch(batch)
            self._watch_replies(loop)

    def _send_batch(self, batch: _Batch) -> None:
        problem = self._failure
        rows, step = batch.rows, sqlite_writer.FRAME_ROWS
        if len(rows) > step and batch.ops:  # a "ref" names a row of its own frame: one frame, or copies
            batch.ops = [_copied(op, rows) for op in batch.ops]
        with self._send_lock:
            if problem is None:
                try:
                    for start in range(0, max(1, len(rows)), step):
                        batch_id = next(self._ids)
                        ops = batch.ops if start == 0 else ()  # with the first frame: in submission order
                        _send_all(self._sock, sqlite_writer.encode_frame(batch_id, rows[start : start + step], ops))
                    self._inflight.append((batch_id, batch))  # settled once its last frame is committed
                except OSError as exc:
                    problem = f"evidence writer process unavailable: {exc}"
        if problem is not None:
            self._fail(problem)
            settle([batch], RuntimeError(problem))

    # --- replies -------------------------------------------------------------------------------------
    def _watch_replies(self, loop: asyncio.AbstractEventLoop) -> None:
        reader = self._reader
        if reader is loop or (reader is not None and not reader.is_closed() and reader.is_running()):
            return
        if reader is not None and not reader.is_closed():
            with contextlib.suppress(Exception):
                reader.remove_reader(self._sock.fileno())
        loop.add_reader(self._sock.fileno(), self._on_replies)
        self._reader = loop

    def _on_replies(self) -> None:
        try:
            data = self._sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._fail("the evidence writer process exited")
            return
        self._replies += data
        self._take_replies()

    def _take_replies(self) -> None:
        size = sqlite_writer.REPLY.size
        while len(self._replies) >= size:
            batch_id, ok = sqlite_writer.REPLY.unpack_from(self._replies)
            del self._replies[:size]
            self._committed(batch_id, bool(ok))

    def _committed(self, batch_id: int, ok: bool) -> None:
        done: list[_Batch] = []
        with self._send_lock:
            while self._inflight and self._inflight[0][0] <= batch_id:
                done.append(self._inflight.popleft()[1])
        if ok:
            self.commits += 1
            self.rows += sum(len(batch.rows) for batch in done)
        settle(done, None if ok else RuntimeError("the evidence writer could not store the batch"))

    def _fail(self, why: str) -> None:
        """The writer is gone: whatever it had not confirmed is not stored; nothing more is accepted."""
        self._failure = self._failure or why
        with self._send_lock:
            lost = [batch for _, batch in self._inflight]
            self._inflight.clear()
        settle(lost, RuntimeError(self._failure))
        reader, self._reader = self._reader, None
        if reader is not None and not reader.is_closed():
            with contextlib.suppress(Exception):
                reader.remove_reader(self._sock.fileno())

    def close(self) -> None:
        """Send what is queued, let the writer commit everything it received, then stop it."""
        if self._sock.fileno() < 0:
            return
        for loop in list(self._pending):
            batch = self._pending.pop(loop, None)
            if batch is not None:
                self._send_batch(batch)
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)
        try:
            self._process.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        reader, self._reader = self._reader, None
        if reader is not None and not reader.is_closed():
            remove = reader.remove_reader
            with contextlib.suppress(Exception):
                if reader.is_running():
                    reader.call_soon_threadsafe(remove, self._sock.fileno())
                else:
                    remove(self._sock.fileno())
        self._sock.setblocking(False)
        with contextlib.suppress(OSError):
            while chunk := self._sock.recv(65536):  # the writer's last replies
                self._replies += chunk
        self._take_replies()
        self._fail(self._failure or "the evidence store is closed")
        self._sock.close()


def by_reference(ops: Sequence[StateOp], rows: list[Row], offset: int) -> list[StateOp]:
    """A "put" whose body is the very request body of one of `rows` (a packet kept as received) becomes a
    "ref" to that row (`offset` + its index): the bytes are stored once, as evidence. Identity, not
    equality: a body the recorder copied or rewrote (truncated, redacted) is never referenced."""
    found: list[StateOp] = []
    for op in ops:
        body = op[4]
        if op[0] == "put" and body is not None:
            for index, row in enumerate(rows):
                if row[sqlite_writer.REQUEST_BODY] is body:
                    op = ("ref", op[1], op[2], op[3], offset + index)
                    break
        found.append(op)
    return found


def _copied(op: StateOp, rows: list[Row]) -> StateOp:
    if op[0] != "ref" or not isinstance(op[4], int):
        return op
    return ("put", op[1], op[2], op[3], rows[op[4]][sqlite_writer.REQUEST_BODY])


def _send_all(sock: socket.socket, buffers: list[bytes]) -> None:
    sent = sock.sendmsg(buffers)
    total = sum(len(buffer) for buffer in buffers)
    if sent < total:  # a signal cut a blocking send short: rare, send the rest plainly
        sock.sendall(b"".join(buffers)[sent:])
