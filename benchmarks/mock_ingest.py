"""DongBoHoSoMC requests per second through the mock (validation + state + durable evidence), against a
bare Starlette echo endpoint, both served by one uvicorn worker on loopback, loaded the same way.

    python benchmarks/mock_ingest.py [--seconds 3] [--connections 32] [--rounds 5]

The load generator is a minimal asyncio HTTP/1.1 client with keep-alive connections (one request in
flight per connection), so that the client is not the bottleneck. Each mock request inserts a new
dossier (a fresh MaHoSo whose date segment matches NgayTiepNhan). The evidence store is a SQLite file in
WAL mode with synchronous=FULL, written by the mock's evidence writer process: every acknowledged packet
is committed before its answer leaves. Both servers run with the same uvicorn options.

Both servers stay up for the whole run and are measured in alternating windows (echo, mock, then mock,
echo, ...), so that a slower minute of a shared machine weighs on both sides alike; the ratio is the
median of the rounds' ratios, the request rates the medians of the rounds' rates, and p99 is taken over
every mock request of every round. The mock keeps what it stored between rounds, as a real one would.

Last line: RESULT mock_rps=<n> echo_rps=<n> ratio=<x> p99_ms=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "DongBoHoSoMC.extended.json"

ECHO_APP = """
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

async def echo(request: Request) -> Response:
    return Response(await request.body(), media_type="application/json")

app = Starlette(routes=[Route("/dvcqg/integration", echo, methods=["POST"])])
"""

MOCK_APP = """
import os
from mock_portal.app import create_app
from mock_portal.config import MockConfig
app = create_app(MockConfig(port=int(os.environ["BENCH_PORT"]), store=os.environ["BENCH_STORE"]))
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(module_dir: str, module: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"{module}:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
        "--lifespan",
        "off",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]
    process = subprocess.Popen(command, cwd=module_dir, env={**os.environ, **env, "PYTHONPATH": f"{ROOT}:{module_dir}"})
    deadline = time.monotonic() + 20
    import socket

    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"server {module} did not start")


def request_bytes(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def load(
    port: int, next_body: Callable[[], bytes], seconds: float, connections: int, check: bool
) -> tuple[int, list[float], int]:
    done = 0
    errors = 0
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                request = request_bytes("/dvcqg/integration", next_body())
                started = time.perf_counter()
                writer.write(request)
                status, answer = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or (check and b'"error_code":0' not in answer):
                    errors += 1
                done += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return done, latencies, errors


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000 if ordered else 0.0


class DossierBodies:
    """Distinct inserts, made on demand: MaHoSo sequence per day, date segment = NgayTiepNhan's date."""

    def __init__(self, session: str) -> None:
        template = json.loads(GOLDEN.read_text(encoding="utf-8"))
        template["session"] = session
        template["isUpdating"] = "False"
        dossier = template["data"][0]
        text = json.dumps(template, ensure_ascii=False, separators=(",", ":"))
        text = text.replace(dossier["MaHoSo"], "\0C\0").replace(dossier["NgayTiepNhan"], "\0D\0")
        self._parts = [part.encode() for part in text.split("\0")]  # fixed text at even indexes
        self._index = 0

    def __call__(self) -> bytes:
        index = self._index
        self._index += 1
        day = 1 + (index // 9999) % 28
        month = 1 + (index // (9999 * 28)) % 12
        year = 24 + index // (9999 * 28 * 12)
        date = f"{year:02d}{month:02d}{day:02d}"
        values = {b"C": f"000.00.31.H56-{date}-{1 + index % 9999:04d}".encode(), b"D": f"20{date}091512".encode()}
        return b"".join(values[part] if position % 2 else part for position, part in enumerate(self._parts))


def authenticate(port: int) -> str:
    import httpx

    answer = httpx.post(f"http://127.0.0.1:{port}/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
    return str(answer["session"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per server and round")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--rounds", type=int, default=5, help="alternating measurement windows per server")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as work:
        Path(work, "bench_echo.py").write_text(ECHO_APP, encoding="utf-8")
        Path(work, "bench_mock.py").write_text(MOCK_APP, encoding="utf-8")
        echo_port, mock_port = free_port(), free_port()
        store = f"sqlite:///{work}/evidence.db"
        servers = [start_server(work, "bench_echo", echo_port, {})]
        try:
            servers.append(
                start_server(work, "bench_mock", mock_port, {"BENCH_PORT": str(mock_port), "BENCH_STORE": store})
            )
            golden = GOLDEN.read_bytes()
            echo_body = lambda: golden  # noqa: E731
            mock_bodies = DossierBodies(authenticate(mock_port))
            asyncio.run(load(echo_port, echo_body, 1.0, args.connections, False))  # warm up
            asyncio.run(load(mock_port, mock_bodies, 1.0, args.connections, True))
            rounds: list[tuple[float, float, float]] = []
            mock_latencies: list[float] = []
            mock_errors = 0
            for round_index in range(args.rounds):
                rates: dict[str, float] = {}
                order = ("echo", "mock") if round_index % 2 == 0 else ("mock", "echo")
                for side in order:
                    if side == "echo":
                        done, _, _ = asyncio.run(load(echo_port, echo_body, args.seconds, args.connections, False))
                    else:
                        done, latencies, errors = asyncio.run(
                            load(mock_port, mock_bodies, args.seconds, args.connections, True)
                        )
                        mock_latencies += latencies
                        mock_errors += errors
                    rates[side] = done / args.seconds
                rounds.append((rates["mock"], rates["echo"], rates["mock"] / rates["echo"]))
                print(
                    f"round {round_index + 1}/{args.rounds}: echo {rates['echo']:,.0f} req/s, "
                    f"mock {rates['mock']:,.0f} req/s, ratio {rates['mock'] / rates['echo']:.3f}",
                    flush=True,
                )
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)

    mock_rps = statistics.median(r[0] for r in rounds)
    echo_rps = statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[2] for r in rounds)
    mock_p99 = p99(mock_latencies)
    print(f"echo: {echo_rps:,.0f} req/s (median of {args.rounds} windows, {args.connections} connections)")
    print(
        f"mock DongBoHoSoMC insert (validate + state + committed evidence): {mock_rps:,.0f} req/s, "
        f"p99 {mock_p99:.2f} ms over {len(mock_latencies):,} requests, {mock_errors} non-success answers"
    )
    if mock_errors:
        print("warning: some answers were not error_code 0; the figure counts them", file=sys.stderr)
    print(f"RESULT mock_rps={mock_rps:.0f} echo_rps={echo_rps:.0f} ratio={ratio:.2f} p99_ms={mock_p99:.1f}")


if __name__ == "__main__":
    main()
