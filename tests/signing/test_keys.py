"""Key files: generation (mode 0600, never overwritten), loading JWK and PEM, RFC 7638 fingerprints."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from joserfc.jwk import ECKey

from harness.core.errors import UsageError
from harness.signing import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    SigningKey,
    ephemeral_key,
    generate_key_files,
    load_public_key,
    load_signing_key,
)

#: RFC 8037 appendix A.1 / A.3: an Ed25519 key and its RFC 7638 thumbprint
RFC8037_PRIVATE = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def rfc7638(jwk: dict[str, str]) -> str:
    """The thumbprint computed by hand: required members, sorted, no whitespace, SHA-256, base64url."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y") if name in jwk}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_generate_writes_a_private_key_readable_by_its_owner_only(tmp_path: Path) -> None:
    private_path, public_path = generate_key_files(tmp_path / "new" / "keys")
    assert private_path == tmp_path / "new" / "keys" / PRIVATE_KEY_FILE
    assert public_path == tmp_path / "new" / "keys" / PUBLIC_KEY_FILE
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    private = json.loads(private_path.read_text(encoding="utf-8"))
    public = json.loads(public_path.read_text(encoding="utf-8"))
    assert private["kty"] == "OKP" and private["crv"] == "Ed25519" and private["d"]
    assert "d" not in public and public["x"] == private["x"]
    key = load_signing_key(private_path)
    assert key.algorithm == "EdDSA"
    assert key.fingerprint == rfc7638(public) == public["kid"] == private["kid"]


def test_generate_refuses_to_overwrite_and_leaves_the_key_alone(tmp_path: Path) -> None:
    private_path, public_path = generate_key_files(tmp_path)
    before = private_path.read_bytes(), public_path.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        generate_key_files(tmp_path)
    assert (private_path.read_bytes(), public_path.read_bytes()) == before


def test_generate_refuses_when_only_the_public_file_exists(tmp_path: Path) -> None:
    (tmp_path / PUBLIC_KEY_FILE).write_text("{}", encoding="utf-8")
    with pytest.raises(UsageError, match="already exists"):
        generate_key_files(tmp_path)
    assert not (tmp_path / PRIVATE_KEY_FILE).exists()


def test_generate_into_an_unusable_directory_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot create directory"):
        generate_key_files(tmp_path / "file" / "keys")


def test_fingerprint_is_the_rfc7638_thumbprint_of_rfc8037(tmp_path: Path) -> None:
    key = load_signing_key(write_json(tmp_path / "k.jwk", RFC8037_PRIVATE))
    assert key.fingerprint == RFC8037_THUMBPRINT
    public = load_public_key(write_json(tmp_path / "p.jwk", {k: v for k, v in RFC8037_PRIVATE.items() if k != "d"}))
    assert public["kid"] == RFC8037_THUMBPRINT and "d" not in public


def test_public_jwk_has_no_private_member_and_repr_hides_it() -> None:
    key = ephemeral_key()
    assert set(key.public_jwk) == {"kty", "crv", "x", "alg", "kid"}
    assert key.public_jwk["alg"] == "EdDSA" == key.algorithm
    private = key.private_jwk()["d"]
    assert private not in repr(key) and key.fingerprint in repr(key)


def test_ephemeral_keys_are_fresh() -> None:
    assert ephemeral_key().fingerprint != ephemeral_key().fingerprint


def test_a_private_key_file_gives_its_public_part(key_files: tuple[Path, Path]) -> None:
    private_path, public_path = key_files
    assert load_public_key(private_path) == load_public_key(public_path)
    assert "d" not in load_public_key(private_path)


def test_a_pkcs8_pem_private_key_is_accepted(tmp_path: Path) -> None:
    native = ed25519.Ed25519PrivateKey.generate()
    pem = native.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    x = native.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    (tmp_path / "key.pem").write_bytes(pem)
    key = load_signing_key(tmp_path / "key.pem")
    expected = {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(x).rstrip(b"=").decode()}
    assert key.fingerprint == rfc7638(expected)


def test_a_p256_key_signs_with_es256(tmp_path: Path) -> None:
    jwk = ECKey.generate_key("P-256", private=True).as_dict(private=True)
    key = load_signing_key(write_json(tmp_path / "ec.jwk", jwk))
    assert key.algorithm == "ES256"
    assert key.fingerprint == rfc7638({k: str(v) for k, v in jwk.items()})
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "ec.pem").write_bytes(pem)
    assert load_signing_key(tmp_path / "ec.pem").algorithm == "ES256"


def test_a_signing_key_needs_a_private_key() -> None:
    public = ECKey.import_key(ECKey.generate_key("P-256", private=True).as_dict(private=False))
    with pytest.raises(ValueError, match="private"):
        SigningKey(public)


BAD_KEY_FILES: dict[str, tuple[bytes | None, str]] = {
    "missing": (None, "does not exist"),
    "empty": (b"", "is not JSON"),
    "not json": (b"kty=OKP", "is not JSON"),
    "json list": (b"[1, 2]", "is not a JWK"),
    "no kty": (b'{"crv": "Ed25519"}', "is not a JWK"),
    "rsa": (b'{"kty": "RSA", "n": "AQAB", "e": "AQAB"}', "Ed25519 (OKP) or P-256 (EC)"),
    "x25519": (json.dumps({**RFC8037_PRIVATE, "crv": "X25519"}).encode(), "'X25519' key"),
    "p384": (json.dumps(ECKey.generate_key("P-384", private=True).as_dict(private=True)).encode(), "'P-384' key"),
    "short x": (b'{"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"}', "not a usable OKP key"),
    "no x": (b'{"kty": "OKP", "crv": "Ed25519"}', "not a usable OKP key"),
    "bad pem": (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a usable PEM key"),
    "public key": (
        json.dumps({k: v for k, v in RFC8037_PRIVATE.items() if k != "d"}).encode(),
        "holds a public key; signing needs the private key written by `dvc-harness keys generate`",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_KEY_FILES))
def test_unusable_signing_key_files_are_one_line_usage_errors(tmp_path: Path, case: str) -> None:
    content, message = BAD_KEY_FILES[case]
    path = tmp_path / "key.jwk"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as error:
        load_signing_key(path)
    assert message in str(error.value)
    assert len(str(error.value).splitlines()) == 1 and error.value.exit_code == 2


def test_a_directory_is_not_a_key_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a directory"):
        load_public_key(tmp_path)


@pytest.mark.parametrize("case", ["missing", "not json", "rsa", "short x"])
def test_unusable_public_key_files_are_usage_errors(tmp_path: Path, case: str) -> None:
    content, message = BAD_KEY_FILES[case]
    path = tmp_path / "key.pub.jwk"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as error:
        load_public_key(path)
    assert message in str(error.value)
