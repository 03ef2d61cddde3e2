"""Hostile packets: what one packet of empty items costs every endpoint that validates, against the
floor of merely parsing the same bytes.

A packet of about `--bytes` (default just under 1 MiB, the mock's body limit) whose items are empty
objects breaks a dozen required fields per item: without a cap every one becomes a violation. It is sent
once to each endpoint, in-process (ASGI, no sockets) after a warm-up request:

- mock-integration: the mock's POST /dvcqg/integration, DongBoHoSoMC with `data` = [{}, {}, ...]
- mock-adapter:     the mock's POST /dvcqg/adapter/DongBoHoSoMC (the LGSP form, no session): [{}, {}, ...]
- portal-inbound:   the reference portal's POST /o/rest/v2/nps/createdossierfromdvcqg, TaiLieuNop = [{}, ...]
- cli-validate:     `dvc-harness validate` on a file holding the integration packet
- cli-unknown:      `dvc-harness validate` on one dossier with as many unknown fields as fit
- mock-sparse:      the mock's /dvcqg/integration with as many valid dossiers as fit and the last one broken:
                    not many violations but the slow detailed walk over the whole packet, which the mock runs
                    on a worker thread (reported apart: it is the cost of a large packet, not of the cap)

The baseline ("parse") is `orjson.loads` of the integration packet. Each measurement runs in a fresh
child process, so that memory one leaves behind does not hide another's: wall time, peak RSS growth over
the request (sampled every 0.5 ms), the longest event-loop stall seen by a 1 ms ticker meanwhile, and
what was answered.

    python benchmarks/hostile_input.py [--bytes 1048000] [--timeout 120]

Last line: RESULT worst_s=<s> worst_rss_mb=<MB> worst_stall_ms=<ms> parse_s=<s> parse_rss_mb=<MB> ratio=<x>
sparse_s=<s> sparse_stall_ms=<ms> (worst over the empty-item endpoints; ratio = worst_s / parse_s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "DongBoHoSoMC.extended.json"
ENDPOINTS = (
    "parse",
    "mock-integration",
    "mock-adapter",
    "portal-inbound",
    "cli-validate",
    "cli-unknown",
    "mock-sparse",
)
ADAPTER_PATH = "/dvcqg/adapter/DongBoHoSoMC"
ADAPTER_QUERY = b"MaDinhDanhDV=000.00.00.H56&isUpdating=False"
INBOUND_PATH = "/o/rest/v2/nps/createdossierfromdvcqg"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def empties(size: int, head: bytes, tail: bytes) -> bytes:
    """`head` + "{},{},...{}" + `tail`, at most `size` bytes."""
    count = max(1, (size - len(head) - len(tail) + 1) // 3)
    return head + b",".join([b"{}"] * count) + tail


def integration_body(size: int, session: str = "") -> bytes:
    head = json.dumps({"session": session, "madonvi": "000.00.00.H56", "service": "DongBoHoSoMC"})[:-1]
    return empties(size, head.encode() + b', "isUpdating": "False", "data": [', b"]}")


def unknown_fields_body(size: int) -> bytes:
    packet = json.loads(GOLDEN.read_text(encoding="utf-8"))
    dossier = packet["data"][0]
    used = len(json.dumps(packet).encode())
    count = max(1, (size - used) // 14)  # `"x123456": "",` is about 14 bytes
    dossier.update({f"x{i}": "" for i in range(count)})
    return json.dumps(packet, separators=(",", ":")).encode()


def sparse_body(size: int, session: str) -> bytes:
    """Valid dossiers (distinct MaHoSo) up to `size` bytes; the last one's NgayTiepNhan is malformed."""
    packet = json.loads(GOLDEN.read_text(encoding="utf-8"))
    packet["session"] = session
    dossier = packet["data"][0]
    one = len(json.dumps(dossier, ensure_ascii=False).encode()) + 1
    count = max(1, (size - len(json.dumps(packet, ensure_ascii=False).encode())) // one)
    base = dossier["MaHoSo"][:-4]
    packet["data"] = [{**dossier, "MaHoSo": f"{base}{i % 9999 + 1:04d}"} for i in range(count)]
    packet["data"][-1] = {**packet["data"][-1], "NgayTiepNhan": "not a date"}
    return json.dumps(packet, ensure_ascii=False).encode()


def rss() -> int:
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * _PAGE


@contextlib.contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Peak RSS growth (MB) over the block, sampled by a thread every 0.5 ms."""
    out = {"rss_mb": 0.0}
    before = rss()
    peak = before
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss())
            time.sleep(0.0005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        peak = max(peak, rss())
        out["rss_mb"] = (peak - before) / 1e6


async def asgi_post(app: Any, path: str, body: bytes, query: bytes = b"") -> tuple[int, bytes]:
    """(status, answer) of a POST straight to the ASGI app (mock_portal.testing.asgi_post)."""
    from mock_portal.testing import asgi_post as post

    answer = await post(app, path, body, query=query)
    return answer.status, answer.body


async def measured(call: Callable[[], Awaitable[tuple[int, bytes]]]) -> dict[str, Any]:
    """Time, RSS growth and the longest event-loop stall while `call` runs."""
    stall = 0.0
    done = False

    async def ticker() -> None:
        nonlocal stall
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            stall = max(stall, time.perf_counter() - started - 0.001)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    with peak_rss() as memory:
        started = time.perf_counter()
        status, answer = await call()
        seconds = time.perf_counter() - started
    done = True
    await tick
    return {"s": seconds, **memory, "stall_ms": stall * 1000, "status": status, "answer": summary(answer)}


def summary(answer: bytes) -> str:
    try:
        value = json.loads(answer)
    except ValueError:
        return answer[:120].decode("utf-8", "replace")
    message = str(value.get("message", value.get("detail", ""))) if isinstance(value, dict) else ""
    first = message.splitlines()[0] if message else ""
    code = value.get("error_code", value.get("error")) if isinstance(value, dict) else None
    return f"error_code={code} {first[:140]}"


def child(name: str, size: int) -> dict[str, Any]:
    if name == "parse":
        import orjson

        body = integration_body(size)
        with peak_rss() as memory:
            started = time.perf_counter()
            packet = orjson.loads(body)
            seconds = time.perf_counter() - started
        answer = f"{len(packet['data'])} items"
        return {"s": seconds, **memory, "stall_ms": seconds * 1000, "status": 0, "answer": answer}
    if name.startswith("mock-"):
        return asyncio.run(_mock(name, size))
    if name == "portal-inbound":
        return asyncio.run(_portal(size))
    return _cli(name, size)


async def _mock(name: str, size: int) -> dict[str, Any]:
    from mock_portal.app import create_app
    from mock_portal.config import MockConfig

    app = create_app(MockConfig())
    _, answer = await asgi_post(app, "/dvcqg/auth", b'{"username": "demo", "password": "demo"}')
    session = json.loads(answer)["session"]
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    golden["session"] = session
    await asgi_post(app, "/dvcqg/integration", json.dumps(golden).encode())  # warm-up: validators compiled
    if name in ("mock-integration", "mock-sparse"):
        body = integration_body(size, session) if name == "mock-integration" else sparse_body(size, session)
        return await measured(lambda: asgi_post(app, "/dvcqg/integration", body))
    body = empties(size, b"[", b"]")
    return await measured(lambda: asgi_post(app, ADAPTER_PATH, body, ADAPTER_QUERY))


async def _portal(size: int) -> dict[str, Any]:
    from reference_portal.app import create_app
    from reference_portal.config import PortalConfig

    with tempfile.TemporaryDirectory() as work:
        app = create_app(PortalConfig(db=f"{work}/portal.sqlite"), warm_catalogue=False)
        await asgi_post(app, INBOUND_PATH, b'{"MaHoSo": ""}')  # warm-up
        body = empties(size, b'{"MaHoSo": "", "TaiLieuNop": [', b"]}")
        return await measured(lambda: asgi_post(app, INBOUND_PATH, body))


def _cli(name: str, size: int) -> dict[str, Any]:
    from harness.cli import validate_command

    with tempfile.TemporaryDirectory() as work:
        path = Path(work, "packet.json")
        path.write_bytes(integration_body(size) if name == "cli-validate" else unknown_fields_body(size))
        warm = Path(work, "golden.json")
        warm.write_bytes(GOLDEN.read_bytes())
        outcome: dict[str, Any] = {"code": None, "out": b""}

        def run(arguments: list[str]) -> None:
            read, write = os.pipe()
            saved = os.dup(1)
            os.dup2(write, 1)
            os.close(write)
            chunks: list[bytes] = []
            reader = threading.Thread(target=lambda: chunks.extend(iter(lambda: os.read(read, 65536), b"")))
            reader.start()
            try:
                validate_command.main(arguments, standalone_mode=False)
            except SystemExit as exc:
                outcome["code"] = exc.code
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
                reader.join()
                os.close(read)
            outcome["out"] = b"".join(chunks)

        run(["--json", str(warm)])
        with peak_rss() as memory:
            started = time.perf_counter()
            run(["--json", str(path)])
            seconds = time.perf_counter() - started
        report = json.loads(outcome["out"] or b"{}")
        shown = len(report.get("violations", []))
        extra = {k: report[k] for k in ("violation_count", "violations_truncated") if k in report}
        answer = f"exit {outcome['code']}, {shown} violations listed {extra or ''}".strip()
        return {"s": seconds, **memory, "stall_ms": None, "status": outcome["code"], "answer": answer}


def run_child(name: str, size: int, timeout: float) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", name, "--bytes", str(size)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        return {"s": None, "rss_mb": None, "stall_ms": None, "status": None, "answer": f"no answer in {timeout:.0f} s"}
    lines = done.stdout.decode().strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"s": None, "rss_mb": None, "stall_ms": None, "status": None, "answer": done.stderr.decode()[-300:]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _fmt(value: float | None, unit: str, digits: int = 3) -> str:
    return "   n/a" if value is None else f"{value:.{digits}f} {unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bytes", type=int, default=1_048_000, help="size of each hostile packet")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a child counts as hung")
    parser.add_argument("--child", choices=ENDPOINTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args.child, args.bytes)))
        return
    print(f"hostile packets of about {args.bytes:,} bytes (items: empty objects), one fresh process each")
    results = {name: run_child(name, args.bytes, args.timeout) for name in ENDPOINTS}
    for name, r in results.items():
        stall = _fmt(r["stall_ms"], "ms", 1) if name != "parse" else "   -"
        print(
            f"{name:17s} {_fmt(r['s'], 's'):>10s}  RSS +{_fmt(r['rss_mb'], 'MB', 1):>9s}  "
            f"loop stall {stall:>9s}  {r['answer']}"
        )
    parse, sparse = results["parse"], results["mock-sparse"]
    measured_ = [r for name, r in results.items() if name not in ("parse", "mock-sparse")]
    hung = any(r["s"] is None for r in measured_)
    worst_s = float("inf") if hung else max(r["s"] for r in measured_)
    worst_rss = float("inf") if hung else max(r["rss_mb"] for r in measured_)
    worst_stall = max((r["stall_ms"] or 0.0) for r in measured_)
    ratio = worst_s / parse["s"] if parse["s"] else float("inf")
    print(
        f"RESULT worst_s={worst_s:.3f} worst_rss_mb={worst_rss:.1f} worst_stall_ms={worst_stall:.1f} "
        f"parse_s={parse['s']:.4f} parse_rss_mb={parse['rss_mb']:.1f} ratio={ratio:.1f} "
        f"sparse_s={sparse['s'] if sparse['s'] is not None else float('inf'):.3f} "
        f"sparse_stall_ms={sparse['stall_ms'] or 0.0:.1f}"
    )


if __name__ == "__main__":
    main()
