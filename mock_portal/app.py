"""The mock national portal as one ASGI application: DVCQG, payment platform, SSO and admin.

`EvidenceMiddleware` wraps everything: it bounds the body, applies request-side faults before any
handler runs (so a faulted request changes no state), and records every exchange, answering only
after the evidence row is committed. Exact-path POSTs that a channel serves through a `LeanRoute` (the
DVCQG auth, integration and share endpoints) are answered by calling the route's lean entry directly,
without Starlette's router, Request and Response (see `mock_portal.lean`).
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Router

from mock_portal import admin
from mock_portal._errors import JSON, channel_of, error_body
from mock_portal.channels import ChannelFactory, default_channels
from mock_portal.config import MockConfig
from mock_portal.evidence import EvidenceStore, Exchange, open_store
from mock_portal.faults import REQUEST_KINDS, FaultEngine, load_fault_file
from mock_portal.lean import LEAN_MAX_BYTES, Answer, LeanEndpoint, lean_routes
from mock_portal.notes import ExchangeNote
from mock_portal.request_body import NOT_JSON, PARSED_KEY, peek_json
from mock_portal.state import MockState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EVIDENCE_READS = ("/_admin/exchanges",)
_JSON_HEADERS = [(b"content-type", JSON.encode())]
GC_YOUNG_THRESHOLD = 10_000


class DroppedByFault(Exception):
    """Raised after the response started, so the server closes the connection mid-answer."""


class EvidenceMiddleware:
    def __init__(self, app: ASGIApp, state: MockState, lean: dict[str, LeanEndpoint] | None = None) -> None:
        self.app = app
        self.state = state
        self.lean = lean or {}  # exact path → lean endpoint, for POST

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        ts = self.state.clock()
        path: str = scope["path"]
        channel = _channel(path)
        limit = self.state.config.max_body_bytes
        message = await receive()
        raw = message.get("body", b"")
        if message["type"] == "http.request" and not message.get("more_body", False) and len(raw) <= limit:
            too_large = False  # the usual case: the whole body in one message
        else:
            body = await _read_body(message, receive, limit)
            if body is None:  # the client went away
                return
            raw, too_large = body
        request_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        note = ExchangeNote()
        parsed = peek_json(raw, request_headers)
        state = scope.setdefault("state", {})
        state["note"] = note
        state[PARSED_KEY] = parsed
        note.service = _service_of(path, parsed)
        query = scope.get("query_string", b"")
        url = f"{path}?{query.decode('latin-1')}" if query else path

        if too_large:
            status, headers = 413, _JSON_HEADERS
            payload = error_body(channel, f"request body over the {limit}-byte limit")
        else:
            faults = self.state.faults
            fault = None if channel == "admin" or not faults.rules else faults.take(REQUEST_KINDS, note.service, path)
            if fault is not None and fault.kind in ("latency", "slow"):
                await asyncio.sleep(self.state.faults.delay_s(fault))
                fault = None
            if fault is not None and fault.kind == "session_expiry":
                state["expire_session"] = True
                fault = None
            if fault is not None:
                exchange = Exchange("inbound", channel, scope["method"], url, request_headers, raw, ts=ts)
                exchange.rules = (f"FAULT:{fault.kind}#{fault.id}",)
                await self._answer_fault(fault.kind, fault, channel, exchange, note, started, send)
                return
            lean = self.lean.get(path) if scope["method"] == "POST" and len(raw) < LEAN_MAX_BYTES else None
            if lean is not None:
                status, headers, payload = _call_lean(lean, scope, raw, parsed, request_headers)
            else:
                status, headers, payload = await self._call(scope, raw)
        if headers is _JSON_HEADERS:
            response_headers = {"content-type": JSON}
        else:
            response_headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
        stored_body = payload
        if path.startswith(EVIDENCE_READS):
            # Reading the evidence is itself recorded, but not its copy of the evidence: storing it would
            # make every later export contain every earlier one.
            stored_body = b""
            response_headers["x-evidence-body"] = (
                f"omitted: {len(payload)} bytes, sha256 {hashlib.sha256(payload).hexdigest()}"
            )
        exchange = Exchange(
            "inbound", channel, scope["method"], url, request_headers, raw, status, response_headers, stored_body,
            note.service, tuple(note.ma_ho_so), note.ma_tham_chieu, note.verdict, tuple(note.rules), None, ts,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        try:
            await self.state.store.record(exchange)
        except Exception as exc:  # never acknowledge what is not stored
            status, headers = 503, _JSON_HEADERS
            payload = error_body(channel, f"evidence store unavailable: {type(exc).__name__}")
        await send({"type": "http.response.start", "status": status, "headers": _with_length(headers, payload)})
        await send({"type": "http.response.body", "body": payload})

    async def _call(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                await asyncio.sleep(3600)  # nobody waits on a second receive after a full body
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay, capture)
        except Exception:  # a bug in the mock: answer 500 in the channel's envelope, keep the evidence
            return _internal_error(scope)
        return status, headers, b"".join(chunks)

    async def _answer_fault(
        self, kind: str, fault: Any, channel: str, exchange: Exchange, note: ExchangeNote, started: float, send: Send
    ) -> None:
        if kind == "http_status":
            status, payload = fault.status, error_body(channel, fault.message)
        elif kind == "error_code":
            status, payload = 200, error_body(channel, fault.message, fault.error_code)
        else:  # drop
            status, payload = 200, b""
        exchange.status = None if kind == "drop" else status
        exchange.response_body = payload
        exchange.error = "connection dropped by fault" if kind == "drop" else None
        self._annotate(exchange, note, started)
        await self.state.store.record(exchange)
        headers = _JSON_HEADERS
        if kind == "drop":
            await send(
                {"type": "http.response.start", "status": 200, "headers": [*headers, (b"content-length", b"1000")]}
            )
            raise DroppedByFault("connection dropped by an injected fault")
        await send({"type": "http.response.start", "status": status, "headers": _with_length(headers, payload)})
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    def _annotate(exchange: Exchange, note: ExchangeNote, started: float) -> None:
        exchange.service = note.service
        exchange.ma_ho_so = tuple(note.ma_ho_so)
        exchange.ma_tham_chieu = note.ma_tham_chieu
        exchange.verdict = note.verdict
        exchange.rules = exchange.rules + tuple(note.rules)
        exchange.duration_ms = (time.perf_counter() - started) * 1000


def _call_lean(lean: LeanEndpoint, scope: Scope, raw: bytes, parsed: Any, headers: dict[str, str]) -> Answer:
    try:
        return lean(scope, raw, (parsed is not NOT_JSON, None if parsed is NOT_JSON else parsed), headers)
    except Exception:  # as `_call`: a bug in the mock is a 500 in the channel's envelope
        return _internal_error(scope)


def _internal_error(scope: Scope) -> Answer:
    import traceback

    traceback.print_exc()
    return 500, _JSON_HEADERS, error_body(channel_of(scope["path"]), "internal error in the mock")


async def _read_body(first: Message, receive: Receive, limit: int) -> tuple[bytes, bool] | None:
    """The request body (cut at `limit`) and whether it was longer; None if the client disconnected.

    Reads every message (the connection stays usable) but keeps at most limit + 1 bytes."""
    message = first
    body = bytearray()
    while True:
        if message["type"] == "http.disconnect":
            return None
        if len(body) <= limit:
            body += message.get("body", b"")[: limit + 1 - len(body)]
        if not message.get("more_body", False):
            break
        message = await receive()
    raw = bytes(body)
    return (raw[:limit], True) if len(raw) > limit else (raw, False)


_CHANNELS: dict[str, str] = {}


def _channel(path: str) -> str:
    """`channel_of`, remembered for the paths seen (bounded: clients choose paths)."""
    channel = _CHANNELS.get(path)
    if channel is None:
        channel = channel_of(path)
        if len(_CHANNELS) < 1024:
            _CHANNELS[path] = channel
    return channel


def _with_length(headers: list[tuple[bytes, bytes]], payload: bytes) -> list[tuple[bytes, bytes]]:
    return [*headers, (b"content-length", str(len(payload)).encode())]


def _service_of(path: str, parsed: Any) -> str | None:
    if path.startswith("/dvcqg/adapter/"):
        return path.rsplit("/", 1)[-1] or None
    if isinstance(parsed, dict):
        service = parsed.get("service") if path.startswith("/dvcqg") else parsed.get("LoaiBanTin")
        return service if isinstance(service, str) else None
    return None


class MockApp(EvidenceMiddleware):
    """The ASGI application; `mock` is its shared state (config, store, faults, channel states)."""

    def __init__(self, app: Router, state: MockState) -> None:
        super().__init__(app, state, lean_routes(app.routes))
        self.mock = state
        self.inner = app


def create_app(
    config: MockConfig | None = None,
    store: EvidenceStore | None = None,
    channels: dict[str, ChannelFactory] | None = None,
) -> MockApp:
    """Build the mock. The store defaults to the configured URL (in-memory SQLite by default); `channels`
    to every channel of `channels.default_channels()`."""
    config = config or MockConfig()
    _collect_less_often()
    faults = FaultEngine()
    if config.faults_file:
        for raw in load_fault_file(config.faults_file):
            faults.add(raw)
    state = MockState(config=config, store=store or open_store(config.store), faults=faults)
    routes: list[BaseRoute] = []
    for name, factory in (default_channels() if channels is None else channels).items():
        channel_state, channel_routes = factory(state)
        state.channels[name] = channel_state
        routes += channel_routes
    routes += admin.routes(state)
    # A bare Router: Starlette's error and exception middleware would wrap every request a second time;
    # EvidenceMiddleware already turns an unexpected exception into a 500 in the channel's envelope.
    return MockApp(Router(routes=routes), state)


def _collect_less_often() -> None:
    """Raise the collector's young-generation threshold (process-wide; never lowered).

    Under load every request allocates many short-lived containers (the parsed packet, ASGI messages,
    notes) while the mock keeps every synced dossier: with CPython's default threshold (700) the cyclic
    collector runs every few requests and keeps rescanning the survivors. Measured with
    benchmarks/mock_ingest.py: about 5% more requests per second at 10,000.
    """
    young, middle, old = gc.get_threshold()
    if young < GC_YOUNG_THRESHOLD:
        gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
