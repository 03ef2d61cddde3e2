"""The pushes the portal accepted from DVCQG, kept as received (the body verbatim) with their reference.

A repeat is found inside the write transaction (BEGIN IMMEDIATE), so two concurrent deliveries of the
same push cannot both be stored. The (kind, ref_id) index is not UNIQUE only because the defect switch
`inbound-duplicates-stored` must be able to store repeats.
"""

from __future__ import annotations

from typing import Any

import orjson

from reference_portal.db import Database
from reference_portal.inbound.kinds import Push

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbound_message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    national_code TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbound_message_ref ON inbound_message (kind, ref_id);
"""
TABLES = ("inbound_message",)


def store(db: Database, push: Push, body: Any, received_at: str, *, keep_repeats: bool = False) -> bool:
    """Store a push; False (nothing stored) when the same reference was stored before."""
    with db.transaction() as conn:
        if not keep_repeats:
            seen = conn.execute(
                "SELECT 1 FROM inbound_message WHERE kind = ? AND ref_id = ?", (push.kind, push.ref_id)
            ).fetchone()
            if seen is not None:
                return False
        conn.execute(
            "INSERT INTO inbound_message (kind, ref_id, national_code, body, received_at) VALUES (?, ?, ?, ?, ?)",
            (push.kind, push.ref_id, push.national_code, orjson.dumps(body).decode(), received_at),
        )
    return True


def received(db: Database, kind: str | None = None) -> list[dict[str, Any]]:
    """Every stored push, oldest first (optionally of one kind)."""
    sql = "SELECT * FROM inbound_message" + (" WHERE kind = ?" if kind else "") + " ORDER BY id"
    return [
        {
            "id": row["id"],
            "kind": row["kind"],
            "ref_id": row["ref_id"],
            "national_code": row["national_code"],
            "received_at": row["received_at"],
            "body": orjson.loads(row["body"]),
        }
        for row in db.query(sql, (kind,) if kind else ())
    ]
