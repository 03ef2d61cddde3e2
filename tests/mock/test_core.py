"""The mock's core over real HTTP: evidence (durable, queryable, redacted), faults, limits, admin, OpenAPI."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import orjson
import pytest

from mock_portal.config import MockConfig, load_config
from mock_portal.evidence import EvidenceStore
from mock_portal.server import RunningMock, running_mock
from tests.mock.evidence_helpers import record_burst

ADMIN = {"Authorization": "Bearer demo-admin"}


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig(max_body_bytes=64_000)) as running:
        yield running


@pytest.fixture
def client(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        http.post("/_admin/reset", headers=ADMIN)
        yield http


def exchanges(client: httpx.Client, **params: str) -> list[dict[str, object]]:
    response = client.get("/_admin/exchanges", params=params, headers=ADMIN)
    assert response.status_code == 200
    rows: list[dict[str, object]] = response.json()
    return rows


def test_every_request_is_evidence_and_secrets_are_redacted(client: httpx.Client) -> None:
    client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"})
    client.post("/dvcqg/auth", json={"username": "demo", "password": "wrong-password"})
    rows = exchanges(client)
    assert len(rows) == 2
    for row in rows:
        request = row["request"]
        assert isinstance(request, dict)
        assert request["body"]["password"] == "***"  # type: ignore[index]
        assert row["direction"] == "inbound" and row["channel"] == "dvcqg"
    body = rows[0]["response"]["body"]  # type: ignore[index]
    assert body.get("session") in ("***", None)
    export = client.get("/_admin/exchanges.ndjson", headers=ADMIN)
    lines = [orjson.loads(line) for line in export.content.splitlines()]
    assert len(lines) >= 2 and b"wrong-password" not in export.content


def test_admin_needs_the_token(client: httpx.Client) -> None:
    assert client.get("/_admin/exchanges").status_code == 401
    assert client.get("/_admin/exchanges", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/_admin/health").json()["status"] == "ok"


def test_oversized_body_is_413_in_the_national_envelope_and_recorded(client: httpx.Client) -> None:
    response = client.post(
        "/dvcqg/integration", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error_code"] != 0 and "limit" in response.json()["message"]
    assert [row["status"] for row in exchanges(client)] == [413]


def test_http_status_fault_fires_count_times_then_stops(client: httpx.Client) -> None:
    added = client.post(
        "/_admin/faults", json={"kind": "http_status", "status": 503, "count": 2, "path": "/dvcqg/auth"}, headers=ADMIN
    )
    assert added.status_code == 201
    statuses = [client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    rows = exchanges(client)
    assert [r["rules"] for r in rows][:2] == [["FAULT:http_status#" + str(added.json()[0]["id"])]] * 2


def test_error_code_fault_answers_in_the_envelope(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"kind": "error_code", "error_code": -3, "count": 1}, headers=ADMIN)
    answer = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
    assert answer["error_code"] == -3 and "session" not in answer


def test_latency_fault_delays_and_scopes_by_service(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"kind": "latency", "latency_ms": 400, "service": "TraCuuHoSo"}, headers=ADMIN)
    client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"})
    assert client.get("/_admin/faults", headers=ADMIN).json()[0]["fired"] == 0  # another service: untouched
    started = time.monotonic()
    client.post(
        "/dvcqg/integration",
        json={
            "session": "x",
            "madonvi": "000.00.00.H56",
            "service": "TraCuuHoSo",
            "mahoso": "000.00.12.H56-240315-0001",
        },
    )
    assert time.monotonic() - started >= 0.4  # a lower bound set by the fault's own sleep
    assert client.get("/_admin/faults", headers=ADMIN).json()[0]["fired"] == 1


def test_probability_zero_never_fires_and_faults_can_be_listed_and_cleared(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"kind": "http_status", "status": 500, "probability": 0.0}, headers=ADMIN)
    assert all(
        client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).status_code == 200 for _ in range(5)
    )
    assert len(client.get("/_admin/faults", headers=ADMIN).json()) == 1
    client.delete("/_admin/faults", headers=ADMIN)
    assert client.get("/_admin/faults", headers=ADMIN).json() == []


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "nonsense"},
        {"kind": "latency"},
        {"kind": "http_status", "status": 418},
        {"kind": "latency", "latency_ms": 1, "probability": 2},
        {"kind": "latency", "latency_ms": 1, "colour": "red"},
    ],
)
def test_bad_fault_rules_are_refused_with_a_clear_message(client: httpx.Client, rule: dict[str, object]) -> None:
    response = client.post("/_admin/faults", json=rule, headers=ADMIN)
    assert response.status_code == 400 and response.json()["message"]
    assert client.get("/_admin/faults", headers=ADMIN).json() == []


def test_dropped_connection_fault_is_a_transport_error_and_still_evidence(client: httpx.Client) -> None:
    client.post("/_admin/faults", json={"kind": "drop", "count": 1}, headers=ADMIN)
    with pytest.raises(httpx.TransportError):
        client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"})
    rows = exchanges(client)
    assert rows[0]["error"] == "connection dropped by fault"


def test_openapi_document_and_schema_files_are_served(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    for path in ("/dvcqg/auth", "/dvcqg/integration", "/payment/init", "/sso/oauth2/token", "/_admin/kpi"):
        assert path in document["paths"]
    component = document["components"]["schemas"]["DongBoHoSoMC"]
    assert component["x-schema-file"] == "/schemas/dvcqg/DongBoHoSoMC.request.schema.json"
    assert "$ref" not in orjson.dumps(component).decode()  # self-contained
    assert client.get(component["x-schema-file"]).json()["$id"].endswith("DongBoHoSoMC.request.schema.json")
    assert client.get("/schemas/../pyproject.toml").status_code == 404


def test_evidence_store_group_commits_and_survives_reopen(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "evidence.db"
    store = EvidenceStore(f"sqlite:///{path}")

    record_burst(store, 200, b'{"session": "s3cret"}')
    assert store.rows == 200 and store.commits < 200  # shared commits
    store.close()
    reopened = EvidenceStore(f"sqlite:///{path}")
    try:
        assert reopened.count() == 200
        found = reopened.query(ma_ho_so="000.00.12.H56-240315-0042")
        assert len(found) == 1 and found[0].request_body == b'{"session": "s3cret"}'  # raw in the store
    finally:
        reopened.close()


def test_configuration_file_environment_and_flags(tmp_path: object) -> None:
    from pathlib import Path

    from harness.core.errors import UsageError

    config_file = Path(str(tmp_path)) / "mock.toml"
    config_file.write_text(
        'port = 9001\nprofile = "lenient"\n[[accounts]]\nusername = "hn"\npassword = "p"\nprovince = "H01"\n',
        encoding="utf-8",
    )
    config = load_config(str(config_file), env={"DVC_MOCK_SESSION_TTL_S": "30"}, port=9002)
    assert (config.port, config.profile, config.session_ttl_s) == (9002, "lenient", 30.0)
    assert config.accounts[0].province == "H01"
    config_file.write_text("port = [", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config(str(config_file))
    with pytest.raises(UsageError, match="profile"):
        load_config(None, env={"DVC_MOCK_PROFILE": "sloppy"})
