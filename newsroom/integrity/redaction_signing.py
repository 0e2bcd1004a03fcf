"""Signed redaction records. A redaction excuses a changed payload, so a record anyone
with database access could write would excuse any tampering: each record is signed
with the checkpoint key (kept outside the database) when the redaction is made, and
verify accepts it only when the signature verifies against the trusted key, under the
same rules as checkpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from newsroom.integrity import keys

FORMAT = "newsroom-redaction/1"


@dataclass(frozen=True)
class RedactionClaim:
    """What a redaction record asserts, as signed: which event, which payload digests,
    why, under which reference, and when."""

    target_hex: str
    target_version: int
    target_topic: str
    original_digest: str
    tombstone_digest: str
    reason: str
    reference: str
    signed_at: str

    def message(self) -> bytes:
        # JSON, not lines: a reason may hold line breaks.
        fields = [self.target_hex, self.target_version, self.target_topic,
                  self.original_digest, self.tombstone_digest, self.reason, self.reference,
                  self.signed_at]
        return (FORMAT + "\n" + json.dumps(fields, ensure_ascii=False,
                                           separators=(",", ":"))).encode()


@dataclass(frozen=True)
class Signature:
    signed_at: str
    public_key: str
    signature: str


def sign_claim(key: Ed25519PrivateKey, target_hex: str, target_version: int,
               target_topic: str, original_digest: str, tombstone_digest: str,
               reason: str, reference: str, now: datetime | None = None) -> Signature:
    signed_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
    claim = RedactionClaim(target_hex, target_version, target_topic, original_digest,
                           tombstone_digest, reason, reference, signed_at)
    return Signature(signed_at, keys.public_hex(key), keys.sign(key, claim.message()))


def signature_problem(claim: RedactionClaim, public_key: str, signature: str,
                      trusted_key: str | None) -> str | None:
    """None when the record is signed by the trusted key (or, with none configured,
    by the key it carries, as for checkpoints); otherwise why not."""
    if not public_key or not signature:
        return "the redaction record is not signed"
    if trusted_key is not None and public_key != trusted_key:
        return (f"the redaction record is signed by key {_key_id(public_key)}, not by "
                f"the trusted key {_key_id(trusted_key)}")
    if not keys.signature_valid(public_key, signature, claim.message()):
        return "the redaction record's signature does not verify"
    return None


def _key_id(public_key: str) -> str:
    try:
        return keys.key_id(public_key)
    except ValueError:
        return repr(public_key[:16])
