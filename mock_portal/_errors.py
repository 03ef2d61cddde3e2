"""Error answers in each channel's own envelope (a client parses them like any other answer)."""

from __future__ import annotations

from typing import Any

import orjson

JSON = "application/json; charset=utf-8"


def channel_of(path: str) -> str:
    for prefix, channel in (("/dvcqg", "dvcqg"), ("/payment", "payment"), ("/sso", "sso"), ("/_admin", "admin")):
        if path == prefix or path.startswith(prefix + "/"):
            return channel
    return "other"


def error_payload(channel: str, message: str, code: int = -1) -> dict[str, Any]:
    if channel == "payment":
        return {"MaLoi": "99", "MoTaLoi": message}
    if channel == "sso":
        return {"error": "invalid_request", "error_description": message}
    return {"error_code": code, "message": message}


def error_body(channel: str, message: str, code: int = -1) -> bytes:
    return orjson.dumps(error_payload(channel, message, code))
