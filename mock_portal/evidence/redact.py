"""Secrets never leave the store in clear: passwords, sessions, tokens, client secrets, codes.

This module is the one definition of a secret: the properties marked `x-secret` in the schema files, the
protocol names below, and any name containing one of `SECRET_WORDS` (`new_password`, `MatKhauMoi`), all
case-insensitive. Their values are masked in every form a body takes (`evidence.bodies`: JSON, URL-encoded
forms, XML/SOAP elements and attributes, multipart parts, plain text), in query strings and URL fragments,
and credential headers are masked whole. A value masked in one place is masked wherever else it appears in
the same exchange (an error message echoing it), in any of its encodings.

The payment checksum secret never appears in a message (only `MaXacThuc`, its SHA-256 digest, does, and that
is evidence to keep), so nothing to hide there.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

from harness.specs import load_store
from mock_portal.evidence.bodies import (
    KEEP,
    Names,
    Replacer,
    content_type_of,
    rewrite_body,
    rewrite_url,
    rewrite_value,
)
from mock_portal.evidence.model import Exchange

MASK = "***"
PROTOCOL_SECRETS = frozenset(
    {
        "password",
        "matKhau",
        "session",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "code",
        "code_verifier",
        "token",
        "id_token_hint",
        "secret",
        "SecurityKey",
        "api_key",
        "apikey",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)
#: a name containing one of these is a secret
SECRET_WORDS = ("password", "passwd", "secret", "matkhau")
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})
#: a header whose name contains one of these is masked whole (x-auth-token, x-api-key, x-session-id ...)
SECRET_HEADER_WORDS = ("token", "secret", "password", "passwd", "session", "cookie", "api-key", "apikey", "matkhau")
#: URL-valued headers: their query strings and fragments are redacted like the request's
URL_HEADERS = frozenset({"location", "content-location", "referer", "origin"})
#: values masked in one place are masked wherever else they occur in the exchange from this length on (a
#: shorter value, such as the demo password, would mask unrelated text)
ECHO_MIN_LENGTH = 6


@cache
def secret_keys() -> frozenset[str]:
    """The secret names as spelled in the schemas and protocols (matched case-insensitively)."""
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


@cache
def secret_names() -> Names:
    return Names(frozenset(k.lower() for k in secret_keys()), SECRET_WORDS)


def is_secret(name: str) -> bool:
    return name in secret_names()


class _Masker:
    """Masks every non-empty value of a secret field, and remembers the values (to mask their echoes)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, name: str, value: Any, where: str) -> Any:
        if value in (None, "") or value == MASK:
            return KEEP
        if isinstance(value, str):
            self.seen.add(value.strip())
        return MASK

    def header(self, value: str) -> str:
        """A credential header's value, masked; its credential remembered (`Bearer <token>`, cookie values)."""
        scheme, _, credential = value.partition(" ")
        self.seen.add((credential or scheme).strip())
        for cookie in value.split(";"):
            self.seen.add(cookie.partition("=")[2].strip())
        return MASK

    def echoes(self) -> dict[str, str]:
        return {value: MASK for value in self.seen if len(value) >= ECHO_MIN_LENGTH and value != MASK}


def redact_value(value: Any) -> Any:
    """A parsed JSON value with its secrets masked."""
    return rewrite_value(value, secret_names(), _Masker())


def redact_body(body: bytes, content_type: str = "") -> bytes:
    return rewrite_body(body, content_type, secret_names(), _Masker())


def redact_url(url: str) -> str:
    return rewrite_url(url, secret_names(), _Masker())


def _secret_header(name: str) -> bool:
    low = name.lower()
    return low in SECRET_HEADERS or is_secret(low) or any(word in low for word in SECRET_HEADER_WORDS)


def redact_headers(headers: dict[str, str], masker: _Masker | None = None) -> dict[str, str]:
    """Credentials headers masked; URL-valued ones (a redirect's target) keep their path but lose codes and
    tokens."""
    masker = masker or _Masker()
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if _secret_header(low):
            out[name] = masker.header(value) if value else value
        elif low in URL_HEADERS or ("?" in value and "=" in value):
            out[name] = rewrite_url(value, secret_names(), masker)
        else:
            out[name] = value
    return out


def redact_exchange(exchange: Exchange) -> Exchange:
    masker = _Masker()
    names = secret_names()
    request_headers = redact_headers(exchange.request_headers, masker)
    response_headers = redact_headers(exchange.response_headers, masker)
    url = rewrite_url(exchange.url, names, masker)
    request_body = rewrite_body(exchange.request_body, content_type_of(exchange.request_headers), names, masker)
    response_body = rewrite_body(exchange.response_body, content_type_of(exchange.response_headers), names, masker)
    error = exchange.error
    echoes = masker.echoes()
    if echoes:
        echo = Replacer(echoes)
        request_body, response_body = echo.body(request_body), echo.body(response_body)
        url = echo.text(url)
        request_headers = {k: echo.text(v) for k, v in request_headers.items()}
        response_headers = {k: echo.text(v) for k, v in response_headers.items()}
        error = echo.text(error) if error else error
    return replace(
        exchange,
        url=url,
        request_headers=request_headers,
        response_headers=response_headers,
        request_body=request_body,
        response_body=response_body,
        error=error,
    )
