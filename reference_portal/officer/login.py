"""Who an officer request comes from: HTTP Basic with the portal's officer account (`officer_username`,
`officer_password` of PortalConfig). Anything else, the control API's bearer token included, is a 401."""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.requests import Request

from reference_portal.config import PortalConfig
from reference_portal.web.common import HttpError

#: what a 401 asks the client for (RFC 7617)
CHALLENGE = 'Basic realm="officer", charset="UTF-8"'


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or len(encoded) > 1024:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, ValueError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def require_officer(config: PortalConfig, request: Request) -> str:
    """The signed-in officer's username; HttpError 401 for missing or wrong credentials (and always when the
    configuration leaves the officer account empty: the endpoints are then off)."""
    given = _credentials(request)
    if given is not None and config.officer_username and config.officer_password:
        username, password = given
        # both compared, so the time taken does not tell a right username from a wrong one
        right_user = _same(username, config.officer_username)
        right_password = _same(password, config.officer_password)
        if right_user and right_password:
            return username
    raise HttpError(401, "unauthorized", "the officer endpoints need Authorization: Basic <officer account>")
