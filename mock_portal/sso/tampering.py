"""Test hook: make the provider issue one deliberately bad id_token, so suites can check that a relying
party REFUSES it (wrong audience, expired, bad signature, wrong nonce, wrong issuer, unsigned).

`POST /sso/_test/next-token {"variant": ...}` with `Authorization: Bearer <admin token>` arms the variant;
the next token response (any client, any grant) carries the altered id_token and is tagged
`FAULT:id_token_<variant>` in the evidence. `{"variant": null}` disarms. `POST /_admin/reset` disarms too.
Everything else in the token response (access token, userinfo) stays genuine: only the id_token is bad.
"""

from __future__ import annotations

import base64
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.requests import Request
from starlette.responses import Response

from mock_portal.request_body import parsed_json
from mock_portal.sso.keys import ALGORITHM, SigningKeys
from mock_portal.sso.protocol import OAuthError, error_response, invalid_request, json_response, note, verdict

PATH = "/sso/_test/next-token"
VARIANTS: dict[str, str] = {
    "wrong_audience": "aud names another client",
    "expired": "exp and iat an hour in the past",
    "bad_signature": "signed with another RSA key under the provider's kid",
    "wrong_nonce": "nonce differs from the one of the authorization request",
    "wrong_issuer": "iss names another provider",
    "unsigned": 'alg "none", no signature',
}
EXPIRED_BY_S = 3600
OTHER_AUDIENCE = "another-relying-party"
OTHER_ISSUER = "https://sso.attacker.example/sso"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class TokenTampering:
    """The armed variant (one shot) and the foreign key `bad_signature` signs with (made on first use)."""

    armed: str | None = None
    _foreign: RSAKey | None = field(default=None, repr=False)

    def reset(self) -> None:
        self.armed = None

    def take(self) -> str | None:
        variant, self.armed = self.armed, None
        return variant

    def id_token(self, variant: str, claims: dict[str, Any], keys: SigningKeys) -> str:
        """The id_token `keys` would sign for `claims`, spoiled the way `variant` says."""
        claims = dict(claims)
        if variant == "wrong_audience":
            claims["aud"] = claims["azp"] = OTHER_AUDIENCE
        elif variant == "expired":
            claims["iat"] = claims["iat"] - 2 * EXPIRED_BY_S
            claims["exp"] = claims["iat"] + EXPIRED_BY_S
        elif variant == "wrong_nonce":
            claims["nonce"] = f"not-{uuid.uuid4().hex}"
        elif variant == "wrong_issuer":
            claims["iss"] = OTHER_ISSUER
        elif variant == "unsigned":
            unsigned = _b64(orjson.dumps({"alg": "none", "typ": "JWT"}))
            return f"{unsigned}.{_b64(orjson.dumps(claims))}."
        elif variant == "bad_signature":
            if self._foreign is None:
                self._foreign = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM})
            header = {"alg": ALGORITHM, "typ": "JWT", "kid": keys.kid}
            return jwt.encode(header, claims, self._foreign, algorithms=[ALGORITHM])
        return keys.sign(claims)


async def arm(request: Request, tampering: TokenTampering, admin_token: str) -> Response:
    """`POST /sso/_test/next-token` (admin token): arm one variant for the next token response."""
    note(request, "test-next-token")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), admin_token.encode()):
        error = OAuthError("unauthorised", "send Authorization: Bearer <admin token>", 401)
        verdict(request, error)
        return error_response(error)
    ok, body = parsed_json(request.scope.get("state", {}))
    variant = body.get("variant", "") if ok and isinstance(body, dict) else ""
    if variant is not None and variant not in VARIANTS:
        error = invalid_request(f'send {{"variant": one of {", ".join(VARIANTS)}, or null to disarm}}')
        verdict(request, error)
        return error_response(error)
    verdict(request, None)
    tampering.armed = variant
    return json_response({"armed": variant, "description": VARIANTS.get(variant or "", "")})
