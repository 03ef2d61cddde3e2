"""Sign-in with the national SSO (OpenID Connect at DVCQG's identity provider) and what a signed-in
account can do: see who it is, submit dossiers online under its TechID, sign out everywhere.

Other features ask `current_citizen(portal, request)` who a request comes from (public lookup: the
owner sees the full dossier).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from reference_portal.auth import login, submission
from reference_portal.auth.context import COOKIE, current_citizen, oidc_client, require_citizen
from reference_portal.auth.store import SCHEMA, TABLES, AuthStore, Citizen
from reference_portal.portal import Feature, Portal


def _routes(portal: Portal) -> list[BaseRoute]:
    return [*login.routes(portal), *submission.routes(portal)]


def _reset(portal: Portal) -> None:
    oidc_client(portal).forget()


FEATURE = Feature("auth", schema=SCHEMA, tables=TABLES, routes=_routes, reset=_reset, capabilities=("sso",))

__all__ = ["COOKIE", "FEATURE", "AuthStore", "Citizen", "current_citizen", "require_citizen"]
