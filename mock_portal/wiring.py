"""Configure a running mock for one SUT (`POST /_admin/sut`): the DVCQG account it uses and the province it
speaks for, the payment partner code, secret and IPN URL, the SSO client with its redirect URIs.

The harness sends this from sut.toml before a run, to a mock it started and to a running one (`--mock-url`)
alike, so a staging system is judged against the credentials it was given. Accounts and SSO clients are added
(or replaced by username / client_id); the payment partner is the SUT's. `GET /_admin/sut` shows the result,
secrets redacted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from harness.core.errors import UsageError
from mock_portal.config import Account
from mock_portal.state import MockState

_SECRET = "***"


def _text(table: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where}.{key} must be a non-empty string")
    return value


def _urls(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    web = ("http://", "https://")
    if not isinstance(value, list) or not all(isinstance(v, str) and v.startswith(web) for v in value):
        raise UsageError(f"{where}.{key} must be a list of http(s) URLs")
    return tuple(value)


def configure(state: MockState, body: Any) -> dict[str, Any]:
    """Apply `{"dvcqg": {"username", "password", "madonvi"}, "payment": {"partner", "secret", "ipn_url"},
    "sso": {"client_id", "client_secret", "redirect_uris": [...], "post_logout_redirect_uris": [...]}}` (every
    section optional); `UsageError` for a malformed body, nothing applied then."""
    if not isinstance(body, dict) or not set(body) <= {"dvcqg", "payment", "sso"}:
        raise UsageError('send {"dvcqg": {...}, "payment": {...}, "sso": {...}} (each optional)')
    config = state.config
    updates: dict[str, Any] = {}
    client = None
    if "dvcqg" in body:
        table = _table(body, "dvcqg")
        agency = _text(table, "madonvi", "dvcqg")
        province = agency.split(".")[-1]  # the level-1 code is the last segment: 000.00.00.H56 → H56
        account = Account(_text(table, "username", "dvcqg"), _text(table, "password", "dvcqg"), province)
        others = tuple(a for a in config.accounts if a.username != account.username)
        updates["accounts"] = (*others, account)
    if "payment" in body:
        table = _table(body, "payment")
        updates["payment_partner"] = _text(table, "partner", "payment")
        updates["payment_secret"] = _text(table, "secret", "payment", required=False) or config.payment_secret
        ipn = _text(table, "ipn_url", "payment", required=False)
        if ipn and not ipn.startswith(("http://", "https://")):
            raise UsageError("payment.ipn_url must be an http(s) URL")
        updates["sut_ipn_url"] = ipn or config.sut_ipn_url
    if "sso" in body:
        from mock_portal.sso.clients import Client

        table = _table(body, "sso")
        client = Client(
            _text(table, "client_id", "sso"),
            _text(table, "client_secret", "sso", required=False) or config.sso_client_secret,
            _urls(table, "redirect_uris", "sso"),
            _urls(table, "post_logout_redirect_uris", "sso"),
        )
    state.config = replace(config, **updates)
    if client is not None:
        state.channels["sso"].settings.clients[client.client_id] = client
    return describe(state)


def _table(body: dict[str, Any], key: str) -> dict[str, Any]:
    table = body[key]
    if not isinstance(table, dict):
        raise UsageError(f"{key} must be an object")
    return table


def describe(state: MockState) -> dict[str, Any]:
    """What the mock expects of a SUT now, secrets redacted (`GET /_admin/sut`)."""
    config = state.config
    sso = state.channels.get("sso")
    clients = sso.settings.clients if sso is not None else {}
    return {
        "dvcqg": [{"username": a.username, "password": _SECRET, "province": a.province} for a in config.accounts],
        "payment": {"partner": config.payment_partner, "secret": _SECRET, "ipn_url": config.sut_ipn_url},
        "sso": [
            {
                "client_id": c.client_id,
                "client_secret": _SECRET,
                "redirect_uris": list(c.redirect_uris),
                "post_logout_redirect_uris": list(c.post_logout_redirect_uris),
            }
            for c in clients.values()
        ],
    }
