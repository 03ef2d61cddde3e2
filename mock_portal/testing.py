"""The mock without sockets, for unit tests of a vendor's own client code.

`InProcessMock` runs the same ASGI application on a private event-loop thread. `respx_router()` routes
httpx requests for the mock's base URL to it; `responses_mock()` does the same for `requests`. Evidence,
validation, state and faults all behave as over HTTP.

`asgi_post` POSTs a body straight to any ASGI application (the mock's, the reference portal's) on the
caller's event loop, whole or as a stream of chunks, and says how many body messages the app pulled.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from mock_portal.app import MockApp, create_app
from mock_portal.config import MockConfig

_TIMEOUT_S = 30.0
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class InProcessMock:
    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.app: MockApp = create_app(self.config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mock-inprocess", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return self.config.base_url

    def handle(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        future = asyncio.run_coroutine_threadsafe(self._call(method, url, headers, body), self._loop)
        return future.result(_TIMEOUT_S)

    async def _call(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(url)
        scope = http_scope(
            method,
            parts.path or "/",
            parts.query.encode(),
            headers,
            scheme=parts.scheme or "http",
            server=(parts.hostname or "127.0.0.1", parts.port or 80),
            client=("127.0.0.1", 0),
        )
        sent = False
        status = 500
        out_headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                out_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, out_headers, b"".join(chunks)

    # --- httpx (respx) -----------------------------------------------------------------------------
    def _respx_side_effect(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.handle(
            request.method, str(request.url), list(request.headers.items()), request.read()
        )
        return httpx.Response(status, headers=headers, content=body)

    def respx_router(self) -> Any:
        """A `respx.MockRouter` (not started) that routes the mock's base URL to this app."""
        import respx

        router = respx.MockRouter(base_url=self.base_url, assert_all_called=False, assert_all_mocked=True)
        router.route().mock(side_effect=self._respx_side_effect)
        return router

    # --- requests (responses) ----------------------------------------------------------------------
    def responses_mock(self) -> Any:
        """A `responses.RequestsMock` (not started) that routes the mock's base URL to this app."""
        import responses

        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        pattern = re.compile(re.escape(self.base_url) + r"(/.*)?$")

        def callback(request: Any) -> tuple[int, dict[str, str], bytes]:
            raw = request.body or b""
            if isinstance(raw, str):
                raw = raw.encode("utf-8")
            status, headers, body = self.handle(request.method, request.url, list(request.headers.items()), raw)
            merged: dict[str, str] = {}
            for key, value in headers:
                if key.lower() != "content-length":
                    merged[key] = value
            return status, merged, body

        for method in _METHODS:
            mock.add_callback(method, pattern, callback=callback)
        return mock

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self.app.mock.store.close()


# --- raw ASGI ------------------------------------------------------------------------------------------


def http_scope(
    method: str,
    path: str,
    query: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    *,
    scheme: str = "http",
    server: tuple[str, int] = ("127.0.0.1", 80),
    client: tuple[str, int] = ("127.0.0.1", 1),
) -> dict[str, Any]:
    """The ASGI scope of one HTTP request (header names lower-cased)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": client,
        "server": server,
    }


@dataclass(frozen=True, slots=True)
class AsgiAnswer:
    """What `asgi_post` got back: the status, the whole body, and how many body messages the app pulled."""

    status: int
    body: bytes
    pulled: int

    def json(self) -> Any:
        return json.loads(self.body)


async def asgi_post(
    app: Any,
    path: str,
    body: bytes | Iterable[bytes],
    *,
    query: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> AsgiAnswer:
    """POST `body` to an ASGI app on the running event loop, without sockets.

    `body` as bytes is one message (with a content-length header); an iterable is streamed one chunk per
    message (`more_body`), then an empty last message, so a test can see where the app stops reading.
    `headers` default to a JSON content type. After the body, a further `receive()` waits (as a client that
    has nothing more to send) rather than disconnecting."""
    sent_headers = dict(headers) if headers is not None else {"content-type": "application/json"}
    if isinstance(body, bytes | bytearray):
        sent_headers.setdefault("content-length", str(len(body)))
        chunks: Iterable[bytes] = ()
        whole: bytes | None = bytes(body)
    else:
        chunks, whole = body, None
    pending = iter(chunks)
    ended = False
    pulled = 0
    status = 0
    out: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal ended, pulled
        if whole is not None and not ended:
            ended, pulled = True, 1
            return {"type": "http.request", "body": whole, "more_body": False}
        chunk = None if ended else next(pending, None)
        if chunk is None:
            if ended:  # the body was delivered whole: nothing more comes
                await asyncio.sleep(3600)
                return {"type": "http.disconnect"}
            ended = True
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            out.append(message.get("body", b""))

    scope = http_scope("POST", path, query, sent_headers.items())
    scope["app"] = app
    await app(scope, receive, send)
    return AsgiAnswer(status, b"".join(out), pulled)
