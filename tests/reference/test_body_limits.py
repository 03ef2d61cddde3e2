"""The portal's body limit and violation cap (issue 15): every endpoint stops reading a body once it passes
`MAX_BODY_BYTES` (chunked bodies without Content-Length too) and answers 413 in its own error shape; the
inbound endpoints list at most `max_violations` violations of a hostile packet and validate a large body
on a worker thread. No wall-clock assertions: what is read and where it runs are counted."""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness import PacketValidator
from mock_portal.testing import asgi_post
from reference_portal.app import create_app
from reference_portal.config import PortalConfig
from reference_portal.inbound.routes import nested_deeper_than
from reference_portal.server import RunningPortal
from reference_portal.web.common import MAX_BODY_BYTES
from tests.reference.conftest import CONTROL, PortalFactory

# the module (the package's `routes` attribute is the module's function of that name)
inbound = importlib.import_module("reference_portal.inbound.routes")
INBOUND = "/o/rest/v2/nps/createdossierfromdvcqg"
CHUNK = 1024 * 1024
JSON_HEADERS = {"content-type": "application/json"}


def oversized() -> Iterator[bytes]:
    """A body one chunk past the limit, sent chunked (a generator: no Content-Length)."""
    block = b" " * CHUNK
    for _ in range(MAX_BODY_BYTES // CHUNK + 1):
        yield block


def hostile_push(count: int) -> dict[str, Any]:
    return {"MaHoSo": "", "TaiLieuNop": [{}] * count}


# --- over HTTP: the answer in each endpoint's own shape ------------------------------------------------


def test_chunked_oversized_bodies_get_413_in_each_shape(sut: RunningPortal) -> None:
    with httpx.Client(base_url=sut.url, timeout=60) as client:
        ipn = client.post("/payment/ipn", content=oversized(), headers=JSON_HEADERS)
        assert ipn.status_code == 413
        assert ipn.json()["MaLoi"] == "99" and "body_too_large" in ipn.json()["MoTaLoi"]

        push = client.post(INBOUND, content=oversized(), headers=JSON_HEADERS)
        assert push.status_code == 413
        assert push.json() == {
            "error_code": -1,
            "message": f"request body incorrect: larger than {MAX_BODY_BYTES} bytes",
        }

        control = client.post("/_control/dossiers", content=oversized(), headers={**JSON_HEADERS, **CONTROL})
        assert control.status_code == 413
        assert control.json()["error"] == "body_too_large"
        assert client.get("/_control/inbound", headers=CONTROL).json()["messages"] == []


def test_a_hostile_push_is_refused_with_the_cap_and_nothing_stored(sut: RunningPortal) -> None:
    with httpx.Client(base_url=sut.url, timeout=60) as client:
        answer = client.post(INBOUND, json=hostile_push(10_000))
        assert answer.status_code == 200
        body = answer.json()
        assert body["error_code"] == -1
        assert "(100 of more than 100 violations shown)" in body["message"]
        assert body["message"].count(" at /") == inbound.MAX_LISTED  # the listed ones
        assert body["message"].endswith("more")
        assert client.get("/_control/inbound", headers=CONTROL).json()["messages"] == []


def test_the_cap_is_configurable(portal_factory: PortalFactory, admin: httpx.Client) -> None:
    with portal_factory(max_violations=5) as sut, httpx.Client(base_url=sut.url, timeout=60) as client:
        message = client.post(INBOUND, json=hostile_push(1_000)).json()["message"]
        assert "(5 of more than 5 violations shown)" in message
        assert message.count(" at /") == 5 and message.endswith("; and more")


# --- in process: how much is read, and on which thread --------------------------------------------------


def call(app: Any, path: str, chunks: Iterator[bytes], headers: dict[str, str]) -> tuple[int, Any, int]:
    """POST a body delivered as ASGI messages from `chunks`; (status, JSON answer, messages the app pulled)."""
    answer = asyncio.run(asgi_post(app, path, chunks, headers=headers))
    return answer.status, answer.json(), answer.pulled


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    application = create_app(PortalConfig(db=str(tmp_path / "portal.sqlite"), max_violations=3), warm_catalogue=False)
    yield application
    asyncio.run(application.state.portal.close())


def endless() -> Iterator[bytes]:
    block = b" " * CHUNK
    while True:
        yield block


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/payment/ipn", JSON_HEADERS), (INBOUND, JSON_HEADERS), ("/_control/dossiers", {**JSON_HEADERS, **CONTROL})],
)
def test_reading_stops_once_the_limit_is_passed(app: Any, path: str, headers: dict[str, str]) -> None:
    status, _, pulled = call(app, path, endless(), headers)
    assert status == 413
    assert pulled == MAX_BODY_BYTES // CHUNK + 1  # an endless body: the limit plus the one chunk that passed it


def test_a_declared_oversized_length_is_refused_before_reading(app: Any) -> None:
    headers = {**JSON_HEADERS, "content-length": str(MAX_BODY_BYTES + 1)}
    status, answer, pulled = call(app, INBOUND, endless(), headers)
    assert (status, answer["error_code"], pulled) == (413, -1, 0)


def test_a_body_within_the_limit_is_read_whole_across_chunks(app: Any) -> None:
    raw = json.dumps(hostile_push(20)).encode()
    pieces = iter([raw[i : i + 7] for i in range(0, len(raw), 7)])
    status, answer, _ = call(app, INBOUND, pieces, JSON_HEADERS)
    assert status == 200 and answer["error_code"] == -1
    assert "(3 of more than 3 violations shown)" in answer["message"]


def test_a_large_push_is_validated_off_the_event_loop(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []

    class Recording:
        def __init__(self, wrapped: PacketValidator) -> None:
            self.wrapped = wrapped

        def validate(self, packet: Any, **options: Any) -> Any:
            threads.append(threading.get_ident())
            return self.wrapped.validate(packet, **options)

    original = inbound._validator
    monkeypatch.setattr(inbound, "_validator", lambda packet_type: Recording(original(packet_type)))
    for count in (inbound.OFFLOAD_BYTES // 3 + 1000, 10):
        status, answer, _ = call(app, INBOUND, iter([json.dumps(hostile_push(count)).encode()]), JSON_HEADERS)
        assert status == 200 and "(3 of more than 3 violations shown)" in answer["message"]
    loop_thread = threading.get_ident()
    assert threads[0] != loop_thread and threads[1] == loop_thread


def test_nesting_depth_check() -> None:
    assert not nested_deeper_than({"a": [{}] * 1000}, 3)
    assert nested_deeper_than({"a": [{"b": []}]}, 3)
    assert not nested_deeper_than({"a": [{"b": []}]}, 4)
    assert not nested_deeper_than("scalar", 0)
    assert nested_deeper_than({}, 0)
    deep: Any = []
    for _ in range(50):
        deep = [deep]
    assert nested_deeper_than(deep, inbound.MAX_DEPTH) and not nested_deeper_than(deep, 51)
