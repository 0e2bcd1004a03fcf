"""Password hashing and API token format. CPU only, no storage."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with the library's defaults (RFC 9106 "low memory" profile).
_HASHER = PasswordHasher()

TOKEN_PREFIX = "nr1"  # noqa: S105 (a format marker, not a secret)


def hash_password(password: str) -> str:
    return str(_HASHER.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenParts:
    user_id: UUID
    token_id: UUID
    secret: str


def new_token(user_id: UUID) -> tuple[str, TokenParts]:
    """A token names its user and its own id, so checking it is one aggregate load
    and no lookup table: ``nr1.<user hex>.<token hex>.<secret>``."""
    parts = TokenParts(user_id=user_id, token_id=uuid4(), secret=secrets.token_urlsafe(32))
    text = f"{TOKEN_PREFIX}.{parts.user_id.hex}.{parts.token_id.hex}.{parts.secret}"
    return text, parts


def parse_token(text: str) -> TokenParts | None:
    pieces = text.strip().split(".")
    if len(pieces) != 4 or pieces[0] != TOKEN_PREFIX:
        return None
    try:
        return TokenParts(
            user_id=UUID(hex=pieces[1]), token_id=UUID(hex=pieces[2]), secret=pieces[3]
        )
    except ValueError:
        return None


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def digest_matches(expected: str, secret: str) -> bool:
    return hmac.compare_digest(expected, token_digest(secret))
