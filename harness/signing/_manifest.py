"""The run manifest: every regular file of a run directory with its sha256 and size, signed by manifest.jws."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from harness.core.errors import UsageError
from harness.signing._jws import sign_detached
from harness.signing._keys import SigningKey, reason

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.jws"
FORMAT = "dvc-harness/run-manifest"
VERSION = 1

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Inventory:
    """What a directory holds: regular files, and anything else that is not a directory (by posix path)."""

    files: dict[str, Path]
    others: dict[str, str]  # path → "symbolic link" or "special file"


def show(path: str) -> str:
    """A path on one printable line (a file name may hold a newline or undecodable bytes)."""
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in path)


def _raise(exc: OSError) -> None:
    raise exc


def scan(directory: Path) -> Inventory:
    """Walk `directory` without following links; the top-level manifest files are left out."""
    files: dict[str, Path] = {}
    others: dict[str, str] = {}
    try:
        for top, dirnames, filenames in os.walk(directory, onerror=_raise):
            base = Path(top)
            for name in [*dirnames, *filenames]:
                path = base / name
                rel = path.relative_to(directory).as_posix()
                if rel in (MANIFEST_NAME, SIGNATURE_NAME):
                    continue
                mode = path.lstat().st_mode
                if stat.S_ISDIR(mode):
                    continue
                if stat.S_ISREG(mode):
                    files[rel] = path
                else:
                    others[rel] = "symbolic link" if stat.S_ISLNK(mode) else "special file"
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename or directory}: {exc.strerror or reason(exc)}") from None
    return Inventory(files, others)


def digest(path: Path) -> tuple[str, int]:
    """sha256 (hex) and size of a file, read in chunks."""
    try:
        with path.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
            return sha256, handle.tell()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or reason(exc)}") from None


def require_directory(directory: Path) -> None:
    if not directory.exists():
        raise UsageError(f"{directory} does not exist")
    if not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")


def build_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of `directory` as it is now; UsageError for links and special files (not signed)."""
    inventory = scan(directory)
    if inventory.others:
        rel, kind = min(inventory.others.items())
        raise UsageError(f"{directory / show(rel)} is a {kind}; a run directory with links is not signed (copy it in)")
    entries = []
    for rel in sorted(inventory.files):
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{directory / show(rel)}: the file name is not UTF-8; rename it before signing") from None
        sha256, size = digest(inventory.files[rel])
        entries.append({"path": rel, "sha256": sha256, "size": size})
    return {"format": FORMAT, "version": VERSION, "files": entries}


def encode_manifest(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _safe_path(value: object) -> TypeGuard[str]:
    if not isinstance(value, str) or not value or value.startswith("/") or "\\" in value or "\0" in value:
        return False
    if value in (MANIFEST_NAME, SIGNATURE_NAME):
        return False
    return all(part not in ("", ".", "..") for part in value.split("/"))


def parse_manifest(data: bytes, where: Path) -> list[FileEntry]:
    """The entries of a manifest.json; UsageError when it is not JSON or not a run manifest."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where} is not JSON ({reason(exc)}); it is not a run manifest") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UsageError(f'{where} is not a run manifest (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise UsageError(f"{where} has manifest version {document.get('version')!r}; this dvc-harness reads {VERSION}")
    files = document.get("files")
    if not isinstance(files, list):
        raise UsageError(f'{where} is not a run manifest ("files" is not a list)')
    entries: list[FileEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(files):
        if not isinstance(item, dict):
            raise UsageError(f"{where}: files[{index}] is not an object")
        path, sha256, size = item.get("path"), item.get("sha256"), item.get("size")
        if not _safe_path(path):
            raise UsageError(f"{where}: files[{index}] has an unusable path {path!r} (a relative path inside DIR)")
        if path in seen:
            raise UsageError(f"{where}: {show(path)} is listed twice")
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise UsageError(f"{where}: files[{index}] has no sha256 (64 lower-case hex digits)")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise UsageError(f"{where}: files[{index}] has no size (a non-negative integer)")
        seen.add(path)
        entries.append(FileEntry(path, sha256, size))
    return entries


def _replace(target: Path, data: bytes) -> None:
    """Write `target` through a temporary file; a link or non-file in its place is refused, not followed."""
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or reason(exc)}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{target} exists and is not a regular file; remove it before signing")
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or reason(exc)}") from None


def sign_directory(directory: Path, key: SigningKey) -> dict[str, Any]:
    """Write manifest.json (every file under `directory`) and manifest.jws (its detached signature).

    Signing again, after files were added, overwrites both. Returns the manifest.
    """
    directory = Path(directory)
    require_directory(directory)
    manifest = build_manifest(directory)
    data = encode_manifest(manifest)
    token = sign_detached(data, key)
    _replace(directory / MANIFEST_NAME, data)
    _replace(directory / SIGNATURE_NAME, (token + "\n").encode("ascii"))
    return manifest
