"""Sign-in with the national SSO over real HTTP: a browser-like httpx client goes portal → mock identity
provider (its account chooser) → portal callback; the mock's one-shot bad tokens check every refusal;
online submission carries the TechID into DVCQG; logout ends both sessions. Each SSO defect switch is
shown to turn one refusal into an acceptance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc.jwk import KeySet, RSAKey

from mock_portal.server import RunningMock
from mock_portal.sso import AccountChooser
from mock_portal.sso.tampering import VARIANTS
from mock_portal.sso.users import TestUser, test_users
from reference_portal.auth import COOKIE, AuthStore
from reference_portal.auth.context import oidc_client
from reference_portal.server import RunningPortal
from tests.reference.conftest import CONTROL, PortalFactory, dossier_request, exchanges

CITIZEN = next(u for u in test_users() if u.account_type == "1" and not u.vneid)
VNEID_CITIZEN = next(u for u in test_users() if u.account_type == "1" and u.vneid)
ENTERPRISE = next(u for u in test_users() if u.account_type == "2")
OTHER_CITIZEN = [u for u in test_users() if u.account_type == "1" and not u.vneid][1]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Browser:
    """A browser without JavaScript: its own cookie jar, redirects followed by hand."""

    def __init__(self, portal_url: str) -> None:
        self.portal_url = portal_url
        self.http = httpx.Client(follow_redirects=False, timeout=15)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(f"{self.portal_url}{path}", **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(f"{self.portal_url}{path}", **kwargs)

    def to_provider(self, **params: str) -> httpx.Response:
        """GET /auth/login; the 302 to the provider's authorize endpoint."""
        start = self.get("/auth/login", params=params)
        assert start.status_code == 302, start.text
        return start

    def choose(self, authorize_url: str, user: TestUser) -> str:
        """At the provider: pick `user` on the account chooser (or pass through an open provider session);
        returns the callback URL the provider redirects to."""
        page = self.http.get(authorize_url)
        if page.status_code == 200:
            form = AccountChooser()
            form.feed(page.text)
            page = self.http.post(urljoin(authorize_url, form.target), data={**form.fields, "user": user.sub})
        assert page.status_code == 302, page.text[:300]
        return page.headers["location"]

    def login(self, user: TestUser, **params: str) -> httpx.Response:
        """The whole sign-in; returns the portal callback's answer."""
        callback = self.choose(self.to_provider(**params).headers["location"], user)
        assert callback.startswith(f"{self.portal_url}/auth/callback?"), callback
        return self.http.get(callback)

    @property
    def session_token(self) -> str | None:
        return self.http.cookies.get(COOKIE)


@pytest.fixture
def browser(sut: RunningPortal) -> Iterator[Browser]:
    client = Browser(sut.url)
    yield client
    client.close()


def signed_in(portal_url: str, user: TestUser) -> Browser:
    client = Browser(portal_url)
    answer = client.login(user)
    assert answer.status_code == 302, answer.text
    return client


def arm(admin: httpx.Client, variant: str | None) -> None:
    answer = admin.post("/sso/_test/next-token", json={"variant": variant})
    assert answer.status_code == 200, answer.text


def events(sut: RunningPortal) -> list[str]:
    return [e["event"] for e in AuthStore(sut.portal.db).events()]


def assert_refused(answer: httpx.Response, status: int, browser: Browser) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] and answer.json()["detail"]
    assert COOKIE not in answer.headers.get("set-cookie", "")
    assert browser.get("/auth/me").status_code == 401


# the login --------------------------------------------------------------------------------------


def test_login_redirects_to_the_provider_with_state_nonce_and_pkce(
    browser: Browser, sut: RunningPortal, national: RunningMock, admin: httpx.Client
) -> None:
    first, second = (query_of(browser.to_provider().headers["location"]) for _ in range(2))
    target = without_query(browser.to_provider().headers["location"])
    assert target == f"{national.url}/sso/oauth2/authorize"
    assert first["response_type"] == "code" and first["client_id"] == "demo-client"
    assert first["redirect_uri"] == f"{sut.url}/auth/callback"
    assert first["scope"].split()[0] == "openid" and set(first["scope"].split()) <= {
        "openid",
        "profile",
        "email",
        "phone",
    }
    assert first["code_challenge_method"] == "S256" and len(first["code_challenge"]) == 43
    for key in ("state", "nonce", "code_challenge"):
        assert len(first[key]) >= 22 and first[key] != second[key]
    stored = sut.portal.db.query("SELECT state, nonce FROM sso_login")
    assert {(r["state"], r["nonce"]) for r in stored} >= {(first["state"], first["nonce"])}


@pytest.mark.parametrize(
    ("user", "identifier"),
    [(CITIZEN, "citizen_id"), (VNEID_CITIZEN, "citizen_id"), (ENTERPRISE, "tax_code")],
    ids=["citizen", "vneid-citizen", "enterprise"],
)
def test_full_login_opens_a_session_with_the_accounts_identity(
    browser: Browser, sut: RunningPortal, admin: httpx.Client, user: TestUser, identifier: str
) -> None:
    assert browser.get("/auth/me").status_code == 401
    answer = browser.login(user)
    assert answer.status_code == 302 and answer.headers["location"] == "/auth/me"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    me = browser.get("/auth/me").json()
    assert me["TechID"] == user.tech_id and me["sub"] == user.sub and me["HoVaTen"] == user.full_name
    assert me["LoaiTaiKhoan"] == user.account_type
    assert (me["SoDinhDanh"] if identifier == "citizen_id" else me["MaSoThue"]) == getattr(user, identifier)
    token = browser.session_token
    assert token and not sut.portal.db.query("SELECT 1 FROM portal_session WHERE token_hash = ?", (token,))
    assert events(sut) == ["login"]
    # the code was exchanged server-side (form, client authentication) and userinfo read with the token
    token_calls = exchanges(admin, service="token")
    assert [r["verdict"] for r in token_calls] == ["valid"] and [r["status"] for r in token_calls] == [200]
    assert [r["status"] for r in exchanges(admin, service="userinfo")] == [200]


def test_login_returns_to_next_and_refuses_foreign_targets(browser: Browser, admin: httpx.Client) -> None:
    assert browser.login(CITIZEN, next="/api/lookup/X").headers["location"] == "/api/lookup/X"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "relative", "/" + "a" * 300):
        answer = browser.get("/auth/login", params={"next": target})
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_next", target


def test_a_second_login_passes_through_the_open_provider_session(browser: Browser, admin: httpx.Client) -> None:
    browser.login(CITIZEN)
    first = browser.session_token
    authorize = browser.to_provider().headers["location"]
    assert browser.http.get(authorize).status_code == 302  # signed in at the provider: no account chooser
    assert browser.login(CITIZEN).status_code == 302
    assert browser.session_token != first
    replay = httpx.get(f"{browser.portal_url}/auth/me", cookies={COOKIE: str(first)})
    assert replay.status_code == 401  # a new login replaces the older session


def test_the_portal_declares_the_sso_capability(control: httpx.Client) -> None:
    assert "sso" in control.get("/_control/health").json()["capabilities"]


# refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_bad_id_token_is_refused_without_a_session(
    variant: str, browser: Browser, sut: RunningPortal, admin: httpx.Client
) -> None:
    arm(admin, variant)
    assert_refused(browser.login(CITIZEN), 401, browser)
    assert events(sut) == ["login_refused"]
    tagged = [r for r in exchanges(admin, service="token") if f"FAULT:id_token_{variant}" in r["rules"]]
    assert len(tagged) == 1  # the provider really issued the bad token
    assert browser.login(CITIZEN).status_code == 302  # one shot: the next login is fine


def test_an_unknown_state_is_refused_even_with_a_valid_code(
    browser: Browser, national: RunningMock, sut: RunningPortal, admin: httpx.Client
) -> None:
    """Login CSRF: an attacker's own code, delivered with a state the portal never issued."""
    forged = forged_callback(browser, national, sut)
    assert_refused(browser.http.get(forged), 400, browser)
    assert exchanges(admin, service="token") == []  # refused before the code was used


def forged_callback(browser: Browser, national: RunningMock, sut: RunningPortal) -> str:
    params = {
        "response_type": "code", "client_id": "demo-client", "redirect_uri": f"{sut.url}/auth/callback",
        "scope": "openid", "state": "attacker-chosen-state", "login_hint": OTHER_CITIZEN.sub,
    }  # fmt: skip
    answer = httpx.get(f"{national.url}/sso/oauth2/authorize", params=params)
    assert answer.status_code == 302
    return answer.headers["location"]


def test_a_used_or_expired_state_is_refused(browser: Browser, sut: RunningPortal, admin: httpx.Client) -> None:
    callback = browser.choose(browser.to_provider().headers["location"], CITIZEN)
    assert browser.http.get(callback).status_code == 302
    replayed = Browser(sut.url)
    again = replayed.http.get(callback)
    assert_refused(again, 400, replayed)
    assert "already used" in again.json()["detail"]

    callback = browser.choose(browser.to_provider().headers["location"], CITIZEN)
    with sut.portal.db.transaction() as conn:
        conn.execute("UPDATE sso_login SET expires_at = 0")
    late = browser.http.get(callback)
    assert late.status_code == 400 and "expired" in late.json()["detail"]
    assert COOKIE not in late.headers.get("set-cookie", "")
    assert len(exchanges(admin, service="token")) == 1  # neither callback spent its code


def test_provider_errors_and_malformed_callbacks_are_clear_400s(browser: Browser, admin: httpx.Client) -> None:
    state = query_of(browser.to_provider().headers["location"])["state"]
    denied = browser.get("/auth/callback", params={"state": state, "error": "access_denied", "error_description": "x"})
    assert_refused(denied, 400, browser)
    assert "access_denied" in denied.json()["detail"]
    state = query_of(browser.to_provider().headers["location"])["state"]
    assert_refused(browser.get("/auth/callback", params={"state": state}), 400, browser)
    for params in ({}, {"state": "x" * 500, "code": "c"}, {"state": "<script>", "code": "c"}):
        assert_refused(browser.get("/auth/callback", params=params), 400, browser)
    state = query_of(browser.to_provider().headers["location"])["state"]
    refused = browser.get("/auth/callback", params={"state": state, "code": "not-a-code"})
    assert_refused(refused, 400, browser)
    assert "invalid_grant" in refused.json()["detail"]


def test_a_failing_provider_is_a_502_without_a_session(browser: Browser, admin: httpx.Client) -> None:
    fault = {"kind": "http_status", "path": "/sso/oauth2/token", "status": 503, "count": 1}
    assert admin.post("/_admin/faults", json=fault).status_code < 300
    answer = browser.login(CITIZEN)
    assert_refused(answer, 502, browser)
    assert answer.json()["error"] == "sso_provider_unavailable" and "503" in answer.json()["detail"]


def test_an_unreachable_provider_is_a_502_at_login(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(national_url="http://127.0.0.1:9") as sut:
        answer = httpx.get(f"{sut.url}/auth/login")
        assert answer.status_code == 502 and answer.json()["error"] == "sso_provider_unavailable"


def test_the_jwks_is_cached_and_fetched_again_for_an_unknown_key(sut: RunningPortal, admin: httpx.Client) -> None:
    for _ in range(2):
        signed_in(sut.url, CITIZEN).close()
    assert len(exchanges(admin, service="jwks")) == 1 and len(exchanges(admin, service="discovery")) == 1
    client = oidc_client(sut.portal)
    stranger = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    client._keys = KeySet([RSAKey.import_key(stranger.as_dict(private=False))])  # as if the provider rotated
    client._keys_fetched_at = float("-inf")
    signed_in(sut.url, CITIZEN).close()
    assert len(exchanges(admin, service="jwks")) == 2


def test_the_test_hook_of_the_mock_needs_the_admin_token(national: RunningMock, admin: httpx.Client) -> None:
    hook = f"{national.url}/sso/_test/next-token"
    assert httpx.post(hook, json={"variant": "expired"}).status_code == 401
    assert httpx.post(hook, json={"variant": "expired"}, headers={"authorization": "Bearer nope"}).status_code == 401
    for body in ({"variant": "made_up"}, {}, [], "x"):
        answer = admin.post("/sso/_test/next-token", json=body)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    arm(admin, "expired")
    arm(admin, None)  # disarmed: the next token is genuine
    assert national.app.mock.channels["sso"].tampering.armed is None


# defect switches: each one turns exactly one refusal into an acceptance ---------------------------

ID_TOKEN_DEFECTS = [
    ("sso-audience-unchecked", "wrong_audience"),
    ("sso-signature-unchecked", "bad_signature"),
    ("sso-signature-unchecked", "unsigned"),
    ("sso-nonce-unchecked", "wrong_nonce"),
    ("sso-expiry-unchecked", "expired"),
]


@pytest.mark.parametrize(("defect", "variant"), ID_TOKEN_DEFECTS)
def test_id_token_defects_accept_the_token_they_should_refuse(
    defect: str, variant: str, portal_factory: PortalFactory, admin: httpx.Client
) -> None:
    with portal_factory(defects={defect}) as sut:
        arm(admin, variant)
        browser = signed_in(sut.url, CITIZEN)
        assert browser.get("/auth/me").json()["TechID"] == CITIZEN.tech_id
        arm(admin, "wrong_issuer")  # the other checks stay on
        other = Browser(sut.url)
        assert_refused(other.login(CITIZEN), 401, other)


def test_state_defect_lets_a_forged_callback_sign_the_browser_in(
    portal_factory: PortalFactory, national: RunningMock, admin: httpx.Client
) -> None:
    with portal_factory(defects={"sso-state-unchecked"}) as sut:
        browser = Browser(sut.url)
        answer = browser.http.get(forged_callback(browser, national, sut))
        assert answer.status_code == 302
        assert browser.get("/auth/me").json()["TechID"] == OTHER_CITIZEN.tech_id  # the attacker's account


# online submission -------------------------------------------------------------------------------


def online_body(**overrides: Any) -> dict[str, Any]:
    body = dossier_request(**overrides)
    for key in ("ChuHoSo", "SoDinhDanh", "LoaiDoiTuong"):
        body.pop(key)
    return body


def synced_owner_fields(sut: RunningPortal, admin: httpx.Client, code: str) -> list[tuple[str, str, str]]:
    with httpx.Client(base_url=sut.url, headers=CONTROL, timeout=15) as control:
        assert control.post(f"/_control/dossiers/{code}/actions", json={"action": "receive"}).status_code == 200
        assert control.post("/_control/sync").json()["pending"] == 0
    rows = exchanges(admin, service="DongBoHoSoMC", ma_ho_so=code)
    items = [r["request"]["body"]["data"][0] for r in rows if r["response"]["body"].get("error_code") == 0]
    return [(i["MaDoiTuong"], i["ChuHoSo"], i["SoGiayToChuHoSo"]) for i in items]


def test_a_signed_in_citizen_submits_online_under_the_techid(sut: RunningPortal, admin: httpx.Client) -> None:
    browser = signed_in(sut.url, CITIZEN)
    answer = browser.post("/api/dossiers", json=online_body(SoDienThoai=None, Email=None))
    assert answer.status_code == 201, answer.text
    code = answer.json()["MaHoSo"]
    assert answer.json()["TrangThaiHoSo"] == "1"
    dossier = sut.portal.dossiers.get(code)
    assert dossier.tech_id == CITIZEN.tech_id and dossier.owner_id == CITIZEN.citizen_id
    assert dossier.record["KenhThucHien"] == "2" and dossier.record["SoDienThoai"] == CITIZEN.phone  # prefilled
    synced = synced_owner_fields(sut, admin, code)
    assert synced == [(CITIZEN.tech_id, CITIZEN.full_name, CITIZEN.citizen_id)] * 2


def test_an_enterprise_submits_under_its_tax_code(sut: RunningPortal, admin: httpx.Client) -> None:
    answer = signed_in(sut.url, ENTERPRISE).post("/api/dossiers", json=online_body())
    assert answer.status_code == 201, answer.text
    dossier = sut.portal.dossiers.get(answer.json()["MaHoSo"])
    assert dossier.owner_id == ENTERPRISE.tax_code and dossier.record["LoaiDoiTuong"] == "2"


def test_techid_defect_leaves_madoituong_empty(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"techid-not-carried"}) as sut:
        answer = signed_in(sut.url, CITIZEN).post("/api/dossiers", json=online_body())
        assert answer.status_code == 201
        assert (
            synced_owner_fields(sut, admin, answer.json()["MaHoSo"])
            == [("", CITIZEN.full_name, CITIZEN.citizen_id)] * 2
        )


def test_bad_submissions_are_refused_and_store_nothing(sut: RunningPortal, admin: httpx.Client) -> None:
    anonymous = httpx.post(f"{sut.url}/api/dossiers", json=online_body())
    assert anonymous.status_code == 401
    browser = signed_in(sut.url, CITIZEN)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"json": {**online_body(), "ChuHoSo": "Người khác"}}, 422, "ChuHoSo"),
        ({"json": {**online_body(), "SoDinhDanh": "001099000001"}}, 422, "SoDinhDanh"),
        ({"json": {**online_body(), "MaDoiTuong": "someone-else"}}, 422, "MaDoiTuong"),
        ({"json": online_body(KenhThucHien="1")}, 422, "online"),
        ({"json": online_body(MaTTHC="bad")}, 422, "MaTTHC"),
        ({"json": online_body(MaTTHC="9.999999")}, 422, ""),
        ({"json": [1, 2]}, 422, "object"),
        ({"content": b"MaTTHC=1.001193", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415, ""),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, ""),
    ]
    for kwargs, status, words in cases:
        answer = browser.post("/api/dossiers", **kwargs)
        assert answer.status_code == status, (kwargs, answer.text)
        assert words in answer.json()["detail"], answer.json()
    assert sut.portal.dossiers.all() == []


# logout ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_logout_ends_the_local_and_the_provider_session(
    method: str, sut: RunningPortal, national: RunningMock, admin: httpx.Client
) -> None:
    browser = signed_in(sut.url, CITIZEN)
    token = browser.session_token
    answer = browser.http.request(method, f"{sut.url}/auth/logout")
    assert answer.status_code == 302
    target = answer.headers["location"]
    assert without_query(target) == f"{national.url}/sso/oidc/logout"
    query = query_of(target)
    assert query["id_token_hint"].count(".") == 2 and query["post_logout_redirect_uri"] == f"{sut.url}/auth/logged-out"
    assert f'{COOKIE}=""' in answer.headers["set-cookie"] and "max-age=0" in answer.headers["set-cookie"].lower()
    assert httpx.get(f"{sut.url}/auth/me", cookies={COOKIE: str(token)}).status_code == 401  # the server forgot it
    back = browser.http.get(target)
    assert back.status_code == 302 and back.headers["location"] == f"{sut.url}/auth/logged-out"
    assert browser.http.get(back.headers["location"]).json()["signed_in"] is False
    assert [r["verdict"] for r in exchanges(admin, service="logout")] == ["valid"]
    assert events(sut) == ["login", "logout"]
    # the provider session is over too: the next login shows the account chooser again
    authorize = browser.to_provider().headers["location"]
    assert browser.http.get(authorize).status_code == 200


def test_logout_without_a_session_still_signs_out_at_the_provider(sut: RunningPortal, national: RunningMock) -> None:
    answer = httpx.post(f"{sut.url}/auth/logout")
    assert answer.status_code == 302 and without_query(answer.headers["location"]) == f"{national.url}/sso/oidc/logout"
    assert "id_token_hint" not in query_of(answer.headers["location"])
    stale = httpx.post(f"{sut.url}/auth/logout", cookies={COOKIE: "no-such-session"})
    assert stale.status_code == 302
    assert [(e["event"], e["detail"]) for e in AuthStore(sut.portal.db).events()] == [("logout", "no session")] * 2


def test_local_only_logout_defect_keeps_both_sessions(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(defects={"logout-local-only"}) as sut:
        browser = signed_in(sut.url, CITIZEN)
        token = browser.session_token
        answer = browser.post("/auth/logout")
        assert answer.status_code == 302 and answer.headers["location"] == "/auth/logged-out"
        assert httpx.get(f"{sut.url}/auth/me", cookies={COOKIE: str(token)}).status_code == 200
        assert exchanges(admin, service="logout") == []
