"""Specs layer: loads the schema files and the packet and rule catalogues (data, not code)."""

from __future__ import annotations

from harness.specs.catalogue import Catalogue, PacketType, Rule, load_catalogue
from harness.specs.store import SchemaStore, load_store

__all__ = ["Catalogue", "PacketType", "Rule", "SchemaStore", "load_catalogue", "load_store"]
