"""Hostile input to the mock (issue 15): a packet of thousands of empty items is refused listing at most
`max_violations` violations and saying there are more; a large body is validated on a worker thread, not
on the event loop; an oversized chunked body is refused 413 without being kept. No wall-clock assertions."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import UsageError, ValidationResult
from harness.core.violations import TRUNCATED_TAG
from mock_portal.app import create_app
from mock_portal.config import MockConfig, load_config
from mock_portal.dvcqg import routes
from mock_portal.lean import LEAN_MAX_BYTES
from mock_portal.server import RunningMock, running_mock
from mock_portal.testing import asgi_post

ADMIN = {"Authorization": "Bearer demo-admin"}
CAP = 7
LIMIT = 64_000
AGENCY = "000.00.00.H56"
ADAPTER = f"/dvcqg/adapter/DongBoHoSoMC?MaDinhDanhDV={AGENCY}&isUpdating=False"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packets"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def mock() -> Iterator[RunningMock]:
    with running_mock(MockConfig(max_body_bytes=LIMIT, max_violations=CAP)) as running:
        yield running


@pytest.fixture
def http(mock: RunningMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mock.url, timeout=30) as client:
        assert client.post("/_admin/reset", headers=ADMIN).status_code == 200
        yield client


def session(http: httpx.Client) -> str:
    return str(http.post("/dvcqg/auth", json={"username": "demo", "password": "demo"}).json()["session"])


def empty_dossiers(token: str, count: int) -> dict[str, Any]:
    return {"session": token, "madonvi": AGENCY, "service": "DongBoHoSoMC", "isUpdating": "False", "data": [{}] * count}


def assert_capped_refusal(answer: dict[str, Any]) -> None:
    """error_code ≠ 0, CAP violations listed, and the count says more were found."""
    assert answer["error_code"] != 0
    message: str = answer["message"]
    assert f"{CAP} of more than {CAP} violations shown" in message.splitlines()[0]
    listed = [line for line in message.splitlines() if line.startswith("- [")]
    assert len(listed) == CAP
    assert "more" in message.splitlines()[-1]


def rows(http: httpx.Client, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = http.get("/_admin/exchanges", params=params, headers=ADMIN).json()
    return found


def test_a_packet_of_10000_empty_dossiers_is_refused_with_the_cap(http: httpx.Client) -> None:
    response = http.post("/dvcqg/integration", json=empty_dossiers(session(http), 10_000))
    assert response.status_code == 200
    assert_capped_refusal(response.json())
    row = rows(http, service="DongBoHoSoMC")[-1]
    assert row["verdict"] == "invalid" and "QCVN120-DOSSIER-REQUIRED" in row["rules"]
    assert row["rules"][-1] == TRUNCATED_TAG and len(row["rules"]) <= CAP + 1  # the suites see the cut


def test_a_refusal_within_the_cap_is_not_tagged(http: httpx.Client) -> None:
    packet = json.loads((GOLDEN / "DongBoHoSoMC.extended.json").read_text(encoding="utf-8"))
    packet["session"] = session(http)
    packet["data"][0]["TrangThaiHoSo"] = 9  # one violation: an integer where a string is expected
    answer = http.post("/dvcqg/integration", json=packet).json()
    assert answer["error_code"] != 0 and "(1 lỗi / violations)" in answer["message"]
    row = rows(http, service="DongBoHoSoMC")[-1]
    assert row["verdict"] == "invalid" and TRUNCATED_TAG not in row["rules"]


def test_the_adapter_form_without_a_session_is_capped_too(http: httpx.Client) -> None:
    response = http.post(ADAPTER, json=[{}] * 10_000)
    assert response.status_code == 200
    assert_capped_refusal(response.json())
    assert rows(http, service="DongBoHoSoMC")[-1]["verdict"] == "invalid"


def test_a_payment_packet_with_thousands_of_unknown_fields_is_capped(http: httpx.Client) -> None:
    packet = json.loads((EXAMPLES / "payment.INIT.json").read_text(encoding="utf-8"))
    packet.update({f"x{i}": "" for i in range(3_000)})
    answer = http.post("/payment/init", json=packet).json()
    assert answer["MaLoi"] != "00"
    assert answer["MoTaLoi"].count("[") <= CAP + 1 and "lỗi khác" in answer["MoTaLoi"]
    assert TRUNCATED_TAG in rows(http, service="INIT")[-1]["rules"]


def test_an_oversized_chunked_body_is_refused_413_and_recorded(http: httpx.Client) -> None:
    pulled = 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        nonlocal pulled
        for _ in range(64):
            pulled += 1
            yield b" " * 4096

    response = http.post("/dvcqg/integration", content=chunks(), headers={"content-type": "application/json"})
    assert pulled == 64 and LIMIT < 64 * 4096
    assert response.status_code == 413
    assert response.json()["error_code"] != 0 and "limit" in response.json()["message"]
    row = rows(http)[-1]
    assert row["status"] == 413


def test_max_violations_is_configurable_and_positive() -> None:
    assert load_config(env={"DVC_MOCK_MAX_VIOLATIONS": "12"}).max_violations == 12
    assert MockConfig().max_violations == 100
    with pytest.raises(UsageError, match="max_violations"):
        load_config(env={"DVC_MOCK_MAX_VIOLATIONS": "0"})


# --- where validation runs (in process: the test's thread runs the event loop) -----------------------


async def post(app: Any, path: str, body: bytes, query: bytes = b"") -> tuple[int, dict[str, Any]]:
    answer = await asgi_post(app, path, body, query=query)
    return answer.status, answer.json()


@pytest.fixture
def validating_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every validation the DVCQG endpoints run."""
    seen: list[int] = []
    original = routes._Endpoints._verdict

    def recording(self: Any, type_name: str, packet: Any, agency: str | None) -> ValidationResult:
        seen.append(threading.get_ident())
        return original(self, type_name, packet, agency)

    monkeypatch.setattr(routes._Endpoints, "_verdict", recording)
    return seen


@pytest.mark.parametrize("form", ["integration", "adapter"])
def test_a_large_packet_is_validated_off_the_event_loop(validating_threads: list[int], form: str) -> None:
    async def scenario() -> list[tuple[int, dict[str, Any]]]:
        app = create_app(MockConfig(max_violations=CAP))
        _, auth = await post(app, "/dvcqg/auth", b'{"username": "demo", "password": "demo"}')
        count = LEAN_MAX_BYTES // 3 + 1000  # "{}," each: past the lean entry's size
        if form == "integration":
            large = json.dumps(empty_dossiers(auth["session"], count)).encode()
            small = json.dumps(empty_dossiers(auth["session"], 10)).encode()
            return [await post(app, "/dvcqg/integration", body) for body in (large, small)]
        path, query = ADAPTER.split("?")
        return [await post(app, path, json.dumps([{}] * n).encode(), query.encode()) for n in (count, 10)]

    loop_thread = threading.get_ident()
    (large_status, large), (small_status, small) = asyncio.run(scenario())
    assert large_status == small_status == 200
    assert_capped_refusal(large)
    assert_capped_refusal(small)  # 10 empty dossiers: 120 violations, CAP listed
    off_loop = [ident for ident in validating_threads if ident != loop_thread]
    assert len(off_loop) == 1  # the large packet, on a worker thread; auth and the small one on the loop
