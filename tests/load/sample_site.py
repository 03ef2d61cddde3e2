"""A tiny site to load in the tests of harness.load, with known answers: `/ok` at once, `/flaky` an HTTP 500
on every 4th request, `/slow` after 200 ms. It counts what it served (on its event loop: no lock needed)."""

from __future__ import annotations

import asyncio
from collections import Counter

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

SLOW_S = 0.2
FAIL_EVERY = 4


class SampleSite:
    def __init__(self) -> None:
        self.served: Counter[str] = Counter()
        self.failed = 0
        self.app = Starlette(
            routes=[Route("/ok", self.ok), Route("/flaky", self.flaky), Route("/slow", self.slow)], lifespan=None
        )

    async def ok(self, request: Request) -> PlainTextResponse:
        self.served["/ok"] += 1
        return PlainTextResponse("ok")

    async def flaky(self, request: Request) -> PlainTextResponse:
        self.served["/flaky"] += 1
        if self.served["/flaky"] % FAIL_EVERY == 0:
            self.failed += 1
            return PlainTextResponse("boom", status_code=500)
        return PlainTextResponse("ok")

    async def slow(self, request: Request) -> PlainTextResponse:
        self.served["/slow"] += 1
        await asyncio.sleep(SLOW_S)
        return PlainTextResponse("ok")
