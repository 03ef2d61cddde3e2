"""SSO channel of the mock national portal: a real OpenID Connect provider (authorization-code flow).

The "sso" channel of `mock_portal.channels`. `test_users()` lists the seeded accounts (citizens, enterprises, an
organisation) so tests can pick one and log in headless with `login_hint=<sub or SoDinhDanh>`.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from mock_portal.sso.clients import Client, SsoSettings
from mock_portal.sso.keys import SigningKeys
from mock_portal.sso.pages import AccountChooser
from mock_portal.sso.routes import routes
from mock_portal.sso.tokens import SsoState
from mock_portal.sso.users import TestUser, find_user, test_users
from mock_portal.state import MockState


def create_channel(state: MockState) -> tuple[SsoState, list[BaseRoute]]:
    settings = SsoSettings.from_config(state.config)
    sso = SsoState(state, settings, SigningKeys.configured(settings.key_file))
    return sso, routes(sso)


__all__ = [
    "AccountChooser",
    "Client",
    "SigningKeys",
    "SsoSettings",
    "SsoState",
    "TestUser",
    "create_channel",
    "find_user",
    "test_users",
]
