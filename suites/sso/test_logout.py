"""Logout (docs/reference/dvcqg-interfaces.md §12, OpenID Connect RP-initiated logout): the SUT ends its own session
— the browser's old cookies no longer sign anybody in — and sends the browser to the national provider's
end_session endpoint with id_token_hint and post_logout_redirect_uri, so the person is signed out there too
and comes back to the SUT. Driven once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from harness.conformance import ConformanceEnvironment
from suites.sso._browser import (
    CITIZEN,
    REDIRECTS,
    Browser,
    ProviderCalls,
    provider,
    query_of,
    require,
    signed_in,
    without_query,
)

pytestmark = pytest.mark.capability("sso")


@dataclass
class Logout:
    answer: httpx.Response  # the SUT's answer to the logout
    target: str  # where it sent the browser (absolute)
    at_provider: httpx.Response | None  # the provider's answer when the target is the provider
    provider_calls: list[dict[str, Any]]
    me_after: dict[str, Any] | None  # GET /auth/me with the cookies the browser held before logging out
    next_login: httpx.Response  # the provider's answer to the next sign-in of the same browser


@pytest.fixture(scope="module")
def logout(dvc_env: ConformanceEnvironment) -> Iterator[Logout]:
    require(dvc_env, "sso")
    base_url = dvc_env.description.base_url
    watch = ProviderCalls(dvc_env.evidence, "logout")
    end_session = provider(dvc_env)["end_session_endpoint"]
    with signed_in(dvc_env, CITIZEN) as browser:
        before = browser.cookies()
        answer = browser.logout()
        target = urljoin(browser.url("/auth/logout"), answer.headers.get("location", ""))
        at_provider = browser.http.get(target) if without_query(target) == end_session else None
        calls = watch.new("logout")
        with Browser(base_url, cookies=before) as replay:
            me_after = replay.me()
        authorize = urljoin(base_url, browser.start_login().headers["location"])
        next_login = browser.http.get(authorize)
        yield Logout(answer, target, at_provider, calls, me_after, next_login)


@pytest.mark.req("SSO-LOGOUT")
def test_logout_ends_the_session_at_the_sut(logout: Logout) -> None:
    assert logout.me_after is None, (
        "after logout the cookies the browser held still sign it in (GET /auth/me answers 200 with TechID "
        f"{logout.me_after.get('TechID')!r}): end the session on the server, not only in the browser"
    )


@pytest.mark.req("SSO-LOGOUT")
def test_logout_sends_the_browser_to_the_provider_end_session(logout: Logout, dvc_env: ConformanceEnvironment) -> None:
    end_session = provider(dvc_env)["end_session_endpoint"]
    assert logout.answer.status_code in REDIRECTS, (
        f"POST /auth/logout must redirect to the provider's end_session endpoint {end_session}; "
        f"got HTTP {logout.answer.status_code}"
    )
    assert without_query(logout.target) == end_session, (
        f"logout redirected to {logout.target}, not to the provider's end_session endpoint {end_session}: "
        "the person stays signed in at DVCQG"
    )
    query = query_of(logout.target)
    missing = [key for key in ("id_token_hint", "post_logout_redirect_uri") if not query.get(key)]
    assert not missing, f"the end_session request lacks {', '.join(missing)}: {logout.target}"


@pytest.mark.req("SSO-LOGOUT")
def test_the_provider_signs_the_person_out_and_returns_to_the_sut(
    logout: Logout, dvc_env: ConformanceEnvironment
) -> None:
    assert logout.at_provider is not None, f"logout did not go to the provider (it went to {logout.target})"
    refused = [f"{row.get('rules')}" for row in logout.provider_calls if row.get("verdict") != "valid"]
    assert logout.provider_calls and not refused, (
        f"the provider refused the SUT's end_session request {refused}: {logout.at_provider.text[:300]!r}"
    )
    back = logout.at_provider.headers.get("location", "")
    assert logout.at_provider.status_code in REDIRECTS and back.startswith(dvc_env.description.base_url), (
        f"the provider did not send the browser back to the SUT (HTTP {logout.at_provider.status_code}, "
        f"location {back!r}): give a post_logout_redirect_uri registered for the SUT's client"
    )
    assert logout.next_login.status_code == 200, (
        "after logout the provider still had the person signed in (the next sign-in skipped its login page): "
        "send the id_token_hint of the session being ended"
    )
