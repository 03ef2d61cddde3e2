"""Generation layer: Hypothesis strategies derived from the schema files and the rule catalogue."""

from __future__ import annotations

from harness.generation.strategies import InvalidPacket, invalid_packets, mutation_rules, valid_packets

__all__ = ["InvalidPacket", "invalid_packets", "mutation_rules", "valid_packets"]
