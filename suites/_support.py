"""Shared helpers of the suites: test applicants, driving a dossier through the flow, reading the sync."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.conformance import Evidence, accepted, items
from harness.sut import AttachedFile, DossierRequest, DossierView, SutDriver

#: a procedure of the national catalogue with no fee, and one with a fee (the mock's seeded catalogue)
PROCEDURE = "1.001193"
FEE_PROCEDURE = "1.004746"

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hữu", "Thanh")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Tâm", "Trang", "Tuấn")

#: reasons the flow's actions need (NĐ 61/2018: a refusal or a supplement request says why)
REASONS = {
    "reject": "Hồ sơ không thuộc thẩm quyền giải quyết",
    "request_supplement": "Bổ sung bản chính giấy chứng sinh",
    "withdraw": "Công dân đề nghị rút hồ sơ",
    "stop": "Dừng xử lý theo đề nghị của cơ quan có thẩm quyền",
}
#: the lifecycle paths of the one-stop flow (NĐ 61/2018 Điều 17–20) the sync suites drive
PATHS: dict[str, tuple[str, ...]] = {
    "processed-and-returned": ("receive", "process", "finish", "return_result"),
    "rejected": ("reject",),
    "supplement-round": ("receive", "process", "request_supplement", "submit_supplement", "finish", "return_result"),
    "fee-requested": ("receive", "process", "request_fee"),
    "withdrawn": ("receive", "process", "withdraw"),
    "stopped": ("receive", "process", "stop"),
}


def applicant(rng: random.Random, *, procedure: str = PROCEDURE, channel: str = "2") -> DossierRequest:
    """A plausible citizen applying (structurally valid CCCD: province 038, century/gender digit, year)."""
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    cccd = f"038{rng.choice('0123')}{rng.randrange(60, 100):02d}{rng.randrange(10**6):06d}"
    return DossierRequest(
        procedure_code=procedure,
        channel=channel,
        applicant=name,
        applicant_type="1",
        id_number=cccd,
        phone=f"09{rng.randrange(10**8):08d}",
        email=f"congdan{rng.randrange(10**6)}@example.vn",
        summary=f"Đề nghị giải quyết thủ tục {procedure} cho {name}",
        files=(AttachedFile("to-khai.pdf", b"%PDF-1.4 to khai " + str(rng.random()).encode()),),
    )


def drive(driver: SutDriver, request: DossierRequest, actions: Iterable[str], *, amount: int = 50_000) -> str:
    code = driver.create_dossier(request).ma_ho_so
    for action in actions:
        driver.act(code, action, reason=REASONS.get(action), amount=amount if action == "request_fee" else None)
    return code


def collapse(statuses: Iterable[str]) -> list[str]:
    """Statuses with consecutive repeats removed (re-sending the same state is not a change)."""
    out: list[str] = []
    for status in statuses:
        if not out or out[-1] != status:
            out.append(status)
    return out


@dataclass
class SyncedDossier:
    """One dossier as the SUT sees it and as it reached the national side."""

    code: str
    view: DossierView
    dossier_rows: list[dict[str, Any]]
    progress_rows: list[dict[str, Any]]

    @property
    def history_statuses(self) -> list[str]:
        return [step.status for step in self.view.history]

    def accepted_statuses(self) -> list[str]:
        return [item["TrangThaiHoSo"] for row in self.dossier_rows if accepted(row) for item in items(row)]

    def accepted_progress(self) -> list[dict[str, Any]]:
        return [item for row in self.progress_rows if accepted(row) for item in items(row)]


def synced(driver: SutDriver, evidence: Evidence, code: str) -> SyncedDossier:
    return SyncedDossier(
        code,
        driver.view(code),
        evidence.exchanges(service="DongBoHoSoMC", ma_ho_so=code),
        evidence.exchanges(service="CapNhatTienDoHoSoMC", ma_ho_so=code),
    )
