"""The mock's OpenID Connect provider end to end over real HTTP (uvicorn on a free loopback port, httpx)."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

from harness import get_validator
from mock_portal.config import MockConfig
from mock_portal.server import RunningMock, running_mock
from mock_portal.sso import users as sso_users
from mock_portal.sso.tokens import at_hash
from mock_portal.sso.users import TestUser

CLIENT_ID = "demo-client"
SECRET = "demo-secret"
OTHER_ID = "other-client"
OTHER_SECRET = "other-secret"
REDIRECT = "http://127.0.0.1:8999/callback"
REGISTERED = "https://portal.example.vn/sso/callback"
ADMIN = {"Authorization": "Bearer demo-admin"}
FORM_TYPE = "application/x-www-form-urlencoded"
CONFIG_EXTRA = {
    "sso_redirect_uris": [REGISTERED],
    "sso_clients": [{"client_id": OTHER_ID, "client_secret": OTHER_SECRET}],
}


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig(port=0, extra=CONFIG_EXTRA)) as running:
        yield running


@pytest.fixture
def http(mock: RunningMock) -> Iterator[httpx.Client]:
    """A fresh browser-like client (own cookie jar) that never follows redirects."""
    with httpx.Client(base_url=mock.url, follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def keys(mock: RunningMock) -> KeySet:
    return KeySet.import_key_set(httpx.get(f"{mock.url}/sso/jwks").json())


def users(kind: str, vneid: bool = False) -> list[TestUser]:
    return [u for u in sso_users.test_users() if u.account_type == kind and u.vneid == vneid]


CITIZEN = users("1")[0]
VNEID_CITIZEN = users("1", vneid=True)[0]
ENTERPRISE = users("2")[0]
ORGANISATION = users("3")[0]


def location(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The redirect target without its query, and the query parameters."""
    assert response.status_code == 302, response.text[:500]
    parts = urlsplit(response.headers["location"])
    target = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return target, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def authorize(http: httpx.Client, **params: str) -> httpx.Response:
    query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "openid"}
    return http.get("/sso/oauth2/authorize", params={**query, **params})


def login(http: httpx.Client, user: TestUser, state: str = "st-1", nonce: str | None = "n-1", **extra: str) -> str:
    params = {"state": state, "login_hint": user.sub, "acr_values": "LoA1", **extra}
    if nonce:
        params["nonce"] = nonce
    target, query = location(authorize(http, **params))
    assert target == REDIRECT
    assert query["state"] == state
    return query["code"]


def exchange(http: httpx.Client, code: str, *, basic: bool = False, **extra: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    if basic:
        return http.post("/sso/oauth2/token", data=form, auth=(CLIENT_ID, SECRET))
    return http.post("/sso/oauth2/token", data={**form, "client_id": CLIENT_ID, "client_secret": SECRET})


def tokens_for(http: httpx.Client, user: TestUser, nonce: str | None = "n-1", **extra: str) -> dict[str, Any]:
    response = exchange(http, login(http, user, nonce=nonce, **extra))
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def introspect(http: httpx.Client, token: str) -> dict[str, Any]:
    response = http.post("/sso/oauth2/introspect", data={"token": token}, auth=(CLIENT_ID, SECRET))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def userinfo(http: httpx.Client, access_token: str) -> httpx.Response:
    return http.get("/sso/oauth2/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def assert_valid(type_name: str, packet: Any) -> None:
    result = get_validator(type_name).validate(packet)
    assert result.valid, [v.to_dict() for v in result.violations]


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error, body
    assert body["error_description"]
    return body


# discovery and keys -------------------------------------------------------------------------------


def test_discovery_names_absolute_endpoints_under_the_issuer(http: httpx.Client, mock: RunningMock) -> None:
    document = http.get("/sso/.well-known/openid-configuration").json()
    issuer = f"{mock.url}/sso"
    assert document["issuer"] == issuer
    expected = {
        "authorization_endpoint": "/oauth2/authorize",
        "token_endpoint": "/oauth2/token",
        "userinfo_endpoint": "/oauth2/userinfo",
        "introspection_endpoint": "/oauth2/introspect",
        "revocation_endpoint": "/oauth2/revoke",
        "end_session_endpoint": "/oidc/logout",
        "jwks_uri": "/jwks",
    }
    for key, path in expected.items():
        assert document[key] == issuer + path
    assert document["response_types_supported"] == ["code"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    assert "TechID" in document["claims_supported"]


def test_jwks_publishes_public_rs256_keys_with_kid(http: httpx.Client) -> None:
    answer = http.get("/sso/jwks")
    assert answer.status_code == 200
    (key,) = answer.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # public members only
    assert RSAKey.import_key(key).as_dict()["n"] == key["n"]


# the authorization-code flow --------------------------------------------------------------------


@pytest.mark.parametrize("basic", [False, True], ids=["client_secret_post", "client_secret_basic"])
def test_code_flow_issues_a_verifiable_id_token(
    http: httpx.Client, mock: RunningMock, keys: KeySet, basic: bool
) -> None:
    code = login(http, CITIZEN, state="xyz-state", nonce="nonce-42")
    response = exchange(http, code, basic=basic)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    reply = response.json()
    assert_valid("sso.token.reply", reply)
    assert reply["token_type"] == "Bearer" and reply["expires_in"] > 0 and "openid" in reply["scope"].split()

    token = jwt.decode(reply["id_token"], keys, algorithms=["RS256"])
    assert token.header["alg"] == "RS256" and token.header["kid"] == keys.keys[0].kid
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": f"{mock.url}/sso"},
        aud={"essential": True, "value": CLIENT_ID},
        sub={"essential": True, "value": CITIZEN.sub},
        nonce={"essential": True, "value": "nonce-42"},
        exp={"essential": True},
        iat={"essential": True},
    )
    registry.validate(token.claims)  # also checks exp is in the future
    claims = token.claims
    assert claims["TechID"] == CITIZEN.tech_id
    assert claims["acr"] == "LoA1"
    assert claims["auth_time"] <= claims["iat"] < claims["exp"]
    assert claims["at_hash"] == at_hash(reply["access_token"])
    assert_valid("sso.id_token", claims)


def test_nonce_is_absent_when_the_request_sent_none(http: httpx.Client, keys: KeySet) -> None:
    reply = tokens_for(http, CITIZEN, nonce=None)
    assert "nonce" not in jwt.decode(reply["id_token"], keys).claims


def test_login_hint_accepts_the_citizen_id(http: httpx.Client, keys: KeySet) -> None:
    _, query = location(authorize(http, state="s", login_hint=CITIZEN.citizen_id))
    reply = exchange(http, query["code"]).json()
    assert jwt.decode(reply["id_token"], keys).claims["sub"] == CITIZEN.sub


@pytest.mark.parametrize(
    ("user", "kind"), [(CITIZEN, "1"), (ENTERPRISE, "2"), (ORGANISATION, "3")], ids=["citizen", "enterprise", "org"]
)
def test_userinfo_carries_the_dvcqg_claims(http: httpx.Client, user: TestUser, kind: str) -> None:
    reply = tokens_for(http, user)
    claims = userinfo(http, reply["access_token"]).json()
    assert_valid("sso.userinfo", claims)
    assert claims["sub"] == user.sub and claims["TechID"] == user.tech_id and claims["LoaiTaiKhoan"] == kind
    if kind == "1":
        assert re.fullmatch(r"\d{12}", claims["SoDinhDanh"]) and claims["MaSoThue"] == ""
    else:
        assert re.fullmatch(r"\d{10}", claims["MaSoThue"]) and claims["SoDinhDanh"] == ""
        assert claims["MaSoDoanhNghiep"] == claims["MaSoThue"] and claims["TenDoanhNghiep"] == claims["HoVaTen"]
    posted = http.post("/sso/oauth2/userinfo", headers={"Authorization": f"Bearer {reply['access_token']}"})
    assert posted.json() == claims


def test_userinfo_of_a_vneid_login_is_the_vneid_form(http: httpx.Client) -> None:
    reply = tokens_for(http, VNEID_CITIZEN)
    claims = userinfo(http, reply["access_token"]).json()
    assert_valid("sso.userinfo.vneid", claims)
    assert claims["loginIdp"] == "BCA" and claims["SoDinhDanh"] == VNEID_CITIZEN.citizen_id
    assert re.fullmatch(r"\d{8}", claims["NgayThangNamSinh"])
    profile = http.get(claims["userProfileUri"])
    assert profile.status_code == 200 and profile.json()["SoDinhDanh"] == VNEID_CITIZEN.citizen_id
    assert http.get(claims["logoutUri"]).status_code == 200  # VNeID logout ends the session
    assert userinfo(http, reply["access_token"]).status_code == 401


def test_userinfo_accepts_the_token_in_a_form_body(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    answer = http.post("/sso/oauth2/userinfo", data={"access_token": reply["access_token"]})
    assert answer.status_code == 200 and answer.json()["sub"] == CITIZEN.sub


def test_refresh_token_grant_rotates_the_refresh_token(http: httpx.Client, keys: KeySet) -> None:
    first = tokens_for(http, CITIZEN)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = http.post("/sso/oauth2/token", data=form, auth=(CLIENT_ID, SECRET))
    assert second.status_code == 200, second.text
    renewed = second.json()
    assert_valid("sso.token.reply", renewed)
    assert renewed["access_token"] != first["access_token"] and renewed["refresh_token"] != first["refresh_token"]
    claims = jwt.decode(renewed["id_token"], keys).claims
    assert claims["sub"] == CITIZEN.sub and "nonce" not in claims
    assert userinfo(http, renewed["access_token"]).status_code == 200
    again = http.post("/sso/oauth2/token", data=form, auth=(CLIENT_ID, SECRET))
    assert_oauth_error(again, 400, "invalid_grant")
    narrower = http.post(
        "/sso/oauth2/token",
        data={**form, "refresh_token": renewed["refresh_token"], "scope": "openid email"},
        auth=(CLIENT_ID, SECRET),
    )
    assert_oauth_error(narrower, 400, "invalid_scope")


def test_pkce_s256_is_enforced_when_a_challenge_was_sent(http: httpx.Client) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = login(http, CITIZEN, **pkce)
    assert_oauth_error(exchange(http, code, code_verifier="w" * 50), 400, "invalid_grant")
    assert exchange(http, code, code_verifier=verifier).status_code == 200
    assert_oauth_error(exchange(http, login(http, CITIZEN, **pkce)), 400, "invalid_grant")  # no verifier


# introspection, revocation, logout ----------------------------------------------------------------


def test_introspect_then_revoke_makes_the_token_inactive(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    active = introspect(http, reply["access_token"])
    assert active["active"] is True
    assert active["client_id"] == CLIENT_ID and active["sub"] == CITIZEN.sub and active["exp"] > time.time()
    assert "openid" in active["scope"].split()
    revoked = http.post(
        "/sso/oauth2/revoke", data={"token": reply["access_token"], "client_id": CLIENT_ID, "client_secret": SECRET}
    )
    assert revoked.status_code == 200
    assert introspect(http, reply["access_token"]) == {"active": False}
    assert userinfo(http, reply["access_token"]).status_code == 401
    assert introspect(http, reply["refresh_token"])["active"] is True  # an access token revokes only itself

    http.post(
        "/sso/oauth2/revoke",
        data={"token": reply["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(CLIENT_ID, SECRET),
    )
    assert introspect(http, reply["refresh_token"]) == {"active": False}
    unknown = http.post("/sso/oauth2/revoke", data={"token": "no-such-token"}, auth=(CLIENT_ID, SECRET))
    assert unknown.status_code == 200  # RFC 7009 §2.2


def test_revoking_with_the_id_token_revokes_the_grant(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    http.post(
        "/sso/oauth2/revoke", data={"token": reply["id_token"], "token_type_hint": "id_token"}, auth=(CLIENT_ID, SECRET)
    )
    assert introspect(http, reply["access_token"]) == {"active": False}
    assert introspect(http, reply["refresh_token"]) == {"active": False}


def test_introspect_accepts_a_bearer_access_token_and_hides_other_clients_tokens(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    answer = http.post(
        "/sso/oauth2/introspect",
        data={"token": reply["access_token"], "state": "0"},
        headers={"Authorization": f"Bearer {reply['access_token']}"},
    )
    assert answer.status_code == 200 and answer.json()["active"] is True
    other = http.post("/sso/oauth2/introspect", data={"token": reply["access_token"]}, auth=(OTHER_ID, OTHER_SECRET))
    assert other.json() == {"active": False}


def test_logout_ends_the_session_and_its_tokens(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    params = {"id_token_hint": reply["id_token"], "post_logout_redirect_uri": REDIRECT, "state": "bye"}
    target, query = location(http.get("/sso/oidc/logout", params=params))
    assert target == REDIRECT and query == {"state": "bye"}
    assert introspect(http, reply["access_token"]) == {"active": False}
    assert introspect(http, reply["refresh_token"]) == {"active": False}
    assert userinfo(http, reply["access_token"]).status_code == 401
    refresh = http.post(
        "/sso/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": reply["refresh_token"]},
        auth=(CLIENT_ID, SECRET),
    )
    assert_oauth_error(refresh, 400, "invalid_grant")
    # the session cookie is gone too: the next authorization request shows the login page again
    assert authorize(http, state="s").status_code == 200


def test_logout_refuses_an_unregistered_post_logout_uri_and_keeps_the_session(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    params = {"id_token_hint": reply["id_token"], "post_logout_redirect_uri": "https://evil.example/bye"}
    answer = http.get("/sso/oidc/logout", params=params)
    assert answer.status_code == 400 and "location" not in answer.headers
    assert "not registered" in answer.text
    assert introspect(http, reply["access_token"])["active"] is True
    registered = http.get("/sso/oidc/logout", params={**params, "post_logout_redirect_uri": REGISTERED})
    assert location(registered)[0] == REGISTERED


def test_logout_without_a_redirect_shows_a_page(http: httpx.Client) -> None:
    reply = tokens_for(http, CITIZEN)
    answer = http.get("/sso/oidc/logout", params={"id_token_hint": reply["id_token"]})
    assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    assert introspect(http, reply["access_token"]) == {"active": False}


# the login page and the session -----------------------------------------------------------------


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.choices: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values["action"]
        elif tag == "input" and values.get("type") == "hidden":
            self.hidden[values["name"]] = values["value"]
        elif tag == "button" and values.get("name") == "user":
            self.choices.append(values["value"])


def test_login_page_lists_the_test_accounts_and_its_form_issues_a_code(http: httpx.Client, keys: KeySet) -> None:
    page = authorize(http, state="page-state", nonce="page-nonce", acr_values="LoA1")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    every = sso_users.test_users()
    for user in every:
        assert user.full_name in page.text and user.identifier in page.text
    form = _FormReader()
    form.feed(page.text)
    assert form.choices == [u.sub for u in every]
    assert form.hidden["state"] == "page-state" and form.hidden["nonce"] == "page-nonce"

    chosen = ENTERPRISE
    answer = http.post(form.action, data={**form.hidden, "user": chosen.sub})
    target, query = location(answer)
    assert target == REDIRECT and query["state"] == "page-state"
    reply = exchange(http, query["code"]).json()
    claims = jwt.decode(reply["id_token"], keys).claims
    assert claims["sub"] == chosen.sub and claims["nonce"] == "page-nonce"


def test_a_signed_in_browser_gets_a_code_without_the_page(http: httpx.Client) -> None:
    login(http, CITIZEN)
    target, query = location(authorize(http, state="again"))
    assert target == REDIRECT and query["code"] and query["state"] == "again"
    assert authorize(http, state="s", prompt="login").status_code == 200  # prompt=login forces the page


def test_prompt_none_without_a_session_is_login_required(http: httpx.Client) -> None:
    _, query = location(authorize(http, state="quiet", prompt="none"))
    assert query["error"] == "login_required" and query["state"] == "quiet" and "code" not in query


# errors -----------------------------------------------------------------------------------------


def test_wrong_client_secret_is_401_and_leaves_the_code_usable(http: httpx.Client) -> None:
    code = login(http, CITIZEN)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    posted = http.post("/sso/oauth2/token", data={**form, "client_id": CLIENT_ID, "client_secret": "wrong"})
    assert_oauth_error(posted, 401, "invalid_client")
    assert posted.headers["www-authenticate"].startswith("Basic")
    basic = http.post("/sso/oauth2/token", data=form, auth=(CLIENT_ID, "wrong"))
    assert_oauth_error(basic, 401, "invalid_client")
    assert_oauth_error(http.post("/sso/oauth2/token", data=form), 401, "invalid_client")  # no authentication
    assert exchange(http, code).status_code == 200


def test_a_reused_code_is_refused_and_revokes_its_tokens(http: httpx.Client) -> None:
    code = login(http, CITIZEN)
    first = exchange(http, code).json()
    assert_oauth_error(exchange(http, code), 400, "invalid_grant")
    assert introspect(http, first["access_token"]) == {"active": False}


def test_the_code_is_bound_to_its_redirect_uri_and_client(http: httpx.Client) -> None:
    code = login(http, CITIZEN)
    wrong = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8999/other"}
    assert_oauth_error(http.post("/sso/oauth2/token", data=wrong, auth=(CLIENT_ID, SECRET)), 400, "invalid_grant")
    other = {**wrong, "redirect_uri": REDIRECT}
    assert_oauth_error(http.post("/sso/oauth2/token", data=other, auth=(OTHER_ID, OTHER_SECRET)), 400, "invalid_grant")
    assert exchange(http, code).status_code == 200  # neither mistake consumed the code


def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(http: httpx.Client) -> None:
    for redirect in ("https://evil.example/callback", "http://10.0.0.1:80/cb", "http://127.0.0.1:80/cb#frag", ""):
        answer = authorize(http, redirect_uri=redirect, state="s", login_hint=CITIZEN.sub)
        assert answer.status_code == 400 and "location" not in answer.headers, redirect
        assert "text/html" in answer.headers["content-type"]
    unknown = authorize(http, client_id="nobody", state="s", login_hint=CITIZEN.sub)
    assert unknown.status_code == 400 and "location" not in unknown.headers
    target, query = location(authorize(http, redirect_uri=REGISTERED, state="s", login_hint=CITIZEN.sub))
    assert target == REGISTERED and query["code"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": ""}, "invalid_request"),
        ({"login_hint": "000000000000"}, "invalid_request"),
        ({"request": "eyJ.e30."}, "request_not_supported"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
    ],
)
def test_authorization_errors_go_back_to_the_client(http: httpx.Client, params: dict[str, str], error: str) -> None:
    answer = authorize(http, **{"state": "err-state", "login_hint": CITIZEN.sub, **params})
    target, query = location(answer)
    assert target == REDIRECT
    assert query["error"] == error and query["error_description"] and query["state"] == "err-state"
    assert "code" not in query


def test_an_expired_code_is_refused() -> None:
    with (
        running_mock(MockConfig(port=0, extra={"sso_code_ttl_s": 0.3})) as short,
        httpx.Client(base_url=short.url, follow_redirects=False, timeout=10) as http,
    ):
        code = login(http, CITIZEN)
        time.sleep(0.5)
        body = assert_oauth_error(exchange(http, code), 400, "invalid_grant")
        assert "expired" in body["error_description"]


def test_a_tampered_id_token_fails_verification(http: httpx.Client, keys: KeySet) -> None:
    reply = tokens_for(http, CITIZEN)
    header, payload, signature = reply["id_token"].split(".")
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = ENTERPRISE.sub
    forged_payload = base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, keys, algorithms=["RS256"])
    answer = http.get("/sso/oidc/logout", params={"id_token_hint": forged, "post_logout_redirect_uri": REDIRECT})
    assert answer.status_code == 400 and "location" not in answer.headers
    assert introspect(http, reply["access_token"])["active"] is True


@pytest.mark.parametrize(
    ("content", "content_type", "status", "error"),
    [
        (b'{"grant_type": "authorization_code"}', "application/json", 400, "invalid_request"),
        (b"grant_type=authorization_code&code=%FF", "application/x-www-form-urlencoded", 400, "invalid_request"),
        (b"grant_type=a&grant_type=b", "application/x-www-form-urlencoded", 400, "invalid_request"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", 400, "invalid_request"),
        (b"code=abc", "application/x-www-form-urlencoded", 400, "invalid_request"),
        (b"grant_type=password&username=a", "application/x-www-form-urlencoded", 400, "unsupported_grant_type"),
        (b"grant_type=authorization_code&redirect_uri=x", "application/x-www-form-urlencoded", 400, "invalid_request"),
        (
            b"grant_type=authorization_code&code=nope&redirect_uri=x",
            "application/x-www-form-urlencoded",
            400,
            "invalid_grant",
        ),
    ],
)
def test_bad_token_requests_get_clear_4xx(
    http: httpx.Client, content: bytes, content_type: str, status: int, error: str
) -> None:
    answer = http.post(
        "/sso/oauth2/token", content=content, headers={"content-type": content_type}, auth=(CLIENT_ID, SECRET)
    )
    assert_oauth_error(answer, status, error)


def test_userinfo_introspect_and_revoke_refuse_the_unauthenticated(http: httpx.Client) -> None:
    missing = http.get("/sso/oauth2/userinfo")
    assert_oauth_error(missing, 401, "invalid_token")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_oauth_error(userinfo(http, "garbage"), 401, "invalid_token")
    for path in ("/sso/oauth2/introspect", "/sso/oauth2/revoke"):
        assert_oauth_error(http.post(path, data={"token": "x"}), 401, "invalid_client")
        assert_oauth_error(
            http.post(path, data={"token": "x", "client_id": CLIENT_ID, "client_secret": "no"}), 401, "invalid_client"
        )
        assert_oauth_error(http.post(path, json={"token": "x"}, auth=(CLIENT_ID, SECRET)), 400, "invalid_request")
        assert_oauth_error(http.post(path, data={}, auth=(CLIENT_ID, SECRET)), 400, "invalid_request")


def test_exchanges_are_recorded_with_service_and_verdict(http: httpx.Client) -> None:
    http.post(
        "/sso/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID,
            "client_secret": "leaked?",
        },
    )
    rows = http.get("/_admin/exchanges", params={"service": "token"}, headers=ADMIN).json()
    refused = [r for r in rows if "OAUTH:invalid_client" in r["rules"]]
    assert refused and refused[-1]["verdict"] == "invalid" and refused[-1]["channel"] == "sso"
    assert "leaked" not in orjson.dumps(refused[-1]).decode()  # the client secret is redacted


def test_reset_forgets_sessions_and_tokens(http: httpx.Client, mock: RunningMock) -> None:
    reply = tokens_for(http, CITIZEN)
    mock.app.mock.channels["sso"].reset()
    assert introspect(http, reply["access_token"]) == {"active": False}


def test_a_configured_key_file_signs_the_tokens(tmp_path: Path) -> None:
    key = RSAKey.generate_key(2048, auto_kid=True)
    path = tmp_path / "sso-key.pem"
    path.write_bytes(key.as_pem(private=True))
    with (
        running_mock(MockConfig(port=0, extra={"sso_key_file": str(path)})) as configured,
        httpx.Client(base_url=configured.url, follow_redirects=False, timeout=10) as http,
    ):
        (published,) = http.get("/sso/jwks").json()["keys"]
        assert published["n"] == key.as_dict()["n"] and published["kid"] == key.thumbprint()
        reply = tokens_for(http, CITIZEN)
        assert jwt.decode(reply["id_token"], key).claims["sub"] == CITIZEN.sub


# the seeded accounts ----------------------------------------------------------------------------


def test_seeded_accounts_are_deterministic_and_structurally_valid() -> None:
    every = sso_users.test_users()
    assert sso_users.test_users.__wrapped__() == every  # a fresh generation gives the same accounts
    citizens = [u for u in every if u.account_type == "1"]
    enterprises = [u for u in every if u.account_type in ("2", "3")]
    assert len(citizens) >= 10 and len([u for u in every if u.account_type == "2"]) >= 4
    assert any(u.vneid for u in citizens) and not all(u.vneid for u in citizens)
    assert len({u.sub for u in every}) == len(every) == len({u.tech_id for u in every})
    for user in citizens:
        cccd = user.citizen_id
        assert re.fullmatch(r"\d{12}", cccd)
        assert cccd[:3] in {"001", "031", "038", "040", "048", "079"}
        century_digit = int(cccd[3])
        born = user.birth_date
        assert century_digit in (0, 1) if born.startswith("19") else century_digit in (2, 3)
        assert century_digit % 2 == (0 if user.gender == 1 else 1)
        assert cccd[4:6] == born[2:4]
        assert any(not c.isascii() for c in user.full_name)  # Vietnamese diacritics
    for user in enterprises:
        assert re.fullmatch(r"\d{10}", user.tax_code) and sso_users.is_valid_tax_code(user.tax_code)
    assert sso_users.is_valid_tax_code("0101248141") and not sso_users.is_valid_tax_code("0101248142")
    assert sso_users.find_user(citizens[0].citizen_id) == citizens[0]
    assert sso_users.find_user(enterprises[0].tax_code) == enterprises[0]
    assert sso_users.find_user("unknown") is None


# hostile input ----------------------------------------------------------------------------------

SSO_ENDPOINTS = [
    ("GET", "/sso/oauth2/authorize"),
    ("POST", "/sso/oauth2/authorize"),
    ("POST", "/sso/oauth2/token"),
    ("GET", "/sso/oauth2/userinfo"),
    ("POST", "/sso/oauth2/userinfo"),
    ("POST", "/sso/oauth2/introspect"),
    ("POST", "/sso/oauth2/revoke"),
    ("GET", "/sso/oidc/logout"),
    ("POST", "/sso/oidc/logout"),
    ("GET", "/sso/vneid/api/idp/third-party/logout"),
]
PARAMETERS = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "login_hint",
    "prompt",
    "max_age",
    "code_challenge",
    "code_challenge_method",
    "user",
    "grant_type",
    "code",
    "client_secret",
    "refresh_token",
    "token",
    "token_type_hint",
    "id_token_hint",
    "post_logout_redirect_uri",
    "access_token",
    "token_id",
]
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from([CLIENT_ID, SECRET, REDIRECT, "openid", "code", "none login", "-1", "S256", "a.b.c", "\x00"]),
)


@pytest.fixture(scope="module")
def flood(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, follow_redirects=False, timeout=10) as client:
        yield client


def _footprint(mock: RunningMock) -> tuple[int, int, int, int]:
    sso = mock.app.mock.channels["sso"]
    revoked = sum(t.revoked or t.grant.revoked for t in sso.tokens.values())
    return len(sso.sessions), len(sso.codes), len(sso.tokens), revoked


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(SSO_ENDPOINTS),
    params=st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=8),
    raw=st.one_of(st.none(), st.binary(max_size=120)),
    content_type=st.sampled_from([FORM_TYPE, "application/json", "text/plain", "multipart/form-data", ""]),
    authorization=st.sampled_from(["", "Basic !!!", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=", "Bearer x", "Bearer"]),
)
def test_hostile_requests_never_5xx_and_change_nothing(
    mock: RunningMock,
    flood: httpx.Client,
    endpoint: tuple[str, str],
    params: dict[str, str],
    raw: bytes | None,
    content_type: str,
    authorization: str,
) -> None:
    method, path = endpoint
    headers = {k: v for k, v in (("content-type", content_type), ("authorization", authorization)) if v}
    before = _footprint(mock)
    if method == "GET":
        response = flood.get(path, params=params, headers=headers)
    else:
        body = raw if raw is not None else urlencode(params).encode()
        response = flood.post(path, content=body, headers=headers)
    assert response.status_code < 500, (method, path, params, raw, response.text[:300])
    assert _footprint(mock) == before, (method, path, params, raw, response.status_code)
