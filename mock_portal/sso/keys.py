"""The identity provider's signing key (RS256), its JWKS, and JWT signing and verification with joserfc."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from harness.core.errors import UsageError

ALGORITHM = "RS256"


class InvalidJwt(Exception):
    """A JWT that is malformed, not signed by this provider, or signed with another algorithm."""


class SigningKeys:
    """One RSA key: generated at startup (2048 bits) or loaded from a PEM or JWK file."""

    def __init__(self, key: RSAKey) -> None:
        if not key.is_private:
            raise UsageError("the SSO signing key must be a private RSA key")
        self._key = key
        self._public = KeySet([RSAKey.import_key(key.as_dict(private=False))])

    @classmethod
    def generate(cls) -> SigningKeys:
        return cls(RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True))

    @classmethod
    def from_file(cls, path: str) -> SigningKeys:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the SSO key file {path}: {exc.strerror or exc}") from None
        try:
            source: Any = orjson.loads(data) if data.lstrip().startswith(b"{") else data
            key = RSAKey.import_key(source, parameters={"use": "sig", "alg": ALGORITHM})
        except (JoseError, ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise UsageError(f"the SSO key file {path} is not an RSA private key (PEM or JWK): {exc}") from None
        if not key.kid:
            key = RSAKey.import_key(key.as_dict(private=True), parameters={"kid": key.thumbprint()})
        return cls(key)

    @classmethod
    def configured(cls, key_file: str | None) -> SigningKeys:
        return cls.from_file(key_file) if key_file else cls.generate()

    @property
    def kid(self) -> str:
        return str(self._key.kid)

    def jwks(self) -> dict[str, Any]:
        """The public JWK set served at /sso/jwks."""
        return dict(self._public.as_dict(private=False))

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"alg": ALGORITHM, "typ": "JWT", "kid": self.kid}, claims, self._key, algorithms=[ALGORITHM])

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a JWT this provider signed (signature and algorithm only; times are the caller's)."""
        try:
            decoded = jwt.decode(token, self._public, algorithms=[ALGORITHM])
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidJwt(f"not a valid token signed by this provider: {exc}") from None
        return dict(decoded.claims)
