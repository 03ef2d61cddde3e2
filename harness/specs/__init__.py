"""Specs layer: loads the schema files and the packet and rule catalogues (data, not code)."""

from __future__ import annotations

from harness.specs.catalogue import Catalogue, PacketType, Rule, load_catalogue
from harness.specs.scalars import scalar_enum, scalar_pattern, scalar_pattern_text
from harness.specs.store import SchemaStore, load_store

__all__ = [
    "Catalogue",
    "PacketType",
    "Rule",
    "SchemaStore",
    "load_catalogue",
    "load_store",
    "scalar_enum",
    "scalar_pattern",
    "scalar_pattern_text",
]
