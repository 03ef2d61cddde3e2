"""Engine layer: validation of packets against schemas and semantic rules."""

from __future__ import annotations

from harness.validation.validator import (
    DEFAULT_SECRET,
    PacketValidator,
    detect_type,
    get_validator,
    known_types,
    validate_packet,
)

__all__ = ["DEFAULT_SECRET", "PacketValidator", "detect_type", "get_validator", "known_types", "validate_packet"]
