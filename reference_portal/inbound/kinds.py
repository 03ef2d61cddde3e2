"""What DVCQG pushes to the province (dvcqg-interfaces §10): which packet type each endpoint's body is, which
reference makes a push a repeat ("duplicate refId"), and which dossier codes it names.

| endpoint                 | packet type                                                   | reference            |
|--------------------------|---------------------------------------------------------------|----------------------|
| createdossierfromdvcqg   | inbound.createdossierfromdvcqg (new TTKM dossier)             | MaHoSo               |
| nhanhsdvcqg              | inbound.NhanChungTuThueDat when service says so (tax voucher) | MaHoSo/MaThongBaoThue|
|                          | inbound.BoSungTTKM otherwise (TTKM supplement)                | MaHoSoQG             |
| nhantbthuedvcqg          | inbound.NhanThongBaoThueDat (tax notice)                      | SHA-256 of the file  |

A voucher pays one tax notice of one dossier, so the pair identifies it; a notice has no identifier of its
own, so the same file sent again is the repeat.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from reference_portal.inbound.notice import NoticeError, notice_codes

ENDPOINTS = ("createdossierfromdvcqg", "nhanhsdvcqg", "nhantbthuedvcqg")
VOUCHER_SERVICE = "NhanChungTuThueDat"


@dataclass(frozen=True)
class Push:
    #: the packet type without its "inbound." prefix: createdossierfromdvcqg, NhanChungTuThueDat, ...
    kind: str
    ref_id: str
    #: the dossier codes the push names (national codes for TTKM, the province's own for land tax)
    codes: tuple[str, ...]

    @property
    def packet_type(self) -> str:
        return f"inbound.{self.kind}"

    @property
    def national_code(self) -> str:
        return ",".join(self.codes)


def packet_type_for(endpoint: str, body: Any) -> str:
    if endpoint == "createdossierfromdvcqg":
        return "inbound.createdossierfromdvcqg"
    if endpoint == "nhantbthuedvcqg":
        return "inbound.NhanThongBaoThueDat"
    service = body.get("service") if isinstance(body, dict) else None
    return "inbound.NhanChungTuThueDat" if service == VOUCHER_SERVICE else "inbound.BoSungTTKM"


def _text(value: Any, *keys: str) -> str:
    """The string at value[k1][k2]...; "" when anything on the way is missing or not a string."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _fingerprint(value: Any) -> str:
    return "sha256:" + hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def describe(packet_type: str, body: Any, *, lenient: bool = False) -> Push:
    """The push's reference and codes. A tax notice whose file cannot be read raises NoticeError unless
    `lenient` (used only when a defect stores invalid packets: then it has no codes)."""
    kind = packet_type.removeprefix("inbound.")
    codes: list[str]
    if kind == "createdossierfromdvcqg":
        ref = _text(body, "MaHoSo")
        codes = [ref]
    elif kind == "NhanChungTuThueDat":
        dossier, notice = _text(body, "data", "MaHoSo"), _text(body, "data", "ThongTinThanhToan", "MaThongBaoThue")
        ref = f"{dossier}/{notice}" if dossier and notice else ""
        codes = [dossier]
    elif kind == "BoSungTTKM":
        ref = _text(body, "data", "MaHoSoQG")
        codes = [ref]
    else:
        file = _text(body, "data", "FileThongBaoThue")
        ref = _fingerprint(file) if file else ""
        try:
            codes = notice_codes(file)
        except NoticeError:
            if not lenient:
                raise
            codes = []
    return Push(kind, ref or _fingerprint(body), tuple(code for code in codes if code))
