"""The national DVCQG state lives in the evidence store's database: what the mock acknowledged (synced
dossiers with their history and progress, the other write services' packets) is there after a restart on
the same SQLite file or PostgreSQL database, gone with the memory store, and cleared by `/_admin/reset`.

The PostgreSQL variant runs when DVC_TEST_POSTGRES_URL names a throwaway database (each test in a schema
of its own, so that it does not meet tests/mock/test_evidence_postgres.py running beside it)."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_portal.config import MockConfig
from mock_portal.evidence import EvidenceStore, Exchange
from mock_portal.server import RunningMock, running_mock

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples" / "packets"
ADMIN = {"Authorization": "Bearer demo-admin"}
AGENCY = "000.00.00.H56"
POSTGRES = os.environ.get("DVC_TEST_POSTGRES_URL")
WRITE_SERVICES = ("DongBoTrangThaiHoSo", "DongBoDanhGia", "DongBoThongKeHoSo", "DongBoHoiDap")
BATCH = json.loads((GOLDEN / "DongBoHoSoMC.opencps-batch.json").read_text(encoding="utf-8"))
CODE = BATCH["data"][0]["MaHoSo"]  # status 2, received 2024-03-15


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES, reason="set DVC_TEST_POSTGRES_URL")),
    ]
)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/national.sqlite"
        return
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    import psycopg

    assert POSTGRES
    schema = f"dvc_durable_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield POSTGRES + ("&" if "?" in POSTGRES else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# --- helpers ----------------------------------------------------------------------------------------


def login(client: httpx.Client) -> str:
    answer = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()
    assert answer["error_code"] == 0, answer
    return str(answer["session"])


def post(client: httpx.Client, body: Any) -> dict[str, Any]:
    response = client.post("/dvcqg/integration", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def synced(client: httpx.Client, token: str, status: str = "2", updating: str = "False") -> dict[str, Any]:
    """The first dossier of the batch golden, in `status`."""
    packet = copy.deepcopy(BATCH) | {"session": token, "isUpdating": updating}
    item = packet["data"][0]
    item["TrangThaiHoSo"] = status
    if status in ("3", "7", "8", "9", "10"):
        item["NgayKetThucXuLy"] = item.get("NgayKetThucXuLy") or "20240320100000"
    packet["data"] = [item]
    return post(client, packet)


def lookup(client: httpx.Client, token: str, code: str = CODE) -> list[dict[str, Any]]:
    answer = post(client, {"session": token, "madonvi": AGENCY, "service": "TraCuuHoSo", "mahoso": code})
    assert answer["error_code"] == 0, answer
    return list(answer["result"])


def example(name: str, token: str) -> dict[str, Any]:
    packet: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return packet | {"session": token}


def golden(name: str, token: str, **changes: Any) -> dict[str, Any]:
    packet: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return packet | {"session": token, **changes}


def dvcqg(mock: RunningMock) -> Any:
    return mock.app.mock.channels["dvcqg"]


def snapshot(mock: RunningMock) -> dict[str, Any]:
    """Everything the DVCQG channel keeps but sessions."""
    channel = dvcqg(mock)
    services = (*WRITE_SERVICES, "DongBoKetQuaHoiDapGuiTuDVCQG")
    return {
        "dossiers": {record.code: record.to_dict() for record in channel.dossiers.records()},
        "received": {service: [entry.data for entry in channel.received.of(service)] for service in services},
    }


# --- tests ------------------------------------------------------------------------------------------


def test_acknowledged_state_answers_after_a_restart(store_url: str) -> None:
    config = MockConfig(store=store_url)
    with running_mock(config) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        assert dvcqg(mock).dossiers.records() == []
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        assert synced(client, token, "4", "True")["error_code"] == 0
        rest = golden("DongBoHoSoMC.opencps-batch", token, isUpdating="False")
        rest["data"] = rest["data"][1:]  # a packet of several dossiers: each keeps its own JSON
        assert post(client, rest)["error_code"] == 0
        assert post(client, golden("DongBoHoSoMC.extended", token, isUpdating="False"))["error_code"] == 0
        assert post(client, golden("CapNhatTienDoHoSoMC", token))["error_code"] == 0  # progress: meta only
        for service in (*WRITE_SERVICES, "DongBoKetQuaHoiDapGuiTuDVCQG"):
            assert post(client, example(service, token))["error_code"] == 0, service
        question = {"session": token, "madonvi": AGENCY, "service": "LayNoiDungTraLoiTheoCauHoi", "cauhoiid": 184601}
        answers = post(client, question)["result"]
        before = snapshot(mock)
    assert len(before["dossiers"]) == 4

    with running_mock(config) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        assert snapshot(mock) == before
        stale = post(client, {"session": token, "madonvi": AGENCY, "service": "TraCuuHoSo", "mahoso": CODE})
        assert stale["error_code"] != 0 and "SESSION:unknown" in _rules(client)  # sessions are volatile
        token = login(client)
        assert lookup(client, token)[0]["TrangThaiHoSo"] == "4"
        assert post(client, question | {"session": token})["result"] == answers  # same TRALOIID numbering
        again = synced(client, token)
        assert again["error_code"] != 0 and "đã tồn tại" in again["message"]
        assert synced(client, token, "9", "True")["error_code"] == 0  # the restored status follows the graph

    with running_mock(config) as mock, httpx.Client(base_url=mock.url, timeout=10) as client:
        record = dvcqg(mock).dossiers.get(CODE)
        assert [h.status for h in record.history] == ["2", "4", "9"] and record.syncs == 3
        assert lookup(client, login(client))[0]["TrangThaiHoSo"] == "9"


def _rules(client: httpx.Client) -> list[str]:
    rows = client.get("/_admin/exchanges", params={"service": "TraCuuHoSo"}, headers=ADMIN).json()
    return [rule for row in rows for rule in row["rules"]]


def test_an_acknowledged_dossier_is_in_the_file_before_its_answer_leaves(tmp_path: Path) -> None:
    path = tmp_path / "national.sqlite"
    with running_mock(MockConfig(store=f"sqlite:///{path}")) as mock, httpx.Client(base_url=mock.url) as client:
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        with sqlite3.connect(path) as conn:  # the mock is still running: nothing was flushed at stop
            rows = conn.execute(
                "SELECT s.key, s.meta, s.body, e.service, e.request_body FROM national_state s "
                "JOIN exchanges e ON e.seq = s.ref WHERE s.kind = 'dvcqg.dossier'"
            ).fetchall()
    ((key, meta, body, service, packet),) = rows
    assert key == CODE and json.loads(meta)["status"] == "2"
    # a packet of one dossier is stored once: the state row names its exchange instead of a copy
    assert body is None and service == "DongBoHoSoMC" and json.loads(packet)["data"][0]["MaHoSo"] == CODE


def test_clearing_the_evidence_alone_keeps_the_dossiers_whole(tmp_path: Path) -> None:
    config = MockConfig(store=f"sqlite:///{tmp_path}/national.sqlite")
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        before = snapshot(mock)
        mock.app.mock.store.clear()  # the state rows borrowing an exchange's body get their own copy
        assert mock.app.mock.store.count() == 0
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        assert snapshot(mock) == before
        assert lookup(client, login(client))[0]["MaHoSo"] == CODE


def test_a_refused_packet_stores_no_state(tmp_path: Path) -> None:
    config = MockConfig(store=f"sqlite:///{tmp_path}/national.sqlite")
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        batch = golden("DongBoHoSoMC.opencps-batch", token, isUpdating="False")  # its first dossier: a duplicate
        assert post(client, batch)["error_code"] != 0
    with running_mock(config) as mock:
        assert [record.code for record in dvcqg(mock).dossiers.records()] == [CODE]


@pytest.mark.parametrize("store", ["sqlite:///:memory:", "memory"])
def test_the_memory_store_is_volatile(store: str) -> None:
    config = MockConfig(store=store)
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        assert not mock.app.mock.store.durable
        token = login(client)
        assert synced(client, token)["error_code"] == 0 and len(lookup(client, token)) == 1
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        assert lookup(client, login(client)) == []


def test_reset_clears_the_durable_state_and_keeps_evidence_on_request(store_url: str) -> None:
    config = MockConfig(store=store_url)
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        token = login(client)
        assert synced(client, token)["error_code"] == 0
        assert post(client, example("DongBoDanhGia", token))["error_code"] == 0
        assert client.post("/_admin/reset", params={"evidence": "keep"}, headers=ADMIN).json() == {"reset": True}
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        assert snapshot(mock)["dossiers"] == {} and dvcqg(mock).received.of("DongBoDanhGia") == []
        services = [row["service"] for row in client.get("/_admin/exchanges", headers=ADMIN).json()]
        assert "DongBoHoSoMC" in services  # ?evidence=keep kept the evidence
        token = login(client)
        assert lookup(client, token) == []
        assert synced(client, token)["error_code"] == 0  # not a duplicate any more
        assert post(client, example("DongBoDanhGia", token))["error_code"] == 0
        client.post("/_admin/reset", headers=ADMIN)
    with running_mock(config) as mock, httpx.Client(base_url=mock.url) as client:
        assert snapshot(mock)["dossiers"] == {} and dvcqg(mock).received.of("DongBoDanhGia") == []
        assert client.get("/_admin/exchanges", headers=ADMIN).json() == []


def test_state_rows_borrow_the_body_of_their_own_exchange(tmp_path: Path) -> None:
    """Each "put" whose body is an exchange's request body names that exchange, whatever its place in the
    batch; a batch too large for one frame to the writer stores copies instead."""
    path = tmp_path / "state.sqlite"
    store = EvidenceStore(f"sqlite:///{path}")

    async def burst(prefix: str, count: int) -> None:
        futures = []
        for i in range(count):  # one loop iteration: one batch
            body = f'{{"packet": "{prefix}{i}"}}'.encode()
            store.stage(("put", "test", f"{prefix}{i:03d}", "{}", body))
            futures.append(store.record(Exchange("inbound", "dvcqg", "POST", "/dvcqg/integration", request_body=body)))
        await asyncio.gather(*futures)

    try:
        asyncio.run(burst("a", 5))
        asyncio.run(burst("b", 300))  # over sqlite_writer.FRAME_ROWS
        loaded = store.load_state("test")
    finally:
        store.close()
    assert [(key, body) for key, _, body in loaded] == [
        (f"{prefix}{i:03d}", f'{{"packet": "{prefix}{i}"}}'.encode()) for prefix, count in (("a", 5), ("b", 300))
        for i in range(count)
    ]  # fmt: skip
    with sqlite3.connect(path) as conn:
        kinds = dict(
            conn.execute("SELECT substr(key, 1, 1), count(*) FROM national_state WHERE ref IS NULL GROUP BY 1")
        )
    assert kinds == {"b": 300}  # the first batch by reference, the large one copied
