"""Semantic rules: what JSON Schema cannot say. Each check is registered under a catalogue rule ID.

Checks guard their own inputs: a value that is missing or badly formed is another rule's business, so
one defect is reported under one rule.
"""

from __future__ import annotations

from harness.validation.rules import codes, dossier, formats, payment, sso
from harness.validation.rules._registry import (
    ENTITY_CHECKS,
    PACKET_BINDERS,
    SCHEMA_PATTERNS,
    Finding,
    PacketCheck,
    RuleContext,
)

__all__ = [
    "ENTITY_CHECKS",
    "PACKET_BINDERS",
    "SCHEMA_PATTERNS",
    "Finding",
    "PacketCheck",
    "RuleContext",
    "codes",
    "dossier",
    "formats",
    "payment",
    "sso",
]
