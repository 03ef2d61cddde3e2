"""Secrets never leave the store in clear: passwords, sessions, tokens, client secrets, codes.

Secret keys are the properties marked `x-secret` in the schema files plus the protocol names below;
the payment checksum secret never appears in a message (only its SHA-256 does), so nothing to hide there.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from harness.specs import load_store
from mock_portal.evidence.model import Exchange

MASK = "***"
PROTOCOL_SECRETS = frozenset(
    {
        "password",
        "session",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "token",
        "id_token_hint",
        "secret",
        "SecurityKey",
        "authorization",
        "cookie",
        "set-cookie",
    }
)
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


@cache
def secret_keys() -> frozenset[str]:
    keys = set(PROTOCOL_SECRETS)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("x-secret") is True:
                    keys.add(name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _, document in load_store().documents():
        for name, sub in (document.get("$defs") or {}).items():
            if isinstance(sub, dict) and sub.get("x-secret") is True:
                keys.add(name)
        walk(document)
    return frozenset(keys)


def redact_value(value: Any) -> Any:
    keys = secret_keys()
    if isinstance(value, dict):
        return {k: (MASK if k in keys and v not in (None, "") else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    return value


def redact_body(body: bytes) -> bytes:
    if not body:
        return body
    try:
        return orjson.dumps(redact_value(orjson.loads(body)))
    except orjson.JSONDecodeError:
        pass
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    if "=" in text and "\n" not in text and " " not in text:
        pairs = parse_qsl(text, keep_blank_values=True)
        if pairs:
            keys = secret_keys()
            return urlencode([(k, MASK if k in keys and v else v) for k, v in pairs]).encode()
    return body


def redact_url(url: str) -> str:
    if "?" not in url:
        return url
    path, query = url.split("?", 1)
    keys = secret_keys()
    pairs = parse_qsl(query, keep_blank_values=True)
    return path + "?" + urlencode([(k, MASK if k in keys and v else v) for k, v in pairs])


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Credentials headers masked; redirect targets keep their path but lose codes and tokens."""
    return {
        k: (MASK if k.lower() in SECRET_HEADERS else redact_url(v) if k.lower() == "location" else v)
        for k, v in headers.items()
    }


def redact_exchange(exchange: Exchange) -> Exchange:
    from dataclasses import replace

    return replace(
        exchange,
        url=redact_url(exchange.url),
        request_headers=redact_headers(exchange.request_headers),
        response_headers=redact_headers(exchange.response_headers),
        request_body=redact_body(exchange.request_body),
        response_body=redact_body(exchange.response_body),
    )
