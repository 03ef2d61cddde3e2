"""Online submission by a citizen signed in with the national SSO (TT 22/2019 Điều 6 k1;
docs/reference/dvcqg-interfaces.md §12, §3.1): the dossier is the account's, and DVCQG learns so from MaDoiTuong = the
account's TechID in every
DongBoHoSoMC of that dossier.

The citizen submits through the SUT's `POST /api/dossiers`; the dossier is then received through the control
API so at least an insert and an update reach DVCQG. Driven once per module.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from harness.conformance import ConformanceEnvironment, ExchangeNotReceived, accepted, items
from suites.sso._browser import CITIZEN, online_body, require, signed_in

#: needs dossiers DVCQG accepts (suites/sync/test_prerequisite.py): blocked at once when they are refused
pytestmark = [pytest.mark.capability("sso"), pytest.mark.dvc_needs("dossier-sync")]


@dataclass
class OnlineDossier:
    code: str
    status: str
    rows: list[dict[str, Any]]

    def sent(self) -> list[dict[str, Any]]:
        return [item for row in self.rows for item in items(row)]


@pytest.fixture(scope="module")
def online(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[OnlineDossier]:
    require(dvc_env, "sso")
    driver, evidence = dvc_env.driver, dvc_env.evidence
    with signed_in(dvc_env, CITIZEN) as browser:
        code = browser.submit(online_body(random.Random(f"{dvc_seed}:sso-online")))
    driver.act(code, "receive")
    final = driver.view(code).status
    with contextlib.suppress(ExchangeNotReceived):  # the tests say what is missing
        evidence.wait_for(
            "DongBoHoSoMC",
            code,
            timeout=dvc_env.description.sync_delay_s,
            where=lambda row: accepted(row) and any(i.get("TrangThaiHoSo") == final for i in items(row)),
            nudge=driver.flush_sync,
        )
    yield OnlineDossier(code, final, evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code))


@pytest.mark.req("SSO-TECHID-OWNER")
def test_every_sync_of_an_online_dossier_carries_the_techid(online: OnlineDossier) -> None:
    assert any(accepted(row) for row in online.rows), (
        f"the online dossier {online.code} never reached DVCQG (no accepted DongBoHoSoMC)"
    )
    wrong = [
        f"seq {row['seq']} (TrangThaiHoSo {item.get('TrangThaiHoSo')}): MaDoiTuong {item.get('MaDoiTuong')!r}"
        for row in online.rows
        for item in items(row)
        if item.get("MaDoiTuong") != CITIZEN.tech_id
    ]
    assert not wrong, (
        f"DongBoHoSoMC of {online.code}, submitted online by the signed-in account with TechID "
        f"{CITIZEN.tech_id!r}, must carry that TechID as MaDoiTuong:\n" + "\n".join(wrong)
    )


@pytest.mark.req("SSO-USERINFO")
@pytest.mark.req(
    "TT22-D6-K1-A",
    partial="checks only that the applicant's name and ID number come from the signed-in account (SSO "
    "userinfo) into the synced dossier; prefilling the e-form from the population database or other data "
    "already held, and what the form shows, are not observed",
)
def test_an_online_dossier_names_the_signed_in_account(online: OnlineDossier) -> None:
    expected = {"ChuHoSo": CITIZEN.full_name, "SoGiayToChuHoSo": CITIZEN.citizen_id, "KenhThucHien": "2"}
    wrong = sorted(
        {
            f"{key}: {item.get(key)!r}, the account has {value!r}"
            for item in online.sent()
            for key, value in expected.items()
            if item.get(key) != value
        }
    )
    assert online.sent(), f"no DongBoHoSoMC of the online dossier {online.code} reached DVCQG"
    assert not wrong, (
        f"the online dossier {online.code} must be synced under the signed-in account (from userinfo), online:\n"
        + "\n".join(wrong)
    )
