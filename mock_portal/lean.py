"""Lean routes: a channel's hot POST endpoints served without Starlette's Request/Response objects.

A `LeanRoute` is an ordinary Starlette route (so routing, the OpenAPI document and apps built without
the evidence middleware keep working) that also carries a plain function answering the same request
from what `EvidenceMiddleware` already has: the scope, the raw body, its JSON parse and the headers.
The middleware calls that function directly for exact-path POSTs: no body replay, no Request, no
Response, no router walk. Both entries share the channel's code, so the answers are identical.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Route

Scope = MutableMapping[str, Any]
#: bodies at least this large skip the lean entry: through the router, the endpoint can validate them on a
#: worker thread, so that a large packet does not hold the event loop (a lean entry is synchronous)
LEAN_MAX_BYTES = 64 * 1024
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, headers (no content-length), body


# (scope, raw body, (parsed as JSON?, value), request headers with lower-case names) -> answer
LeanEndpoint = Callable[[Scope, bytes, tuple[bool, Any], dict[str, str]], Answer]


class LeanRoute(Route):
    def __init__(self, path: str, endpoint: Callable[..., Any], lean: LeanEndpoint) -> None:
        super().__init__(path, endpoint, methods=["POST"])
        self.lean = lean


def lean_routes(routes: list[BaseRoute]) -> dict[str, LeanEndpoint]:
    """Exact path → lean endpoint, for the POST routes that offer one."""
    return {route.path: route.lean for route in routes if isinstance(route, LeanRoute) and "{" not in route.path}
