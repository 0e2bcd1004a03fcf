"""The checkpoint signing key: Ed25519, in a file outside the database (an attacker
with the database alone cannot sign), created on first use with owner-only access."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


class SigningKeyError(ValueError):
    """A key file that cannot be read as an Ed25519 key."""


def create_key(path: Path) -> Ed25519PrivateKey:
    """Writes a new key to ``path`` (mode 0600); refuses to overwrite one."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path}: not a PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key")
    return key


def load_or_create_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The key, and whether it was created just now (the caller warns)."""
    if path.exists():
        return load_key(path), False
    try:
        return create_key(path), True
    except FileExistsError:  # another process created it meanwhile
        return load_key(path), False


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw,
                               serialization.PublicFormat.Raw).hex()


def public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(public_key_hex: str) -> str:
    """A short fingerprint people can compare by eye."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def read_trusted_key(path: Path) -> str:
    """A pinned public key, as hex: a PEM public key, a PEM private key (its public half),
    32 raw bytes as hex, or an export file's header line."""
    text = path.read_bytes()
    if text.startswith(b"{"):
        return _export_key(path, text.split(b"\n", 1)[0])
    if b"PUBLIC KEY" in text:
        public = serialization.load_pem_public_key(text)
        if not isinstance(public, Ed25519PublicKey):
            raise SigningKeyError(f"{path}: not an Ed25519 public key")
        return public_hex(public)
    if b"PRIVATE KEY" in text:
        return public_hex(load_key(path))
    candidate = text.strip().decode("ascii", "replace")
    try:
        if len(bytes.fromhex(candidate)) == 32:
            return candidate.lower()
    except ValueError:
        pass
    raise SigningKeyError(f"{path}: expected an Ed25519 public key (PEM or 64 hex digits)")


def signature_valid(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(
            bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return key.sign(message).hex()


def _export_key(path: Path, header: bytes) -> str:
    try:
        value = json.loads(header).get("public_key")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or len(value) != 64:
        raise SigningKeyError(f"{path}: the export's header carries no public key")
    return value
