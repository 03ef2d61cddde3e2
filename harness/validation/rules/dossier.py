"""Dossier and progress semantics (NĐ 61/2018, QĐ 766 terminal statuses, docs/reference/dvcqg-interfaces.md §14.4)."""

from __future__ import annotations

from typing import Any

from harness.core.timestamps import is_calendar_timestamp
from harness.validation.rules._registry import Finding, Path, RuleContext, entity_rule

TERMINAL_STATUSES = frozenset({"3", "7", "8", "9", "10"})
RESULT_RETURNED = "10"
#: statuses in which processing is still under way: no result can exist yet (1 new, 2 received, 4 processing,
#: 5 waiting for a supplement, 6 waiting for the fee)
UNDER_WAY = frozenset({"1", "2", "4", "5", "6"})
#: DuocThanhToanTrucTuyen values that say the fee was paid online (1 on DVCQG's platform, 2 on the province's)
PAID_ONLINE = frozenset({"1", "2"})


def _date(entity: dict[str, Any], key: str) -> str | None:
    value = entity.get(key)
    if isinstance(value, str) and is_calendar_timestamp(value):
        return value
    return None


@entity_rule("QCVN120-DOSSIER-DUE-DATE", "dossier")
def due_not_before_receipt(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    received = _date(entity, "NgayTiepNhan")
    due = _date(entity, "NgayHenTra")
    # Same fixed-width digit format: string order is time order.
    if received and due and due < received:
        return [
            Finding(
                "QCVN120-DOSSIER-DUE-DATE", (*path, "NgayHenTra"), f"NgayHenTra {due} is before NgayTiepNhan {received}"
            )
        ]
    return None


@entity_rule("QCVN120-DOSSIER-END-DATE", "dossier")
def terminal_needs_end_date(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    status = entity.get("TrangThaiHoSo")
    if status in TERMINAL_STATUSES and not entity.get("NgayKetThucXuLy"):
        return [
            Finding(
                "QCVN120-DOSSIER-END-DATE",
                (*path, "NgayKetThucXuLy"),
                f'TrangThaiHoSo is "{status}" (a terminal status) but NgayKetThucXuLy is empty',
            )
        ]
    return None


@entity_rule("QCVN120-DOSSIER-RETURN-DATE", "dossier")
def returned_needs_return_date(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    if entity.get("TrangThaiHoSo") == RESULT_RETURNED and not entity.get("NgayTra"):
        return [
            Finding(
                "QCVN120-DOSSIER-RETURN-DATE",
                (*path, "NgayTra"),
                'TrangThaiHoSo is "10" (result returned) but NgayTra is empty',
            )
        ]
    return None


_ID_LENGTHS = {"1": 12, "2": 9}


@entity_rule("QCVN120-OWNER-ID", "dossier")
def owner_id_type_agrees(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    identifiers = entity.get("DinhDanhCHS")
    if not isinstance(identifiers, list) or not identifiers:
        return None
    findings = []
    for index, item in enumerate(identifiers):
        if not isinstance(item, dict):
            continue
        kind, number = item.get("LoaiDinhDanh"), item.get("SoDinhDanh")
        length = _ID_LENGTHS.get(kind) if isinstance(kind, str) else None
        if length and isinstance(number, str) and number.isdigit() and len(number) != length:
            findings.append(
                Finding(
                    "QCVN120-OWNER-ID",
                    (*path, "DinhDanhCHS", index, "SoDinhDanh"),
                    f'LoaiDinhDanh "{kind}" needs a {length}-digit number, SoDinhDanh has {len(number)} digits',
                )
            )
    return findings or None


@entity_rule("QCVN120-RESULT-AT-END", "dossier")
def results_only_once_processing_ended(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    status, results = entity.get("TrangThaiHoSo"), entity.get("DanhSachGiayToKetQua")
    if status in UNDER_WAY and isinstance(results, list) and results:
        return [
            Finding(
                "QCVN120-RESULT-AT-END",
                (*path, "DanhSachGiayToKetQua"),
                f'TrangThaiHoSo is "{status}" (processing under way) but DanhSachGiayToKetQua lists '
                f"{len(results)} result document(s)",
            )
        ]
    return None


def lists_a_fee(entity: dict[str, Any]) -> bool:
    """DanhSachLePhi names something to pay: a line whose Gia is not a plain amount counts (FMT-AMOUNT judges its
    form), so only no line at all, or amounts that add up to 0, mean "nothing to pay"."""
    raw = entity.get("DanhSachLePhi")
    if raw is None or raw == []:
        return False
    if not isinstance(raw, list) or not all(isinstance(line, dict) for line in raw):
        return True  # malformed: the structure rules judge it, this rule cannot
    prices = [line.get("Gia") for line in raw]
    if any(not (isinstance(price, str) and price.strip().isdigit()) for price in prices):
        return True
    return sum(int(str(price).strip()) for price in prices) > 0


@entity_rule("QCVN120-PAID-FLAG", "dossier")
def paid_online_needs_a_fee(entity: dict[str, Any], path: Path, ctx: RuleContext) -> list[Finding] | None:
    flag = entity.get("DuocThanhToanTrucTuyen")
    if flag in PAID_ONLINE and not lists_a_fee(entity):
        return [
            Finding(
                "QCVN120-PAID-FLAG",
                (*path, "DuocThanhToanTrucTuyen"),
                f'DuocThanhToanTrucTuyen is "{flag}" (paid online) but DanhSachLePhi lists no fee to pay',
            )
        ]
    return None
