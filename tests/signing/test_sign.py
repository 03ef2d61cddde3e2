"""sign_directory: manifest.json lists every file, manifest.jws is a detached JWS any JOSE library can check."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness.core.errors import UsageError
from harness.signing import FORMAT, SigningKey, ephemeral_key, sign_directory, verify_directory

from .conftest import RUN_FILES


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_manifest_lists_every_file_sorted_with_sha256_and_size(run_dir: Path, key: SigningKey) -> None:
    manifest = sign_directory(run_dir, key)
    assert manifest["format"] == FORMAT == "dvc-harness/run-manifest" and manifest["version"] == 1
    assert [entry["path"] for entry in manifest["files"]] == sorted(RUN_FILES)
    for entry in manifest["files"]:
        data = RUN_FILES[entry["path"]]
        assert entry == {"path": entry["path"], "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert json.loads((run_dir / "manifest.json").read_bytes()) == manifest


def test_manifest_jws_is_a_detached_compact_jws_over_the_manifest_bytes(run_dir: Path, key: SigningKey) -> None:
    sign_directory(run_dir, key)
    header_segment, payload_segment, signature_segment = (run_dir / "manifest.jws").read_text().strip().split(".")
    assert payload_segment == ""
    header = json.loads(b64decode(header_segment))
    assert header["alg"] == "EdDSA" and header["kid"] == key.fingerprint and header["jwk"] == key.public_jwk
    # RFC 7515 appendix F: the signing input is the header and the base64url of the detached payload
    payload = base64.urlsafe_b64encode((run_dir / "manifest.json").read_bytes()).rstrip(b"=")
    public = Ed25519PublicKey.from_public_bytes(b64decode(header["jwk"]["x"]))
    public.verify(b64decode(signature_segment), header_segment.encode() + b"." + payload)


def test_signing_again_lists_added_files_and_never_the_manifest_itself(run_dir: Path, key: SigningKey) -> None:
    sign_directory(run_dir, key)
    (run_dir / "attachments" / "attestation.pdf").write_bytes(b"%PDF-1.4 signed by the officer")
    (run_dir / "exchanges" / "manifest.json").write_bytes(b"{}")  # only the top-level manifest is left out
    manifest = sign_directory(run_dir, key)
    paths = [entry["path"] for entry in manifest["files"]]
    assert "attachments/attestation.pdf" in paths and "exchanges/manifest.json" in paths
    assert "manifest.json" not in paths and "manifest.jws" not in paths
    assert verify_directory(run_dir).ok


def test_a_symbolic_link_is_refused_not_followed(run_dir: Path, key: SigningKey, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret", encoding="utf-8")
    os.symlink(tmp_path / "outside.txt", run_dir / "attachments" / "link.txt")
    with pytest.raises(UsageError, match=r"attachments/link.txt is a symbolic link"):
        sign_directory(run_dir, key)
    assert not (run_dir / "manifest.json").exists() and not (run_dir / "manifest.jws").exists()


def test_a_linked_directory_is_refused(run_dir: Path, key: SigningKey, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", run_dir / "more", target_is_directory=True)
    with pytest.raises(UsageError, match="more is a symbolic link"):
        sign_directory(run_dir, key)


def test_a_linked_manifest_is_not_written_through(run_dir: Path, key: SigningKey, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    os.symlink(victim, run_dir / "manifest.json")
    with pytest.raises(UsageError, match="not a regular file"):
        sign_directory(run_dir, key)
    assert victim.read_text(encoding="utf-8") == "keep me"


def test_signing_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        sign_directory(tmp_path / "nowhere", ephemeral_key())
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="is not a directory"):
        sign_directory(tmp_path / "file", ephemeral_key())


def test_file_names_outside_ascii_are_signed_as_utf8(run_dir: Path, key: SigningKey) -> None:
    (run_dir / "attachments" / "Giấy chứng nhận.pdf").write_bytes(b"%PDF")
    manifest = sign_directory(run_dir, key)
    assert "attachments/Giấy chứng nhận.pdf" in [entry["path"] for entry in manifest["files"]]
    assert "Giấy chứng nhận" in (run_dir / "manifest.json").read_text(encoding="utf-8")
    assert verify_directory(run_dir).ok
