"""Login with the national SSO (authorization-code flow, docs/reference/dvcqg-interfaces.md §12) and logout.

`GET /auth/login[?next=/path]` → 302 to the provider; `GET /auth/callback?code&state` → the state is
consumed, the code exchanged, the id_token verified, userinfo read, a session opened (cookie
`portal_session`) → 302 to `next`; `GET /auth/me`; `POST|GET /auth/logout` → session ended, 302 to the
provider's end_session endpoint, which sends the browser back to `/auth/logged-out`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from reference_portal.auth.context import COOKIE, LOGGED_OUT_PATH, current_citizen, oidc_client, require_citizen
from reference_portal.auth.store import SESSION_TTL_S, AuthStore, Citizen, LoginAttempt, TooManyLogins
from reference_portal.national.sso import Checks, InvalidUserinfo, ProviderUnavailable, SsoError
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

log = logging.getLogger(__name__)

DEFAULT_NEXT = "/auth/me"
_NEXT = re.compile(r"/(?![/\\])[A-Za-z0-9/._~%!$&'()*+,;=:@?-]{0,199}")
_STATE = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_CODE_CHARS = 2048
_NO_STORE = {"cache-control": "no-store"}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=302, headers=_NO_STORE)


def _challenge(verifier: str) -> str:
    """RFC 7636 §4.2 S256 code challenge."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _text(info: dict[str, Any], *keys: str, limit: int = 300) -> str:
    """The first non-empty string among `keys` of userinfo (other types are ignored), trimmed."""
    for key in keys:
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:limit]
    return ""


def citizen_fields(userinfo: dict[str, Any], id_token_sub: str) -> dict[str, str]:
    """What the session keeps of userinfo (DVCQG or VNeID-backed form, §12)."""
    if userinfo.get("sub") != id_token_sub:  # OIDC Core §5.3.2: the two must name the same subject
        raise InvalidUserinfo("userinfo describes another subject than the id_token")
    tech_id = _text(userinfo, "TechID", limit=100)
    if not tech_id:
        raise InvalidUserinfo("the provider's userinfo carries no TechID; the account cannot be used")
    account_type = _text(userinfo, "LoaiTaiKhoan", limit=2) or str(userinfo.get("LoaiTaiKhoan") or "1")
    return {
        "tech_id": tech_id,
        "sub": id_token_sub,
        "account_type": account_type if account_type in ("1", "2", "3") else "1",
        "full_name": _text(userinfo, "HoVaTen", "TenDoanhNghiep", limit=200),
        "citizen_id": _text(userinfo, "SoDinhDanh", limit=20),
        "tax_code": _text(userinfo, "MaSoThue", "MaSoDoanhNghiep", limit=20),
        "email": _text(userinfo, "ThuDienTu", limit=200),
        "phone": _text(userinfo, "SoDienThoai", limit=20),
        "address": _text(userinfo, "ThuongTru", "NoiOHienNay", "DiaChi"),
    }


def _state_problem(attempt: LoginAttempt | None) -> str | None:
    if attempt is None:
        return "the login attempt is unknown or was already used (state)"
    if attempt.expired:
        return "the login attempt expired: start again"
    return None


def routes(portal: Portal) -> list[BaseRoute]:
    store = AuthStore(portal.db)
    secure_cookie = portal.config.base_url.startswith("https://")

    def checks() -> Checks:
        return Checks(
            signature=not portal.defects.on("sso-signature-unchecked"),
            audience=not portal.defects.on("sso-audience-unchecked"),
            nonce=not portal.defects.on("sso-nonce-unchecked"),
            expiry=not portal.defects.on("sso-expiry-unchecked"),
        )

    async def login(request: Request) -> Response:
        next_path = request.query_params.get("next") or DEFAULT_NEXT
        if not _NEXT.fullmatch(next_path):
            raise HttpError(400, "invalid_next", "next must be a path on this portal (/...), at most 200 characters")
        try:
            attempt = store.begin_login(next_path)
            url = await oidc_client(portal).authorization_url(
                state=attempt.state, nonce=attempt.nonce, code_challenge=_challenge(attempt.code_verifier)
            )
        except TooManyLogins as exc:
            raise HttpError(503, "busy", str(exc)) from None
        except SsoError as exc:
            raise HttpError(exc.status, exc.code, exc.detail) from None
        return _redirect(url)

    async def callback(request: Request) -> Response:
        params = request.query_params
        state = params.get("state", "")
        attempt = store.take_login(state) if _STATE.fullmatch(state) else None
        problem = _state_problem(attempt)
        if problem is not None and not portal.defects.on("sso-state-unchecked"):
            store.log("login_refused", None, f"state: {problem}")
            raise HttpError(400, "invalid_state", f"{problem} — GET /auth/login")
        if params.get("error"):
            reason = f"{params['error'][:100]}: {params.get('error_description', '')[:300]}"
            store.log("login_refused", None, f"provider: {reason}")
            raise HttpError(400, "login_refused", reason)
        code = params.get("code", "")
        if not code or len(code) > MAX_CODE_CHARS:
            raise HttpError(400, "missing_code", f"the callback needs code (at most {MAX_CODE_CHARS} characters)")
        client = oidc_client(portal)
        try:
            tokens = await client.exchange(code, attempt.code_verifier if attempt else None)
            wanted = checks() if attempt else replace(checks(), nonce=False)  # no attempt: no nonce to compare
            nonce = attempt.nonce if attempt else None
            claims = await client.verify_id_token(
                tokens.id_token, nonce=nonce, access_token=tokens.access_token, checks=wanted
            )
            info = await client.userinfo(tokens.access_token)
            fields = citizen_fields(info, str(claims["sub"]))
        except SsoError as exc:
            store.log("login_refused", None, f"{exc.code}: {exc.detail}")
            if isinstance(exc, ProviderUnavailable):
                log.warning("SSO login failed: %s", exc)
            raise HttpError(exc.status, exc.code, exc.detail) from None
        previous = request.cookies.get(COOKIE)
        if previous and len(previous) <= 256:
            store.close_session(previous)  # a new login never inherits an older session
        token, _ = store.open_session(fields, tokens.id_token)
        response = _redirect(attempt.next_path if attempt else DEFAULT_NEXT)
        response.set_cookie(
            COOKIE, token, max_age=int(SESSION_TTL_S), path="/", httponly=True, samesite="lax", secure=secure_cookie
        )
        return response

    async def me(request: Request) -> Response:
        return JSONResponse(require_citizen(portal, request).to_json(), headers=_NO_STORE)

    async def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE, "")
        token = token if len(token) <= 256 else ""
        citizen: Citizen | None
        if portal.defects.on("logout-local-only"):
            citizen = current_citizen(portal, request)
            store.log("logout", citizen.tech_id if citizen else None, "cookie cleared only")
            response: Response = _redirect(LOGGED_OUT_PATH)
            response.delete_cookie(COOKIE, path="/")
            return response
        citizen = store.close_session(token) if token else None
        if citizen is None:
            store.log("logout", None, "no session")
        try:
            url = await oidc_client(portal).end_session_url(
                id_token_hint=citizen.id_token if citizen else None,
                post_logout_redirect_uri=f"{portal.config.base_url}{LOGGED_OUT_PATH}",
            )
        except SsoError as exc:  # the local session is over anyway; say the provider could not be told
            store.log("logout_provider_unreachable", citizen.tech_id if citizen else None, exc.detail)
            url = None
        response = _redirect(url or LOGGED_OUT_PATH)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def logged_out(request: Request) -> Response:
        return JSONResponse({"signed_in": False, "message": "Bạn đã đăng xuất (signed out)"}, headers=_NO_STORE)

    return [
        Route("/auth/login", login, methods=["GET"]),
        Route("/auth/callback", callback, methods=["GET"]),
        Route("/auth/me", me, methods=["GET"]),
        Route("/auth/logout", logout, methods=["GET", "POST"]),
        Route(LOGGED_OUT_PATH, logged_out, methods=["GET"]),
    ]
