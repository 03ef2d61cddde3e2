"""Packet files: JSON or XML, detected by content; every failure is one clear line, never a traceback.

Input is read up to `max_bytes` (at most that plus one byte is ever held): a larger file or stream is
refused before it is parsed, so that an accidental or hostile multi-gigabyte input costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from harness.core.errors import UsageError
from harness.core.profiles import Profile
from harness.core.violations import DEFAULT_MAX_VIOLATIONS, ValidationResult, Violation
from harness.specs.catalogue import load_catalogue
from harness.validation.validator import DEFAULT_SECRET, detect_type, get_validator

_BOM = b"\xef\xbb\xbf"
#: the input size `validate` accepts unless told otherwise (--max-bytes)
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class LoadedPacket:
    packet: Any
    encoding: str  # "json" or "xml"
    xml_type: str | None = None  # the XML root element names the type
    raw: bytes = b""


def read_bytes(name: str, stdin: Any = None, max_bytes: int | None = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes (`-`: standard input); UsageError when it holds more than `max_bytes` (None: no limit)."""
    if name == "-":
        if stdin is None:
            import sys

            stdin = sys.stdin.buffer
        return _read_capped(stdin, "standard input", max_bytes)
    path = Path(name)
    try:
        with path.open("rb") as handle:
            return _read_capped(handle, name, max_bytes)
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{name}: is a directory, not a packet file") from None
    except PermissionError:
        raise UsageError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"{name}: cannot read ({exc.strerror or exc})") from None


def _read_capped(handle: IO[bytes], name: str, max_bytes: int | None) -> bytes:
    data: bytes = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise UsageError(f"{name}: larger than {max_bytes} bytes, not read (the input size limit, --max-bytes)")
    return data


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
    max_violations: int | None = DEFAULT_MAX_VIOLATIONS,
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
    validator = get_validator(resolved, active)
    result = validator.validate(loaded.packet, secret=secret, agency=agency, max_violations=max_violations)
    if loaded.encoding == "xml" and result.valid and active is Profile.STRICT:
        result = _with_xsd_verdict(result, loaded.raw, resolved, max_violations)
    return result


_XSD_LISTED = 10


def _with_xsd_verdict(
    result: ValidationResult, raw: bytes, type_name: str, max_violations: int | None
) -> ValidationResult:
    """The XSD is generated from the same schemas, so it should agree; report it if it does not."""
    from harness.xml import xsd_errors

    listed = min(_XSD_LISTED, max_violations or _XSD_LISTED)
    errors = xsd_errors(raw, type_name, limit=listed + 1)
    if not errors:
        return result
    rule = load_catalogue().rule("QCVN120-XML-SCHEMA")
    extra = tuple(Violation(rule.id, "", f"{error} — {rule.title}.", rule.source) for error in errors[:listed])
    more = len(errors) > listed  # not counted further
    return ValidationResult(result.type, result.profile, extra, omitted=int(more), counted=not more)


def validate_file(
    name: str,
    type_name: str | None = None,
    profile: Profile | str = Profile.STRICT,
    *,
    secret: str = DEFAULT_SECRET,
    agency: str | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_violations: int | None = DEFAULT_MAX_VIOLATIONS,
) -> ValidationResult:
    """Read (at most `max_bytes`), parse and validate one file (`-` is standard input)."""
    loaded = parse_packet(read_bytes(name, max_bytes=max_bytes), name)
    return validate_loaded(
        loaded, type_name, profile, secret=secret, agency=agency, name=name, max_violations=max_violations
    )
