"""Signing payment packets by type: `MaXacThuc` over the fields the type's schema lists in `x-checksum`.

The one signing function the national mock, the reference portal and the suites share (through
`harness.sign_payment`): the field order is read from the schema, the hash is `harness.core.checksum`'s, so
a change to either reaches every signer at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from harness.core.checksum import payment_checksum
from harness.specs import load_catalogue, load_store
from harness.validation.rules.payment import checksum_fields as schema_checksum_fields


@cache
def checksum_fields(type_name: str) -> tuple[str, ...]:
    """The `MaXacThuc` field order of a packet type (e.g. "payment.IPN"), from its schema's `x-checksum`."""
    store = load_store()
    schema = store.by_id(store.id_for_path(load_catalogue().packet_type(type_name).schema))
    fields = schema_checksum_fields(schema)
    if not fields:
        raise LookupError(f"{type_name} declares no x-checksum")
    return tuple(fields)


def payment_checksum_of(packet: Mapping[str, Any], type_name: str, secret: str) -> str:
    """The `MaXacThuc` a packet of this type carries when signed with `secret` (lower-case hex)."""
    return payment_checksum(packet, checksum_fields(type_name), secret)


def sign_payment(packet: dict[str, Any], type_name: str, secret: str) -> dict[str, Any]:
    """Set the packet's `MaXacThuc` for this type and secret; returns the packet."""
    packet["MaXacThuc"] = payment_checksum_of(packet, type_name, secret)
    return packet
