"""Hostile and malformed input never produces a 5xx and never changes state; schemathesis agrees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import invalid_packets
from mock_portal.config import MockConfig
from mock_portal.server import RunningMock, running_mock

ADMIN = {"Authorization": "Bearer demo-admin"}
POST_ENDPOINTS = [
    "/dvcqg/auth",
    "/dvcqg/integration",
    "/dvcqg/share",
    "/dvcqg/adapter/DongBoHoSoMC?MaDinhDanhDV=000.00.00.H56",
    "/dvcqg/adapter/CapNhatTienDoHoSoMC?MaDinhDanhDV=000.00.00.H56",
    "/payment/init",
    "/payment/query",
    "/payment/getbill",
    "/sso/oauth2/token",
    "/sso/oauth2/introspect",
    "/sso/oauth2/revoke",
]
ENVELOPE_KEYS = [
    "session",
    "madonvi",
    "service",
    "isUpdating",
    "data",
    "mahoso",
    "maTTHC",
    "LoaiBanTin",
    "MaXacThuc",
    "SoTien",
    "MaThamChieu",
    "grant_type",
    "code",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
envelope_like = st.dictionaries(st.sampled_from(ENVELOPE_KEYS), json_values, max_size=6)


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig()) as running:
        yield running


@pytest.fixture(scope="module")
def client(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        yield http


def session(client: httpx.Client) -> str:
    answer = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
    return str(answer["session"])


def known(client: httpx.Client, token: str, code: str) -> bool:
    answer = client.post(
        "/dvcqg/integration",
        json={"session": token, "madonvi": "000.00.00.H56", "service": "TraCuuHoSo", "mahoso": code},
    ).json()
    return bool(answer.get("result"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    endpoint=st.sampled_from(POST_ENDPOINTS),
    body=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: httpx.Request("POST", "/", json=v).read()),
        envelope_like.map(lambda v: httpx.Request("POST", "/", json=v).read()),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]),
)
def test_malformed_bodies_never_5xx(client: httpx.Client, endpoint: str, body: bytes, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(endpoint, content=body, headers=headers)
    assert response.status_code < 500, (endpoint, body[:100], response.text[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=invalid_packets("DongBoHoSoMC", "strict"))
def test_rejected_dossier_packets_change_nothing(client: httpx.Client, case: Any) -> None:
    token = session(client)
    packet = case.packet
    # a live session and the account's agency, unless the case breaks that very key (an empty session...)
    if isinstance(packet, dict) and "session" in packet and case.pointer != "/session":
        packet["session"] = token
    broken_agency = case.rule == "CODE-AGENCY" or case.pointer == "/madonvi"
    if isinstance(packet, dict) and packet.get("madonvi") is not None and not broken_agency:
        packet["madonvi"] = "000.00.00.H56"
    codes = (
        [d.get("MaHoSo") for d in (packet.get("data") or []) if isinstance(d, dict)]
        if isinstance(packet, dict) and isinstance(packet.get("data"), list)
        else []
    )
    codes = [c for c in codes if isinstance(c, str)]
    before = {c: known(client, token, c) for c in codes}
    response = client.post("/dvcqg/integration", json=packet)
    assert response.status_code == 200
    answer = response.json()
    assert answer["error_code"] != 0, (case.rule, answer)
    assert {c: known(client, token, c) for c in codes} == before


def test_schemathesis_finds_no_server_error(mock: RunningMock) -> None:
    """Every operation of the mock's own OpenAPI document, fuzzed by schemathesis: never a 5xx."""
    schema = schemathesis.openapi.from_url(f"{mock.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    for operation in operations:

        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            headers = ADMIN if case.path.startswith("/_admin") else None
            response = case.call(headers=headers, timeout=15)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        check()
    assert not failures, failures
