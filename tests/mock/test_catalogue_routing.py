"""The DVCQG service → endpoint routing of the mock comes from the packet catalogue
(`endpoint` in schemas/catalogue/packets.dvcqg-*.toml): the catalogue and the handlers agree both ways, and
over HTTP every service is served at the endpoint the catalogue names, and refused at the other."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harness.specs import load_catalogue
from mock_portal.dvcqg.handlers import ADAPTER_PREFIX, ADAPTER_SERVICES, HANDLERS, SERVICES, catalogue_endpoints
from mock_portal.dvcqg.routes import POST_PATHS
from mock_portal.openapi import build
from mock_portal.testing import InProcessMock

ENVELOPED = ("integration", "share")


def enveloped_services() -> dict[str, str]:
    """service → endpoint, for the catalogue's request types served in the {session, madonvi, service} envelope."""
    return {name: endpoint for name, endpoint in catalogue_endpoints().items() if endpoint in ENVELOPED}


def test_every_catalogue_service_has_a_handler() -> None:
    missing = sorted(set(enveloped_services()) - set(HANDLERS))
    assert not missing, f"catalogue services the mock has no handler for: {missing}"


def test_every_handled_service_is_routed_by_the_catalogue() -> None:
    unrouted = sorted(set(HANDLERS) - set(enveloped_services()))
    assert not unrouted, f"handlers whose service the catalogue does not route (no `endpoint`): {unrouted}"
    assert {name: endpoint for name, (endpoint, _) in SERVICES.items()} == enveloped_services()


def test_catalogue_endpoints_are_what_the_mock_serves() -> None:
    types = load_catalogue().types
    for name, endpoint in catalogue_endpoints().items():
        ptype = types[name]
        assert ptype.direction == "province-to-national", name
        if endpoint == "adapter":
            assert name.startswith(ADAPTER_PREFIX) and name.removeprefix(ADAPTER_PREFIX) in HANDLERS, name
        else:
            assert f"/dvcqg/{endpoint}" in POST_PATHS, (name, endpoint)
        if endpoint in ENVELOPED:  # the envelope's `service` names the type: detection and routing agree
            assert ptype.detect.get("service") == name, name
    assert {"DongBoHoSoMC", "CapNhatTienDoHoSoMC"} == set(ADAPTER_SERVICES)
    # every request type of the DVCQG family is routed (none forgotten in the catalogue)
    requests = {t.name for t in types.values() if t.family == "dvcqg" and t.direction == "province-to-national"}
    assert requests == set(catalogue_endpoints())


def test_openapi_lists_the_catalogue_routing() -> None:
    paths = build("http://mock")["paths"]
    for endpoint in ENVELOPED:
        body = paths[f"/dvcqg/{endpoint}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        listed = {ref["$ref"].rsplit("/", 1)[-1] for ref in body["oneOf"]}
        assert listed == {n for n, e in enveloped_services().items() if e == endpoint}, endpoint
    adapter = paths["/dvcqg/adapter/{service}"]["post"]["parameters"][0]["schema"]["enum"]
    assert adapter == list(ADAPTER_SERVICES)


# --- over HTTP (in process) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mock() -> Iterator[InProcessMock]:
    running = InProcessMock()
    yield running
    running.close()


def _post(mock: InProcessMock, path: str, body: dict[str, object]) -> dict[str, object]:
    status, _, answer = mock.handle("POST", f"{mock.base_url}{path}", [("content-type", "application/json")],
                                    json.dumps(body).encode())  # fmt: skip
    assert status == 200, (path, status, answer[:200])
    result: dict[str, object] = json.loads(answer)
    return result


@pytest.mark.parametrize(("service", "endpoint"), sorted(enveloped_services().items()))
def test_each_service_is_served_at_its_catalogue_endpoint_only(
    mock: InProcessMock, service: str, endpoint: str
) -> None:
    session = _post(mock, "/dvcqg/auth", {"username": "demo", "password": "demo"})["session"]
    envelope = {"session": session, "madonvi": "000.00.00.H56", "service": service}
    here = str(_post(mock, f"/dvcqg/{endpoint}", envelope)["message"])
    assert "unknown service" not in here and "use the" not in here, here  # routed (its validation may refuse)
    other = next(e for e in ENVELOPED if e != endpoint)
    there = _post(mock, f"/dvcqg/{other}", envelope)
    assert there["error_code"] != 0 and f"use the {endpoint} endpoint" in str(there["message"]), there
