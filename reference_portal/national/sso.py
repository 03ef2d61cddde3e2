"""The OpenID Connect client toward the national identity provider (docs/reference/dvcqg-interfaces.md §12): discovery,
the authorization URL, the code exchange, id_token verification, userinfo and the logout URL.

Every cryptographic step is joserfc's: the RS256 signature against the provider's JWKS (fetched from the
discovery document, cached, fetched again when a token names a key id the cache does not hold) and the
registered-claim checks. What this module adds is the OpenID Connect rules on top (OIDC Core §3.1.3.7):
the issuer of the discovery document, the audience = our client_id, azp, the nonce of the login attempt,
at_hash when present. `Checks` lets the portal's defect switches turn single checks off; nothing else does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from joserfc import jws, jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
#: tolerated clock difference with the provider for exp and iat (OIDC Core §3.1.3.7: "small")
LEEWAY_S = 60
#: the JWKS is not fetched again more often than this (a flood of unknown key ids cannot hammer the provider)
JWKS_MIN_REFRESH_S = 5.0
#: scopes asked for when the provider supports them (openid always)
WANTED_SCOPES = ("openid", "profile", "email", "phone")
_DISCOVERY_KEYS = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


class SsoError(Exception):
    """A login step failed: `code` (machine-readable) and `status` are what the portal answers."""

    status = 400
    code = "sso_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ProviderUnavailable(SsoError):
    """The provider did not answer usefully (transport error, 5xx, not JSON, a malformed document)."""

    status = 502
    code = "sso_provider_unavailable"


class GrantRefused(SsoError):
    """The token endpoint refused the authorization code (reused, expired, not ours)."""

    status = 400
    code = "sso_code_refused"


class InvalidIdToken(SsoError):
    """The id_token must not be trusted: bad signature, wrong issuer/audience/nonce, expired..."""

    status = 401
    code = "sso_invalid_id_token"


class InvalidUserinfo(SsoError):
    """Userinfo names another subject than the id_token, or lacks what the portal needs (TechID)."""

    status = 401
    code = "sso_invalid_userinfo"


@dataclass(frozen=True)
class Checks:
    """The id_token checks; every one is on except where a defect switch turns it off."""

    signature: bool = True
    audience: bool = True
    nonce: bool = True
    expiry: bool = True


@dataclass(frozen=True)
class Provider:
    """What the discovery document says (OpenID Connect Discovery §3)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    scopes: tuple[str, ...]

    @classmethod
    def from_document(cls, document: Any) -> Provider:
        if not isinstance(document, dict):
            raise ProviderUnavailable("the discovery document is not a JSON object")
        missing = [k for k in _DISCOVERY_KEYS if not isinstance(document.get(k), str) or not document[k]]
        if missing:
            raise ProviderUnavailable(f"the discovery document lacks {', '.join(missing)}")
        supported = document.get("scopes_supported")
        offered = supported if isinstance(supported, list) else []
        scopes = tuple(s for s in WANTED_SCOPES if s == "openid" or s in offered)
        end_session = document.get("end_session_endpoint")
        return cls(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            userinfo_endpoint=document["userinfo_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=end_session if isinstance(end_session, str) else "",
            scopes=scopes,
        )


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the access token (RS256)."""
    digest = hashlib.sha256(access_token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        discovery_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self.discovery_url = discovery_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._clock = clock
        self._provider: Provider | None = None
        self._keys: KeySet | None = None
        self._keys_fetched_at = float("-inf")

    def forget(self) -> None:
        """Drop the cached discovery document and keys (fetched again on the next login)."""
        self._provider = None
        self._keys = None
        self._keys_fetched_at = float("-inf")

    # --- the provider's documents -------------------------------------------------------------

    async def _get_json(self, url: str, what: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.get(url, **kwargs)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the provider did not answer ({what}: {type(exc).__name__}: {exc})") from exc
        return _json_of(response, what)

    async def provider(self) -> Provider:
        if self._provider is None:
            document = await self._get_json(self.discovery_url, "discovery")
            self._provider = Provider.from_document(document)
            expected = self.discovery_url.removesuffix("/.well-known/openid-configuration")
            if self._provider.issuer != expected:  # OIDC Discovery §4.3; tolerated: proxies rewrite hosts
                log.warning("SSO issuer %s differs from the discovery URL %s", self._provider.issuer, expected)
        return self._provider

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        if self._keys is None or (refresh and now - self._keys_fetched_at >= JWKS_MIN_REFRESH_S):
            provider = await self.provider()
            document = await self._get_json(provider.jwks_uri, "jwks")
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise ProviderUnavailable(f"the provider's JWKS cannot be read: {exc}") from None
            self._keys_fetched_at = now
        return self._keys

    # --- the flow -----------------------------------------------------------------------------

    async def authorization_url(self, *, state: str, nonce: str, code_challenge: str) -> str:
        provider = await self.provider()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(provider.scopes),
            "acr_values": "LoA1",
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in provider.authorization_endpoint else "?"
        return f"{provider.authorization_endpoint}{separator}{urlencode(query)}"

    async def exchange(self, code: str, code_verifier: str | None) -> Tokens:
        """The code at the token endpoint, client_secret_post as DVCQG's clients send it (§12)."""
        provider = await self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            response = await self._http.post(provider.token_endpoint, data=form)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the provider did not answer (token: {type(exc).__name__}: {exc})") from exc
        if 400 <= response.status_code < 500:
            answer = _json_or_empty(response)
            reason = f"{answer.get('error', response.status_code)}: {answer.get('error_description', '')}"
            raise GrantRefused(f"the provider refused the authorization code ({reason})")
        reply = _json_of(response, "token")
        access, id_token = reply.get("access_token"), reply.get("id_token")
        if not isinstance(access, str) or not access or not isinstance(id_token, str) or not id_token:
            raise ProviderUnavailable("the token reply lacks access_token or id_token")
        return Tokens(access, id_token)

    async def verify_id_token(
        self, id_token: str, *, nonce: str | None, access_token: str, checks: Checks = Checks()
    ) -> dict[str, Any]:
        """The id_token's claims after OIDC Core §3.1.3.7 validation (InvalidIdToken otherwise)."""
        provider = await self.provider()
        claims = await self._signed_claims(id_token) if checks.signature else _unverified_claims(id_token)
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": provider.issuer},
            "sub": {"essential": True},
            "iat": {"essential": True},
        }
        if checks.expiry:
            options["exp"] = {"essential": True}
        if checks.audience:
            options["aud"] = {"essential": True, "value": self.client_id}
        registry = jwt.JWTClaimsRegistry(now=lambda: int(self._clock()), leeway=LEEWAY_S, **options)
        checked = claims if checks.expiry else {k: v for k, v in claims.items() if k != "exp"}
        try:
            registry.validate(checked)
        except JoseError as exc:
            raise InvalidIdToken(f"the id_token was refused: {exc.description or exc}") from None
        audiences = claims["aud"] if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if checks.audience and (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
            raise InvalidIdToken(f"azp is {claims.get('azp')!r}, not {self.client_id!r}")
        if checks.nonce and (
            nonce is None or not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode())
        ):
            raise InvalidIdToken("the nonce differs from the one of this login attempt")
        given = claims.get("at_hash")
        if given is not None and not hmac.compare_digest(str(given).encode(), at_hash(access_token).encode()):
            raise InvalidIdToken("at_hash does not match the access token")
        return claims

    async def _signed_claims(self, id_token: str) -> dict[str, Any]:
        header = _header_of(id_token)
        if header.get("alg") != ALGORITHM:
            raise InvalidIdToken(f"alg is {header.get('alg')!r}; only {ALGORITHM} is accepted")
        for refresh in (False, True):
            keys = await self._key_set(refresh=refresh)
            try:
                return dict(jwt.decode(id_token, keys, algorithms=[ALGORITHM]).claims)
            except InvalidKeyIdError:
                if refresh:
                    raise InvalidIdToken("no key of the provider's JWKS has its kid") from None
                continue  # the provider may have rotated its key: fetch the JWKS again, once
            except (JoseError, ValueError, TypeError) as exc:
                raise InvalidIdToken(f"the id_token's signature does not verify: {exc}") from None
        raise AssertionError("unreachable")

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        provider = await self.provider()
        answer = await self._get_json(
            provider.userinfo_endpoint, "userinfo", headers={"authorization": f"Bearer {access_token}"}
        )
        if not isinstance(answer, dict):
            raise ProviderUnavailable("the userinfo answer is not a JSON object")
        return answer

    async def end_session_url(self, *, id_token_hint: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider (§12: id_token_hint, post_logout_redirect_uri); None if it has none."""
        provider = await self.provider()
        if not provider.end_session_endpoint:
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            query["id_token_hint"] = id_token_hint
        separator = "&" if "?" in provider.end_session_endpoint else "?"
        return f"{provider.end_session_endpoint}{separator}{urlencode(query)}"


def _json_of(response: httpx.Response, what: str) -> Any:
    if response.status_code >= 300:
        raise ProviderUnavailable(f"the provider answered {what} with HTTP {response.status_code}")
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise ProviderUnavailable(f"the provider's {what} answer is not JSON") from None


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _compact(id_token: str) -> jws.CompactSignature:
    try:
        return jws.extract_compact(id_token.encode("ascii"))
    except (JoseError, ValueError, TypeError, UnicodeEncodeError) as exc:
        raise InvalidIdToken(f"the id_token is not a compact JWS: {exc}") from None


def _header_of(id_token: str) -> dict[str, Any]:
    return dict(_compact(id_token).headers())


def _unverified_claims(id_token: str) -> dict[str, Any]:
    """Defect `sso-signature-unchecked` only: the payload read without checking who signed it."""
    try:
        claims = orjson.loads(_compact(id_token).payload)
    except orjson.JSONDecodeError:
        raise InvalidIdToken("the id_token's payload is not JSON") from None
    if not isinstance(claims, dict):
        raise InvalidIdToken("the id_token's payload is not a JSON object")
    return claims
