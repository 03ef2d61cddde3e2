"""The published procedure catalogue over real HTTP: every procedure the mock's national catalogue holds, with
its code, field, processing times and the service level DVCQG gives it (LayDVC), filterable; the defect
switch `catalogue-without-level` drops the level."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.requirements import load_catalogue as load_requirements
from mock_portal.dvcqg.catalogue import load_catalogue
from mock_portal.server import RunningMock
from reference_portal.catalogue_feature import FEATURE as CATALOGUE
from reference_portal.config import PortalConfig
from reference_portal.defects import defect_catalogue
from reference_portal.features import default_features
from reference_portal.server import running_portal

#: what the mock serves: code → (name, field code, MUCDO)
NATIONAL = {
    code: (p.detail["TENTTHC"], p.detail["LINHVUCTHUCHIEN"][0]["MALINHVUC"], p.level)
    for code, p in load_catalogue().procedures.items()
}

Publishing = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def publishing(national: RunningMock, admin: httpx.Client, tmp_path: Path) -> Publishing:
    """A portal with the catalogue feature (whether or not features.py lists it yet), once its start-up
    pull of the national catalogue has finished."""

    @contextmanager
    def start(defects: frozenset[str] = frozenset()) -> Iterator[httpx.Client]:
        features = default_features()
        if all(f.name != CATALOGUE.name for f in features):
            features.append(CATALOGUE)
        config = PortalConfig(port=0, national_url=national.url, db=str(tmp_path / "portal.sqlite"), defects=defects)
        with running_portal(config, features=features) as sut, httpx.Client(base_url=sut.url, timeout=15) as client:
            deadline = time.monotonic() + 15
            while client.get("/api/procedures").json()["total"] < len(NATIONAL):
                assert time.monotonic() < deadline, "the catalogue was not pulled at start"
                time.sleep(0.05)
            yield client

    return start


def listing(client: httpx.Client, **params: str) -> list[dict[str, Any]]:
    answer = client.get("/api/procedures", params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["procedures"])
    procedures: list[dict[str, Any]] = body["procedures"]
    return procedures


def test_every_procedure_is_published_with_its_service_level(publishing: Publishing) -> None:
    with publishing() as client:
        published = {p["MaTTHC"]: p for p in listing(client)}
        health = client.get("/_control/health", headers={"authorization": "Bearer demo-control"}).json()
    assert "catalogue" in health["capabilities"]
    assert set(published) == set(NATIONAL)
    for code, (name, field, level) in NATIONAL.items():
        view = published[code]
        assert (view["TenTTHC"], view["MaLinhVuc"], view["MucDo"]) == (name, field, level)
        assert view["MucDoDichVu"] == {4: "toàn trình", 3: "một phần"}[level]
        assert view["ThoiGianGiaiQuyet"]["1"] > 0
    assert published["1.001193"]["ThoiGianGiaiQuyet"] == {"1": 1.0, "2": 1.0, "3": 1.0}


def test_procedures_can_be_found_by_field_level_and_words(publishing: Publishing) -> None:
    with publishing() as client:
        full_online = listing(client, MucDo="4")
        assert {p["MaTTHC"] for p in full_online} == {c for c, (_, _, level) in NATIONAL.items() if level == 4}
        civil = listing(client, MaLinhVuc="G09-TP01")
        assert civil and {p["MaTTHC"] for p in civil} == {c for c, (_, f, _) in NATIONAL.items() if f == "G09-TP01"}
        births = {p["MaTTHC"] for p in listing(client, q="khai sinh")}
        assert (
            births
            == {p["MaTTHC"] for p in listing(client, q="KHAI SINH")}
            == {c for c, (name, _, _) in NATIONAL.items() if "khai sinh" in name.lower()}
        )
        assert "1.001193" in births
        assert listing(client, q="không có thủ tục này") == []
        for bad in ({"MucDo": "5"}, {"MucDo": "toàn trình"}, {"q": "x" * 201}):
            assert client.get("/api/procedures", params=bad).status_code == 422, bad


def test_one_procedure_by_code(publishing: Publishing) -> None:
    with publishing() as client:
        one = client.get("/api/procedures/1.001193")
        assert one.status_code == 200 and one.json()["MucDo"] == NATIONAL["1.001193"][2]
        local = client.get("/api/procedures/1.001193.000.00.00.H56")  # the locally applied form
        assert local.status_code == 200 and local.json()["MaTTHC"] == "1.001193"
        unknown = client.get("/api/procedures/9.999999")
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
        for bad in ("abc", "1.00119", "1.001193;DROP", "%00"):
            assert client.get(f"/api/procedures/{bad}").status_code == 422, bad


def test_catalogue_without_level(publishing: Publishing) -> None:
    with publishing(frozenset({"catalogue-without-level"})) as client:
        published = listing(client)
        one = client.get("/api/procedures/1.001193").json()
    assert len(published) == len(NATIONAL)
    assert all("MucDo" not in p and "MucDoDichVu" not in p for p in [*published, one])


def test_the_defect_switches_tested_here_name_catalogued_requirements() -> None:
    requirements = load_requirements()
    for defect_id in ("catalogue-without-level",):
        named = defect_catalogue()[defect_id].requirements
        assert named and all(r in requirements for r in named), (defect_id, named)
