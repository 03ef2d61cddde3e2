"""The evidence store's write path: the SQLite writer process, its failure, and the lean DVCQG entries."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from mock_portal.config import MockConfig
from mock_portal.evidence import EvidenceStore, Exchange
from mock_portal.evidence.committers import ProcessCommitter
from mock_portal.evidence.sqlite_writer import FRAME_ROWS
from mock_portal.testing import InProcessMock
from tests.mock.evidence_helpers import record_burst


def test_a_batch_larger_than_a_frame_is_committed_whole_and_read_back(tmp_path: Path) -> None:
    store = EvidenceStore(f"sqlite:///{tmp_path / 'evidence.db'}")
    try:
        assert isinstance(store._committer, ProcessCommitter)  # a file store has a writer process
        count = FRAME_ROWS * 2 + 7
        record_burst(store, count, b"\x00binary\xff")  # one loop iteration: one batch, three frames
        assert store.rows == count and store.commits < count
        assert store.count() == count  # acknowledged means readable at once, from another connection
        found = store.query(ma_ho_so="000.00.12.H56-240315-0300")
        assert len(found) == 1 and found[0].request_body == b"\x00binary\xff"
    finally:
        store.close()
    reopened = EvidenceStore(f"sqlite:///{tmp_path / 'evidence.db'}")
    try:
        assert reopened.count() == count
    finally:
        reopened.close()


def test_successive_event_loops_share_one_store(tmp_path: Path) -> None:
    store = EvidenceStore(f"sqlite:///{tmp_path / 'evidence.db'}")
    try:
        record_burst(store, 5, b"{}")  # asyncio.run: a loop that is closed afterwards
        record_burst(store, 5, b"{}")  # a new loop takes over reading the writer's replies
        assert store.count() == 10
    finally:
        store.close()


def test_closing_commits_what_was_queued(tmp_path: Path) -> None:
    store = EvidenceStore(f"sqlite:///{tmp_path / 'evidence.db'}")

    async def close_while_queued() -> None:
        committed = store.record(Exchange("inbound", "dvcqg", "POST", "/dvcqg/integration"))
        store.close()  # queued, not yet sent to the writer
        await committed  # committed on the way out, and its waiter told so

    asyncio.run(close_while_queued())
    reopened = EvidenceStore(f"sqlite:///{tmp_path / 'evidence.db'}")
    try:
        assert reopened.count() == 1
    finally:
        reopened.close()


def test_without_its_writer_the_mock_acknowledges_nothing(tmp_path: Path) -> None:
    mock = InProcessMock(MockConfig(store=f"sqlite:///{tmp_path / 'evidence.db'}"))
    try:
        auth = ("POST", f"{mock.base_url}/dvcqg/auth", [("content-type", "application/json")])
        status, _, _ = mock.handle(*auth, b'{"username": "demo", "password": "demo"}')
        assert status == 200
        committer = mock.app.mock.store._committer
        assert isinstance(committer, ProcessCommitter)
        committer._process.kill()
        committer._process.wait()
        for _ in range(2):  # the one in flight when the writer died, and any after
            status, _, body = mock.handle(*auth, b'{"username": "demo", "password": "demo"}')
            assert status == 503
            assert "evidence store unavailable" in orjson.loads(body)["message"]
        assert mock.app.mock.store.count() == 1
    finally:
        mock.close()


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/dvcqg/auth", b'{"username": "demo", "password": "demo"}', "application/json"),
        ("/dvcqg/auth", b'{"username": "demo", "password": "wrong"}', "application/json"),
        ("/dvcqg/integration", b"{not json", "application/json"),
        ("/dvcqg/integration", b"", "application/json"),
        ("/dvcqg/integration", b'{"service": "DongBoHoSoMC"}', "application/json"),
        ("/dvcqg/share", b'{"a": 1}', "text/plain"),
        ("/dvcqg/share", b"[1, 2]", "application/json"),
    ],
)
def test_the_lean_entry_answers_as_the_starlette_endpoint(path: str, body: bytes, content_type: str) -> None:
    mock = InProcessMock()
    try:
        lean = mock.handle("POST", mock.base_url + path, [("content-type", content_type)], body)
        mock.app.lean = {}  # the same request through the router, Request and Response
        routed = mock.handle("POST", mock.base_url + path, [("content-type", content_type)], body)
        assert lean[0] == routed[0]
        assert dict(lean[1]) == dict(routed[1])
        if b"session" in lean[2]:  # a new token each time
            assert orjson.loads(lean[2]).keys() == orjson.loads(routed[2]).keys()
        else:
            assert lean[2] == routed[2]
        rows = mock.app.mock.store.query()
        assert [(r.status, r.verdict, r.rules, r.service) for r in rows[:1]] == [
            (r.status, r.verdict, r.rules, r.service) for r in rows[1:]
        ]
    finally:
        mock.close()


def test_acknowledged_exchanges_survive_killing_the_mock_and_its_writer(tmp_path: Path) -> None:
    """SIGKILL to the server and its writer process at once (no chance to flush anything): every
    request that got an answer is in the store when it is opened again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from mock_portal.server import free_port

    port = free_port()
    database = tmp_path / "evidence.db"
    (tmp_path / "crash_app.py").write_text(
        "from mock_portal.app import create_app\nfrom mock_portal.config import MockConfig\n"
        f"app = create_app(MockConfig(port={port}, store='sqlite:///{database}'))\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "crash_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{tmp_path}"},
        start_new_session=True,  # one process group: the server and its writer
    )
    acknowledged = 0
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/_admin/health", timeout=0.5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the mock did not start"
                time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(30):
                answer = client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"})
                assert answer.status_code == 200
                acknowledged += 1
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    store = EvidenceStore(f"sqlite:///{database}")
    try:
        assert len(store.query(service="auth")) == acknowledged
    finally:
        store.close()
