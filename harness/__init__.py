"""dvc-harness: conformance harness and mock national portal for Vietnamese e-government data exchange.

Public API (everything else is internal and may change):

- `validate(packet, type=None, profile="strict", secret=..., max_violations=100)` → `ValidationResult` (the
  first `max_violations` violations; `truncated`, `violation_count` and `count_text()` say how many more)
- `validate_file(path, ...)`, `detect_type(packet)`, `get_validator(type, profile)`
- `valid_packets(type, profile)`, `invalid_packets(type, profile, rule=None)`: Hypothesis strategies
- `packet_types()`, `rules()`: the catalogues
- `sign_payment(packet, type, secret)`, `payment_checksum_of(...)`: a payment packet's `MaXacThuc`, over the
  fields its schema's `x-checksum` lists (the mock, the reference portal and the suites all sign with it)

Public subpackages, each with its own `__all__`:

- `harness.sut`: `load_sut(path)` → `SutDescription`, `connect(description)` → a `SutDriver` (the SUT
  control API over HTTP, or a Python driver), typed requests and answers, the `SutError` family
- `harness.requirements`: the requirement catalogue and regulation profiles, `coverage()`
- `harness.conformance`: what the pytest plugin runs on (the national mock and the SUT of a run, evidence
  queries, faults, per-requirement results)
- `harness.reporting`: the certification report model, `certify` and the officer's attestations
- `harness.signing`: signed run directories (`sign_directory`, `verify_directory`, keys)
- `harness.load`: Locust runs in a subprocess, typed results, judged against the profile's thresholds
"""

from __future__ import annotations

__version__ = "0.1.0"

from harness.core.errors import HarnessError, UnknownPacketTypeError, UsageError
from harness.core.profiles import Profile
from harness.core.violations import ValidationResult, Violation
from harness.generation import InvalidPacket, invalid_packets, valid_packets
from harness.specs import PacketType, Rule, load_catalogue
from harness.validation import PacketValidator, detect_type, get_validator
from harness.validation import validate_packet as validate
from harness.validation.checksums import payment_checksum_of, sign_payment
from harness.validation.files import validate_file


def packet_types() -> dict[str, PacketType]:
    """Every packet type of the catalogue, by name."""
    return dict(load_catalogue().types)


def rules() -> dict[str, Rule]:
    """Every rule of the catalogue, by ID."""
    return dict(load_catalogue().rules)


__all__ = [
    "HarnessError",
    "InvalidPacket",
    "PacketType",
    "PacketValidator",
    "Profile",
    "Rule",
    "UnknownPacketTypeError",
    "UsageError",
    "ValidationResult",
    "Violation",
    "__version__",
    "detect_type",
    "get_validator",
    "invalid_packets",
    "packet_types",
    "payment_checksum_of",
    "rules",
    "sign_payment",
    "valid_packets",
    "validate",
    "validate_file",
]
