"""DongBoHoSoMC requests per second through the mock (validation + state + durable evidence), against a
bare Starlette echo endpoint, both served by one uvicorn worker on loopback, loaded the same way.

    python benchmarks/mock_ingest.py [--seconds 5] [--connections 32]

The load generator is a minimal asyncio HTTP/1.1 client with keep-alive connections (one request in
flight per connection), so that the client is not the bottleneck. Each mock request inserts a new
dossier (a fresh MaHoSo whose date segment matches NgayTiepNhan). The evidence store is a SQLite file in
WAL mode with synchronous=FULL, written by the mock's evidence writer process: every acknowledged packet
is committed before its answer leaves. Both servers run with the same uvicorn options.

Last line: RESULT mock_rps=<n> echo_rps=<n> ratio=<x> p99_ms=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
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
    port: int, bodies: list[bytes], seconds: float, connections: int, check: bool
) -> tuple[int, list[float], int]:
    done = 0
    errors = 0
    latencies: list[float] = []
    next_body = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done, errors, next_body
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                body = bodies[next_body % len(bodies)]
                next_body += 1
                started = time.perf_counter()
                writer.write(request_bytes("/dvcqg/integration", body))
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
    return ordered[int(len(ordered) * 0.99) - 1] * 1000 if ordered else 0.0


def dossier_bodies(session: str, count: int) -> list[bytes]:
    """`count` distinct inserts: MaHoSo sequence per day, date segment = NgayTiepNhan's date."""
    template = json.loads(GOLDEN.read_text(encoding="utf-8"))
    template["session"] = session
    template["isUpdating"] = "False"
    dossier = template["data"][0]
    text = json.dumps(template, ensure_ascii=False, separators=(",", ":"))
    bodies = []
    for index in range(count):
        day = 1 + (index // 9999) % 28
        month = 1 + (index // (9999 * 28)) % 12
        sequence = 1 + index % 9999
        date = f"24{month:02d}{day:02d}"
        body = text.replace(dossier["MaHoSo"], f"000.00.31.H56-{date}-{sequence:04d}").replace(
            dossier["NgayTiepNhan"], f"20{date}091512"
        )
        bodies.append(body.encode())
    return bodies


def authenticate(port: int) -> str:
    import httpx

    answer = httpx.post(f"http://127.0.0.1:{port}/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
    return str(answer["session"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per server")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as work:
        Path(work, "bench_echo.py").write_text(ECHO_APP, encoding="utf-8")
        Path(work, "bench_mock.py").write_text(MOCK_APP, encoding="utf-8")

        port = free_port()
        echo = start_server(work, "bench_echo", port, {})
        try:
            echo_bodies = [GOLDEN.read_bytes()]
            asyncio.run(load(port, echo_bodies, 1.0, args.connections, False))  # warm up
            echo_done, echo_lat, _ = asyncio.run(load(port, echo_bodies, args.seconds, args.connections, False))
        finally:
            echo.terminate()
            echo.wait(10)

        port = free_port()
        store = f"sqlite:///{work}/evidence.db"
        mock = start_server(work, "bench_mock", port, {"BENCH_PORT": str(port), "BENCH_STORE": store})
        try:
            session = authenticate(port)
            expected = int(args.seconds * 20_000) + 20_000
            bodies = dossier_bodies(session, expected)
            warm, rest = bodies[:2000], bodies[2000:]
            asyncio.run(load(port, warm, 0.5, args.connections, True))
            mock_done, mock_lat, mock_errors = asyncio.run(load(port, rest, args.seconds, args.connections, True))
        finally:
            mock.terminate()
            mock.wait(10)

    echo_rps = echo_done / args.seconds
    mock_rps = mock_done / args.seconds
    print(f"echo: {echo_rps:,.0f} req/s, p99 {p99(echo_lat):.2f} ms ({args.connections} connections)")
    print(
        f"mock DongBoHoSoMC insert (validate + state + committed evidence): {mock_rps:,.0f} req/s, "
        f"p99 {p99(mock_lat):.2f} ms, {mock_errors} non-success answers"
    )
    if mock_errors:
        print("warning: some answers were not error_code 0; the figure counts them", file=sys.stderr)
    print(
        f"RESULT mock_rps={mock_rps:.0f} echo_rps={echo_rps:.0f} ratio={mock_rps / echo_rps:.2f} "
        f"p99_ms={p99(mock_lat):.1f}"
    )


if __name__ == "__main__":
    main()
