"""Signed, verifiable run directories.

`sign_directory` writes manifest.json (every file of the directory with its sha256 and size) and manifest.jws
(a detached compact JWS over manifest.json whose header carries the signer's public JWK); `verify_directory`
reports every changed, missing or extra file and a bad or untrusted signature. See docs/signing.md.
"""

from __future__ import annotations

from harness.signing._keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    SigningKey,
    ephemeral_key,
    generate_key_files,
    load_public_key,
    load_signing_key,
)
from harness.signing._manifest import FORMAT, MANIFEST_NAME, SIGNATURE_NAME, sign_directory
from harness.signing._verify import Verification, verify_directory

__all__ = [
    "FORMAT",
    "MANIFEST_NAME",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "SIGNATURE_NAME",
    "SigningKey",
    "Verification",
    "ephemeral_key",
    "generate_key_files",
    "load_public_key",
    "load_signing_key",
    "sign_directory",
    "verify_directory",
]
