"""What the system under test synced: dossiers (latest object, status history, progress), and the other
write services' packets.

Writes are all-or-nothing: a batch is checked against a staged copy and committed only when every item
passes, so a refused request changes nothing. With a journal (`durable.DvcqgJournal`, a file or
PostgreSQL store) every committed change is also staged for the database, under the same lock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import orjson

from harness.core.errors import UsageError
from harness.core.statuses import STATUS_NAMES
from mock_portal.dvcqg.errors import ChannelError, problems_message

# dvcqg-interfaces §8.1, the suggested machine (staying in a status is always allowed)
DEFAULT_GRAPH: dict[str, tuple[str, ...]] = {
    "1": ("2", "3"),
    "2": ("4", "5", "6", "7", "8"),
    "4": ("5", "6", "8", "9", "7"),
    "5": ("4", "8", "7"),
    "6": ("4", "9", "8"),
    "9": ("10",),
}


def kept_json(value: Any) -> bytes:
    """`value` as compact JSON, in a bytes object of its own size, for keeping.

    orjson's result keeps the buffer it was written into (16 KiB for a 3 KB dossier): kept for every
    synced dossier, that was five times the memory, and a loaded mock spent its time faulting in fresh
    pages. The copy costs a fraction of a microsecond."""
    return bytes(memoryview(orjson.dumps(value)))


def text(value: Any) -> str:
    """A packet scalar as text, read as the lenient profile reads numbers and booleans where strings are due."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def status_label(code: str) -> str:
    name = STATUS_NAMES.get(code)
    return f"{code} ({name})" if name else repr(code)


class StatusGraph:
    """Allowed status changes; `transitive` also accepts any status reachable through the graph (for
    systems that sync less often than their dossiers move)."""

    def __init__(self, edges: Mapping[str, Iterable[str]], *, transitive: bool = False) -> None:
        self._next = {str(k): frozenset(str(v) for v in vs) for k, vs in edges.items()}
        self.transitive = transitive
        if transitive:
            self._next = {k: self._reachable(k) for k in self._next}

    def _reachable(self, start: str) -> frozenset[str]:
        seen: set[str] = set()
        todo = list(self._next.get(start, ()))
        while todo:
            code = todo.pop()
            if code not in seen:
                seen.add(code)
                todo.extend(self._next.get(code, ()))
        return frozenset(seen)

    @classmethod
    def from_config(cls, extra: Mapping[str, Any]) -> StatusGraph:
        raw = extra.get("status_graph", DEFAULT_GRAPH)
        if not isinstance(raw, Mapping) or not all(
            isinstance(v, list | tuple) and all(isinstance(x, str | int) for x in v) for v in raw.values()
        ):
            raise UsageError(
                'mock configuration: status_graph maps a status to the statuses it may move to, e.g. "2" = ["4", "5"]'
            )
        return cls(raw, transitive=bool(extra.get("status_transitive", False)))

    def allows(self, old: str, new: str) -> bool:
        return old == new or new in self._next.get(old, ())

    def successors(self, old: str) -> list[str]:
        return sorted(self._next.get(old, ()), key=lambda c: (len(c), c))

    def refusal(self, code: str, old: str, new: str, where: str = "") -> str:
        allowed = ", ".join(self.successors(old)) or "không có / none (trạng thái kết thúc / terminal)"
        return (
            f"Hồ sơ {code}{where}: chuyển trạng thái không hợp lệ {status_label(old)} → {status_label(new)}; "
            f"từ {old} chỉ được chuyển sang / allowed from {old}: {allowed} "
            f"(invalid status transition {old} → {new})"
        )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is syncing: the integration account, its province and the agency it speaks for."""

    account: str
    province: str
    madonvi: str
    via: str  # "integration" | "adapter"


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: str
    at: float  # mock clock, when the sync that carried it was accepted
    via: str


@dataclass(slots=True)
class DossierRecord:
    """One synced dossier. The latest object is kept serialised: thousands of parsed dossiers would be
    millions of objects for the garbage collector to walk (long pauses under load); it is parsed back
    only when read (TraCuuHoSo, KPI)."""

    code: str
    raw: bytes  # JSON of the latest object synced, or of the packet that carried it (see `within`)
    status: str
    province: str
    account: str
    madonvi: str
    via: str
    first_synced: float
    last_synced: float
    syncs: int = 1
    history: list[StatusChange] = field(default_factory=list)
    progress: list[dict[str, Any]] = field(default_factory=list)  # ordered by ThoiDiemXuLy
    within: tuple[str | int, ...] = ()  # where the object is in `raw`: () for itself, ("data", 0) in a packet

    @classmethod
    def from_object(
        cls,
        code: str,
        dossier: dict[str, Any],
        province: str,
        account: str,
        madonvi: str,
        via: str,
        first_synced: float,
        last_synced: float,
    ) -> DossierRecord:
        return cls(
            code,
            kept_json(dossier),
            text(dossier.get("TrangThaiHoSo")),
            province,
            account,
            madonvi,
            via,
            first_synced,
            last_synced,
        )

    @property
    def dossier(self) -> dict[str, Any]:
        value: Any = orjson.loads(self.raw)
        for step in self.within:
            value = value[step]
        dossier: dict[str, Any] = value
        return dossier

    def to_dict(self) -> dict[str, Any]:
        return {
            "MaHoSo": self.code,
            "dossier": self.dossier,
            "province": self.province,
            "account": self.account,
            "madonvi": self.madonvi,
            "via": self.via,
            "first_synced": self.first_synced,
            "last_synced": self.last_synced,
            "syncs": self.syncs,
            "history": [{"TrangThaiHoSo": h.status, "at": h.at, "via": h.via} for h in self.history],
            "progress": self.progress,
        }


def _step_key(step: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(text(step.get(k)) for k in ("ThoiDiemXuLy", "TrangThai", "NoiDungXuLy", "NguoiXuLy"))


class DossierStore:
    def __init__(self, graph: StatusGraph, journal: Journal | None = None) -> None:
        self.graph = graph
        self._lock = threading.Lock()
        self._dossiers: dict[str, DossierRecord] = {}
        self._journal = journal
        if journal is not None:
            self._dossiers = {record.code: record for record in journal.load_dossiers()}

    def get(self, code: str) -> DossierRecord | None:
        return self._dossiers.get(code)

    def records(self) -> list[DossierRecord]:
        with self._lock:
            return list(self._dossiers.values())

    def reset(self) -> None:
        with self._lock:
            self._dossiers.clear()
            if self._journal is not None:
                self._journal.clear_dossiers()

    def sync(
        self,
        items: list[dict[str, Any]],
        *,
        updating: bool,
        caller: Caller,
        now: float,
        via: str,
        packet: tuple[bytes, tuple[str | int, ...]] | None = None,
    ) -> int:
        """DongBoHoSoMC: insert (isUpdating "False") or update ("True") every dossier, or none.

        `packet` is the request body the items were parsed from and where they are in it: a packet
        carrying one dossier is then kept as received (no second serialisation, no copy)."""
        single = (packet[0], (*packet[1], 0)) if packet is not None and len(items) == 1 else None
        with self._lock:
            staged: dict[str, DossierRecord] = {}
            problems: list[tuple[str, str]] = []
            for index, item in enumerate(items):
                code = text(item.get("MaHoSo"))
                where = f" (data[{index}])" if len(items) > 1 else ""
                current = staged.get(code) or self._dossiers.get(code)
                status = text(item.get("TrangThaiHoSo"))
                if not updating:
                    if current is not None:
                        problems.append(("duplicate", _duplicate(code, where)))
                        continue
                    raw, within = single or (kept_json(item), ())
                    staged[code] = DossierRecord(
                        code=code,
                        raw=raw,
                        status=status,
                        province=caller.province,
                        account=caller.account,
                        madonvi=caller.madonvi,
                        via=via,
                        first_synced=now,
                        last_synced=now,
                        history=[StatusChange(status, now, via)],
                        within=within,
                    )
                    continue
                if current is None:
                    problems.append(("not_found", _unknown(code, where, "DongBoHoSoMC")))
                    continue
                if current.province != caller.province:
                    problems.append(("forbidden", _foreign(code, where, current.province, caller.province)))
                    continue
                if not self.graph.allows(current.status, status):
                    problems.append(("transition", self.graph.refusal(code, current.status, status, where)))
                    continue
                history = current.history
                if status != current.status:
                    history = [*history, StatusChange(status, now, via)]
                raw, within = single or (kept_json(item), ())
                staged[code] = replace(
                    current,
                    raw=raw,
                    within=within,
                    status=status,
                    account=caller.account,
                    madonvi=caller.madonvi,
                    via=via,
                    last_synced=now,
                    syncs=current.syncs + 1,
                    history=history,
                )
            _refuse(problems, "Đồng bộ hồ sơ bị từ chối, không hồ sơ nào được ghi nhận / refused, nothing stored:")
            self._dossiers.update(staged)
            if self._journal is not None:
                self._journal.dossiers(list(staged.values()))
            return len(items)

    def add_progress(self, steps: list[dict[str, Any]], *, caller: Caller) -> int:
        """CapNhatTienDoHoSoMC: merge steps into each known dossier's history (re-sent steps are ignored);
        the merged timeline, ordered by ThoiDiemXuLy, must follow the status graph."""
        with self._lock:
            by_code: dict[str, list[tuple[int, dict[str, Any]]]] = {}
            for index, step in enumerate(steps):
                by_code.setdefault(text(step.get("MaHoSo")), []).append((index, step))
            staged: dict[str, DossierRecord] = {}
            problems: list[tuple[str, str]] = []
            for code, indexed in by_code.items():
                current = self._dossiers.get(code)
                where = f" (data[{indexed[0][0]}])" if len(steps) > 1 else ""
                if current is None:
                    problems.append(("not_found", _unknown(code, where, "CapNhatTienDoHoSoMC")))
                    continue
                if current.province != caller.province:
                    problems.append(("forbidden", _foreign(code, where, current.province, caller.province)))
                    continue
                known = {_step_key(s) for s in current.progress}
                timeline = list(current.progress)
                for _, step in indexed:
                    key = _step_key(step)
                    if key not in known:
                        known.add(key)
                        timeline.append(step)
                timeline.sort(key=lambda s: text(s.get("ThoiDiemXuLy")))
                problem = self._timeline_problem(code, timeline)
                if problem:
                    problems.append(("transition", problem))
                    continue
                staged[code] = replace(current, progress=timeline)
            _refuse(problems, "Cập nhật tiến độ bị từ chối, không bước nào được ghi nhận / refused, nothing stored:")
            self._dossiers.update(staged)
            if self._journal is not None:
                self._journal.progress(list(staged.values()))
            return len(steps)

    def _timeline_problem(self, code: str, timeline: list[dict[str, Any]]) -> str | None:
        for before, after in itertools.pairwise(timeline):
            old, new = text(before.get("TrangThai")), text(after.get("TrangThai"))
            if not self.graph.allows(old, new):
                at = f" (bước lúc / step at {text(after.get('ThoiDiemXuLy'))})"
                return self.graph.refusal(code, old, new, at)
        return None


def _duplicate(code: str, where: str) -> str:
    return (
        f'Hồ sơ {code}{where} đã tồn tại trên Cổng DVCQG; gửi lại với isUpdating "True" để cập nhật '
        f'(dossier already exists: send isUpdating "True" to update it)'
    )


def _unknown(code: str, where: str, service: str) -> str:
    hint = 'đồng bộ hồ sơ với isUpdating "False" trước' if service == "DongBoHoSoMC" else "đồng bộ hồ sơ trước"
    return f"Hồ sơ {code}{where} không tồn tại trên Cổng DVCQG; {hint} (unknown dossier: sync it first)"


def _foreign(code: str, where: str, owner: str, caller: str) -> str:
    return (
        f"Hồ sơ {code}{where} do tài khoản của {owner} đồng bộ, không thuộc {caller} "
        f"(dossier belongs to another province or ministry)"
    )


def _refuse(problems: list[tuple[str, str]], head: str) -> None:
    if problems:
        kinds = {kind for kind, _ in problems}
        raise ChannelError(
            problems[0][0],
            problems_message(head, [message for _, message in problems]),
            rules=tuple(f"STATE:{kind}" for kind in sorted(kinds)),
            verdict="invalid" if "transition" in kinds else None,
        )


@dataclass(frozen=True, slots=True)
class Received:
    """One accepted packet of a write service other than dossiers and progress."""

    service: str
    madonvi: str
    account: str
    at: float
    data: Any


class ReceivedStore:
    """DongBoTrangThaiHoSo, DongBoDanhGia, DongBoThongKeHoSo, DongBoHoiDap, DongBoKetQuaHoiDapGuiTuDVCQG."""

    def __init__(self, journal: Journal | None = None) -> None:
        self._lock = threading.Lock()
        self._by_service: dict[str, list[Received]] = {}
        self._count = 0  # arrival number of the last entry (the journal's key)
        self._journal = journal
        if journal is not None:
            for entry in journal.load_received():
                self._by_service.setdefault(entry.service, []).append(entry)
                self._count += 1

    def add(self, entry: Received) -> None:
        with self._lock:
            self._by_service.setdefault(entry.service, []).append(entry)
            self._count += 1
            if self._journal is not None:
                self._journal.received(self._count, entry)

    def of(self, service: str) -> list[Received]:
        with self._lock:
            return list(self._by_service.get(service, ()))

    def reset(self) -> None:
        with self._lock:
            self._by_service.clear()
            self._count = 0
            if self._journal is not None:
                self._journal.clear_received()


class Journal(Protocol):
    """Where the stores write their changes through (`durable.DvcqgJournal`); declared here so the stores
    need not import the module that imports them."""

    def dossiers(self, records: list[DossierRecord]) -> None: ...
    def progress(self, records: list[DossierRecord]) -> None: ...
    def received(self, number: int, entry: Received) -> None: ...
    def clear_dossiers(self) -> None: ...
    def clear_received(self) -> None: ...
    def load_dossiers(self) -> list[DossierRecord]: ...
    def load_received(self) -> list[Received]: ...
