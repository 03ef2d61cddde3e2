"""Registered relying parties and the SSO channel's settings (from `MockConfig` and its `extra` table).

Settings read from `config.extra` (top-level keys of mock.toml):

- `sso_key_file`: PEM or JWK file with the RSA private signing key (default: a key generated at startup)
- `sso_redirect_uris`, `sso_post_logout_redirect_uris`: extra registered URIs (exact match) besides the
  always-allowed loopback ones (`http://127.0.0.1:<any port>/...`, `http://localhost:<any port>/...`)
- `sso_code_ttl_s` (60), `sso_access_token_ttl_s` (3600), `sso_refresh_token_ttl_s` (86400)
- `sso_clients`: more relying parties, a list of tables `{client_id, client_secret, redirect_uris?,
  post_logout_redirect_uris?}` (the demo client of `sso_client_id` / `sso_client_secret` is always registered)
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from harness.core.errors import UsageError
from mock_portal.config import MockConfig

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()
    post_logout_redirect_uris: tuple[str, ...] = ()

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.client_secret.encode(), secret.encode())

    def allows_redirect(self, uri: str) -> bool:
        return uri in self.redirect_uris or is_loopback_uri(uri)

    def allows_post_logout_redirect(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris or uri in self.redirect_uris or is_loopback_uri(uri)


def is_loopback_uri(uri: str) -> bool:
    """http on 127.0.0.1, localhost or [::1], any port, no fragment and no credentials (RFC 8252 §7.3)."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in LOOPBACK_HOSTS
        and not parts.fragment
        and parts.username is None
        and parts.password is None
    )


@dataclass(frozen=True)
class SsoSettings:
    clients: dict[str, Client]
    key_file: str | None
    code_ttl_s: float
    access_token_ttl_s: int
    refresh_token_ttl_s: int

    @classmethod
    def from_config(cls, config: MockConfig) -> SsoSettings:
        extra = config.extra
        demo = Client(
            config.sso_client_id,
            config.sso_client_secret,
            _strings(extra, "sso_redirect_uris"),
            _strings(extra, "sso_post_logout_redirect_uris"),
        )
        clients = {demo.client_id: demo}
        for raw in extra.get("sso_clients", []) or []:
            try:
                client = Client(
                    str(raw["client_id"]),
                    str(raw["client_secret"]),
                    _strings(raw, "redirect_uris"),
                    _strings(raw, "post_logout_redirect_uris"),
                )
            except (KeyError, TypeError):
                raise UsageError("each [[sso_clients]] needs client_id and client_secret") from None
            clients[client.client_id] = client
        key_file = extra.get("sso_key_file")
        return cls(
            clients=clients,
            key_file=str(key_file) if key_file else None,
            code_ttl_s=_positive(extra, "sso_code_ttl_s", 60.0),
            access_token_ttl_s=max(1, round(_positive(extra, "sso_access_token_ttl_s", 3600))),
            refresh_token_ttl_s=max(1, round(_positive(extra, "sso_refresh_token_ttl_s", 86400))),
        )


def _strings(table: Any, key: str) -> tuple[str, ...]:
    value = table.get(key, ()) if isinstance(table, dict) else ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"mock configuration: {key} must be a list of URLs")
    return tuple(value)


def _positive(extra: dict[str, Any], key: str, default: float) -> float:
    value = extra.get(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"mock configuration: {key} must be a number of seconds, got {value!r}") from None
    if number <= 0:
        raise UsageError(f"mock configuration: {key} must be positive, got {value!r}")
    return number
