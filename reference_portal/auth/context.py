"""Per-portal login plumbing other features use: the OIDC client, and who (if anyone) a request is from."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from starlette.requests import Request

from reference_portal.auth.store import AuthStore, Citizen
from reference_portal.national.sso import OidcClient
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

COOKIE = "portal_session"
CALLBACK_PATH = "/auth/callback"
LOGGED_OUT_PATH = "/auth/logged-out"
_CLIENTS: WeakKeyDictionary[Portal, OidcClient] = WeakKeyDictionary()


def oidc_client(portal: Portal) -> OidcClient:
    """The portal's client of the national provider (one per portal: it caches discovery and keys)."""
    client = _CLIENTS.get(portal)
    if client is None:
        config = portal.config
        client = OidcClient(
            portal.http,
            discovery_url=f"{config.national_url.rstrip('/')}/sso/.well-known/openid-configuration",
            client_id=config.sso_client_id,
            client_secret=config.sso_client_secret,
            redirect_uri=f"{config.base_url}{CALLBACK_PATH}",
        )
        _CLIENTS[portal] = client
    return client


def current_citizen(portal: Portal, request: Request) -> Citizen | None:
    """The account signed in on this request's `portal_session` cookie, None when anonymous or expired."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 256:
        return None
    return AuthStore(portal.db).session(token)


def require_citizen(portal: Portal, request: Request) -> Citizen:
    citizen = current_citizen(portal, request)
    if citizen is None:
        raise HttpError(401, "not_signed_in", "sign in with the national SSO first: GET /auth/login")
    return citizen
