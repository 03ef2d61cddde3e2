"""Packet files: JSON or XML, detected by content; every failure is one clear line, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from harness.core.errors import UsageError
from harness.core.profiles import Profile
from harness.core.violations import ValidationResult, Violation
from harness.specs.catalogue import load_catalogue
from harness.validation.validator import DEFAULT_SECRET, detect_type, get_validator

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LoadedPacket:
    packet: Any
    encoding: str  # "json" or "xml"
    xml_type: str | None = None  # the XML root element names the type
    raw: bytes = b""


def read_bytes(name: str, stdin: Any = None) -> bytes:
    if name == "-":
        if stdin is None:
            import sys

            stdin = sys.stdin.buffer
        data: bytes = stdin.read()
        return data
    path = Path(name)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory, not a packet file") from None
    except PermissionError:
        raise UsageError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None


def parse_packet(data: bytes, name: str = "<packet>") -> LoadedPacket:
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    if body.lstrip()[:1] == b"<":
        from harness.xml import XmlFormError, xml_to_packet

        try:
            xml_type, packet = xml_to_packet(body)
        except XmlFormError as exc:
            raise UsageError(f"{name}: not a usable XML packet: {exc}") from None
        return LoadedPacket(packet, "xml", xml_type, body)
    if not body.strip():
        raise UsageError(f"{name}: empty file, expected a JSON or XML packet")
    try:
        return LoadedPacket(orjson.loads(body), "json", None, body)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{name}: neither JSON nor XML ({exc})") from None


def validate_loaded(
    loaded: LoadedPacket,
    type_name: str | None = None,
    profile: Profile | str = Profile.STRICT,
    *,
    secret: str = DEFAULT_SECRET,
    agency: str | None = None,
    name: str = "<packet>",
) -> ValidationResult:
    active = Profile.parse(profile)
    if loaded.xml_type and type_name and type_name != loaded.xml_type:
        raise UsageError(f"{name}: the XML root element says {loaded.xml_type}, but --type is {type_name}")
    resolved = type_name or loaded.xml_type
    if resolved is None:
        try:
            resolved = detect_type(loaded.packet)
        except UsageError as exc:
            raise UsageError(f"{name}: {exc}") from None
    result = get_validator(resolved, active).validate(loaded.packet, secret=secret, agency=agency)
    if loaded.encoding == "xml" and result.valid and active is Profile.STRICT:
        result = _with_xsd_verdict(result, loaded.raw, resolved)
    return result


def _with_xsd_verdict(result: ValidationResult, raw: bytes, type_name: str) -> ValidationResult:
    """The XSD is generated from the same schemas, so it should agree; report it if it does not."""
    from harness.xml import xsd_errors

    errors = xsd_errors(raw, type_name)
    if not errors:
        return result
    rule = load_catalogue().rule("QCVN120-XML-SCHEMA")
    extra = tuple(Violation(rule.id, "", f"{error} — {rule.title}.", rule.source) for error in errors[:10])
    return ValidationResult(result.type, result.profile, result.violations + extra)


def validate_file(
    name: str,
    type_name: str | None = None,
    profile: Profile | str = Profile.STRICT,
    *,
    secret: str = DEFAULT_SECRET,
    agency: str | None = None,
) -> ValidationResult:
    """Read, parse and validate one file (`-` is standard input)."""
    return validate_loaded(
        parse_packet(read_bytes(name), name), type_name, profile, secret=secret, agency=agency, name=name
    )
