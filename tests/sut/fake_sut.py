"""A tiny in-memory SUT control API (Starlette), served on loopback by uvicorn for the driver's tests.

Not the reference portal: just enough of schemas/control/openapi.yaml to exercise HttpSutDriver over real
HTTP (bearer token, 201/200/404/409/422, percent-encoded dossier codes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.sut import DossierRequest, SutDescription
from mock_portal.server import free_port

TOKEN = "fake-control"
# action -> (statuses it applies to, status after); docs/reference/dvcqg-interfaces.md §8.1's suggested machine
MACHINE = {
    "receive": ("1", "2"),
    "reject": ("1", "3"),
    "process": ("2", "4"),
    "request_supplement": ("2 4", "5"),
    "submit_supplement": ("5", "4"),
    "request_fee": ("2 4", "6"),
    "finish": ("4", "9"),
    "return_result": ("9", "10"),
    "withdraw": ("2 4 5", "7"),
    "stop": ("2 4 5 6", "8"),
}


@dataclass
class Dossier:
    code: str
    status: str = "1"
    fee: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    pending: int = 0


class FakeSut:
    def __init__(self) -> None:
        self.dossiers: dict[str, Dossier] = {}
        self.requests: list[tuple[str, str, dict[str, Any] | None]] = []
        self.app = Starlette(
            routes=[
                Route("/_control/health", self.health, methods=["GET"]),
                Route("/_control/dossiers", self.create, methods=["POST"]),
                Route("/_control/dossiers/{code}", self.view, methods=["GET"]),
                Route("/_control/dossiers/{code}/actions", self.act, methods=["POST"]),
                Route("/_control/payments", self.pay, methods=["POST"]),
                Route("/_control/sync", self.sync, methods=["POST"]),
                Route("/_control/reset", self.reset, methods=["POST"]),
            ]
        )

    @staticmethod
    def error(status: int, error: str, detail: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": error, "detail": detail, **extra}, status_code=status)

    async def guard(self, request: Request) -> tuple[JSONResponse | None, dict[str, Any] | None]:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.error(401, "unauthorized", "bad control token"), None
        body = await request.json() if request.method == "POST" and await request.body() else None
        self.requests.append((request.method, request.url.path, body))
        if body is not None and not isinstance(body, dict):
            return self.error(400, "invalid", "the body must be a JSON object"), None
        return None, body

    def step(self, dossier: Dossier, action: str, officer: str = "Cán bộ một cửa") -> None:
        dossier.history.append(
            {
                "TrangThai": dossier.status,
                "action": action,
                "NguoiXuLy": officer,
                "PhongBan": "Bộ phận Một cửa",
                "ThoiDiem": "20240315090000",
                "HanXuLy": None if action == "create" else "20240320170000",
            }
        )
        dossier.pending += 1

    async def health(self, request: Request) -> JSONResponse:
        refused, _ = await self.guard(request)
        return refused or JSONResponse({"ok": True, "version": "fake-1", "capabilities": ["payment"]})

    async def create(self, request: Request) -> JSONResponse:
        refused, body = await self.guard(request)
        if refused:
            return refused
        assert body is not None
        if body.get("KenhThucHien") not in ("1", "2", "3"):
            return self.error(422, "invalid", "KenhThucHien must be 1, 2 or 3")
        code = f"000.00.01.H56-240315-{len(self.dossiers) + 1:04d}"
        dossier = self.dossiers[code] = Dossier(code)
        self.step(dossier, "create", body["ChuHoSo"])
        return JSONResponse({"MaHoSo": code, "TrangThaiHoSo": "1"}, status_code=201)

    async def view(self, request: Request) -> JSONResponse:
        refused, _ = await self.guard(request)
        if refused:
            return refused
        dossier = self.dossiers.get(request.path_params["code"])
        if dossier is None:
            return self.error(404, "not_found", f"no dossier {request.path_params['code']}")
        return JSONResponse(
            {
                "MaHoSo": dossier.code,
                "TrangThaiHoSo": dossier.status,
                "history": dossier.history,
                "sync": {"pending": dossier.pending, "acknowledged": 0, "last_error": None},
                "NgayHenTra": "20240320170000",
            }
        )

    async def act(self, request: Request) -> JSONResponse:
        refused, body = await self.guard(request)
        if refused:
            return refused
        assert body is not None
        dossier = self.dossiers.get(request.path_params["code"])
        if dossier is None:
            return self.error(404, "not_found", f"no dossier {request.path_params['code']}")
        action = body.get("action")
        if action not in MACHINE:
            return self.error(422, "invalid", f"unknown action {action!r}")
        sources, target = MACHINE[action]
        if dossier.status not in sources.split():
            return self.error(
                409,
                "action_not_allowed",
                f"action {action} is not allowed in status {dossier.status}",
                TrangThaiHoSo=dossier.status,
            )
        dossier.status = target
        if action == "request_fee":
            dossier.fee = int(body.get("amount", 0))
        self.step(dossier, action, body.get("officer", "Chuyên viên"))
        return JSONResponse({"MaHoSo": dossier.code, "TrangThaiHoSo": dossier.status})

    async def pay(self, request: Request) -> JSONResponse:
        refused, body = await self.guard(request)
        if refused:
            return refused
        assert body is not None
        dossier = self.dossiers.get(body.get("MaHoSo", ""))
        if dossier is None:
            return self.error(404, "not_found", "no such dossier")
        if dossier.status != "6":
            return self.error(409, "action_not_allowed", "no fee requested", TrangThaiHoSo=dossier.status)
        amount = body.get("amount", dossier.fee)
        return JSONResponse(
            {"MaThamChieu": "PG0001", "UrlThanhToan": "http://127.0.0.1:8787/payment/pay/PG0001", "SoTien": amount},
            status_code=201,
        )

    async def sync(self, request: Request) -> JSONResponse:
        refused, _ = await self.guard(request)
        if refused:
            return refused
        sent = sum(d.pending for d in self.dossiers.values())
        for dossier in self.dossiers.values():
            dossier.pending = 0
        return JSONResponse({"sent": sent, "pending": 0, "failed": 0})

    async def reset(self, request: Request) -> JSONResponse:
        refused, _ = await self.guard(request)
        if refused:
            return refused
        self.dossiers.clear()
        return JSONResponse({"ok": True})


@contextmanager
def serving(fake: FakeSut) -> Iterator[str]:
    """Serve `fake` on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="fake-sut", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the fake SUT did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class StubDriver:
    """A Python-only integration: structurally a SutDriver (no base class)."""

    def __init__(self, sut: SutDescription) -> None:
        self.sut = sut

    def health(self) -> Any: ...
    def create_dossier(self, request: DossierRequest) -> Any: ...
    def act(self, ma_ho_so: str, action: str, **options: Any) -> Any: ...
    def view(self, ma_ho_so: str) -> Any: ...
    def start_payment(self, ma_ho_so: str, amount: int | None = None) -> Any: ...
    def flush_sync(self) -> Any: ...
    def reset(self) -> None: ...


def make_stub(sut: SutDescription) -> StubDriver:
    return StubDriver(sut)


def make_nothing(sut: SutDescription) -> object:
    return object()
