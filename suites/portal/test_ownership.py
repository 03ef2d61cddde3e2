"""A citizen's actions on a dossier are the applicant's own (NĐ 61/2018 Điều 25 k4: user accounts managed, their
data kept confidential; TT 01/2018 Điều 12: the applicant rates the handling of their dossier).

The owner (a seeded account of the national SSO) submits a dossier online; the officers take it to where the
action applies. Then the action is tried, in this order, without signing in, signed in as another citizen, and by
the owner: the first two must be refused (any 4xx) and change nothing at the national side; the owner's must go
through, which also shows that the strangers' attempts took nothing from the owner (a vote counted once, a fee
paid once).

The SUT endpoints these tests assume, relative to `[sut] base_url` (the session from the `sso` sign-in, see
suites/sso/_browser.py):
- capabilities `sso` + `ratings`: `POST /api/ratings` `{"MaHoSo", "MucDo": "1"|"2"|"3", "NoiDung"?}` → 2xx;
- capabilities `sso` + `payment`: `POST /api/my/dossiers/{MaHoSo}/payments` `{}` → 2xx with `UrlThanhToan`, the
  citizen starting the online payment of the fee the dossier owes (the INIT reaches the national platform).
Withdrawal and supplements by the citizen have no endpoint in this contract yet; viewing the history is
`suites/portal/test_lookup.py`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment, Evidence, Observe
from suites._support import FEE_PROCEDURE, PATHS, PROCEDURE, REASONS
from suites.sso._browser import CITIZEN, OTHER_CITIZEN, Browser, online_body, require, signed_in

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = pytest.mark.dvc_needs("dossier-sync")

WHO = ("anonymous", "stranger", "owner")
#: a fee with no automatic outcome at the national test platform: the payment waits on its pay page
FEE = 8_000


@dataclass
class Attempt:
    who: str
    status: int
    body: str

    def refused(self) -> bool:
        return 400 <= self.status < 500

    def __str__(self) -> str:
        return f"{self.who}: HTTP {self.status} {self.body[:160]!r}"


@dataclass
class Tried:
    """One action on one dossier, tried by each of WHO in turn."""

    code: str
    endpoint: str
    attempts: dict[str, Attempt] = field(default_factory=dict)
    #: national exchanges of the action's service naming the dossier after each attempt (who → count; empty for
    #: ratings: DongBoDanhGia summarises a month, it names no dossier; the owner's vote going through shows
    #: that no stranger's vote was counted for the dossier)
    national: dict[str, int] = field(default_factory=dict)


def _try(browser: Browser | None, base_url: str, path: str, body: dict[str, Any]) -> httpx.Response:
    if browser is not None:
        return browser.http.post(browser.url(path), json=body)
    return httpx.post(f"{base_url.rstrip('/')}{path}", json=body, timeout=30)


def _count(evidence: Evidence, service: str, code: str) -> int:
    return len(evidence.exchanges(service=service, ma_ho_so=code))


def _owned(env: ConformanceEnvironment, owner: Browser, rng: random.Random, procedure: str, path: str) -> str:
    """A dossier the owner submitted online, moved by the officers along `path`."""
    code = owner.submit(online_body(rng, procedure))
    for action in PATHS[path]:
        env.driver.act(code, action, reason=REASONS.get(action), amount=FEE if action == "request_fee" else None)
    return code


def _attempts(
    env: ConformanceEnvironment, browsers: dict[str, Browser | None], tried: Tried, body: dict[str, Any], service: str
) -> None:
    """Each of WHO tries; after each, the national exchanges of `service` naming the dossier are counted (an INIT
    is sent while the citizen waits for the pay page: no sync delay to wait out)."""
    for who in WHO:
        answer = _try(browsers[who], env.description.base_url, tried.endpoint, body)
        tried.attempts[who] = Attempt(who, answer.status_code, answer.text)
        if service:
            tried.national[who] = _count(env.evidence, service, tried.code)


@dataclass
class Ownership:
    rating: Tried | None = None
    payment: Tried | None = None


@pytest.fixture(scope="module")
def ownership(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[Ownership]:
    require(dvc_env, "sso")
    declares = dvc_env.description.declares
    rng = random.Random(f"{dvc_seed}:ownership")
    found = Ownership()
    with signed_in(dvc_env, CITIZEN) as owner, signed_in(dvc_env, OTHER_CITIZEN) as stranger:
        browsers: dict[str, Browser | None] = {"anonymous": None, "stranger": stranger, "owner": owner}
        if declares("ratings"):
            code = _owned(dvc_env, owner, rng, PROCEDURE, "processed-and-returned")
            found.rating = Tried(code, "/api/ratings")
            vote = {"MaHoSo": code, "MucDo": "3", "NoiDung": "Phiếu đánh giá do bộ kiểm thử gửi"}
            _attempts(dvc_env, browsers, found.rating, vote, "")
        if declares("payment"):
            code = _owned(dvc_env, owner, rng, FEE_PROCEDURE, "fee-requested")
            found.payment = Tried(code, f"/api/my/dossiers/{code}/payments")
            _attempts(dvc_env, browsers, found.payment, {}, "INIT")
        yield found


def _judge(tried: Tried, dvc_observe: Observe, what: str, service: str) -> None:
    dvc_observe.step(f"POST {tried.endpoint} as " + "; ".join(map(str, tried.attempts.values())))
    owner = tried.attempts["owner"]
    let_in = [str(tried.attempts[who]) for who in ("anonymous", "stranger") if not tried.attempts[who].refused()]
    assert not let_in, f"{what} of dossier {tried.code} must be refused to anyone but its applicant:\n" + "\n".join(
        let_in
    )
    reached = {who: tried.national[who] for who in ("anonymous", "stranger") if tried.national.get(who)}
    assert not reached, (
        f"the refused attempts on {tried.code} still reached DVCQG: {service} exchanges after them {reached}"
    )
    assert 200 <= owner.status < 300, (
        f"the applicant's own {what.lower()} of {tried.code} (POST {tried.endpoint}) must go through after the "
        f"strangers' attempts: {owner}"
    )


@pytest.mark.capability("sso", "ratings")
@pytest.mark.req("ND61-D25-K4")
@pytest.mark.req(
    "TT01-D12-RATING",
    partial="checks that only the applicant's own rating is taken; the 9-indicator form is judged by hand",
)
def test_only_the_applicant_rates_the_dossier(ownership: Ownership, dvc_observe: Observe) -> None:
    assert ownership.rating is not None
    _judge(ownership.rating, dvc_observe, "A rating", "DongBoDanhGia")


@pytest.mark.capability("sso", "payment")
@pytest.mark.req("ND61-D25-K4")
def test_only_the_applicant_starts_the_payment_of_the_fee(ownership: Ownership, dvc_observe: Observe) -> None:
    assert ownership.payment is not None
    _judge(ownership.payment, dvc_observe, "Starting the online payment", "INIT")
    assert ownership.payment.national["owner"] >= 1, (
        f"the applicant's payment of {ownership.payment.code} was accepted but no INIT naming the dossier reached "
        "the national payment platform"
    )
