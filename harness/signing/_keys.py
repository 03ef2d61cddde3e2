"""Signing keys: Ed25519 (generated here) or P-256 (loaded), read from JWK or PEM files; RFC 7638 thumbprints."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeAlias

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey

from harness.core.errors import UsageError

PRIVATE_KEY_FILE = "signing-key.jwk"
PUBLIC_KEY_FILE = "signing-key.pub.jwk"

JoseKey: TypeAlias = OKPKey | ECKey

#: (kty, crv) → JWS algorithm; nothing else signs a run directory
_ALGORITHMS = {("OKP", "Ed25519"): "EdDSA", ("EC", "P-256"): "ES256"}
_PUBLIC_MEMBERS = ("kty", "crv", "x", "y")
#: what joserfc and cryptography raise for a malformed key (binascii.Error is a ValueError)
KEY_ERRORS = (JoseError, ValueError, TypeError, KeyError)


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, for one-line errors."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines and lines[0].strip(": ") else type(exc).__name__


def algorithm_of(key: JoseKey) -> str | None:
    """The JWS algorithm this key signs with, None for an unsupported curve."""
    return _ALGORITHMS.get((key.key_type, key.curve_name))


def public_jwk(key: JoseKey) -> dict[str, str]:
    """The public JWK of `key`: its RFC 7638 members, then `alg` and `kid` (the thumbprint)."""
    data = key.as_dict(private=False)
    jwk = {name: str(data[name]) for name in _PUBLIC_MEMBERS if name in data}
    jwk["alg"] = algorithm_of(key) or ""
    jwk["kid"] = key.thumbprint()
    return jwk


class SigningKey:
    """A private signing key (Ed25519 → EdDSA, or P-256 → ES256); its repr never shows the private part."""

    __slots__ = ("_key",)

    def __init__(self, key: JoseKey) -> None:
        if not key.is_private:
            raise ValueError("a SigningKey needs a private key")
        if algorithm_of(key) is None:
            raise ValueError("a SigningKey is an Ed25519 or a P-256 key")
        self._key = key

    @property
    def fingerprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url); also the `kid` of the signatures."""
        return self._key.thumbprint()

    @property
    def algorithm(self) -> str:
        return algorithm_of(self._key) or ""

    @property
    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self._key)

    @property
    def jose_key(self) -> JoseKey:
        """The joserfc key, for harness.signing itself."""
        return self._key

    def private_jwk(self) -> dict[str, str]:
        """The private JWK (what `signing-key.jwk` holds)."""
        public = self.public_jwk
        members = {name: value for name, value in public.items() if name not in ("alg", "kid")}
        return {**members, "d": str(self._key.as_dict(private=True)["d"]), "alg": public["alg"], "kid": public["kid"]}

    def __repr__(self) -> str:
        return f"SigningKey({self.algorithm}, fingerprint={self.fingerprint})"


def import_jwk(data: Any, source: str) -> JoseKey:
    """A supported key from a parsed JWK; UsageError naming `source` otherwise."""
    if not isinstance(data, Mapping) or "kty" not in data:
        raise UsageError(f'{source} is not a JWK (a JSON object with "kty")')
    kty = data["kty"]
    cls: type[OKPKey] | type[ECKey]
    if kty == "OKP":
        cls = OKPKey
    elif kty == "EC":
        cls = ECKey
    else:
        raise UsageError(f"{source} holds a key of type {kty!r}; signing keys are Ed25519 (OKP) or P-256 (EC)")
    try:
        key: JoseKey = cls.import_key(dict(data))
    except KEY_ERRORS as exc:
        raise UsageError(f"{source} is not a usable {kty} key: {reason(exc)}") from None
    if algorithm_of(key) is None:
        raise UsageError(f"{source} holds a {data.get('crv')!r} key; signing keys are Ed25519 or P-256")
    return key


def thumbprint(jwk: Mapping[str, Any], source: str = "the key") -> str:
    """RFC 7638 thumbprint of a JWK (public or private)."""
    return import_jwk(jwk, source).thumbprint()


def _import_pem(raw: bytes, source: str) -> JoseKey:
    for cls in (OKPKey, ECKey):
        try:
            key: JoseKey = cls.import_key(raw)
        except KEY_ERRORS:
            continue
        if algorithm_of(key) is not None:
            return key
    raise UsageError(f"{source} is not a usable PEM key (an unencrypted Ed25519 or P-256 key is expected)")


def _load(path: str | Path) -> JoseKey:
    file = Path(path)
    source = f"key file {file}"
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{source} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"{source} is a directory, not a key file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or reason(exc)}") from None
    if raw.lstrip().startswith(b"-----BEGIN"):
        return _import_pem(raw, source)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"{source} is not JSON (a JWK written by `dvc-harness keys generate` is expected)") from None
    return import_jwk(data, source)


def load_signing_key(path: str | Path) -> SigningKey:
    """The private key of a JWK file (or an unencrypted PKCS#8 PEM file) for signing run directories."""
    key = _load(path)
    if not key.is_private:
        raise UsageError(
            f"key file {Path(path)} holds a public key; signing needs the private key written by "
            "`dvc-harness keys generate`"
        )
    return SigningKey(key)


def load_public_key(path: str | Path) -> dict[str, str]:
    """The public JWK of a key file; a private key file is accepted and reduced to its public part."""
    return public_jwk(_load(path))


def ephemeral_key() -> SigningKey:
    """A fresh Ed25519 key that lives in memory only: it proves a directory's integrity, not who signed it."""
    return SigningKey(OKPKey.generate_key("Ed25519", private=True))


def _exists(path: Path) -> str:
    return f"{path} already exists; refusing to overwrite a key (move it away or use another --out)"


def _write_new(path: Path, text: str, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise UsageError(_exists(path)) from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or reason(exc)}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:  # created with `mode`, which the umask can only narrow
        out.write(text)


def generate_key_files(out_dir: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: `signing-key.jwk` (private, mode 0600) and `signing-key.pub.jwk`.

    Refuses to overwrite either file: a lost private key can be replaced, a silently replaced one cannot.
    """
    out = Path(out_dir)
    private_path, public_path = out / PRIVATE_KEY_FILE, out / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise UsageError(_exists(path))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create directory {out}: {exc.strerror or reason(exc)}") from None
    key = ephemeral_key()
    _write_new(private_path, json.dumps(key.private_jwk(), indent=2) + "\n", 0o600)
    try:
        _write_new(public_path, json.dumps(key.public_jwk, indent=2) + "\n", 0o644)
    except BaseException:
        private_path.unlink(missing_ok=True)
        raise
    return private_path, public_path
