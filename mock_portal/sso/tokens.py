"""The identity provider's domain state: login sessions, authorization codes, grants and tokens.

A login creates a session; an authorization code (single use, short TTL, bound to the client, the
redirect URI and the nonce) becomes a grant when redeemed; a grant holds the access and refresh tokens
issued for it. A token is active while it is unexpired, not revoked, its grant not revoked and its
session not ended (logout ends the session, so every token of it becomes inactive).

All methods are synchronous and run on the server's event loop: no request interleaves inside one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from mock_portal.sso.accounts import AccountRegistry
from mock_portal.sso.clients import Client, SsoSettings
from mock_portal.sso.keys import InvalidJwt, SigningKeys
from mock_portal.sso.protocol import OAuthError, invalid_grant
from mock_portal.sso.tampering import TokenTampering
from mock_portal.sso.users import TestUser, find_user, test_users
from mock_portal.state import MockState

ACR = "LoA1"
ACCESS = "access_token"
REFRESH = "refresh_token"
VNEID_ISSUER_PATH = "/vneid/auth/realms/citizen"
_PRUNE_EVERY = 512


@dataclass
class Session:
    sid: str
    user: TestUser
    auth_time: int
    active: bool = True


@dataclass
class Grant:
    grant_id: str
    client_id: str
    session: Session
    scope: str
    nonce: str | None
    revoked: bool = False

    @property
    def live(self) -> bool:
        return not self.revoked and self.session.active


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    session: Session
    scope: str
    nonce: str | None
    expires_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    grant: Grant | None = None  # set once redeemed


@dataclass
class Token:
    kind: str  # access_token | refresh_token
    grant: Grant
    scope: str
    issued_at: int
    expires_at: int
    revoked: bool = False

    def active(self, now: float) -> bool:
        return not self.revoked and self.grant.live and now < self.expires_at


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str
    id_token: str
    expires_in: int
    scope: str
    #: the test variant the id_token was spoiled with (`tampering.py`), None for a genuine one
    tampered: str | None = None

    def reply(self) -> dict[str, Any]:
        """The token endpoint reply (schema sso.token.reply)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "id_token": self.id_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


@dataclass
class SsoState:
    """The SSO channel's state object (`MockState.channels["sso"]`)."""

    mock: MockState
    settings: SsoSettings
    keys: SigningKeys
    sessions: dict[str, Session] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    tampering: TokenTampering = field(default_factory=TokenTampering)
    #: accounts the harness registered (`POST /_admin/sso/accounts`), beside the seeded ones
    accounts: AccountRegistry = field(default_factory=AccountRegistry)
    _issued: int = 0

    def reset(self) -> None:
        """Forget every session, code, token and armed test variant.

        The signing key and the registered accounts stay: a relying party keeps the keys it fetched, and a
        tester keeps signing in with the account the harness registered for them, across a test's reset."""
        self.sessions.clear()
        self.codes.clear()
        self.tokens.clear()
        self.tampering.reset()

    def users(self) -> list[TestUser]:
        """Every account one can sign in with: the seeded ones, then the registered ones."""
        return [*test_users(), *self.accounts.users()]

    def find_user(self, hint: str) -> TestUser | None:
        """The account a login hint names (sub, TechID, SoDinhDanh or tax code), seeded or registered."""
        return find_user(hint) or self.accounts.find(hint)

    @property
    def issuer(self) -> str:
        return f"{self.mock.config.base_url}/sso"

    @property
    def clients(self) -> dict[str, Client]:
        return self.settings.clients

    def now(self) -> float:
        return self.mock.clock()

    # sessions ------------------------------------------------------------------------------------

    def login(self, user: TestUser) -> Session:
        session = Session(str(uuid.uuid4()), user, int(self.now()))
        self.sessions[session.sid] = session
        return session

    def active_session(self, sid: str | None) -> Session | None:
        session = self.sessions.get(sid or "")
        return session if session is not None and session.active else None

    def end_session(self, sid: str) -> bool:
        session = self.sessions.get(sid)
        if session is None or not session.active:
            return False
        session.active = False
        return True

    # authorization codes -------------------------------------------------------------------------

    def issue_code(
        self,
        client: Client,
        redirect_uri: str,
        session: Session,
        scope: str,
        nonce: str | None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        self._prune()
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthorizationCode(
            client.client_id,
            redirect_uri,
            session,
            scope,
            nonce,
            self.now() + self.settings.code_ttl_s,
            code_challenge,
            code_challenge_method,
        )
        return code

    def redeem_code(self, client: Client, code: str, redirect_uri: str, code_verifier: str | None) -> TokenSet:
        """Exchange a code (RFC 6749 §4.1.3). A reused code revokes what it was exchanged for (§4.1.2)."""
        record = self.codes.get(code)
        if record is None:
            raise invalid_grant("unknown authorization code")
        if record.client_id != client.client_id:
            raise invalid_grant("the authorization code was issued to another client")
        if record.grant is not None:
            record.grant.revoked = True
            raise invalid_grant("the authorization code was already used; the tokens issued for it are now revoked")
        if self.now() >= record.expires_at:
            raise invalid_grant(f"the authorization code expired (it lives {self.settings.code_ttl_s:g} s)")
        if redirect_uri != record.redirect_uri:
            raise invalid_grant("redirect_uri differs from the one of the authorization request")
        if not record.session.active:
            raise invalid_grant("the login session of this code has ended")
        _check_pkce(record, code_verifier)
        grant = Grant(str(uuid.uuid4()), client.client_id, record.session, record.scope, record.nonce)
        record.grant = grant
        return self._issue(grant, grant.scope, with_nonce=True)

    # tokens --------------------------------------------------------------------------------------

    def refresh(self, client: Client, value: str, scope: str | None) -> TokenSet:
        """Refresh-token grant (RFC 6749 §6): the refresh token rotates, the old one is revoked."""
        token = self.tokens.get(value)
        if token is None or token.kind != REFRESH or not token.active(self.now()):
            raise invalid_grant("the refresh token is unknown, expired, revoked or its session ended")
        if token.grant.client_id != client.client_id:
            raise invalid_grant("the refresh token was issued to another client")
        granted = token.scope.split()
        wanted = scope.split() if scope else granted
        if not set(wanted) <= set(granted):
            extra = " ".join(sorted(set(wanted) - set(granted)))
            raise OAuthError("invalid_scope", f"scope beyond the original grant: {extra}")
        token.revoked = True
        return self._issue(token.grant, " ".join(wanted), with_nonce=False)

    def find(self, value: str) -> Token | None:
        return self.tokens.get(value)

    def active_token(self, value: str, kind: str | None = None) -> Token | None:
        token = self.tokens.get(value)
        if token is None or (kind and token.kind != kind) or not token.active(self.now()):
            return None
        return token

    def revoke(self, token: Token) -> None:
        """RFC 7009 §2.1: revoking a refresh token revokes its whole grant; an access token only itself."""
        if token.kind == REFRESH:
            token.grant.revoked = True
        token.revoked = True

    def revoke_for_id_token(self, client: Client, id_token: str) -> bool:
        """Revoke every grant of the id_token's session held by the client (DVCQG revokes with the id_token)."""
        try:
            claims = self.keys.verify(id_token)
        except InvalidJwt:
            return False
        if claims.get("iss") != self.issuer or not _audience_has(claims, client.client_id):
            return False
        sid = claims.get("sid")
        for token in self.tokens.values():
            if token.grant.session.sid == sid and token.grant.client_id == client.client_id:
                token.grant.revoked = True
        return True

    def verify_id_token(self, id_token: str) -> dict[str, Any]:
        """Claims of an id_token this provider issued (expired ones too: a logout hint may be old)."""
        claims = self.keys.verify(id_token)
        if claims.get("iss") != self.issuer:
            raise InvalidJwt(f"iss is {claims.get('iss')!r}, not this provider ({self.issuer})")
        return claims

    def introspection(self, token: Token) -> dict[str, Any]:
        """RFC 7662 §2.2 answer for an active token."""
        grant = token.grant
        return {
            "active": True,
            "client_id": grant.client_id,
            "scope": token.scope,
            "sub": grant.session.user.sub,
            "exp": token.expires_at,
            "iat": token.issued_at,
            "iss": self.issuer,
            "aud": grant.client_id,
            "token_type": "Bearer" if token.kind == ACCESS else REFRESH,
            "TechID": grant.session.user.tech_id,
        }

    def userinfo(self, token: Token) -> dict[str, Any]:
        """DVCQG claims (sso.userinfo), or the VNeID-backed form (sso.userinfo.vneid) for VNeID accounts."""
        session = token.grant.session
        user = session.user
        if not user.vneid:
            return user.claims()
        token_id = self.keys.sign(
            {
                "iss": self.issuer + VNEID_ISSUER_PATH,
                "azp": "vnconnect",
                "acr": "1",
                "sid": session.sid,
                "iat": token.issued_at,
                "exp": token.expires_at,
            }
        )
        base = f"{self.issuer}/vneid/api/idp/third-party"
        return {
            "sub": user.sub,
            "TechID": user.tech_id,
            "LoaiTaiKhoan": user.account_type,
            "HoVaTen": user.full_name,
            "SoDinhDanh": user.citizen_id,
            "NgayThangNamSinh": user.birth_date,
            "loginIdp": "BCA",
            "userProfileUri": f"{base}/view-info?token_id={token_id}",
            "logoutUri": f"{base}/logout?token_id={token_id}",
            "IAL": 2,
        }

    def vneid_session(self, token_id: str) -> Session | None:
        """The session a VNeID `token_id` (embedded in userProfileUri / logoutUri) belongs to."""
        try:
            claims = self.keys.verify(token_id)
        except InvalidJwt:
            return None
        if claims.get("iss") != self.issuer + VNEID_ISSUER_PATH:
            return None
        return self.sessions.get(str(claims.get("sid")))

    # internals -----------------------------------------------------------------------------------

    def _issue(self, grant: Grant, scope: str, *, with_nonce: bool) -> TokenSet:
        now = int(self.now())
        ttl = self.settings.access_token_ttl_s
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self.tokens[access] = Token(ACCESS, grant, scope, now, now + ttl)
        self.tokens[refresh] = Token(REFRESH, grant, scope, now, now + self.settings.refresh_token_ttl_s)
        claims = self._id_token_claims(grant, access, now, with_nonce)
        variant = self.tampering.take()
        id_token = self.tampering.id_token(variant, claims, self.keys) if variant else self.keys.sign(claims)
        return TokenSet(access, refresh, id_token, ttl, scope, variant)

    def _id_token_claims(self, grant: Grant, access_token: str, now: int, with_nonce: bool) -> dict[str, Any]:
        user = grant.session.user
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "exp": now + self.settings.access_token_ttl_s,
            "iat": now,
            "auth_time": grant.session.auth_time,
            "acr": ACR,
            "at_hash": at_hash(access_token),
            "sid": grant.session.sid,
            "jti": str(uuid.uuid4()),
            "TechID": user.tech_id,
        }
        if with_nonce and grant.nonce:
            claims["nonce"] = grant.nonce
        return claims

    def _prune(self) -> None:
        """Drop expired codes and tokens now and then, so a long-running mock does not grow forever."""
        self._issued += 1
        if self._issued % _PRUNE_EVERY:
            return
        now = self.now()
        for code in [c for c, r in self.codes.items() if r.expires_at <= now]:
            del self.codes[code]
        for value in [v for v, t in self.tokens.items() if t.expires_at <= now or not t.grant.live]:
            del self.tokens[value]
        live = {t.grant.session.sid for t in self.tokens.values()} | {r.session.sid for r in self.codes.values()}
        for sid in [s for s, session in self.sessions.items() if not session.active and s not in live]:
            del self.sessions[sid]


def at_hash(access_token: str) -> str:
    """OpenID Connect Core §3.1.3.6: base64url of the left half of SHA-256 of the access token."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _check_pkce(record: AuthorizationCode, verifier: str | None) -> None:
    """RFC 7636 §4.6 when the authorization request carried a code_challenge."""
    if record.code_challenge is None:
        return
    if not verifier:
        raise invalid_grant("the authorization request had a code_challenge: send code_verifier")
    if record.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    if not hmac.compare_digest(computed.encode(), record.code_challenge.encode()):
        raise invalid_grant("code_verifier does not match the code_challenge")


def _audience_has(claims: dict[str, Any], client_id: str) -> bool:
    aud = claims.get("aud")
    return aud == client_id or (isinstance(aud, list) and client_id in aud)
