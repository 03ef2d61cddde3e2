"""The request body as the evidence middleware parsed it, shared with the channels' handlers.

The middleware parses a JSON body once and leaves the result in the ASGI scope's state; handlers read it
with `parsed_json` instead of parsing again. A module of its own so the channels need not import the
application (`app` imports the channels, never the reverse).
"""

from __future__ import annotations

from typing import Any

import orjson

PARSED_KEY = "parsed_json"
#: what `peek_json` leaves in the scope for a body that is not JSON (None is a JSON value)
NOT_JSON: Any = object()


def peek_json(raw: bytes, headers: dict[str, str]) -> Any:
    """The parsed body, or `NOT_JSON` when it is empty, not declared JSON or not valid JSON."""
    if not raw or "json" not in headers.get("content-type", "application/json"):
        return NOT_JSON
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return NOT_JSON


def parsed_json(scope_state: dict[str, Any]) -> tuple[bool, Any]:
    """(True, value) when the middleware could parse the body as JSON."""
    value = scope_state.get(PARSED_KEY, NOT_JSON)
    return (value is not NOT_JSON), (None if value is NOT_JSON else value)
