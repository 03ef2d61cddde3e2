"""Detached compact JWS (RFC 7515 Appendix F) whose protected header carries the signer's public JWK."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import BadSignatureError, UnsupportedAlgorithmError
from joserfc.jwa import JWSAlgModel
from joserfc.jws import JWSRegistry

from harness.core.errors import UsageError
from harness.signing._keys import KEY_ERRORS, SigningKey, algorithm_of, import_jwk, public_jwk, reason

ALGORITHMS = ("EdDSA", "ES256")


class _Registry(JWSRegistry):
    """EdDSA and ES256 only, without joserfc's size caps and warnings.

    The manifest of a long run exceeds joserfc's 128 kB payload cap; and joserfc warns on every use of "EdDSA"
    (RFC 9864 prefers "Ed25519"), while "EdDSA" is what every JOSE verifier understands today.
    """

    max_header_length = 8192
    max_payload_length = 1 << 40

    def get_alg(self, name: str) -> JWSAlgModel:
        if name not in ALGORITHMS:
            raise UnsupportedAlgorithmError(f"algorithm {name!r} is not accepted (only {', '.join(ALGORITHMS)})")
        return self.algorithms[name]


_REGISTRY = _Registry(algorithms=ALGORITHMS, strict_check_header=False)


class SignatureProblem(Exception):
    """Why a detached JWS does not verify (the explanation of a BAD-SIGNATURE line)."""


@dataclass(frozen=True)
class Signer:
    fingerprint: str
    jwk: dict[str, str]


def sign_detached(payload: bytes, key: SigningKey) -> str:
    """`header..signature` over `payload`; the header carries `alg`, `kid` (the thumbprint) and `jwk`."""
    header = {"alg": key.algorithm, "kid": key.fingerprint, "jwk": key.public_jwk}
    try:
        token = jws.serialize_compact(header, payload, key.jose_key, registry=_REGISTRY)
    except KEY_ERRORS as exc:  # e.g. a JWK restricted by key_ops or "use": "enc"
        raise UsageError(f"cannot sign with key {key.fingerprint}: {reason(exc)}") from None
    return jws.detach_content(token)


def _header(segment: str) -> dict[str, object]:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SignatureProblem("manifest.jws has an unreadable header") from None
    if not isinstance(header, dict):
        raise SignatureProblem("manifest.jws has an unreadable header")
    return header


def verify_detached(token: str, payload: bytes) -> Signer:
    """The signer of `payload`, whose key is in the header; SignatureProblem when the JWS does not verify."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[1] or not parts[0] or not parts[2]:
        raise SignatureProblem("manifest.jws is not a detached compact JWS (header..signature)")
    header = _header(parts[0])
    alg, jwk, kid = header.get("alg"), header.get("jwk"), header.get("kid")
    if alg not in ALGORITHMS:
        raise SignatureProblem(f"manifest.jws uses algorithm {alg!r}; only {', '.join(ALGORITHMS)} are accepted")
    if not isinstance(jwk, dict):
        raise SignatureProblem("manifest.jws carries no signing key (no jwk in its header)")
    try:
        key = import_jwk(jwk, "the key in manifest.jws")
    except UsageError as exc:
        raise SignatureProblem(str(exc)) from None
    if algorithm_of(key) != alg:
        raise SignatureProblem(f"manifest.jws says {alg} but its key is a {key.curve_name} key")
    verifying = public_jwk(key)
    if kid is not None and kid != verifying["kid"]:
        raise SignatureProblem("the kid of manifest.jws is not the thumbprint of the key in its header")
    try:
        jws.deserialize_compact(token.strip(), key, registry=_REGISTRY, payload=payload)
    except BadSignatureError:
        raise SignatureProblem("manifest.json does not match its signature (changed after signing)") from None
    except KEY_ERRORS as exc:
        raise SignatureProblem(f"manifest.jws cannot be checked: {reason(exc)}") from None
    return Signer(fingerprint=verifying["kid"], jwk=verifying)
