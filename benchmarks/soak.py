"""Soak: the mock under steady load for a long while, then killed and restarted; nothing acknowledged is lost.

    python benchmarks/soak.py [--duration 600] [--probe 10] [--load 0.8] [--connections 32] [--pool 2000]

1. Starts `dvc-harness mock serve` (its own process group) on a SQLite file store.
2. Measures its capacity: `--probe` seconds of closed-loop load with the soak's mix.
3. Runs `--duration` seconds at `--load` (80%) of that rate. The mix, per connection (each owns its own
   dossiers, so no two requests race on one): first a DongBoHoSoMC insert of each dossier, then updates
   (below), and every 10th request a TraCuuHoSo. The working set is fixed
   (`--pool` dossiers), so the mock's memory should stay flat: RSS of the server process is sampled.
   Each dossier moves 2 → 4 → 5 → 4 and is then re-synced in status 4 (content updates): its status
   history, which the mock keeps by design, stays short.
4. Kills the mock's whole process group with SIGKILL while the load is running (server and evidence
   writer: a crashed container), and restarts it at once on the same port and file.
5. Checks that every acknowledged exchange (each request carries `?n=<id>` in its URL; the evidence rows
   are read from the store's file) and every acknowledged dossier (TraCuuHoSo, in the last acknowledged
   status or the one in flight at the kill) is still there; a sample is cross-checked through
   `/_admin/exchanges`.

Last line: RESULT acknowledged=<n> lost=<n> rss_growth_mb=<x>   (target: lost=0, growth under 50 MB)
`acknowledged` counts exchanges; dossiers are reported on the line before. Not part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "DongBoHoSoMC.extended.json"
AGENCY = "000.00.00.H56"
ADMIN = {"Authorization": "Bearer demo-admin"}
# a dossier's statuses (allowed moves, dvcqg-interfaces §8.1), then re-syncs in its last one: a status
# history grows with every change, by design, so a dossier changing forever would grow without bound
PATH = ("2", "4", "5", "4")


# --- the mock process -------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_mock(port: int, store: str, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "harness", "mock", "serve", "--port", str(port), "--store", store]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=log.parent, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the mock exited with {process.returncode}; see {log}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/_admin/health", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    kill_group(process)
    raise SystemExit(f"the mock did not start; see {log}")


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the mock and its evidence writer at once."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def authenticate(port: int) -> str:
    answer = httpx.post(f"http://127.0.0.1:{port}/dvcqg/auth", json={"username": "demo", "password": "demo"})
    return str(answer.json()["session"])


# --- the workload -----------------------------------------------------------------------------------


class Packets:
    """DongBoHoSoMC bodies from the golden dossier: code, date, status and isUpdating filled in."""

    def __init__(self, session: str) -> None:
        template = json.loads(GOLDEN.read_text(encoding="utf-8"))
        dossier = template["data"][0]
        dossier["NgayKetThucXuLy"] = ""
        dossier["DanhSachGiayToKetQua"] = []  # results only once processing ends (QCVN120-RESULT-AT-END)
        template |= {"session": session, "isUpdating": "@@U@@"}
        text = json.dumps(template, ensure_ascii=False, separators=(",", ":")).replace("@@U@@", "\0U\0")
        text = text.replace(dossier["MaHoSo"], "\0C\0").replace(dossier["NgayTiepNhan"], "\0D\0")
        text = text.replace(f'"TrangThaiHoSo":"{dossier["TrangThaiHoSo"]}"', '"TrangThaiHoSo":"\0S\0"')
        self._parts = [part.encode() for part in text.split("\0")]
        self._session = session

    @staticmethod
    def code(index: int) -> tuple[str, str]:
        """MaHoSo and NgayTiepNhan of pool dossier `index` (date segment = the reception date)."""
        day = 1 + (index // 9999) % 28
        return f"000.00.31.H56-2403{day:02d}-{1 + index % 9999:04d}", f"202403{day:02d}091512"

    def sync(self, index: int, status: str, updating: bool) -> bytes:
        code, date = self.code(index)
        values = {
            b"C": code.encode(),
            b"D": date.encode(),
            b"S": status.encode(),
            b"U": b"True" if updating else b"False",
        }
        return b"".join(values[part] if position % 2 else part for position, part in enumerate(self._parts))

    def lookup(self, index: int) -> bytes:
        body = {"session": self._session, "madonvi": AGENCY, "service": "TraCuuHoSo", "mahoso": self.code(index)[0]}
        return json.dumps(body).encode()


@dataclass
class Ledger:
    """What the mock acknowledged, and what was in flight when it died."""

    exchanges: set[int] = field(default_factory=set)
    dossiers: dict[int, str] = field(default_factory=dict)  # pool index → last acknowledged status
    steps: dict[int, int] = field(default_factory=dict)  # pool index → acknowledged syncs
    in_flight: dict[int, str] = field(default_factory=dict)  # pool index → status sent, not yet answered
    refused: int = 0
    first_refusal: str = ""
    broken: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def request_bytes(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return int(head[9:12]), (await reader.readexactly(length) if length else b"")


async def drive(
    port: int, packets: Packets, ledger: Ledger, connections: int, pool: int, seconds: float, rate: float | None
) -> int:
    """Load for `seconds`: closed loop (`rate` None) or paced at `rate` requests/s overall. Returns the
    number of answered requests. A connection that breaks (the mock was killed) ends its worker."""
    started = time.perf_counter()
    stop_at = started + seconds
    slots = itertools.count()
    answered = 0
    # connection c owns pool dossiers c, c + connections, ...: one request in flight per dossier
    cursors = [itertools.cycle(range(c, pool, connections)) for c in range(connections)]
    turns = [0] * connections

    async def worker(c: int) -> None:
        nonlocal answered
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        try:
            while True:
                if rate is not None:
                    due = started + next(slots) / rate
                    if due > stop_at:
                        return
                    if due > time.perf_counter():
                        await asyncio.sleep(due - time.perf_counter())
                elif time.perf_counter() >= stop_at:
                    return
                turns[c] += 1
                n = next(ledger.ids)
                index = next(cursors[c])
                if turns[c] % 10 == 0 and index in ledger.dossiers:
                    body, status = packets.lookup(index), None
                else:
                    step = ledger.steps.get(index, 0)
                    status = PATH[min(step, len(PATH) - 1)]
                    body = packets.sync(index, status, step > 0)
                    ledger.in_flight[index] = status
                writer.write(request_bytes(f"/dvcqg/integration?n={n}", body))
                code, answer = await read_response(reader)
                if code != 503:  # answered: its evidence row was committed first (503: the store failed)
                    ledger.exchanges.add(n)
                answered += 1
                if status is not None:
                    del ledger.in_flight[index]
                    if code == 200 and b'"error_code":0' in answer:
                        ledger.dossiers[index] = status
                        ledger.steps[index] = ledger.steps.get(index, 0) + 1
                    else:
                        ledger.refused += 1
                        ledger.first_refusal = ledger.first_refusal or answer.decode("utf-8", "replace")
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ledger.broken += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(c) for c in range(connections)))
    return answered


# --- verification -----------------------------------------------------------------------------------


def lost_exchanges(database: Path, ledger: Ledger) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        stored = {
            int(url.rsplit("=", 1)[1])
            for (url,) in conn.execute("SELECT url FROM exchanges WHERE url LIKE '/dvcqg/integration?n=%'")
        }
    return len(ledger.exchanges - stored)


def lost_dossiers(port: int, packets: Packets, ledger: Ledger) -> int:
    lost = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        session = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["session"]
        for index, status in ledger.dossiers.items():
            body = {"session": session, "madonvi": AGENCY, "service": "TraCuuHoSo", "mahoso": packets.code(index)[0]}
            found = client.post("/dvcqg/integration", json=body).json().get("result") or []
            allowed = {status, ledger.in_flight.get(index)}
            if len(found) != 1 or found[0].get("TrangThaiHoSo") not in allowed:
                lost += 1
        # the admin API sees the evidence too (a sample: the file check above covers every exchange)
        for index in random.Random(0).sample(sorted(ledger.dossiers), min(50, len(ledger.dossiers))):
            rows = client.get("/_admin/exchanges", params={"ma_ho_so": packets.code(index)[0]}, headers=ADMIN)
            if not any(row["service"] == "DongBoHoSoMC" and row["status"] == 200 for row in rows.json()):
                lost += 1
    return lost


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of steady load (default 600)")
    parser.add_argument("--probe", type=float, default=10.0, help="seconds of the capacity measurement")
    parser.add_argument("--load", type=float, default=0.8, help="fraction of the capacity to run at")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--pool", type=int, default=2000, help="dossiers in the working set")
    parser.add_argument("--dir", default=None, help="where the store and the mock's log go (default: a temp dir)")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    work = Path(args.dir or tempfile.mkdtemp(prefix="dvc-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    database = work / "national.sqlite"
    store, log, port = f"sqlite:///{database}", work / "mock.log", free_port()
    print(f"store {database}, log {log}, port {port}", flush=True)

    mock = start_mock(port, store, log)
    try:
        packets, ledger = Packets(authenticate(port)), Ledger()
        answered = asyncio.run(drive(port, packets, ledger, args.connections, args.pool, args.probe, None))
        if not ledger.dossiers:
            raise SystemExit(f"the mock refused the soak's packets: {ledger.first_refusal[:600]}")
        capacity = answered / args.probe
        rate = capacity * args.load
        print(f"capacity {capacity:,.0f} req/s (closed loop, {args.connections} connections); soak at {rate:,.0f}")

        baseline = rss_mb(mock.pid)
        peak = baseline
        done = 0
        chunk = 10.0
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < args.duration - chunk:
            done += asyncio.run(drive(port, packets, ledger, args.connections, args.pool, chunk, rate))
            rss = rss_mb(mock.pid)
            peak = max(peak, rss)
            print(
                f"t={elapsed + chunk:5.0f}s answered={done:,} rate={done / (elapsed + chunk):,.0f}/s rss={rss:.1f} MB"
            )

        async def last_stretch() -> int:
            """The rest of the run, with the kill while requests are in flight."""
            remaining = max(1.0, args.duration - (time.monotonic() - started))
            load = asyncio.ensure_future(drive(port, packets, ledger, args.connections, args.pool, 3600, rate))
            await asyncio.sleep(remaining)
            end_rss.append(rss_mb(mock.pid))
            kill_group(mock)
            return await load

        end_rss: list[float] = []
        done += asyncio.run(last_stretch())
        growth = max(end_rss[0], peak) - baseline
        print(
            f"killed (SIGKILL, process group) after {done:,} answered soak requests; "
            f"RSS {baseline:.1f} → {end_rss[0]:.1f} MB (peak {peak:.1f})"
        )

        mock = start_mock(port, store, log)
        print(f"restarted on port {port}")
        missing_exchanges = lost_exchanges(database, ledger)
        missing_dossiers = lost_dossiers(port, packets, ledger)
        print(
            f"exchanges acknowledged {len(ledger.exchanges):,}, missing {missing_exchanges}; dossiers acknowledged "
            f"{len(ledger.dossiers):,}, missing or stale {missing_dossiers}; refused {ledger.refused}, "
            f"in flight at the kill {len(ledger.in_flight)}, connections broken {ledger.broken}"
        )
        print(
            f"RESULT acknowledged={len(ledger.exchanges)} lost={missing_exchanges + missing_dossiers} "
            f"rss_growth_mb={growth:.1f}"
        )
    finally:
        if mock.poll() is None:
            kill_group(mock)


if __name__ == "__main__":
    main()
