"""A browser without JavaScript for the suites that sign in with the national SSO: its own cookie jar,
redirects followed by hand, the mock identity provider's account chooser filled in like a person would.

The SUT's sign-in endpoints these suites assume (capability `sso`), relative to `[sut] base_url`:

- `GET /auth/login` → a redirect (3xx) to the provider's authorization endpoint (the mock's
  `/sso/oauth2/authorize`, read from its discovery document);
- `GET /auth/callback?code=&state=` (the registered `[sso] redirect_uri`) → a session on success (any cookie);
- `GET /auth/me` → 200 with a JSON object carrying at least `TechID` when signed in, 401 (any 4xx) when not;
- `POST /auth/logout` (or `GET`, when POST answers 405) → the session ends, a redirect to the provider's
  `end_session_endpoint` with `id_token_hint` and `post_logout_redirect_uri`;
- `POST /api/dossiers` (JSON, signed in) → 200/201 with `{"MaHoSo", ...}`: an online submission whose
  applicant comes from the login.

Nothing here depends on the SUT's cookie names: a session is whatever the browser's jar holds.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from harness.conformance import ConformanceEnvironment, Evidence
from mock_portal.sso import AccountChooser
from mock_portal.sso.users import TestUser, test_users
from suites._support import PROCEDURE

#: seeded accounts of the mock identity provider (deterministic: the same in every run and process)
CITIZEN = next(u for u in test_users() if u.account_type == "1" and not u.vneid)
OTHER_CITIZEN = [u for u in test_users() if u.account_type == "1" and not u.vneid][1]
REDIRECTS = (301, 302, 303, 307, 308)
TIMEOUT_S = 15


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@cache
def _discovery(national_url: str) -> dict[str, Any]:
    answer = httpx.get(f"{national_url}/sso/.well-known/openid-configuration", timeout=TIMEOUT_S)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


def require(env: ConformanceEnvironment, *capabilities: str) -> None:
    """Omit the tests of a module fixture whose capability the SUT does not declare. The plugin's gate is a
    function-scoped fixture, and pytest sets module-scoped fixtures up before it: such a fixture must check."""
    for name in capabilities:
        if not env.description.declares(name):
            pytest.skip(f"capability {name!r} not declared by the SUT (omitted)")


def provider(env: ConformanceEnvironment) -> dict[str, Any]:
    """The national identity provider's discovery document (the mock's)."""
    return _discovery(env.national_url.rstrip("/"))


class ProviderCalls:
    """The provider's exchanges of some services that come after this object was made.

    Read from the mock's admin API by sequence number (`after_seq`, paged): `Evidence.exchanges(since=)` sends
    the number as the API's `since`, which it reads as epoch seconds, and `Evidence.mark()` only sees the first
    page of the whole evidence, so neither marks "now" reliably on a long-lived mock."""

    PAGE = 1000

    def __init__(self, evidence: Evidence, *services: str) -> None:
        self.client = evidence.client
        self.marks = {service: self._last(self._after(service, 0)) for service in services}

    def _after(self, service: str, seq: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            params: dict[str, str | int] = {"service": service, "after_seq": seq, "limit": self.PAGE}
            answer = self.client.get("/_admin/exchanges", params=params)
            assert answer.status_code == 200, f"the mock's evidence could not be read: HTTP {answer.status_code}"
            page: list[dict[str, Any]] = answer.json()
            rows += page
            if len(page) < self.PAGE:
                return rows
            seq = self._last(page)

    @staticmethod
    def _last(rows: list[dict[str, Any]]) -> int:
        return int(rows[-1]["seq"]) if rows else 0

    def new(self, service: str) -> list[dict[str, Any]]:
        return self._after(service, self.marks[service])


@dataclass
class Login:
    """One sign-in attempt as the browser lived it."""

    start: httpx.Response  # the SUT's answer to GET /auth/login
    authorize_url: str  # where the SUT sent the browser
    callback_url: str  # where the provider sent it back
    callback: httpx.Response  # the SUT's answer to the callback

    @property
    def authorize(self) -> dict[str, str]:
        return query_of(self.authorize_url)


class Browser:
    """One person's browser: a cookie jar shared by the SUT and the provider, redirects by hand."""

    def __init__(self, base_url: str, cookies: httpx.Cookies | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(follow_redirects=False, timeout=TIMEOUT_S, cookies=cookies)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def cookies(self) -> httpx.Cookies:
        """A copy of the jar (to replay a session after logout)."""
        return httpx.Cookies(self.http.cookies)

    # --- sign-in ----------------------------------------------------------------------------------

    def start_login(self) -> httpx.Response:
        """GET /auth/login; the SUT must redirect to the provider."""
        answer = self.http.get(self.url("/auth/login"))
        assert answer.status_code in REDIRECTS and answer.headers.get("location"), (
            f"GET /auth/login must redirect to the national identity provider; got HTTP {answer.status_code} "
            f"{answer.text[:200]!r}"
        )
        return answer

    def at_provider(self, authorize_url: str, user: TestUser) -> str:
        """At the provider: pick `user` on the account chooser (or pass through an open provider session);
        returns the callback URL the provider sends the browser to."""
        page = self.http.get(urljoin(self.base_url, authorize_url))
        if page.status_code == 200:
            form = AccountChooser()
            form.feed(page.text)
            assert form.target, f"the provider showed no account chooser: {page.text[:300]!r}"
            page = self.http.post(urljoin(str(page.url), form.target), data={**form.fields, "user": user.sub})
        assert page.status_code in REDIRECTS, (
            f"the national identity provider refused the SUT's authorization request (HTTP {page.status_code}): "
            f"{page.text[:400]!r}"
        )
        return page.headers["location"]

    def login(self, user: TestUser) -> Login:
        """The whole sign-in: SUT → provider (account chooser) → SUT callback."""
        start = self.start_login()
        authorize_url = urljoin(self.url("/auth/login"), start.headers["location"])
        callback_url = self.at_provider(authorize_url, user)
        return Login(start, authorize_url, callback_url, self.http.get(callback_url))

    def me(self) -> dict[str, Any] | None:
        """Who the SUT thinks this browser is (`GET /auth/me`): the account, or None when not signed in."""
        answer = self.http.get(self.url("/auth/me"))
        if answer.status_code != 200:
            return None
        try:
            body = answer.json()
        except ValueError:
            return {"unreadable": answer.text[:200]}
        return body if isinstance(body, dict) else {"unreadable": body}

    # --- what a signed-in citizen does ------------------------------------------------------------

    def submit(self, body: dict[str, Any]) -> str:
        """POST /api/dossiers as the signed-in account; the new dossier's MaHoSo."""
        answer = self.http.post(self.url("/api/dossiers"), json=body)
        assert answer.status_code in (200, 201), (
            f"POST /api/dossiers (a signed-in citizen submitting online) answered HTTP {answer.status_code}: "
            f"{answer.text[:300]!r}"
        )
        code = answer.json().get("MaHoSo")
        assert isinstance(code, str) and code, f"POST /api/dossiers answered without MaHoSo: {answer.text[:300]!r}"
        return code

    def logout(self) -> httpx.Response:
        answer = self.http.post(self.url("/auth/logout"))
        if answer.status_code == 405:
            answer = self.http.get(self.url("/auth/logout"))
        return answer


def signed_in(env: ConformanceEnvironment, user: TestUser) -> Browser:
    """A browser with `user` signed in at the SUT (fails the calling fixture if the sign-in does not work)."""
    browser = Browser(env.description.base_url)
    browser.login(user)
    me = browser.me()
    if me is None or me.get("TechID") != user.tech_id:
        browser.close()
        raise AssertionError(f"signing in as {user.sub} did not open a session at the SUT (GET /auth/me: {me})")
    return browser


def online_body(rng: random.Random, procedure: str = PROCEDURE) -> dict[str, Any]:
    """The body of `POST /api/dossiers`: the dossier without its applicant (that comes from the login)."""
    content = b"%PDF-1.4 to khai " + str(rng.random()).encode()
    return {
        "MaTTHC": procedure,
        "TrichYeuHoSo": f"Đề nghị giải quyết thủ tục {procedure} (nộp trực tuyến)",
        "files": [{"TenTepDinhKem": "to-khai.pdf", "content_base64": base64.b64encode(content).decode("ascii")}],
    }
