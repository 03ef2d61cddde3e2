"""The endpoints DVCQG pushes to (docs/reference/dvcqg-interfaces.md §10; QCVN 120 inbound packets; TT 01/2018 Điều
17: the one-stop system receives dossiers from DVCQG): `POST {base_url}/o/rest/v2/nps/createdossierfromdvcqg`
(a new TTKM dossier), `/nhanhsdvcqg` (a land-tax voucher or a TTKM supplement) and `/nhantbthuedvcqg` (a
land-tax notice) answer `{error_code, message}`: 0 for a push they stored, 1 for the repeat of a stored one,
-1 for a packet they refuse.

Generated valid packets (the harness strategies, strict profile) must be accepted and stored once; generated
packets that break exactly one rule must be refused and change nothing; a repeated push must be answered as
a duplicate and stored once. What the SUT stored is read through `GET {control_url}/_control/inbound`
(`{"messages": [{"body": <the push as received>, ...}]}`, oldest first).

The references DVCQG identifies a push by (TTKM MaHoSo, supplement MaHoSoQG, voucher MaThongBaoThue, the
notice file) are made unique to the run, and vouchers and notices name a dossier of the run, as they would
in production (a province may refuse a voucher for a dossier it does not know).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import harness
from harness.conformance import ConformanceEnvironment
from suites._support import applicant
from suites.portal._http import control_client, public_client

pytestmark = [
    pytest.mark.capability("inbound"),
    pytest.mark.dvc_control_api("GET /_control/inbound (what the SUT stored of each push)"),
]

NPS = "/o/rest/v2/nps"
#: packet type → the endpoint DVCQG pushes it to
ENDPOINT = {
    "inbound.createdossierfromdvcqg": "createdossierfromdvcqg",
    "inbound.NhanChungTuThueDat": "nhanhsdvcqg",
    "inbound.BoSungTTKM": "nhanhsdvcqg",
    "inbound.NhanThongBaoThueDat": "nhantbthuedvcqg",
}
EACH_TYPE = pytest.mark.parametrize("packet_type", sorted(ENDPOINT))
#: no shrinking: every attempt is a round trip to the SUT (and may store a push); the first failure is reported
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture],
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
    "report_multiple_bugs": False,
}
EXAMPLES = settings(max_examples=10, **_COMMON)
DUPLICATES = settings(max_examples=2, **_COMMON)


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any

    @property
    def shaped(self) -> bool:
        """The documented reply: {error_code: 0 | 1 | -1 (or their strings), message}."""
        return harness.validate(self.body, "inbound.reply", "strict").valid

    @property
    def code(self) -> int | None:
        value = self.body.get("error_code") if isinstance(self.body, dict) else None
        try:
            return int(str(value))
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"HTTP {self.status} {str(self.body)[:300]}"


class Inbound:
    """Pushes to the SUT as DVCQG does, and reads back what it stored."""

    def __init__(self, dvc_env: ConformanceEnvironment, dossier_code: str) -> None:
        self.public = public_client(dvc_env)
        self.control = control_client(dvc_env)
        self.dossier_code = dossier_code
        #: unique to the run: drawn from a dossier code the SUT has just issued (it never issues one twice)
        self.nonce = hashlib.sha256(dossier_code.encode()).hexdigest()[:8].upper()
        self._serial = itertools.count(1)

    def close(self) -> None:
        self.public.close()
        self.control.close()

    def push(self, packet_type: str, packet: Any) -> Reply:
        answer = self.public.post(f"{NPS}/{ENDPOINT[packet_type]}", json=packet)
        try:
            body = answer.json()
        except ValueError:
            body = answer.text[:300]
        return Reply(answer.status_code, body)

    def stored(self) -> list[Any]:
        """The bodies of every push the SUT stored, oldest first."""
        answer = self.control.get("/_control/inbound")
        assert answer.status_code == 200, (
            f"GET /_control/inbound answered HTTP {answer.status_code}: {answer.text[:300]}"
        )
        messages = answer.json().get("messages")
        assert isinstance(messages, list), (
            f"GET /_control/inbound must answer {{'messages': [...]}}: {answer.text[:300]}"
        )
        return [message.get("body") for message in messages]

    def fresh(self, packet_type: str, packet: Any) -> Any:
        """The generated packet with the references DVCQG identifies it by made unique to this run, and the
        dossier it is about a dossier of this run. Still a valid packet of its type."""
        packet, serial = copy.deepcopy(packet), next(self._serial)
        national = f"G22.99-{self.nonce}-{serial:07d}"
        if packet_type == "inbound.createdossierfromdvcqg":
            packet["MaHoSo"] = national
        elif packet_type == "inbound.BoSungTTKM":
            packet["data"]["MaHoSoQG"] = national
        elif packet_type == "inbound.NhanChungTuThueDat":
            packet["data"]["MaHoSo"] = self.dossier_code
            packet["data"]["ThongTinThanhToan"]["MaThongBaoThue"] = f"TB-{self.nonce}-{serial}"
        else:
            packet["data"]["FileThongBaoThue"] = self._notice_file(f"TB-{self.nonce}-{serial}")
        verdict = harness.validate(packet, packet_type, "strict")
        assert verdict.valid, f"harness error: the run-unique {packet_type} is invalid: {verdict.violations[:3]}"
        return packet

    def _notice_file(self, notice: str) -> str:
        """A land-tax notice (base64 XML, /DATA/BODY/ROW_LIST with MA_HSO: docs/reference/dvcqg-interfaces.md §10)."""
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?><DATA><HEADER><SO_THONG_BAO>"
            f"{notice}</SO_THONG_BAO></HEADER><BODY><ROW_LIST><MA_HSO>{self.dossier_code}</MA_HSO>"
            "<LIST><SO_TIEN>1500000</SO_TIEN></LIST></ROW_LIST></BODY></DATA>"
        )
        return base64.b64encode(xml.encode()).decode()


@pytest.fixture(scope="module")
def inbound(dvc_env: ConformanceEnvironment, dvc_seed: int) -> Iterator[Inbound]:
    code = dvc_env.driver.create_dossier(applicant(random.Random(f"{dvc_seed}:inbound"))).ma_ho_so
    client = Inbound(dvc_env, code)
    yield client
    client.close()


def _shown(packet: Any) -> str:
    text = str(packet)
    return text if len(text) <= 600 else text[:597] + "..."


@pytest.mark.req("INBOUND-REPLY", "INBOUND-STRUCTURE", "TT01-D17-RECEIVE-CHANNELS")
@EACH_TYPE
@EXAMPLES
@given(data=st.data())
def test_a_valid_push_is_accepted_and_stored(packet_type: str, data: st.DataObject, inbound: Inbound) -> None:
    packet = inbound.fresh(packet_type, data.draw(harness.valid_packets(packet_type, "strict"), label="packet"))
    before = inbound.stored()
    reply = inbound.push(packet_type, packet)
    assert reply.status == 200 and reply.shaped and reply.code == 0, (
        f"a valid push of {packet_type} must be answered HTTP 200 {{error_code: 0, message}}, got {reply}\n"
        f"packet: {_shown(packet)}"
    )
    after = inbound.stored()
    assert len(after) == len(before) + 1 and packet in after, (
        f"the accepted push must be stored once, as received: {len(before)} stored before, {len(after)} after, "
        f"{'present' if packet in after else 'absent'}\npacket: {_shown(packet)}"
    )


@pytest.mark.req("INBOUND-REPLY", "INBOUND-REQUIRED", "INBOUND-STRUCTURE")
@EACH_TYPE
@EXAMPLES
@given(data=st.data())
def test_an_invalid_push_is_refused_and_changes_nothing(
    packet_type: str, data: st.DataObject, inbound: Inbound
) -> None:
    broken: harness.InvalidPacket = data.draw(harness.invalid_packets(packet_type, "strict"), label="broken")
    before = inbound.stored()
    reply = inbound.push(packet_type, broken.packet)
    breaks = f"breaks {broken.rule} at {broken.pointer or '/'}"
    assert reply.status < 500 and reply.shaped and reply.code not in (0, None), (
        f"a push of {packet_type} that {breaks} must be refused with {{error_code: -1, message}} (not a 5xx: "
        f"resending will not help), got {reply}\npacket: {_shown(broken.packet)}"
    )
    after = inbound.stored()
    assert after == before, (
        f"a refused push ({breaks}) must change nothing: {len(before)} stored before, {len(after)} after"
    )


@pytest.mark.req("INBOUND-REPLY")
@EACH_TYPE
@DUPLICATES
@given(data=st.data())
def test_a_repeated_push_is_a_duplicate_and_stored_once(
    packet_type: str, data: st.DataObject, inbound: Inbound
) -> None:
    packet = inbound.fresh(packet_type, data.draw(harness.valid_packets(packet_type, "strict"), label="packet"))
    before = inbound.stored()
    first = inbound.push(packet_type, packet)
    assert first.code == 0, f"a new push of {packet_type} must be answered error_code 0, got {first}"
    again = inbound.push(packet_type, packet)
    assert again.status == 200 and again.shaped and again.code == 1, (
        f"the same {packet_type} pushed again must be answered {{error_code: 1, message: 'duplicate refId ...'}}, "
        f"got {again}\npacket: {_shown(packet)}"
    )
    after = inbound.stored()
    assert len(after) == len(before) + 1 and after.count(packet) == 1, (
        f"a push delivered twice must be stored once: {len(after) - len(before)} new message(s), "
        f"{after.count(packet)} with this body"
    )
