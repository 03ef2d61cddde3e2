"""The SQLite evidence writer: the multi-row INSERT, and the writer process that runs it for a file store.

This module uses only the standard library: the mock starts it as a child process (`python -I <this
file> <db path> <socket fd>`), which must not import the mock (a second copy of the harness would cost
start-up time and memory for nothing).

Protocol on the socket (a stream socketpair with the mock):

- mock → writer: frames `<u32 m><u32 b><m bytes: marshal((batch id, [small values of each row], [body
  sizes]))><b bytes: the bodies, in order>`, batch ids increasing;
- writer → mock: first `READY`, then one reply `<u64 batch id><u64 ok>` per transaction, meaning every
  batch up to that id is committed durably (ok=1) or was rolled back (ok=0).

The writer commits everything that has arrived as one transaction (group commit) with
`synchronous=FULL`, so a reply is sent only once the rows are on disk.
"""

from __future__ import annotations

import marshal
import queue
import socket
import sqlite3
import struct
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

# The order of a row's values; the two bodies last, so that a row travels to the writer as its small
# values (marshalled) followed by the bodies (sent from the request's own bytes, never copied in between).
COLUMNS = (
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
    "response_headers",
    "verdict",
    "rules",
    "error",
    "duration_ms",
    "request_body",
    "response_body",
)
SMALL = len(COLUMNS) - 2
HEADER = struct.Struct("<II")
REPLY = struct.Struct("<QQ")
READY = REPLY.pack(0, 1)
_MAX_ROWS = 500  # rows per INSERT statement (bounded by SQLITE_LIMIT_VARIABLE_NUMBER as well)
FRAME_ROWS = 256  # rows per frame: 2 + 2 × 256 buffers stay under IOV_MAX (1024)
POLL_PAUSE_S = 0.0002  # while frames keep coming, look for the next one this often...
POLL_WINDOW_S = 0.05  # ...until none came for this long; then sleep in recv() until one does


def insert_sql(count: int, placeholder: str) -> str:
    one = "(" + ", ".join([placeholder] * len(COLUMNS)) + ")"
    return f"INSERT INTO exchanges ({', '.join(COLUMNS)}) VALUES " + ", ".join([one] * count)


def max_rows(conn: sqlite3.Connection) -> int:
    return max(1, min(_MAX_ROWS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS)))


def insert_rows(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]], limit: int) -> None:
    """One transaction. On an autocommit connection a batch that fits one statement is a single
    `sqlite3_step` (insert, commit, WAL fsync), made without the GIL."""
    if not rows:
        return
    if len(rows) <= limit:
        conn.execute(insert_sql(len(rows), "?"), [value for row in rows for value in row])
        return
    conn.execute("BEGIN")
    try:
        for start in range(0, len(rows), limit):
            chunk = rows[start : start + limit]
            conn.execute(insert_sql(len(chunk), "?"), [value for row in chunk for value in row])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _receive(sock: socket.socket, inbox: queue.SimpleQueue[bytes]) -> None:
    """Drain the socket as fast as it fills (the mock never waits on a full buffer), b"" at the end.

    Under load this thread polls instead of sleeping in recv(): then the mock's send() has nobody to
    wake, which on a virtual machine (an interrupt to another CPU) cost the event loop more than the
    send itself (about 5 µs a request in benchmarks/mock_ingest.py). Idle, it sleeps in recv()."""
    busy_until = 0.0
    blocking = True
    while True:
        polling = time.monotonic() < busy_until
        if polling == blocking:
            sock.setblocking(not polling)
            blocking = not polling
        try:
            data = sock.recv(1 << 22)
        except BlockingIOError:
            time.sleep(POLL_PAUSE_S)
            continue
        except OSError:
            data = b""
        inbox.put(data)
        if not data:
            return
        busy_until = time.monotonic() + POLL_WINDOW_S


def encode_frame(batch_id: int, rows: Sequence[Sequence[Any]]) -> list[bytes]:
    """The buffers of one frame (for `sendmsg`): the bodies are the rows' own bytes objects."""
    bodies = [body for row in rows for body in row[SMALL:]]
    sizes = [len(body) for body in bodies]
    meta = marshal.dumps((batch_id, [row[:SMALL] for row in rows], sizes))
    return [HEADER.pack(len(meta), sum(sizes)), meta, *bodies]


def decode_frames(buffer: bytearray) -> list[tuple[int, list[tuple[Any, ...]]]]:
    """Complete frames at the start of `buffer` (consumed); a partial frame stays."""
    batches = []
    position = 0
    while len(buffer) - position >= HEADER.size:
        meta_size, bodies_size = HEADER.unpack_from(buffer, position)
        offset = position + HEADER.size + meta_size
        end = offset + bodies_size
        if end > len(buffer):
            break
        batch_id, smalls, sizes = marshal.loads(buffer[position + HEADER.size : offset])
        size_of = iter(sizes)
        rows = []
        for small in smalls:
            bodies = []
            for _ in range(len(COLUMNS) - SMALL):
                size = next(size_of)
                bodies.append(buffer[offset : offset + size])  # a copy already (SQLite binds it as a BLOB)
                offset += size
            rows.append((*small, *bodies))
        batches.append((batch_id, rows))
        position = end
    del buffer[:position]
    return batches


def serve(path: str, fd: int) -> None:
    sock = socket.socket(fileno=fd)
    conn = sqlite3.connect(path, isolation_level=None, cached_statements=512)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    limit = max_rows(conn)
    inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(sock, inbox), daemon=True).start()
    sock.sendall(READY)
    buffer = bytearray()
    done = False
    while not done:
        chunks = [inbox.get()]
        while not inbox.empty():
            chunks.append(inbox.get())
        for chunk in chunks:
            done = done or not chunk
            buffer += chunk
        batches = decode_frames(buffer)
        if not batches:
            continue
        ok = 1
        try:
            insert_rows(conn, [row for _, rows in batches for row in rows], limit)
        except sqlite3.Error as exc:
            ok = 0
            print(f"evidence writer: batch not stored: {exc}", file=sys.stderr, flush=True)
        try:
            sock.sendall(REPLY.pack(batches[-1][0], ok))
        except OSError:
            break  # the mock is gone
    conn.close()


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
