"""The SQLite evidence writer: the multi-row INSERT, and the writer process that runs it for a file store.

This module uses only the standard library: the mock starts it as a child process (`python -I <this
file> <db path> <socket fd>`), which must not import the mock (a second copy of the harness would cost
start-up time and memory for nothing).

Protocol on the socket (a stream socketpair with the mock):

- mock → writer: frames `<u32 m><u32 b><m bytes: marshal((batch id, [small values of each row], [body
  sizes], [state ops]))><b bytes: the bodies, in order>`, batch ids increasing;
- writer → mock: first `READY`, then one reply `<u64 batch id><u64 ok>` per transaction, meaning every
  batch up to that id is committed durably (ok=1) or was rolled back (ok=0).

The writer commits everything that has arrived as one transaction (group commit) with
`synchronous=FULL`, so a reply is sent only once the rows are on disk.

State ops write the national state the mock keeps beside the evidence (table `national_state`: one row
per kind and key, e.g. a synced dossier) in the same transaction as the evidence rows they came with:
`("put", kind, key, meta, body)` inserts or replaces a row, `("ref", kind, key, meta, i)` does the same
with the body of the frame's row `i` (its request body: stored once, in `exchanges`, the state row keeps
its `seq` in `ref`), `("meta", kind, key, meta, None)` replaces the meta only, `("clear", kind, "", "",
None)` deletes every row of a kind. They apply in order, after the frame's rows.
"""

from __future__ import annotations

import marshal
import socket
import sqlite3
import struct
import sys
import time
from collections.abc import Callable, Sequence
from itertools import groupby
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


StateOp = tuple[str, str, str, str, bytes | int | None]  # (op, kind, key, meta, body or row index)
REQUEST_BODY = COLUMNS.index("request_body")


def insert_sql(count: int, placeholder: str) -> str:
    one = "(" + ", ".join([placeholder] * len(COLUMNS)) + ")"
    return f"INSERT INTO exchanges ({', '.join(COLUMNS)}) VALUES " + ", ".join([one] * count)


def state_sql(placeholder: str) -> dict[str, str]:
    """The statement of each state op (SQLite 3.24+ and PostgreSQL share the upsert syntax)."""
    p = placeholder
    return {
        "put": f"INSERT INTO national_state (kind, key, meta, body, ref) VALUES ({p}, {p}, {p}, {p}, NULL) "
        "ON CONFLICT (kind, key) DO UPDATE SET meta = excluded.meta, body = excluded.body, ref = NULL",
        "ref": f"INSERT INTO national_state (kind, key, meta, body, ref) VALUES ({p}, {p}, {p}, NULL, {p}) "
        "ON CONFLICT (kind, key) DO UPDATE SET meta = excluded.meta, body = NULL, ref = excluded.ref",
        "meta": f"UPDATE national_state SET meta = {p} WHERE kind = {p} AND key = {p}",
        "clear": f"DELETE FROM national_state WHERE kind = {p}",
    }


def _state_params(op: Sequence[Any]) -> tuple[Any, ...]:
    name, kind, key, meta, body = op
    if name in ("put", "ref"):
        return (kind, key, meta, body)
    if name == "meta":
        return (meta, kind, key)
    return (kind,)


def apply_ops(
    executemany: Callable[[str, list[tuple[Any, ...]]], Any], ops: Sequence[Sequence[Any]], placeholder: str
) -> None:
    """Run the ops in order, each run of one op in one `executemany`."""
    statements = state_sql(placeholder)
    for name, run in groupby(ops, key=lambda op: op[0]):
        executemany(statements[name], [_state_params(op) for op in run])


def max_rows(conn: sqlite3.Connection) -> int:
    return max(1, min(_MAX_ROWS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(COLUMNS)))


def insert_rows(
    conn: sqlite3.Connection, rows: Sequence[Sequence[Any]], limit: int, ops: Sequence[Sequence[Any]] = ()
) -> None:
    """One transaction: the evidence rows and the state ops. On an autocommit connection a batch without
    ops that fits one statement is a single `sqlite3_step` (insert, commit, WAL fsync), made without the GIL."""
    if not rows and not ops:
        return
    if len(rows) <= limit and not ops:
        conn.execute(insert_sql(len(rows), "?"), [value for row in rows for value in row])
        return
    conn.execute("BEGIN")
    try:
        for start in range(0, len(rows), limit):
            chunk = rows[start : start + limit]
            conn.execute(insert_sql(len(chunk), "?"), [value for row in chunk for value in row])
        if any(op[0] == "ref" for op in ops):  # this transaction's rows got consecutive seqs, ending here
            first = int(conn.execute("SELECT last_insert_rowid()").fetchone()[0]) - len(rows) + 1
            ops = [(*op[:4], first + op[4]) if op[0] == "ref" else op for op in ops]
        apply_ops(conn.executemany, ops, "?")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _receive(sock: socket.socket, buffer: bytearray, busy: bool) -> bool:
    """Append what has arrived to `buffer`, waiting for something first; False at the end of input.

    While frames keep coming (`busy`) it polls instead of sleeping in recv(): then the mock's send()
    has nobody to wake, which on a virtual machine (an interrupt to another CPU) cost the event loop
    more than the send itself (about 5 µs a request in benchmarks/mock_ingest.py). Idle, it sleeps in
    recv(). Frames sent while a batch is being committed wait in the socket's buffer."""
    flags = socket.MSG_DONTWAIT if busy else 0
    deadline = time.monotonic() + POLL_WINDOW_S
    while True:
        try:
            data = sock.recv(1 << 22, flags)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                flags = 0  # nothing for a while: sleep until something comes
            else:
                time.sleep(POLL_PAUSE_S)
        except OSError:
            return False
    if not data:
        return False
    buffer += data
    while True:  # whatever else is already there joins this batch
        try:
            data = sock.recv(1 << 22, socket.MSG_DONTWAIT)
        except OSError:  # nothing more for now (an error shows at the next wait)
            return True
        if not data:
            return True  # the end: noticed at the next wait
        buffer += data


def encode_frame(batch_id: int, rows: Sequence[Sequence[Any]], ops: Sequence[Sequence[Any]] = ()) -> list[bytes]:
    """The buffers of one frame (for `sendmsg`): the bodies are the rows' own bytes objects; state ops
    (few and small next to the rows) travel marshalled."""
    bodies = [body for row in rows for body in row[SMALL:]]
    sizes = [len(body) for body in bodies]
    meta = marshal.dumps((batch_id, [row[:SMALL] for row in rows], sizes, list(ops)))
    return [HEADER.pack(len(meta), sum(sizes)), meta, *bodies]


def decode_frames(buffer: bytearray) -> list[tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Complete frames at the start of `buffer` (consumed); a partial frame stays."""
    batches = []
    position = 0
    while len(buffer) - position >= HEADER.size:
        meta_size, bodies_size = HEADER.unpack_from(buffer, position)
        offset = position + HEADER.size + meta_size
        end = offset + bodies_size
        if end > len(buffer):
            break
        batch_id, smalls, sizes, ops = marshal.loads(buffer[position + HEADER.size : offset])
        size_of = iter(sizes)
        rows = []
        for small in smalls:
            bodies = []
            for _ in range(len(COLUMNS) - SMALL):
                size = next(size_of)
                bodies.append(buffer[offset : offset + size])  # a copy already (SQLite binds it as a BLOB)
                offset += size
            rows.append((*small, *bodies))
        batches.append((batch_id, rows, ops))
        position = end
    del buffer[:position]
    return batches


def serve(path: str, fd: int) -> None:
    sock = socket.socket(fileno=fd)
    conn = sqlite3.connect(path, isolation_level=None, cached_statements=512)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=5000")
    limit = max_rows(conn)
    sock.sendall(READY)
    buffer = bytearray()
    busy = False
    while _receive(sock, buffer, busy):
        batches = decode_frames(buffer)
        busy = True
        if not batches:
            continue
        ok = 1
        try:
            rows: list[tuple[Any, ...]] = []
            ops: list[tuple[Any, ...]] = []
            for _, batch_rows, batch_ops in batches:  # a "ref" names a row of its frame: renumber
                ops += [(*op[:4], len(rows) + op[4]) if op[0] == "ref" else op for op in batch_ops]
                rows += batch_rows
            insert_rows(conn, rows, limit, ops)
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
