"""The portal's shiftable clock (capability `clock`): `POST /_control/clock` moves everything the portal stamps,
`{"at": null}` and `/_control/reset` go back to real time, and bad input is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from reference_portal.calendar import VIETNAM
from reference_portal.server import RunningPortal
from reference_portal.sync.packets import twelve_hour, utc_as_local
from tests.reference.conftest import dossier_request


def shift(control: httpx.Client, at: str | None) -> httpx.Response:
    return control.post("/_control/clock", json={"at": at})


def test_a_shifted_clock_moves_codes_and_times_and_resets(sut: RunningPortal, control: httpx.Client) -> None:
    tomorrow = (datetime.now(VIETNAM) + timedelta(days=1)).replace(hour=0, minute=0, second=30)
    at = tomorrow.strftime("%Y%m%d%H%M%S")
    shifted = shift(control, at)
    assert shifted.status_code == 200, shifted.text
    assert shifted.json()["now"][:12] == at[:12] and shifted.json()["offset_s"] > 0
    created = control.post("/_control/dossiers", json=dossier_request())
    assert created.status_code == 201, created.text
    code = created.json()["MaHoSo"]
    record = control.get(f"/_control/dossiers/{code}").json()["record"]
    assert code.split("-")[1] == at[2:8] and record["NgayTiepNhan"][:12] == at[:12]
    assert control.get("/_control/clock").json()["offset_s"] > 0
    assert shift(control, None).json()["offset_s"] == 0
    shift(control, at)
    assert control.post("/_control/reset").status_code == 200
    assert control.get("/_control/clock").json()["offset_s"] == 0
    assert "clock" in control.get("/_control/health").json()["capabilities"]


@pytest.mark.parametrize(
    "body",
    [{"at": "2026-12-07 15:30"}, {"at": "20261332000000"}, {"at": 20261207153000}, {}, {"at": None, "x": 1}, []],
)
def test_bad_clock_bodies_are_refused(control: httpx.Client, body: object) -> None:
    assert control.post("/_control/clock", json=body).status_code == 422


def test_the_clock_moves_at_most_400_days_and_needs_the_token(sut: RunningPortal, control: httpx.Client) -> None:
    far = (datetime.now(VIETNAM) + timedelta(days=401)).strftime("%Y%m%d%H%M%S")
    assert shift(control, far).status_code == 422
    near = (datetime.now(VIETNAM) - timedelta(days=399)).strftime("%Y%m%d%H%M%S")
    assert shift(control, near).status_code == 200
    assert shift(control, None).status_code == 200
    assert httpx.post(f"{sut.url}/_control/clock", json={"at": None}).status_code == 401
    assert httpx.get(f"{sut.url}/_control/clock").status_code == 401


def test_the_clock_defects_write_well_formed_wrong_times() -> None:
    assert twelve_hour("20261207153000") == "20261207033000"
    assert twelve_hour("20261207093000") == "20261207093000"  # right every morning
    assert utc_as_local("20261207153000") == "20261207083000"
    assert utc_as_local("20261207033000") == "20261206203000"
