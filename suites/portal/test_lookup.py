"""Public dossier lookup (TT 01/2018 Điều 16, NĐ 61/2018 Điều 25 k2 đ and k4): anyone may look a dossier up by
its code and see its status, and nothing personal; the owner, signed in with the national SSO, also sees the
processing history, step by step down to the department.

The SUT endpoint these tests assume (capability `public_lookup`), relative to `[sut] base_url`:
`GET /api/lookup/{MaHoSo}` → 200 JSON with at least `MaHoSo` and `TrangThaiHoSo`; for the signed-in owner
(session from the `sso` sign-in, see suites/sso/_browser.py) also `history`: one object per step in the
control API's step format (`TrangThai`, `PhongBan`, ...). Driven once per module.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.conformance import ConformanceEnvironment
from harness.sut import DossierView
from mock_portal.sso.users import TestUser
from suites._support import applicant, drive
from suites.sso._browser import CITIZEN, OTHER_CITIZEN, Browser, online_body, require, signed_in

pytestmark = pytest.mark.capability("public_lookup")

#: keys that carry personal data or the dossier's content: none may appear in a lookup that is not the owner's
PERSONAL_KEYS = frozenset(
    {
        "ChuHoSo", "SoDinhDanh", "SoGiayToChuHoSo", "SoDienThoai", "Email", "ThuDienTu", "DiaChi", "MaDoiTuong",
        "HoVaTen", "TaiLieuNop", "files", "DanhSachTepDinhKem", "history", "QuaTrinhXuLy",
    }
)  # fmt: skip


@dataclass
class Lookup:
    code: str
    view: DossierView  # the SUT's own view (control API)
    answer: httpx.Response
    #: personal values of the dossier's applicant that must not show
    personal: dict[str, str]

    def body(self) -> dict[str, Any]:
        data = self.answer.json()
        assert isinstance(data, dict), (
            f"GET /api/lookup/{self.code} must answer a JSON object: {self.answer.text[:200]}"
        )
        return data

    def leaks(self) -> list[str]:
        """Personal keys (at any depth) and personal values (anywhere in the text) of the answer."""
        found = [f"key {key}" for key in sorted(_keys(self.answer.json()) & PERSONAL_KEYS)]
        found += [f"{name} {value!r}" for name, value in self.personal.items() if value and value in self.answer.text]
        return found


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data).union(*(_keys(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_keys(v) for v in data))
    return set()


def _lookup(env: ConformanceEnvironment, code: str, browser: Browser | None = None) -> httpx.Response:
    if browser is not None:
        return browser.http.get(browser.url(f"/api/lookup/{code}"))
    return httpx.get(f"{env.description.base_url.rstrip('/')}/api/lookup/{code}", timeout=15)


def _account_data(user: TestUser) -> dict[str, str]:
    return {
        "name": user.full_name,
        "SoDinhDanh": user.citizen_id,
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "TechID": user.tech_id,
        "file": "to-khai.pdf",
    }


# --- anyone, a dossier received at the counter -----------------------------------------------------------


@pytest.fixture(scope="module")
def anonymous(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Lookup:
    require(dvc_env, "public_lookup")
    request = applicant(random.Random(f"{dvc_seed}:lookup"), channel="1")
    code = drive(dvc_env.driver, request, ("receive",))
    personal = {
        "name": request.applicant,
        "SoDinhDanh": request.id_number,
        "phone": request.phone,
        "email": request.email,
        "file": request.files[0].name,
    }
    return Lookup(code, dvc_env.driver.view(code), _lookup(dvc_env, code), personal)


@pytest.mark.req("TT01-D16-LOOKUP-ANONYMOUS")
@pytest.mark.req(
    "TT21-D5-K1-LOOKUP",
    partial="checks the lookup of one dossier by its code; lookup by other criteria is checked on the "
    "catalogue (test_the_catalogue_can_be_searched_by_level_field_and_keyword)",
)
@pytest.mark.req(
    "ND61-D25-K2-DD",
    partial="checks only that the public lookup shows the dossier's code and status; publication of the "
    "results is not checked here",
)
def test_anyone_sees_the_code_and_the_status(anonymous: Lookup) -> None:
    assert anonymous.answer.status_code == 200, (
        f"GET /api/lookup/{anonymous.code} without signing in must answer 200; got HTTP "
        f"{anonymous.answer.status_code} {anonymous.answer.text[:200]!r}"
    )
    body = anonymous.body()
    shown, own = (body.get("MaHoSo"), body.get("TrangThaiHoSo")), (anonymous.code, anonymous.view.status)
    assert shown == own, f"the lookup shows MaHoSo/TrangThaiHoSo {shown}; the SUT's own view is {own}"


@pytest.mark.req("TT01-D16-LOOKUP-ANONYMOUS", "ND61-D25-K4")
def test_anyone_sees_no_personal_data(anonymous: Lookup) -> None:
    assert anonymous.answer.status_code == 200, f"the lookup answered HTTP {anonymous.answer.status_code}"
    leaks = anonymous.leaks()
    assert not leaks, (
        f"GET /api/lookup/{anonymous.code} without signing in shows personal data or the dossier's content: "
        + ", ".join(leaks)
        + " — show only the code and the status"
    )


# --- the owner, signed in, and somebody else -------------------------------------------------------------


@dataclass
class Owned:
    owner: Lookup
    stranger: Lookup
    anonymous: Lookup


@pytest.fixture(scope="module")
def owned(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[Owned]:
    require(dvc_env, "public_lookup", "sso")  # the owner signs in with the national SSO
    with signed_in(dvc_env, CITIZEN) as owner, signed_in(dvc_env, OTHER_CITIZEN) as stranger:
        code = owner.submit(online_body(random.Random(f"{dvc_seed}:lookup-owned")))
        dvc_env.driver.act(code, "receive")
        view = dvc_env.driver.view(code)
        personal = _account_data(CITIZEN)
        yield Owned(
            Lookup(code, view, _lookup(dvc_env, code, owner), personal),
            Lookup(code, view, _lookup(dvc_env, code, stranger), personal),
            Lookup(code, view, _lookup(dvc_env, code), personal),
        )


@pytest.mark.capability("public_lookup", "sso")
@pytest.mark.req("TT01-D16-LOOKUP-AUTHENTICATED")
def test_the_signed_in_owner_sees_the_history(owned: Owned) -> None:
    lookup = owned.owner
    assert lookup.answer.status_code == 200, f"the owner's lookup answered HTTP {lookup.answer.status_code}"
    history = lookup.body().get("history")
    expected = [step.status for step in lookup.view.history]
    assert isinstance(history, list) and all(isinstance(step, dict) for step in history), (
        f"the signed-in owner's lookup of {lookup.code} must carry its processing history (history: an array of "
        f"steps); got {str(history)[:200]}"
    )
    shown = [step.get("TrangThai") for step in history]
    assert shown == expected, f"the owner's lookup shows the steps {shown}; the SUT's own history is {expected}"
    without = [index for index, step in enumerate(history) if "PhongBan" not in step]
    assert not without, f"steps {without} of the owner's history do not say which department (PhongBan) holds it"


@pytest.mark.capability("public_lookup", "sso")
@pytest.mark.req("TT01-D16-LOOKUP-ANONYMOUS", "ND61-D25-K4")
@pytest.mark.parametrize("who", ["anonymous", "stranger"])
def test_nobody_else_sees_the_owners_data(who: str, owned: Owned) -> None:
    lookup: Lookup = getattr(owned, who)
    described = "without signing in" if who == "anonymous" else "signed in as another citizen"
    assert lookup.answer.status_code == 200, (
        f"anyone may look a dossier up: the lookup {described} answered HTTP {lookup.answer.status_code}"
    )
    leaks = lookup.leaks()
    assert not leaks, f"GET /api/lookup/{lookup.code} {described} shows the owner's data: " + ", ".join(leaks)
