"""Pseudonymised exports (`redact_personal`, NĐ 13/2023): personal data replaced by keyed tokens, the same value
by the same token within a store, in the shape validators expect; the suites' query API and the mock's verdicts
still see the raw packets; exports and the reports made from them do not."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core.errors import UsageError
from harness.reporting._exchanges import write_exchanges
from mock_portal.config import MockConfig, load_config
from mock_portal.evidence import EvidenceStore, Exchange
from mock_portal.evidence.personal import PERSONAL_FIELDS, personal_kind
from mock_portal.evidence.pseudonymise import Pseudonymiser
from mock_portal.testing import InProcessMock

ADMIN = [("authorization", "Bearer demo-admin")]
JSON = [("content-type", "application/json")]
CCCD = "001203004567"
NAME = "Nguyễn Thị Bình"
PHONE = "0912345678"
EMAIL = "binh.nguyen@example.vn"
ADDRESS = "Số 12 Hàng Bài, Hoàn Kiếm"
RAW = (CCCD, NAME, PHONE, EMAIL, ADDRESS)
KEY = bytes(range(32))
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "packets"


def person_packet() -> dict[str, Any]:
    """The example DongBoHoSoMC packet (valid), its applicant ours."""
    packet: dict[str, Any] = json.loads((EXAMPLES / "DongBoHoSoMC.json").read_text(encoding="utf-8"))
    packet["data"] = packet["data"][:1]
    packet["data"][0].update(
        ChuHoSo=NAME,
        TrichYeuHoSo=f"Cấp giấy phép xây dựng cho {NAME.upper()}",
        DinhDanhCHS=[{"LoaiDinhDanh": "1", "SoDinhDanh": CCCD}],
        SoGiayToChuHoSo=CCCD,
        SoDienThoai=PHONE,
        Email=EMAIL,
    )
    return packet


# --- tokens ----------------------------------------------------------------------------------------------------
def test_the_field_list_is_one_module_and_case_blind() -> None:
    assert personal_kind("HOVATEN") == personal_kind("HoVaTen") == "name"
    assert personal_kind("sodinhdanh") == "id" and personal_kind("TrichYeuHoSo") is None
    assert {"ChuHoSo", "HoVaTen", "SoDinhDanh", "SoCMND", "SoGiayToChuHoSo", "SoDienThoai", "Email", "DiaChi"} <= set(
        PERSONAL_FIELDS
    )


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_a_cccd_becomes_twelve_digits_the_same_every_time(cccd: str) -> None:
    first = Pseudonymiser(KEY).token("id", cccd)
    assert re.fullmatch(r"[0-9]{12}", first) and first == Pseudonymiser(KEY).token("id", cccd)


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"(\+84|0)[0-9]{9,10}", fullmatch=True))
def test_a_phone_number_stays_a_valid_phone_number(phone: str) -> None:
    token = Pseudonymiser(KEY).token("phone", phone)
    assert re.fullmatch(r"(\+84|0)[0-9]{9,10}", token) and len(token) == len(phone) and token[:1] == phone[:1]


def test_tokens_keep_their_shape_and_are_marked() -> None:
    p = Pseudonymiser(KEY)
    assert p.token("phone", "+84912345678")[3:] == p.token("phone", "0912345678")[1:]  # one person, either form
    assert re.fullmatch(r"[a-z2-7]{10}@pseudonym\.invalid", p.token("email", EMAIL))
    assert re.fullmatch(r"name-[a-z2-7]{10}", p.token("name", NAME))
    assert p.token("name", NAME) == p.token("name", "  NGUYỄN THỊ   BÌNH ")  # case and spacing do not matter
    born = p.token("date", "19900131")
    assert re.fullmatch(r"(19[4-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])", born)
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", p.token("date", "31/01/1990"))
    assert re.fullmatch(r"[0-9a-f-]{36}", p.token("id", "4f0c6a1e-2b3c-4d5e-8f9a-0b1c2d3e4f5a"))
    assert re.fullmatch(r"[A-Z][0-9]{7}", p.token("id", "C1234567"))  # a passport number keeps its letter


def test_the_key_is_the_store_s_own_kept_across_clear_and_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evidence.sqlite'}"
    store = EvidenceStore(url)
    try:
        first = Pseudonymiser.for_store(store)
        store.clear()
        assert Pseudonymiser.for_store(store).key_id == first.key_id
        token = first.token("id", CCCD)
    finally:
        store.close()
    again = EvidenceStore(url)
    other = EvidenceStore("memory")
    try:
        assert Pseudonymiser.for_store(again).token("id", CCCD) == token  # stable within a store
        assert Pseudonymiser.for_store(other).token("id", CCCD) != token  # another store, another key
    finally:
        again.close()
        other.close()


def test_every_form_of_a_body_is_pseudonymised_consistently() -> None:
    p = Pseudonymiser(KEY)
    token = p.token("id", CCCD)
    packet = person_packet()
    packet["data"][0].update(DiaChi=ADDRESS, NgayThangNamSinh="19900131")
    form = {"content-type": "application/x-www-form-urlencoded"}
    xml = f'<HoSo><SoDinhDanh>{CCCD}</SoDinhDanh><Nguoi HoVaTen="{NAME}"/></HoSo>'
    asked = orjson.dumps({"mstorcmnd": CCCD})
    refusal = orjson.dumps({"error_code": 1, "message": f"SoDinhDanh {CCCD} không hợp lệ"})
    exchanges = [
        Exchange("inbound", "dvcqg", "POST", "/dvcqg/integration", {}, orjson.dumps(packet)),
        Exchange("inbound", "sso", "GET", f"/sso/authorize?client_id=x&login_hint={CCCD}"),
        Exchange("inbound", "other", "POST", "/f", form, f"SoCMND={CCCD}&HoVaTen={NAME.replace(' ', '+')}".encode()),
        Exchange("inbound", "other", "POST", "/x", {"content-type": "text/xml"}, xml.encode()),
        Exchange("inbound", "dvcqg", "POST", "/dvcqg/share", {}, asked, 200, {}, refusal),
    ]
    rows = [p.row(exchange) for exchange in exchanges]
    text = orjson.dumps(rows).decode()
    assert not [raw for raw in RAW if raw in text or raw.upper() in text]
    assert text.count(token) >= 7  # JSON (twice), query, form, XML, a request and the error message quoting it
    assert rows[0]["pseudonymised"]["key"] == p.key_id
    assert "request.body:/data/0/DinhDanhCHS/0/SoDinhDanh" in rows[0]["pseudonymised"]["fields"]
    assert rows[0]["pseudonymised"]["mentions"] >= 1  # the name quoted (in capitals) in TrichYeuHoSo
    assert rows[1]["pseudonymised"]["fields"] == ["url:login_hint"]


# --- through the mock --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mocks() -> Iterator[dict[bool, InProcessMock]]:
    running = {on: InProcessMock(MockConfig(redact_personal=on)) for on in (True, False)}
    yield running
    for mock in running.values():
        mock.close()


def _sync(mock: InProcessMock) -> tuple[bytes, list[dict[str, object]]]:
    """A dossier synced as a SUT would; the NDJSON export and the suites' query of the same evidence."""
    base = mock.base_url
    mock.handle("POST", base + "/_admin/reset", ADMIN, b"")
    auth = mock.handle("POST", base + "/dvcqg/auth", JSON, b'{"username": "demo", "password": "demo"}')
    session = orjson.loads(auth[2])["session"]
    packet = {**person_packet(), "session": session, "isUpdating": "False"}
    mock.handle("POST", base + "/dvcqg/integration", JSON, orjson.dumps(packet))
    registered = {"HoVaTen": NAME, "SoDinhDanh": CCCD, "SoDienThoai": PHONE, "ThuDienTu": EMAIL}
    mock.handle("POST", base + "/_admin/sso/accounts", ADMIN + JSON, orjson.dumps(registered))
    export = mock.handle("GET", base + "/_admin/exchanges.ndjson", ADMIN, b"")[2]
    queried = orjson.loads(mock.handle("GET", base + "/_admin/exchanges?channel=admin", ADMIN, b"")[2])
    queried += orjson.loads(mock.handle("GET", base + "/_admin/exchanges", ADMIN, b"")[2])
    return export, queried


def test_exports_and_reports_are_pseudonymised_the_query_api_is_not(
    mocks: dict[bool, InProcessMock], tmp_path: Path
) -> None:
    export, queried = _sync(mocks[True])
    text = export.decode()
    assert not [raw for raw in RAW if raw in text]
    rows = [orjson.loads(line) for line in export.splitlines()]
    assert all(row["pseudonymised"]["key"] == rows[0]["pseudonymised"]["key"] for row in rows)
    token = Pseudonymiser.for_store(mocks[True].app.mock.store).token("id", CCCD)
    assert text.count(token) >= 3  # the synced dossier (twice) and the SSO account, one token
    (tmp_path / "evidence.ndjson").write_bytes(export)
    write_exchanges(tmp_path, {int(row["seq"]) for row in rows})
    report = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "exchanges").glob("*.json"))
    assert token in report and not [raw for raw in RAW if raw in report]
    # the suites judge the raw packets, and so did the mock
    synced: dict[str, Any] = next(row for row in queried if row.get("service") == "DongBoHoSoMC")
    assert synced["request"]["body"]["data"][0]["ChuHoSo"] == NAME and synced["verdict"] == "valid"
    assert "pseudonymised" not in synced


def test_without_redact_personal_the_export_is_as_before(mocks: dict[bool, InProcessMock]) -> None:
    export, _ = _sync(mocks[False])
    assert CCCD in export.decode() and NAME in export.decode() and b'"pseudonymised"' not in export
    assert b'"password":"***"' in export  # secrets are redacted either way


# --- configuration ---------------------------------------------------------------------------------------------
def test_redact_personal_from_environment_and_file(tmp_path: Path) -> None:
    assert load_config(env={}).redact_personal is False  # in-process mocks: synthetic data
    assert load_config(env={}, defaults={"redact_personal": True}).redact_personal is True  # `mock serve`
    assert (
        load_config(env={"DVC_MOCK_REDACT_PERSONAL": "0"}, defaults={"redact_personal": True}).redact_personal is False
    )
    toml = tmp_path / "mock.toml"
    toml.write_text("redact_personal = true\n", encoding="utf-8")
    assert load_config(str(toml), env={}).redact_personal is True
    assert load_config(str(toml), env={}, redact_personal=False).redact_personal is False  # the flag wins
    with pytest.raises(UsageError, match="true or false"):
        load_config(env={"DVC_MOCK_REDACT_PERSONAL": "maybe"})
