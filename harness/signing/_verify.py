"""Verification of a signed run directory: the signature over manifest.json, then every file against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import UsageError
from harness.signing._jws import SignatureProblem, verify_detached
from harness.signing._keys import reason, thumbprint
from harness.signing._manifest import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    FileEntry,
    Inventory,
    digest,
    parse_manifest,
    require_directory,
    scan,
    show,
)


@dataclass(frozen=True)
class Verification:
    """The outcome of `verify_directory`.

    `problems` are lines starting with CHANGED <path>, MISSING <path>, EXTRA <path>, BAD-SIGNATURE or
    UNTRUSTED-KEY, optionally followed by " — " and an explanation. `fingerprint` is the thumbprint of the key
    that signed, "" when the signature could not be verified. `files` is the number of files the manifest lists.
    """

    problems: tuple[str, ...]
    fingerprint: str
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_manifest(directory: Path) -> bytes:
    path = directory / MANIFEST_NAME
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{directory} has no {MANIFEST_NAME}: it is not a signed run directory") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or reason(exc)}") from None


def _check_signature(directory: Path, manifest: bytes) -> tuple[str, str | None]:
    """(fingerprint, problem): the signer's thumbprint, or "" and the BAD-SIGNATURE line."""
    path = directory / SIGNATURE_NAME
    try:
        token = path.read_bytes().decode("ascii")
    except FileNotFoundError:
        return "", f"BAD-SIGNATURE — {SIGNATURE_NAME} is missing"
    except UnicodeDecodeError:
        return "", f"BAD-SIGNATURE — {SIGNATURE_NAME} is not a compact JWS"
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or reason(exc)}") from None
    try:
        return verify_detached(token, manifest).fingerprint, None
    except SignatureProblem as exc:
        return "", f"BAD-SIGNATURE — {exc}"


def _file_problems(entries: list[FileEntry], inventory: Inventory) -> list[str]:
    found: list[tuple[str, str]] = []
    for entry in entries:
        path = show(entry.path)
        if entry.path in inventory.others:
            found.append((entry.path, f"CHANGED {path} — now a {inventory.others[entry.path]}"))
        elif entry.path not in inventory.files:
            found.append((entry.path, f"MISSING {path}"))
        else:
            sha256, size = digest(inventory.files[entry.path])
            if size != entry.size:
                found.append((entry.path, f"CHANGED {path} — {size} bytes, {entry.size} when signed"))
            elif sha256 != entry.sha256:
                found.append((entry.path, f"CHANGED {path} — content differs from the signed sha256"))
    listed = {entry.path for entry in entries}
    for rel in sorted({*inventory.files, *inventory.others} - listed):
        kind = inventory.others.get(rel)
        found.append((rel, f"EXTRA {show(rel)}" + (f" — a {kind}" if kind else "")))
    return [line for _, line in sorted(found)]


def verify_directory(directory: Path, trusted_key: Mapping[str, Any] | None = None) -> Verification:
    """Check a signed run directory; problems are returned, never raised.

    UsageError when the directory cannot be read, manifest.json is missing or not a run manifest, or
    `trusted_key` is not a usable JWK. A missing manifest.jws is a BAD-SIGNATURE problem (the files may be
    intact, but nothing vouches for them). When manifest.json does not verify, its entries are still compared
    with the files, for information.
    """
    directory = Path(directory)
    require_directory(directory)
    manifest = _read_manifest(directory)
    entries = parse_manifest(manifest, directory / MANIFEST_NAME)
    trusted = thumbprint(trusted_key, "the trusted key") if trusted_key is not None else None
    problems: list[str] = []
    fingerprint, bad_signature = _check_signature(directory, manifest)
    if bad_signature:
        problems.append(bad_signature)
    if trusted is not None and fingerprint and fingerprint != trusted:
        problems.append(f"UNTRUSTED-KEY — signed by key {fingerprint}, not by the trusted key {trusted}")
    problems.extend(_file_problems(entries, scan(directory)))
    return Verification(problems=tuple(problems), fingerprint=fingerprint, files=len(entries))
