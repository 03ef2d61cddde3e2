"""Sign-in with the national SSO (TT 01/2018 Điều 16, TT 22/2019 Điều 3 k10; OpenID Connect authorization-code
flow at DVCQG's identity provider, docs/reference/dvcqg-interfaces.md §12): the SUT sends the browser to the provider
with a well-formed authorization request (state, nonce), exchanges the code server-side, reads userinfo and opens a
session for the account; a callback whose state the SUT did not issue for this sign-in opens nothing.

A person's browser is played by `suites.sso._browser.Browser` (no JavaScript, redirects by hand); the account
is one of the mock provider's seeded test accounts. The flow is driven once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment
from suites.sso._browser import (
    CITIZEN,
    OTHER_CITIZEN,
    REDIRECTS,
    Browser,
    Login,
    ProviderCalls,
    provider,
    query_of,
    require,
    without_query,
)

pytestmark = pytest.mark.capability("sso")

#: "unguessable": at least this many characters of the SUT's state and nonce (≥ 96 bits in base64url)
MIN_RANDOM_CHARS = 16
SERVICES = ("authorize", "token", "userinfo")


@dataclass
class SignIn:
    login: Login
    #: the authorization request of a second, independent sign-in (another browser)
    second: dict[str, str]
    me: dict[str, Any] | None
    #: the provider's exchanges during the sign-in, by service (authorize, token, userinfo)
    exchanges: dict[str, list[dict[str, Any]]]

    def calls(self, service: str) -> list[dict[str, Any]]:
        return self.exchanges[service]


@pytest.fixture(scope="module")
def sign_in(dvc_env: ConformanceEnvironment) -> Iterator[SignIn]:
    require(dvc_env, "sso")
    watch = ProviderCalls(dvc_env.evidence, *SERVICES)
    with Browser(dvc_env.description.base_url) as browser, Browser(dvc_env.description.base_url) as other:
        login = browser.login(CITIZEN)
        me = browser.me()
        exchanges = {service: watch.new(service) for service in SERVICES}
        second = other.start_login().headers["location"]
        yield SignIn(login, query_of(second), me, exchanges)


@pytest.mark.req("SSO-AUTHORIZE-REQUEST", "TT01-D16-SSO")
def test_sign_in_sends_the_browser_to_the_national_provider(sign_in: SignIn, dvc_env: ConformanceEnvironment) -> None:
    endpoint = provider(dvc_env)["authorization_endpoint"]
    assert without_query(sign_in.login.authorize_url) == endpoint, (
        f"GET /auth/login must redirect to the national provider's authorization endpoint {endpoint} "
        f"(from its discovery document), not {sign_in.login.authorize_url}"
    )
    sso = dvc_env.description.sso
    query = sign_in.login.authorize
    expected = {"response_type": "code"}
    if sso is not None:
        expected |= {"client_id": sso.client_id, "redirect_uri": sso.redirect_uri}
    problems = [
        f"{key}={query.get(key)!r}, expected {value!r}" for key, value in expected.items() if query.get(key) != value
    ]
    if "openid" not in query.get("scope", "").split():
        problems.append(f"scope={query.get('scope')!r} lacks openid")
    problems += [f"{key} missing" for key in ("acr_values", "state") if not query.get(key)]
    assert not problems, "the authorization request is not as DVCQG expects:\n" + "\n".join(problems)
    refused = [row for row in sign_in.calls("authorize") if row.get("verdict") != "valid"]
    assert not refused, "the provider found the authorization request invalid: " + "; ".join(
        str(row.get("rules")) for row in refused
    )


@pytest.mark.req("SSO-STATE")
def test_every_sign_in_has_its_own_unguessable_state(sign_in: SignIn) -> None:
    first, second = sign_in.login.authorize.get("state", ""), sign_in.second.get("state", "")
    assert len(first) >= MIN_RANDOM_CHARS, f"state {first!r} is missing or too short to be unguessable"
    assert first != second, f"two sign-ins used the same state {first!r}"


@pytest.mark.req("SSO-NONCE")
def test_every_sign_in_sends_its_own_nonce(sign_in: SignIn) -> None:
    first, second = sign_in.login.authorize.get("nonce", ""), sign_in.second.get("nonce", "")
    assert len(first) >= MIN_RANDOM_CHARS, (
        f"nonce {first!r} is missing or too short: send a fresh random nonce and check it in the id_token"
    )
    assert first != second, f"two sign-ins used the same nonce {first!r}"


@pytest.mark.req("TT01-D16-SSO", "TT22-D6-K1-N", "TT21-D5-K1-AUTH")
@pytest.mark.req(
    "TT22-D3-K10",
    partial="checks only that sign-in through the national SSO opens a session for the account; security "
    "in operation and in the connections (transport security, Điều 8) is not checked by this test",
)
def test_sign_in_opens_a_session_for_the_account(sign_in: SignIn) -> None:
    answer = sign_in.login.callback
    assert answer.status_code < 400, (
        f"the callback refused a genuine sign-in: HTTP {answer.status_code} {answer.text[:300]!r}"
    )
    assert sign_in.me is not None, "after a genuine sign-in GET /auth/me does not answer 200: no session was opened"
    assert sign_in.me.get("TechID") == CITIZEN.tech_id, (
        f"GET /auth/me shows TechID {sign_in.me.get('TechID')!r}, the account signed in has {CITIZEN.tech_id!r}"
    )


@pytest.mark.req("SSO-TOKEN-EXCHANGE")
def test_the_code_is_exchanged_at_the_token_endpoint(sign_in: SignIn) -> None:
    calls = sign_in.calls("token")
    assert calls, "the SUT never called the provider's token endpoint: the code must be exchanged server-side"
    bad = [f"HTTP {row.get('status')} {row.get('rules')}" for row in calls if row.get("verdict") != "valid"]
    assert not bad, "the provider refused the SUT's token request(s): " + "; ".join(bad)
    assert len(calls) == 1, f"one sign-in exchanged {len(calls)} codes"


@pytest.mark.req("SSO-USERINFO")
def test_the_account_is_read_from_userinfo(sign_in: SignIn) -> None:
    calls = sign_in.calls("userinfo")
    assert any(row.get("status") == 200 for row in calls), (
        "the SUT did not read the account from the provider's userinfo endpoint with the access token "
        f"({len(calls)} userinfo call(s), statuses {[row.get('status') for row in calls]})"
    )
    assert sign_in.me is not None and sign_in.me.get("TechID") == CITIZEN.tech_id, (
        f"the session is not keyed by the account's TechID {CITIZEN.tech_id!r}: GET /auth/me shows {sign_in.me}"
    )


# --- the state -------------------------------------------------------------------------------------------


def _attacker_callback(dvc_env: ConformanceEnvironment, state: str | None) -> str:
    """A code for the ATTACKER's own account, obtained at the provider without the SUT, delivered to the
    victim's browser with a state the SUT never issued (login CSRF, RFC 6749 §10.12)."""
    sso = dvc_env.description.sso
    assert sso is not None, "the SUT declares sso without an [sso] section"
    params = {
        "response_type": "code",
        "client_id": sso.client_id,
        "redirect_uri": sso.redirect_uri,
        "scope": "openid",
        "login_hint": OTHER_CITIZEN.sub,
    } | ({"state": state} if state else {})
    answer = httpx.get(provider(dvc_env)["authorization_endpoint"], params=params, timeout=15)
    assert answer.status_code in REDIRECTS, (
        f"the provider issued no code: HTTP {answer.status_code} {answer.text[:300]}"
    )
    return answer.headers["location"]


def _replayed_callback(dvc_env: ConformanceEnvironment) -> str:
    """The callback of a genuine sign-in that already completed in another browser."""
    with Browser(dvc_env.description.base_url) as first:
        login = first.login(CITIZEN)
        assert first.me() is not None, "a genuine sign-in opened no session"
        return login.callback_url


CALLBACKS = {
    "unknown-state": lambda env: _attacker_callback(env, "attacker-chosen-state"),
    "no-state": lambda env: _attacker_callback(env, None),
    "replayed-state": _replayed_callback,
}


@pytest.mark.req("SSO-STATE")
@pytest.mark.parametrize("case", list(CALLBACKS))
def test_a_callback_the_sut_did_not_start_opens_no_session(case: str, dvc_env: ConformanceEnvironment) -> None:
    callback = CALLBACKS[case](dvc_env)
    with Browser(dvc_env.description.base_url) as victim:
        answer = victim.http.get(callback)
        me = victim.me()
    assert me is None, (
        f"{case}: a callback with a state this browser's sign-in did not issue signed it in as TechID "
        f"{me.get('TechID')!r} (HTTP {answer.status_code}): refuse a callback whose state is unknown, missing or "
        "already used, before exchanging its code"
    )
