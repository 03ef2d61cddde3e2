"""Make a schema-generated packet satisfy the semantic rules, the way a real system's data would.

The schema gives every field a plausible value independently; here the fields that the rule catalogue
relates are tied together (dates in order, the dossier code built from the receipt date and the
caller's province, amounts that add up, a correct checksum). One function per entity kind.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from harness.core.checksum import payment_checksum
from harness.core.timestamps import format_timestamp, is_calendar_timestamp, parse_timestamp
from harness.generation._pools import CCCD_PROVINCE
from harness.validation.rules.codes import parse_dossier_code
from harness.validation.rules.dossier import (
    PAID_ONLINE,
    RESULT_RETURNED,
    TERMINAL_STATUSES,
    UNDER_WAY,
    lists_a_fee,
)

Entity = dict[str, Any]


class Context:
    def __init__(self, packet: Any, rnd: random.Random, secret: str) -> None:
        self.packet = packet
        self.rnd = rnd
        self.secret = secret
        agency = packet.get("madonvi") if isinstance(packet, dict) else None
        self.province: str | None = agency[-3:] if isinstance(agency, str) and len(agency) == 13 else None


def shift(value: str, **delta: float) -> str:
    return format_timestamp(parse_timestamp(value) + timedelta(**delta))


def _working_hour(value: str, hour: int) -> str:
    return value[:8] + f"{hour:02d}0000"


def retarget_code(code: str, *, province: str | None = None, received: str | None = None) -> str:
    """The same dossier code with another level-1 code and/or date segment."""
    match = parse_dossier_code(code)
    if match is None:
        return code
    if match.group("d6"):
        agency, _, sequence = code.split("-")
        if province:
            agency = agency[:-3] + province
        date = received[2:8] if received else match.group("d6")
        return f"{agency}-{date}-{sequence}"
    head, date8, sequence = code.rsplit("-", 2)
    if province:
        head = province + head[3:]
    return f"{head}-{received[:8] if received else date8}-{sequence}"


def dossier(entity: Entity, ctx: Context) -> None:
    rnd = ctx.rnd
    if entity.get("TrangThaiHoSo") in UNDER_WAY and entity.get("DanhSachGiayToKetQua"):
        entity["DanhSachGiayToKetQua"] = []  # no result before processing ends (QCVN120-RESULT-AT-END)
    if entity.get("DuocThanhToanTrucTuyen") in PAID_ONLINE and not lists_a_fee(entity):
        entity["DuocThanhToanTrucTuyen"] = "0"  # paid online only with a fee to pay (QCVN120-PAID-FLAG)
    received = entity.get("NgayTiepNhan")
    if not isinstance(received, str) or not is_calendar_timestamp(received):
        return
    status = entity.get("TrangThaiHoSo")
    if entity.get("NgayNopHoSo"):
        entity["NgayNopHoSo"] = shift(received, hours=-rnd.randint(0, 48))
    if entity.get("NgayHenTra") or "NgayHenTra" in entity:
        entity["NgayHenTra"] = _working_hour(shift(received, days=rnd.randint(1, 30)), 17)
    ended = shift(received, days=rnd.randint(0, 20), hours=rnd.randint(1, 8))
    if status in TERMINAL_STATUSES:
        entity["NgayKetThucXuLy"] = ended
    elif "NgayKetThucXuLy" in entity:
        entity["NgayKetThucXuLy"] = ""
    if status == RESULT_RETURNED:
        entity["NgayTra"] = shift(ended, hours=rnd.randint(1, 72))
    elif "NgayTra" in entity:
        entity["NgayTra"] = ""
    if "NgayTuChoi" in entity:
        entity["NgayTuChoi"] = shift(received, hours=rnd.randint(1, 48)) if status == "3" else ""
    code = entity.get("MaHoSo")
    if isinstance(code, str):
        entity["MaHoSo"] = retarget_code(code, province=ctx.province, received=received)
    for item in entity.get("DinhDanhCHS") or ():
        if isinstance(item, dict):
            _owner_identifier(item, rnd)


def _owner_identifier(item: Entity, rnd: random.Random) -> None:
    kind = item.get("LoaiDinhDanh")
    if kind == "1":
        item["SoDinhDanh"] = (
            rnd.choice(list(CCCD_PROVINCE.values())) + f"{rnd.randint(0, 3)}{rnd.randint(0, 99):02d}"
            f"{rnd.randint(0, 999999):06d}"
        )
    elif kind == "2":
        item["SoDinhDanh"] = f"{rnd.randint(10000000, 999999999):09d}"


def progress(entity: Entity, ctx: Context) -> None:
    code = entity.get("MaHoSo")
    if isinstance(code, str) and ctx.province:
        entity["MaHoSo"] = retarget_code(code, province=ctx.province)


def payment_init(entity: Entity, ctx: Context) -> None:
    receipt = entity.get("ThongTinBienLai")
    if not isinstance(receipt, dict):
        return
    fees = [line for line in receipt.get("PhiLePhi") or () if isinstance(line, dict)]
    items = [line for line in receipt.get("DSKhoanNop") or () if isinstance(line, dict)]
    if fees:
        entity["SoTien"] = str(sum(int(line["SoTien"]) for line in fees))
    elif items:
        entity["SoTien"] = str(sum(int(line["SoTien"]) for line in items))
    if items and isinstance(entity.get("SoTien"), str):
        total = int(entity["SoTien"])
        for line in items[:-1]:
            line["SoTien"] = "0"
        items[-1]["SoTien"] = str(total)


def id_token(entity: Entity, ctx: Context) -> None:
    issued = entity.get("iat")
    if type(issued) is int:
        entity["exp"] = issued + ctx.rnd.choice([300, 900, 3600])


BY_ENTITY: dict[str, Callable[[Entity, Context], None]] = {
    "dossier": dossier,
    "progress": progress,
    "payment_init": payment_init,
    "id_token": id_token,
}


def sign(packet: Any, fields: list[str] | None, secret: str) -> None:
    if fields and isinstance(packet, dict):
        packet["MaXacThuc"] = payment_checksum(packet, fields, secret)
