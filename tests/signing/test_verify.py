"""verify_directory on a directory shaped like a real run: each kind of tampering gives exactly its problem."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from joserfc.jwk import ECKey

from harness.core.errors import UsageError
from harness.signing import SigningKey, ephemeral_key, load_signing_key, sign_directory, verify_directory

from .conftest import RUN_FILES, kinds

PATHS = sorted(RUN_FILES)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def signed(run_dir: Path, key: SigningKey) -> Path:
    sign_directory(run_dir, key)
    return run_dir


def test_an_untouched_run_verifies(signed: Path, key: SigningKey) -> None:
    result = verify_directory(signed)
    assert result.ok and result.problems == ()
    assert result.fingerprint == key.fingerprint and result.files == len(RUN_FILES)
    assert verify_directory(signed, key.public_jwk).ok


@pytest.mark.parametrize("path", PATHS)
def test_one_changed_byte_is_exactly_changed(signed: Path, path: str) -> None:
    data = bytearray((signed / path).read_bytes())
    data[len(data) // 2] ^= 0x01
    (signed / path).write_bytes(bytes(data))
    result = verify_directory(signed)
    assert kinds(result) == [f"CHANGED {path}"] and not result.ok


@pytest.mark.parametrize("path", PATHS)
def test_one_appended_byte_is_exactly_changed(signed: Path, path: str) -> None:
    with (signed / path).open("ab") as handle:
        handle.write(b"\n")
    assert kinds(verify_directory(signed)) == [f"CHANGED {path}"]


@pytest.mark.parametrize("path", PATHS)
def test_a_deleted_file_is_exactly_missing(signed: Path, path: str) -> None:
    (signed / path).unlink()
    assert verify_directory(signed).problems == (f"MISSING {path}",)


@pytest.mark.parametrize("path", ["notes.txt", "exchanges/000002.json", "attachments/new/y.pdf", ".hidden"])
def test_an_added_file_is_exactly_extra(signed: Path, path: str) -> None:
    (signed / path).parent.mkdir(parents=True, exist_ok=True)
    (signed / path).write_bytes(b"added after signing")
    assert verify_directory(signed).problems == (f"EXTRA {path}",)


def test_several_problems_are_all_reported_by_path(signed: Path) -> None:
    (signed / "report.json").write_bytes(b"{}")
    (signed / "pytest.log").unlink()
    (signed / "exchanges" / "000002.json").write_bytes(b"{}")
    assert kinds(verify_directory(signed)) == [
        "EXTRA exchanges/000002.json",
        "MISSING pytest.log",
        "CHANGED report.json",
    ]


def test_a_file_replaced_by_a_link_is_changed(signed: Path, tmp_path: Path) -> None:
    (tmp_path / "copy.json").write_bytes((signed / "report.json").read_bytes())
    (signed / "report.json").unlink()
    os.symlink(tmp_path / "copy.json", signed / "report.json")
    assert verify_directory(signed).problems == ("CHANGED report.json — now a symbolic link",)


def test_a_changed_manifest_byte_is_a_bad_signature(signed: Path) -> None:
    manifest = (signed / "manifest.json").read_bytes()
    digit = manifest.index(b'"sha256": "') + len(b'"sha256": "')
    changed = manifest[:digit] + (b"0" if manifest[digit : digit + 1] != b"0" else b"1") + manifest[digit + 1 :]
    (signed / "manifest.json").write_bytes(changed)
    result = verify_directory(signed)
    assert kinds(result)[0] == "BAD-SIGNATURE" and result.fingerprint == ""
    # the manifest's entries are still compared, for information: the edited digest no longer matches its file
    assert len(result.problems) == 2 and kinds(result)[1].startswith("CHANGED ")


def test_no_byte_of_the_manifest_can_change_unnoticed(signed: Path) -> None:
    manifest = (signed / "manifest.json").read_bytes()
    for index in range(0, len(manifest), 3):  # every third byte: the whole test stays around a second
        changed = bytearray(manifest)
        changed[index] = ord("7") if changed[index] != ord("7") else ord("8")
        (signed / "manifest.json").write_bytes(bytes(changed))
        try:
            result = verify_directory(signed)
        except UsageError:
            continue  # no longer JSON or no longer a manifest: exit 2
        assert "BAD-SIGNATURE" in kinds(result), (index, result)


def test_a_missing_signature_is_a_bad_signature(signed: Path) -> None:
    (signed / "manifest.jws").unlink()
    assert verify_directory(signed).problems == ("BAD-SIGNATURE — manifest.jws is missing",)


def _header_and_signature(signed: Path) -> tuple[dict[str, object], str]:
    header, _, signature = (signed / "manifest.jws").read_text(encoding="ascii").strip().split(".")
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))), signature


def _token(header: object, signature: str, payload: str = "") -> str:
    return f"{b64(json.dumps(header).encode())}.{payload}.{signature}"


def _forged_headers(signed: Path) -> dict[str, str]:
    header, signature = _header_and_signature(signed)
    other = ephemeral_key()
    original = (signed / "manifest.jws").read_text(encoding="ascii").split(".")[0]
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    return {
        "signature changed": f"{original}..{flipped}",
        "another key in the header": _token({**header, "jwk": other.public_jwk, "kid": other.fingerprint}, signature),
        "kid of another key": _token({**header, "kid": other.fingerprint}, signature),
        "no key": _token({"alg": "EdDSA"}, signature),
        "alg none": _token({**header, "alg": "none"}, ""),
        "alg HS256": _token({**header, "alg": "HS256"}, signature),
        "alg ES256 with an Ed25519 key": _token({**header, "alg": "ES256"}, signature),
        "payload attached": f"{original}.{b64((signed / 'manifest.json').read_bytes())}.{signature}",
        "header not base64": f"!!!..{signature}",
        "header not an object": _token([1], signature),
        "garbage": "not a jws",
        "empty": "",
    }


@pytest.mark.parametrize(
    "case",
    [
        "signature changed",
        "another key in the header",
        "kid of another key",
        "no key",
        "alg none",
        "alg HS256",
        "alg ES256 with an Ed25519 key",
        "payload attached",
        "header not base64",
        "header not an object",
        "garbage",
        "empty",
    ],
)
def test_a_forged_or_malformed_signature_is_a_bad_signature(signed: Path, case: str) -> None:
    (signed / "manifest.jws").write_text(_forged_headers(signed)[case], encoding="ascii")
    result = verify_directory(signed)
    assert kinds(result) == ["BAD-SIGNATURE"] and result.fingerprint == ""
    assert len(result.problems[0].splitlines()) == 1


def test_a_kid_that_is_not_the_thumbprint_of_the_signing_key_is_a_bad_signature(signed: Path, key: SigningKey) -> None:
    from joserfc import jws

    from harness.signing._jws import _REGISTRY

    header = {"alg": "EdDSA", "kid": ephemeral_key().fingerprint, "jwk": key.public_jwk}
    token = jws.serialize_compact(header, (signed / "manifest.json").read_bytes(), key.jose_key, registry=_REGISTRY)
    (signed / "manifest.jws").write_text(jws.detach_content(token), encoding="ascii")
    result = verify_directory(signed)
    assert result.problems == (
        "BAD-SIGNATURE — the kid of manifest.jws is not the thumbprint of the key in its header",
    )


def test_a_signature_file_that_is_not_text_is_a_bad_signature(signed: Path) -> None:
    (signed / "manifest.jws").write_bytes(b"\xff\xfe\x00")
    assert kinds(verify_directory(signed)) == ["BAD-SIGNATURE"]


def test_resigned_with_another_key_is_untrusted_against_the_first(signed: Path, key: SigningKey) -> None:
    (signed / "report.json").write_bytes(b'{"conformant": true, "edited": "after the run"}')
    other = ephemeral_key()
    sign_directory(signed, other)
    untrusted = verify_directory(signed, key.public_jwk)
    assert kinds(untrusted) == ["UNTRUSTED-KEY"] and untrusted.fingerprint == other.fingerprint
    assert key.fingerprint in untrusted.problems[0] and other.fingerprint in untrusted.problems[0]
    # without a trusted key, the run's own key is what is checked: integrity only
    alone = verify_directory(signed)
    assert alone.ok and alone.fingerprint == other.fingerprint


def test_a_private_jwk_is_accepted_as_the_trusted_key(signed: Path, key_files: tuple[Path, Path]) -> None:
    private = json.loads(key_files[0].read_text(encoding="utf-8"))
    assert verify_directory(signed, private).ok


def test_an_unusable_trusted_key_is_a_usage_error(signed: Path) -> None:
    with pytest.raises(UsageError, match="the trusted key is not a JWK"):
        verify_directory(signed, {"x": "y"})


def test_an_es256_signed_run_verifies(run_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "ec.jwk").write_text(json.dumps(ECKey.generate_key("P-256", private=True).as_dict(private=True)))
    key = load_signing_key(tmp_path / "ec.jwk")
    sign_directory(run_dir, key)
    header, _ = _header_and_signature(run_dir)
    assert header["alg"] == "ES256"
    assert verify_directory(run_dir, key.public_jwk).ok
    (run_dir / "junit.xml").write_bytes(b"<testsuites/>")
    assert kinds(verify_directory(run_dir)) == ["CHANGED junit.xml"]


def test_a_run_with_thousands_of_exchanges_verifies(run_dir: Path, key: SigningKey) -> None:
    for seq in range(2, 1502):  # manifest.json above 200 kB
        (run_dir / "exchanges" / f"{seq:06d}.json").write_bytes(b"{}")
    sign_directory(run_dir, key)
    assert (run_dir / "manifest.json").stat().st_size > 200_000
    assert verify_directory(run_dir).files == len(RUN_FILES) + 1500


def _signed_manifest(directory: Path, document: object) -> None:
    """A manifest written and signed by hand: a valid signature does not make its content acceptable."""
    from harness.signing._jws import sign_detached

    data = json.dumps(document).encode()
    (directory / "manifest.json").write_bytes(data)
    (directory / "manifest.jws").write_text(sign_detached(data, ephemeral_key()), encoding="ascii")


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/hostname", "a/../../outside.txt", "a//b", "./report.json"])
def test_a_manifest_path_outside_the_directory_is_refused(run_dir: Path, path: str) -> None:
    (run_dir.parent / "outside.txt").write_text("x", encoding="utf-8")
    entry = {"path": path, "sha256": "0" * 64, "size": 1}
    _signed_manifest(run_dir, {"format": "dvc-harness/run-manifest", "version": 1, "files": [entry]})
    with pytest.raises(UsageError, match="unusable path"):
        verify_directory(run_dir)


BAD_MANIFESTS: dict[str, tuple[bytes, str]] = {
    "not json": (b"{not json", "is not JSON"),
    "not utf-8": (b"\xff\xfe", "is not JSON"),
    "a list": (b"[]", "is not a run manifest"),
    "another format": (b'{"format": "x", "version": 1, "files": []}', "is not a run manifest"),
    "version 2": (b'{"format": "dvc-harness/run-manifest", "version": 2, "files": []}', "manifest version 2"),
    "files not a list": (b'{"format": "dvc-harness/run-manifest", "version": 1, "files": {}}', "not a list"),
    "entry not an object": (b'{"format": "dvc-harness/run-manifest", "version": 1, "files": [1]}', "not an object"),
    "bad sha256": (
        b'{"format": "dvc-harness/run-manifest", "version": 1, "files": [{"path": "a", "sha256": "x", "size": 1}]}',
        "no sha256",
    ),
    "bad size": (
        b'{"format": "dvc-harness/run-manifest", "version": 1, "files": [{"path": "a", "sha256": "'
        + b"0" * 64
        + b'", "size": true}]}',
        "no size",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_an_unusable_manifest_is_a_usage_error(signed: Path, case: str) -> None:
    content, message = BAD_MANIFESTS[case]
    (signed / "manifest.json").write_bytes(content)
    with pytest.raises(UsageError) as error:
        verify_directory(signed)
    assert message in str(error.value) and len(str(error.value).splitlines()) == 1


def test_a_duplicated_entry_is_a_usage_error(run_dir: Path) -> None:
    entry = {"path": "report.json", "sha256": "0" * 64, "size": 1}
    _signed_manifest(run_dir, {"format": "dvc-harness/run-manifest", "version": 1, "files": [entry, entry]})
    with pytest.raises(UsageError, match="listed twice"):
        verify_directory(run_dir)


def test_an_unsigned_or_missing_directory_is_a_usage_error(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"has no manifest\.json"):
        verify_directory(run_dir)
    with pytest.raises(UsageError, match="does not exist"):
        verify_directory(tmp_path / "nowhere")
