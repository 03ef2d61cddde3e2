"""Pseudonymised exports: personal data (`evidence.personal`) replaced by tokens, consistently, so that an
export of real traffic can leave the store (NĐ 13/2023/NĐ-CP) and still be read: the same CCCD is the same
token in every row and every field (SoDinhDanh, login_hint, mstorcmnd ...), and tokens keep the shape the
validators and readers expect (a 12-digit CCCD becomes 12 digits, a phone number stays a phone number).

A token is a keyed HMAC-SHA256 of the normalised value. The key is random, made once per evidence store and
kept in it (`evidence_meta`): tokens are stable for the store's life and cannot be reversed, nor recomputed
from a guessed CCCD, by anyone who holds only exports; another store gives other tokens. Every row carries
`pseudonymised: {key, fields, mentions}`: the key's fingerprint (two exports with the same one share
tokens), where a field was replaced, and how many quotations of those values elsewhere in the exchange
(an error message, free text) were replaced as well.

The store keeps the raw packets: the mock's verdicts and the suites' queries (`/_admin/exchanges`) read them;
only exports, and the reports made from them, are pseudonymised.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache
from typing import Any

from mock_portal.evidence import personal
from mock_portal.evidence.bodies import (
    KEEP,
    Names,
    Replacer,
    Rewrite,
    content_type_of,
    rewrite_body,
    rewrite_url,
)
from mock_portal.evidence.model import Exchange
from mock_portal.evidence.store import EvidenceStore

KEY_NAME = "pseudonym_key"
EMAIL_DOMAIN = "pseudonym.invalid"
#: kinds whose values, quoted elsewhere in the exchange, are replaced there too (from this length on)
MENTIONED = frozenset({personal.NAME, personal.IDENTIFIER, personal.PHONE, personal.EMAIL, personal.ADDRESS})
MENTION_MIN_LENGTH = 5
URL_HEADERS = frozenset({"location", "content-location", "referer"})

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_DATES = (
    (re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"), "{y:04d}{m:02d}{d:02d}"),
    (re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"), "{y:04d}-{m:02d}-{d:02d}"),
    (re.compile(r"(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})"), "{d:02d}/{m:02d}/{y:04d}"),
)


@cache
def personal_names() -> Names:
    return Names(personal.personal_names())


def new_key() -> str:
    return secrets.token_hex(32)


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a pseudonymisation key needs at least 16 bytes")
        self._key = key
        self.key_id = hmac.new(key, b"dvc-harness pseudonym key id", hashlib.sha256).hexdigest()[:12]

    @classmethod
    def for_store(cls, store: EvidenceStore) -> Pseudonymiser:
        """The store's own key: made the first time, kept in the store, read back ever after."""
        return cls(bytes.fromhex(store.kept_value(KEY_NAME, new_key)))

    # --- tokens ----------------------------------------------------------------------------------------------
    def _digest(self, kind: str, normalised: str, counter: int = 0) -> bytes:
        message = f"{kind}\x00{normalised}\x00{counter}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _bytes(self, kind: str, normalised: str) -> Iterator[int]:
        counter = 0
        while True:
            yield from self._digest(kind, normalised, counter)
            counter += 1

    def _code(self, kind: str, normalised: str) -> str:
        return base64.b32encode(self._digest(kind, normalised)).decode("ascii").lower()[:10]

    def token(self, kind: str, value: str) -> str:
        """The pseudonym of `value` as a field of `kind` (`personal.NAME`, ...)."""
        if kind == personal.IDENTIFIER:
            return self._identifier(value)
        if kind == personal.PHONE:
            return self._phone(value)
        if kind == personal.EMAIL:
            return f"{self._code(kind, value.strip().lower())}@{EMAIL_DOMAIN}"
        if kind == personal.DATE:
            return self._date(value)
        if kind == personal.IP and _IPV4.fullmatch(value.strip()):
            a, b, c = self._digest(kind, value.strip())[:3]
            return f"10.{a}.{b}.{c}"
        label = kind if kind in (personal.NAME, personal.ADDRESS) else personal.TEXT
        normalised = " ".join(unicodedata.normalize("NFC", value).casefold().split())
        return f"{label}-{self._code(label, normalised)}"

    def _identifier(self, value: str) -> str:
        text = value.strip()
        if _UUID.fullmatch(text):
            return str(uuid.UUID(bytes=self._digest("uuid", text.lower())[:16], version=4))
        return _same_shape(value, self._bytes("id", "".join(value.split()).upper()))

    def _phone(self, value: str) -> str:
        text = value.strip()
        prefix = "+84" if text.startswith("+84") else "0" if text.startswith("0") else ""
        rest = value[value.index(prefix) + len(prefix) :] if prefix else value
        digits = "".join(c for c in rest if c.isdigit())
        return value[: len(value) - len(rest)] + _same_shape(rest, self._bytes("phone", digits), letters=False)

    def _date(self, value: str) -> str:
        text = value.strip()
        for pattern, layout in _DATES:
            found = pattern.fullmatch(text)
            if found:
                normalised = f"{found['y']}{found['m']}{found['d']}"
                a, b, c = self._digest(personal.DATE, normalised)[:3]
                return layout.format(y=1940 + a % 70, m=1 + b % 12, d=1 + c % 28)
        return _same_shape(value, self._bytes(personal.DATE, "".join(c for c in text if c.isdigit())))

    # --- exchanges -------------------------------------------------------------------------------------------
    def row(self, exchange: Exchange) -> dict[str, Any]:
        """The export row of an exchange (redact it first), personal data pseudonymised and the row marked."""
        found: dict[str, str] = {}
        fields: list[str] = []

        def rewriter(scope: str) -> Rewrite:
            def rewrite(name: str, value: Any, where: str) -> Any:
                kind = personal.personal_kind(name)
                if kind is None or isinstance(value, bool):
                    return KEEP
                if isinstance(value, int) and kind in (personal.IDENTIFIER, personal.PHONE):
                    token = self.token(kind, str(value))
                    fields.append(f"{scope}:{where}")
                    return int(token) if token.isdigit() else token
                if not isinstance(value, str) or not value.strip() or "<" in value:
                    return KEEP  # an XML element with children: its children are looked at one by one
                token = self.token(kind, value)
                fields.append(f"{scope}:{where}")
                if kind in MENTIONED and len(value.strip()) >= MENTION_MIN_LENGTH:
                    found[value.strip()] = token
                return token

            return rewrite

        names = personal_names()
        url = rewrite_url(exchange.url, names, rewriter("url"))
        request_headers = _url_headers(exchange.request_headers, lambda v: rewrite_url(v, names, rewriter("headers")))
        response_headers = _url_headers(exchange.response_headers, lambda v: rewrite_url(v, names, rewriter("headers")))
        request_body = rewrite_body(
            exchange.request_body, content_type_of(exchange.request_headers), names, rewriter("request.body")
        )
        response_body = rewrite_body(
            exchange.response_body, content_type_of(exchange.response_headers), names, rewriter("response.body")
        )
        error = exchange.error
        mentions = 0
        if found:
            quoted = Replacer(found, ignore_case=True)
            request_body, response_body = quoted.body(request_body), quoted.body(response_body)
            url = quoted.text(url)
            error = quoted.text(error) if error else error
            mentions = quoted.count
        row = replace(
            exchange,
            url=url,
            request_headers=request_headers,
            response_headers=response_headers,
            request_body=request_body,
            response_body=response_body,
            error=error,
        ).to_dict()
        row["pseudonymised"] = {"key": self.key_id, "fields": fields, "mentions": mentions}
        return row


def _same_shape(value: str, stream: Iterator[int], *, letters: bool = True) -> str:
    """Each ASCII digit replaced by a digit, each ASCII letter by a letter of the same case; the rest kept."""
    out: list[str] = []
    for char in value:
        if "0" <= char <= "9":
            out.append(chr(48 + next(stream) % 10))
        elif letters and "A" <= char <= "Z":
            out.append(chr(65 + next(stream) % 26))
        elif letters and "a" <= char <= "z":
            out.append(chr(97 + next(stream) % 26))
        else:
            out.append(char)
    return "".join(out)


def _url_headers(headers: dict[str, str], rewrite: Callable[[str], str]) -> dict[str, str]:
    if not any(name.lower() in URL_HEADERS for name in headers):
        return headers
    return {name: rewrite(value) if name.lower() in URL_HEADERS else value for name, value in headers.items()}
