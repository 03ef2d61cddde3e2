"""The DVCQG state that survives a restart: synced dossiers and received packets, written through to the
evidence store's database (`national_state`) in the same transaction as the exchange that changed them.

Kinds: `dvcqg.dossier` (key MaHoSo; meta: status, owner, history, progress and where the object is in
the body; body: the JSON kept for the dossier, often the packet that carried it, then stored once with
the exchange: `committers.by_reference`) and `dvcqg.received`
(key: arrival number; meta: service, madonvi, account, time; body: the packet's `data`). Sessions stay
in memory: after a restart a client authenticates again, as after a session expiry.

The in-memory dicts stay the working copy (reads never touch the database); the database is read once,
when the channel starts.
"""

from __future__ import annotations

from typing import Any

import orjson

from mock_portal.dvcqg.store import DossierRecord, Received, StatusChange
from mock_portal.evidence import EvidenceStore

DOSSIER = "dvcqg.dossier"
RECEIVED = "dvcqg.received"


class DvcqgJournal:
    def __init__(self, store: EvidenceStore) -> None:
        self._store = store

    # --- writing (called under the owning store's lock, so ops are staged in the order of the changes) --
    def dossiers(self, records: list[DossierRecord]) -> None:
        self._store.stage(*(("put", DOSSIER, r.code, _dossier_meta(r), r.raw) for r in records))

    def progress(self, records: list[DossierRecord]) -> None:
        """The timeline changed, not the dossier's JSON: the meta alone."""
        self._store.stage(*(("meta", DOSSIER, r.code, _dossier_meta(r), None) for r in records))

    def received(self, number: int, entry: Received) -> None:
        meta = orjson.dumps(
            {"service": entry.service, "madonvi": entry.madonvi, "account": entry.account, "at": entry.at}
        )
        self._store.stage(("put", RECEIVED, f"{number:012d}", meta.decode(), orjson.dumps(entry.data)))

    def clear_dossiers(self) -> None:
        self._store.stage(("clear", DOSSIER, "", "", None))

    def clear_received(self) -> None:
        self._store.stage(("clear", RECEIVED, "", "", None))

    # --- reading (at start) --------------------------------------------------------------------------
    def load_dossiers(self) -> list[DossierRecord]:
        return [_dossier(key, meta, body or b"null") for key, meta, body in self._store.load_state(DOSSIER)]

    def load_received(self) -> list[Received]:
        entries = []
        for _, raw_meta, body in self._store.load_state(RECEIVED):
            meta = orjson.loads(raw_meta)
            data = orjson.loads(body) if body else None
            entries.append(Received(meta["service"], meta["madonvi"], meta["account"], meta["at"], data))
        return entries


def _dossier_meta(record: DossierRecord) -> str:
    return orjson.dumps(
        {
            "status": record.status,
            "province": record.province,
            "account": record.account,
            "madonvi": record.madonvi,
            "via": record.via,
            "first_synced": record.first_synced,
            "last_synced": record.last_synced,
            "syncs": record.syncs,
            "history": [(h.status, h.at, h.via) for h in record.history],
            "progress": record.progress,
            "within": record.within,
        }
    ).decode()


def _dossier(code: str, raw_meta: str, body: bytes) -> DossierRecord:
    meta: dict[str, Any] = orjson.loads(raw_meta)
    return DossierRecord(
        code=code,
        raw=body,
        status=meta["status"],
        province=meta["province"],
        account=meta["account"],
        madonvi=meta["madonvi"],
        via=meta["via"],
        first_synced=meta["first_synced"],
        last_synced=meta["last_synced"],
        syncs=meta["syncs"],
        history=[StatusChange(status, at, via) for status, at, via in meta["history"]],
        progress=meta["progress"],
        within=tuple(meta["within"]),
    )
