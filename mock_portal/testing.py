"""The mock without sockets, for unit tests of a vendor's own client code.

`InProcessMock` runs the same ASGI application on a private event-loop thread. `respx_router()` routes
httpx requests for the mock's base URL to it; `responses_mock()` does the same for `requests`. Evidence,
validation, state and faults all behave as over HTTP.
"""

from __future__ import annotations

import asyncio
import re
import threading
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
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": parts.scheme or "http",
            "path": parts.path or "/",
            "raw_path": (parts.path or "/").encode(),
            "query_string": parts.query.encode(),
            "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "client": ("127.0.0.1", 0),
            "server": (parts.hostname or "127.0.0.1", parts.port or 80),
        }
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
