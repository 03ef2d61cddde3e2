"""The PostgreSQL evidence store (for several mock workers). Runs when DVC_TEST_POSTGRES_URL names a
throwaway database (.ci/run starts one when PostgreSQL's binaries are on the machine)."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from mock_portal.config import MockConfig
from mock_portal.evidence import EvidenceStore
from mock_portal.server import running_mock
from tests.mock.evidence_helpers import record_burst

URL = os.environ.get("DVC_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="set DVC_TEST_POSTGRES_URL to a throwaway PostgreSQL database")


def test_postgres_store_commits_groups_and_queries() -> None:
    assert URL
    store = EvidenceStore(URL)
    try:
        asyncio.run(store.reset_async())

        record_burst(store, 100, b"\x00binary\xff")
        assert store.count() == 100 and store.commits < 100
        found = store.query(ma_ho_so="000.00.12.H56-240315-0007")
        assert len(found) == 1 and found[0].request_body == b"\x00binary\xff"
    finally:
        store.close()


def test_mock_records_to_postgres() -> None:
    assert URL
    with running_mock(MockConfig(store=URL)) as mock, httpx.Client(base_url=mock.url) as client:
        client.post("/_admin/reset", headers={"Authorization": "Bearer demo-admin"})
        client.post("/dvcqg/auth", json={"username": "demo", "password": "demo"})
        rows = client.get("/_admin/exchanges", headers={"Authorization": "Bearer demo-admin"}).json()
        assert [row["url"] for row in rows] == ["/dvcqg/auth"]
        assert rows[0]["request"]["body"]["password"] == "***"
