"""What the mock keeps per synced dossier stays near the size of the dossier itself.

A loaded mock keeps every dossier the SUT synced (a peak day is hundreds of thousands); orjson's result
bytes carry their 16 KiB working buffer, so keeping them as returned cost five times the memory.
"""

from __future__ import annotations

import copy
import tracemalloc
from pathlib import Path

import orjson

from mock_portal.dvcqg.store import DEFAULT_GRAPH, Caller, DossierStore, StatusGraph, kept_json

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "DongBoHoSoMC.extended.json"


def _dossiers(count: int) -> list[dict[str, object]]:
    template = orjson.loads(GOLDEN.read_bytes())["data"][0]
    items = []
    for index in range(count):
        item = copy.deepcopy(template)
        item["MaHoSo"] = f"000.00.31.H56-240101-{index + 1:04d}"
        items.append(item)
    return items


def test_kept_json_is_the_compact_json_in_an_exact_size_object() -> None:
    value = {"MaHoSo": "000.00.31.H56-240101-0001", "TenHoSo": "Đăng ký khai sinh", "n": [1, 2]}
    kept = kept_json(value)
    assert kept == orjson.dumps(value)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        many = [kept_json(value) for _ in range(100)]
        per_copy = (tracemalloc.get_traced_memory()[0] - before) / len(many)
    finally:
        tracemalloc.stop()
    assert per_copy < len(kept) + 256


def test_a_synced_dossier_costs_about_its_own_size() -> None:
    items = _dossiers(200)
    json_bytes = sum(len(orjson.dumps(item)) for item in items)
    store = DossierStore(StatusGraph(DEFAULT_GRAPH))
    caller = Caller("demo", "H56", "000.00.31.H56", "integration")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for item in items:
            store.sync([item], updating=False, caller=caller, now=0.0, via="integration")
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(store.records()) == len(items)
    first = store.get(str(items[0]["MaHoSo"]))
    assert first is not None and first.dossier == items[0]
    # the JSON plus a record, its history and the index entry: well under twice the JSON
    assert kept < 2 * json_bytes, f"{kept / len(items):.0f} bytes kept per dossier of {json_bytes / len(items):.0f}"


def test_a_packet_of_one_dossier_is_kept_as_received_and_read_back_from_it() -> None:
    store = DossierStore(StatusGraph(DEFAULT_GRAPH))
    caller = Caller("demo", "H56", "000.00.31.H56", "integration")
    first, second, third = _dossiers(3)
    body = orjson.dumps({"session": "s", "service": "DongBoHoSoMC", "data": [first]})
    packet = orjson.loads(body)
    store.sync(packet["data"], updating=False, caller=caller, now=0.0, via="integration", packet=(body, ("data",)))
    record = store.get(str(first["MaHoSo"]))
    assert record is not None and record.raw is body  # no second serialisation, no copy
    assert record.dossier == first

    # the adapter form: a bare array
    array = orjson.dumps([second])
    store.sync(orjson.loads(array), updating=False, caller=caller, now=0.0, via="adapter", packet=(array, ()))
    adapter = store.get(str(second["MaHoSo"]))
    assert adapter is not None and adapter.raw is array and adapter.dossier == second

    # several dossiers in one packet: each keeps its own JSON
    updated = dict(first, TrangThaiHoSo="10")
    both = orjson.dumps({"data": [updated, third]})
    items = orjson.loads(both)["data"]
    store.sync(items[1:], updating=False, caller=caller, now=1.0, via="integration")
    store.sync(items[:1], updating=True, caller=caller, now=1.0, via="integration")
    assert store.get(str(first["MaHoSo"])).dossier == updated  # type: ignore[union-attr]
    kept = store.get(str(third["MaHoSo"]))
    assert kept is not None and kept.raw == orjson.dumps(third) and kept.dossier == third
