"""The id_token is verified before anyone is signed in (OpenID Connect Core 1.0 §3.1.3.7;
docs/reference/dvcqg-interfaces.md §12):
signature against the provider's JWKS, issuer, audience, expiry and the nonce of this sign-in.

For each check, the mock provider issues ONE bad id_token in the next token response (its test hook
`POST /sso/_test/next-token`; everything else in that response, access token and userinfo included, stays
genuine). A conformant SUT refuses the sign-in: no session results.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.conformance import ConformanceEnvironment
from suites.sso._browser import CITIZEN, Browser, ProviderCalls

pytestmark = pytest.mark.capability("sso")

HOOK = "/sso/_test/next-token"
VARIANTS = [
    pytest.param("wrong_audience", "aud names another client", marks=pytest.mark.req("SSO-IDTOKEN-AUDIENCE")),
    pytest.param("expired", "exp an hour in the past", marks=pytest.mark.req("SSO-IDTOKEN-EXPIRY")),
    pytest.param(
        "bad_signature",
        "signed with another key under the provider's kid",
        marks=pytest.mark.req("SSO-IDTOKEN-SIGNATURE"),
    ),
    pytest.param("unsigned", 'alg "none", no signature', marks=pytest.mark.req("SSO-IDTOKEN-SIGNATURE")),
    pytest.param("wrong_issuer", "iss names another provider", marks=pytest.mark.req("SSO-IDTOKEN-ISSUER")),
    pytest.param("wrong_nonce", "nonce differs from the one this sign-in sent", marks=pytest.mark.req("SSO-NONCE")),
]


@pytest.fixture
def armed(dvc_env: ConformanceEnvironment, request: pytest.FixtureRequest) -> Iterator[str]:
    """Arm the provider's one-shot bad id_token; always disarmed afterwards (a SUT that never asked for a
    token must not leave it to the next test)."""
    variant = str(request.node.callspec.params["variant"])
    admin = dvc_env.evidence.client
    answer = admin.post(HOOK, json={"variant": variant})
    assert answer.status_code == 200, f"the mock's {HOOK} hook failed: HTTP {answer.status_code} {answer.text[:200]}"
    yield variant
    admin.post(HOOK, json={"variant": None})


@pytest.mark.parametrize(("variant", "what"), VARIANTS)
def test_a_bad_id_token_signs_nobody_in(variant: str, what: str, armed: str, dvc_env: ConformanceEnvironment) -> None:
    watch = ProviderCalls(dvc_env.evidence, "token")
    with Browser(dvc_env.description.base_url) as browser:
        login = browser.login(CITIZEN)
        me = browser.me()
    issued = [row for row in watch.new("token") if f"FAULT:id_token_{variant}" in row["rules"]]
    assert issued, (
        "the SUT did not exchange the code at the token endpoint, so the bad id_token was never delivered: "
        "nothing was proved"
    )
    assert me is None, (
        f"the SUT accepted an id_token whose {what} and signed the browser in as TechID {me.get('TechID')!r} "
        f"(callback: HTTP {login.callback.status_code}); verify the id_token before opening a session"
    )
