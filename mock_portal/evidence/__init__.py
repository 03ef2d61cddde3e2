"""Evidence: every request and response the mock saw or sent, durable before the answer leaves."""

from __future__ import annotations

from mock_portal.evidence.model import Exchange
from mock_portal.evidence.redact import redact_exchange
from mock_portal.evidence.store import EvidenceStore, open_store

__all__ = ["EvidenceStore", "Exchange", "open_store", "redact_exchange"]
