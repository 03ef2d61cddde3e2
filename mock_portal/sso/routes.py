"""The SSO endpoints (README "Mock national portal"): discovery, authorize, token, userinfo,
introspect, revoke, logout, JWKS; plus the two VNeID links that VNeID-backed userinfo points to.

Authorize errors: an unknown client or an unregistered redirect_uri gets an error page (never a
redirect); every other error goes back to the redirect_uri as `error`, `error_description`, `state`.
Other endpoints answer `{"error", "error_description"}` with 400/401 (RFC 6749 §5.2, RFC 6750 §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from mock_portal.sso import pages, tampering
from mock_portal.sso.clients import Client
from mock_portal.sso.keys import ALGORITHM, InvalidJwt
from mock_portal.sso.protocol import (
    FORM,
    OAuthError,
    authenticate_client,
    error_response,
    invalid_request,
    json_response,
    note,
    query_params,
    read_form,
    require,
    verdict,
    with_query,
)
from mock_portal.sso.tokens import ACCESS, ACR, REFRESH, Session, SsoState
from mock_portal.sso.users import TestUser, test_users

PREFIX = "/sso"
AUTHORIZE = f"{PREFIX}/oauth2/authorize"
SESSION_COOKIE = "dvc_sso_session"
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
VNEID_CLAIMS = ("loginIdp", "userProfileUri", "logoutUri", "IAL")
ID_TOKEN_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "azp", "at_hash", "sid", "jti")


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    state: str | None
    scope: str
    nonce: str | None
    prompt: frozenset[str]
    max_age: int | None
    code_challenge: str | None
    code_challenge_method: str | None


def _check_authorization(client: Client, redirect_uri: str, params: dict[str, str]) -> AuthorizationRequest:
    """OpenID Connect Core §3.1.2.1-2 checks that are reported back to the redirect_uri."""
    response_type = params.get("response_type", "")
    if not response_type:
        raise invalid_request("missing parameter response_type (send response_type=code)")
    if response_type != "code":
        raise OAuthError(
            "unsupported_response_type", f"response_type={response_type} is not supported; use response_type=code"
        )
    scopes = list(dict.fromkeys(params.get("scope", "").split()))
    if "openid" not in scopes:
        raise OAuthError("invalid_scope", "scope must include openid (DVCQG clients send scope=openid)")
    if "request" in params:
        raise OAuthError("request_not_supported", "request objects are not supported; send plain parameters")
    if "request_uri" in params:
        raise OAuthError("request_uri_not_supported", "request_uri is not supported; send plain parameters")
    if params.get("response_mode", "query") != "query":
        raise invalid_request(f"response_mode={params['response_mode']} is not supported; only query")
    prompt = frozenset(params.get("prompt", "").split())
    if "none" in prompt and len(prompt) > 1:
        raise invalid_request("prompt=none cannot be combined with other prompt values")
    max_age = None
    if params.get("max_age"):
        if not params["max_age"].isdigit():
            raise invalid_request("max_age must be a non-negative integer number of seconds")
        max_age = int(params["max_age"])
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or ("plain" if challenge else None)
    if method is not None and (challenge is None or method not in ("S256", "plain")):
        raise invalid_request("code_challenge_method must be S256 or plain, with a code_challenge")
    if challenge is not None and not _PKCE.match(challenge):
        raise invalid_request("code_challenge must be 43-128 characters of [A-Za-z0-9._~-] (RFC 7636 §4.2)")
    return AuthorizationRequest(
        client,
        redirect_uri,
        params.get("state") or None,
        " ".join(scopes),
        params.get("nonce") or None,
        prompt,
        max_age,
        challenge,
        method,
    )


class Endpoints:
    def __init__(self, sso: SsoState) -> None:
        self.sso = sso

    # discovery and keys ------------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        note(request, "discovery")
        issuer = self.sso.issuer
        methods = ["client_secret_basic", "client_secret_post"]
        document: dict[str, Any] = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth2/authorize",
            "token_endpoint": f"{issuer}/oauth2/token",
            "userinfo_endpoint": f"{issuer}/oauth2/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "introspection_endpoint": f"{issuer}/oauth2/introspect",
            "revocation_endpoint": f"{issuer}/oauth2/revoke",
            "end_session_endpoint": f"{issuer}/oidc/logout",
            "scopes_supported": ["openid", "profile", "email", "phone"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "token_endpoint_auth_methods_supported": methods,
            "introspection_endpoint_auth_methods_supported": methods,
            "revocation_endpoint_auth_methods_supported": methods,
            "code_challenge_methods_supported": ["S256", "plain"],
            "acr_values_supported": [ACR],
            "prompt_values_supported": ["none", "login"],
            "claims_supported": sorted({*ID_TOKEN_CLAIMS, *test_users()[0].claims(), *VNEID_CLAIMS}),
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
        return json_response(document)

    async def jwks(self, request: Request) -> Response:
        note(request, "jwks")
        return json_response(self.sso.keys.jwks())

    # authorize --------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        note(request, "authorize")
        try:
            params = await read_form(request) if request.method == "POST" else query_params(request)
        except OAuthError as exc:
            verdict(request, exc)
            return pages.error_page(exc.error, exc.description)
        client = self.sso.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        untrusted = _untrusted(client, params.get("client_id", ""), redirect_uri)
        if untrusted is not None or client is None:
            error = untrusted or invalid_request("unknown client_id")
            verdict(request, error)
            return pages.error_page(error.error, error.description)
        state = params.get("state") or None
        try:
            wanted = _check_authorization(client, redirect_uri, params)
            session = self._login(request, wanted, params)
            if session is None:
                verdict(request, None)
                return pages.login_page(
                    AUTHORIZE, params, test_users(), client.client_id, registered=self.sso.accounts.users()
                )
            code = self.sso.issue_code(
                client,
                redirect_uri,
                session,
                wanted.scope,
                wanted.nonce,
                wanted.code_challenge,
                wanted.code_challenge_method,
            )
        except OAuthError as exc:
            verdict(request, exc)
            answer = {"error": exc.error, "error_description": exc.description}
            return _redirect(with_query(redirect_uri, answer | ({"state": state} if state else {})))
        verdict(request, None)
        response = _redirect(with_query(redirect_uri, {"code": code} | ({"state": state} if state else {})))
        response.set_cookie(SESSION_COOKIE, session.sid, path=PREFIX, httponly=True, samesite="lax")
        return response

    def _login(self, request: Request, wanted: AuthorizationRequest, params: dict[str, str]) -> Session | None:
        """The session to issue the code for: the chosen account, the login_hint, or the current session."""
        chosen = params.get("user", "") if request.method == "POST" else ""
        hint = chosen or params.get("login_hint", "")
        if hint:
            user: TestUser | None = self.sso.find_user(hint)
            if user is None:
                what = "the chosen account" if chosen else f"login_hint {hint!r}"
                raise invalid_request(
                    f"{what} matches no test account, seeded or registered (give its sub, TechID, SoDinhDanh or "
                    "MaSoThue)"
                )
            return self.sso.login(user)
        session = None if "login" in wanted.prompt else self.sso.active_session(request.cookies.get(SESSION_COOKIE))
        if session is not None and wanted.max_age is not None and self.sso.now() - session.auth_time > wanted.max_age:
            session = None
        if session is None and "none" in wanted.prompt:
            raise OAuthError("login_required", "prompt=none but nobody is signed in (use login_hint in tests)")
        return session

    # token ------------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        note(request, "token")
        try:
            params = await read_form(request)
            client = authenticate_client(request, params, self.sso.clients)
            grant_type = require(params, "grant_type")
            if grant_type == "authorization_code":
                code = require(params, "code")
                redirect_uri = require(params, "redirect_uri")
                issued = self.sso.redeem_code(client, code, redirect_uri, params.get("code_verifier"))
            elif grant_type == "refresh_token":
                issued = self.sso.refresh(client, require(params, "refresh_token"), params.get("scope"))
            else:
                raise OAuthError(
                    "unsupported_grant_type",
                    f"grant_type={grant_type} is not supported; use authorization_code or refresh_token",
                )
        except OAuthError as exc:
            verdict(request, exc)
            return error_response(exc)
        verdict(request, None)
        if issued.tampered:
            _tag(request, f"FAULT:id_token_{issued.tampered}")
        return json_response(issued.reply())

    # userinfo ---------------------------------------------------------------------------------

    async def userinfo(self, request: Request) -> Response:
        note(request, "userinfo")
        try:
            value = await _bearer(request)
            token = self.sso.active_token(value, ACCESS)
            if token is None:
                raise _invalid_token("the access token is unknown, expired, revoked or its session ended")
            if "openid" not in token.scope.split():
                raise OAuthError("insufficient_scope", "the access token lacks the openid scope", 403)
        except OAuthError as exc:
            verdict(request, exc)
            return error_response(exc)
        verdict(request, None)
        return json_response(self.sso.userinfo(token))

    # introspect and revoke ----------------------------------------------------------------------

    async def introspect(self, request: Request) -> Response:
        note(request, "introspect")
        try:
            params = await read_form(request)
            client = self._caller(request, params)
            value = require(params, "token")
        except OAuthError as exc:
            verdict(request, exc)
            return error_response(exc)
        verdict(request, None)
        token = self.sso.find(value)
        if token is None or not token.active(self.sso.now()) or token.grant.client_id != client.client_id:
            return json_response({"active": False})
        return json_response(self.sso.introspection(token))

    def _caller(self, request: Request, params: dict[str, str]) -> Client:
        """Client authentication, or (DVCQG validatetoken style) a Bearer access token of the client."""
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and "client_secret" not in params:
            token = self.sso.active_token(credentials.strip(), ACCESS)
            if token is None:
                raise OAuthError(
                    "invalid_client",
                    "the Bearer token is not an active access token",
                    401,
                    {"www-authenticate": 'Bearer realm="sso", error="invalid_token"'},
                )
            return self.sso.clients[token.grant.client_id]
        return authenticate_client(request, params, self.sso.clients)

    async def revoke(self, request: Request) -> Response:
        note(request, "revoke")
        try:
            params = await read_form(request)
            client = authenticate_client(request, params, self.sso.clients)
            value = require(params, "token")
            hint = params.get("token_type_hint", "")
            if hint and hint not in (ACCESS, REFRESH, "id_token"):
                raise OAuthError("unsupported_token_type", f"token_type_hint={hint} is not a known token type")
            token = self.sso.find(value)
            if token is not None and token.grant.client_id != client.client_id:
                raise OAuthError("unauthorized_client", "the token was issued to another client")
        except OAuthError as exc:
            verdict(request, exc)
            return error_response(exc)
        verdict(request, None)
        if token is not None:
            self.sso.revoke(token)
        elif value.count(".") == 2:
            self.sso.revoke_for_id_token(client, value)
        return Response(b"", 200, {"cache-control": "no-store"})  # RFC 7009 §2.2: 200 even for unknown tokens

    # logout -----------------------------------------------------------------------------------

    async def logout(self, request: Request) -> Response:
        """RP-initiated logout: end the session, then go to a registered post_logout_redirect_uri."""
        note(request, "logout")
        try:
            params = await read_form(request) if request.method == "POST" else query_params(request)
            claims = self._logout_hint(params)
            target = self._post_logout_target(params, claims)
        except OAuthError as exc:
            verdict(request, exc)
            return pages.error_page(exc.error, exc.description, note="Nobody was signed out.")
        verdict(request, None)
        sid = claims.get("sid") if claims else request.cookies.get(SESSION_COOKIE)
        if isinstance(sid, str):
            self.sso.end_session(sid)
        state = params.get("state")
        response = (
            _redirect(with_query(target, {"state": state} if state else {})) if target else pages.logged_out_page()
        )
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    def _logout_hint(self, params: dict[str, str]) -> dict[str, Any] | None:
        hint = params.get("id_token_hint")
        if not hint:
            return None
        try:
            return self.sso.verify_id_token(hint)
        except InvalidJwt as exc:
            raise invalid_request(f"id_token_hint is not an id_token of this provider ({exc})") from None

    def _post_logout_target(self, params: dict[str, str], claims: dict[str, Any] | None) -> str | None:
        target = params.get("post_logout_redirect_uri")
        if not target:
            return None
        audience = claims.get("aud") if claims else None
        audiences = audience if isinstance(audience, list) else [audience] if isinstance(audience, str) else []
        client_id = params.get("client_id") or (audiences[0] if audiences else "")
        if claims is not None and client_id not in audiences:
            raise invalid_request("client_id differs from the audience of id_token_hint")
        client = self.sso.clients.get(client_id)
        if client is None:
            raise invalid_request("post_logout_redirect_uri needs id_token_hint (or client_id) to identify the client")
        if not client.allows_post_logout_redirect(target):
            raise invalid_request(f"post_logout_redirect_uri {target} is not registered for client {client_id}")
        return target

    # the VNeID links of VNeID-backed userinfo --------------------------------------------------

    async def vneid_profile(self, request: Request) -> Response:
        note(request, "vneid-view-info")
        session = self.sso.vneid_session(request.query_params.get("token_id", ""))
        if session is None or not session.active:
            error = _invalid_token("token_id is unknown or its session ended")
            verdict(request, error)
            return error_response(error)
        verdict(request, None)
        user = session.user
        return json_response(
            {"HoVaTen": user.full_name, "SoDinhDanh": user.citizen_id, "NgayThangNamSinh": user.birth_date}
        )

    async def arm_next_token(self, request: Request) -> Response:
        return await tampering.arm(request, self.sso.tampering, self.sso.mock.config.admin_token)

    async def vneid_logout(self, request: Request) -> Response:
        note(request, "vneid-logout")
        session = self.sso.vneid_session(request.query_params.get("token_id", ""))
        if session is None:
            error = _invalid_token("token_id is unknown")
            verdict(request, error)
            return error_response(error)
        verdict(request, None)
        self.sso.end_session(session.sid)
        return json_response({"status": "logged_out"})


def _untrusted(client: Client | None, client_id: str, redirect_uri: str) -> OAuthError | None:
    """Why the authorization request cannot be answered by redirect (RFC 6749 §4.1.2.1), if it cannot."""
    if client is None:
        return invalid_request(f"unknown client_id {client_id!r}" if client_id else "missing parameter client_id")
    if not redirect_uri:
        return invalid_request("missing parameter redirect_uri")
    if not client.allows_redirect(redirect_uri):
        return invalid_request(
            f"redirect_uri {redirect_uri} is not registered for client {client.client_id} (allowed: "
            "http://127.0.0.1:<port>/..., http://localhost:<port>/... and the configured sso_redirect_uris)"
        )
    return None


async def _bearer(request: Request) -> str:
    """The access token: Authorization: Bearer, or (POST, RFC 6750 §2.2) the access_token form field."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    from_header = credentials.strip() if scheme.lower() == "bearer" else ""
    from_body = ""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if request.method == "POST" and content_type == FORM:
        from_body = (await read_form(request)).get("access_token", "")
    if from_header and from_body:
        raise invalid_request("send the access token once: in the Authorization header or in the form, not both")
    if not (from_header or from_body):
        raise OAuthError(
            "invalid_token",
            "no access token: send Authorization: Bearer <access_token>",
            401,
            {"www-authenticate": 'Bearer realm="sso"'},
        )
    return from_header or from_body


def _tag(request: Request, tag: str) -> None:
    recorded = getattr(request.state, "note", None)
    if recorded is not None:
        recorded.rules.append(tag)


def _invalid_token(description: str) -> OAuthError:
    header = f'Bearer realm="sso", error="invalid_token", error_description="{description}"'
    return OAuthError("invalid_token", description, 401, {"www-authenticate": header})


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=302, headers={"cache-control": "no-store"})


def routes(sso: SsoState) -> list[BaseRoute]:
    endpoints = Endpoints(sso)
    third_party = f"{PREFIX}/vneid/api/idp/third-party"
    return [
        Route(f"{PREFIX}/.well-known/openid-configuration", endpoints.discovery, methods=["GET"]),
        Route(f"{PREFIX}/jwks", endpoints.jwks, methods=["GET"]),
        Route(AUTHORIZE, endpoints.authorize, methods=["GET", "POST"]),
        Route(f"{PREFIX}/oauth2/token", endpoints.token, methods=["POST"]),
        Route(f"{PREFIX}/oauth2/userinfo", endpoints.userinfo, methods=["GET", "POST"]),
        Route(f"{PREFIX}/oauth2/introspect", endpoints.introspect, methods=["POST"]),
        Route(f"{PREFIX}/oauth2/revoke", endpoints.revoke, methods=["POST"]),
        Route(f"{PREFIX}/oidc/logout", endpoints.logout, methods=["GET", "POST"]),
        Route(f"{third_party}/view-info", endpoints.vneid_profile, methods=["GET"]),
        Route(f"{third_party}/logout", endpoints.vneid_logout, methods=["GET"]),
        Route(tampering.PATH, endpoints.arm_next_token, methods=["POST"]),
    ]
