"""Standard Webhooks signing secrets: ``whsec_`` and the base64 of 24 to 64 random
bytes. Checked when an admin subscribes (here, in newsroom) and used by the sender."""

from __future__ import annotations

import base64
import binascii
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)
MIN_KEY_BYTES = 24
MAX_KEY_BYTES = 64


class InvalidSecret(ValueError):
    """A signing secret that is not in a form we accept (see `parse_secret`)."""


def parse_secret(secret: str | bytes) -> bytes:
    """The HMAC key of a Standard Webhooks secret: ``whsec_<base64>`` or raw bytes."""
    if isinstance(secret, bytes | bytearray):
        key = bytes(secret)
    elif isinstance(secret, str):
        if not secret.startswith(SECRET_PREFIX):
            raise InvalidSecret(f"a webhook secret is {SECRET_PREFIX!r} followed by the base64 "
                                f"of {MIN_KEY_BYTES} to {MAX_KEY_BYTES} random bytes")
        text = secret[len(SECRET_PREFIX):]
        try:
            key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidSecret(f"the part after {SECRET_PREFIX!r} is not base64") from None
    else:
        raise InvalidSecret(f"a webhook secret is text or bytes, not {type(secret).__name__}")
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise InvalidSecret(f"the key is {len(key)} bytes; Standard Webhooks keys are "
                            f"{MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes")
    return key


def generate_secret(nbytes: int = 32) -> str:
    """A new secret in the ``whsec_<base64>`` form."""
    if not MIN_KEY_BYTES <= nbytes <= MAX_KEY_BYTES:
        raise ValueError(f"nbytes must be {MIN_KEY_BYTES} to {MAX_KEY_BYTES}")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")
