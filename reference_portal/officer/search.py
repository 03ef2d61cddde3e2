"""An applicant's dossiers, newest first: an officer who registered a dossier at the counter finds its code
by the applicant's identification number (SoDinhDanh, the dossier's owner)."""

from __future__ import annotations

import re
from typing import Any

from reference_portal.dossiers import Dossier
from reference_portal.portal import Portal
from reference_portal.web.common import HttpError

#: CCCD (12 digits), CMND (9), tax code (10, or 10-3 for a branch)
_NUMBER = re.compile(r"[0-9]{9,12}(-[0-9]{3})?")


def applicant_dossiers(portal: Portal, number: str) -> list[dict[str, Any]]:
    """HttpError 422 when `number` is not an identification number (an empty search is not a listing)."""
    if not _NUMBER.fullmatch(number):
        raise HttpError(422, "invalid", "SoDinhDanh must be the applicant's CCCD, CMND or tax code (digits)")
    rows = portal.db.query(
        "SELECT * FROM dossier WHERE owner_id = ? ORDER BY created_at DESC, ma_ho_so DESC", (number,)
    )
    return [_line(Dossier.from_row(row)) for row in rows]


def _line(dossier: Dossier) -> dict[str, Any]:
    record = dossier.record
    return {
        "MaHoSo": dossier.ma_ho_so,
        "TrangThaiHoSo": dossier.status,
        "ChuHoSo": record.get("ChuHoSo", ""),
        "NgayTiepNhan": record.get("NgayTiepNhan", ""),
        "MaTTHC": record.get("MaTTHC", ""),
        "TrichYeuHoSo": record.get("TrichYeuHoSo", ""),
    }
