"""The redactions verify needs, kept beside the chain so the proving pass need not
scan the log for them first.

The follower copies each ``Redaction.Recorded`` event it chains into
``integrity_redactions``. The cache is never trusted on its own: the proving pass
checks every cached row against the chained, correctly signed ``Redaction.Recorded``
event it meets in the log, and a row that no chained event vouches for (one an attacker inserted to
pass tampering off as a redaction) fails the pass, so the diagnosing pass, which reads
the records from the log itself, decides.
"""

from __future__ import annotations

import json
from typing import Any

from newsroom.integrity.redaction_signing import RedactionClaim, signature_problem
from newsroom.integrity.store import Cursor, EventRow, IntegrityStore

# The topic of Redaction.Recorded, spelled out: importing the domain class here would
# tie the chain to the redaction module's import graph.
REDACTION_TOPIC = "newsroom.domain.redaction:Redaction.Recorded"

Key = tuple[str, int]
Digests = tuple[bytes, bytes]  # (original, tombstone)


def redaction_of(state: bytes) -> tuple[Key, Digests] | None:
    """(target id hex, version) → (original digest, tombstone digest) of a stored
    Redaction.Recorded event; None when the state does not read as one."""
    found = _parsed(state)
    return None if found is None else (found[0], found[1])


def signed_redaction_of(state: bytes, trusted_key: str | None
                        ) -> tuple[Key, Digests] | None:
    """As ``redaction_of``, but only for a record whose signature verifies against the
    trusted key: what verify may accept as excusing a changed payload."""
    found = _parsed(state)
    if found is None:
        return None
    key, digests, data = found
    claim = RedactionClaim(key[0], key[1], str(data.get("target_topic", "")),
                           str(data["original_digest"]), str(data["tombstone_digest"]),
                           str(data.get("reason", "")), str(data.get("reference", "")),
                           str(data.get("signed_at", "")))
    if signature_problem(claim, str(data.get("public_key", "")),
                         str(data.get("signature", "")), trusted_key):
        return None
    return key, digests


def _parsed(state: bytes) -> tuple[Key, Digests, dict[str, Any]] | None:
    try:
        data: dict[str, Any] = json.loads(state)
        target = data["target_id"]
        target_hex = str(target["_data_"] if isinstance(target, dict) else target)
        key = (target_hex.replace("-", ""), int(data["target_version"]))
        return key, (bytes.fromhex(str(data["original_digest"])),
                     bytes.fromhex(str(data["tombstone_digest"]))), data
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def cache_redactions(store: IntegrityStore, cursor: Cursor, rows: list[EventRow]) -> None:
    found = [redaction_of(row[4]) for row in rows if row[3] == REDACTION_TOPIC]
    values = [(key[0], key[1], digests[0], digests[1]) for key, digests in
              (item for item in found if item is not None)]
    if values:
        cursor.executemany(store.sql(
            "INSERT INTO {redactions} (target_id, target_version, original, tombstone) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"), values)


def cached_redactions(store: IntegrityStore, conn: Any) -> dict[Key, Digests]:
    cursor = conn.cursor()
    cursor.execute(store.sql(
        "SELECT target_id, target_version, original, tombstone FROM {redactions}"))
    return {(str(r[0]), int(r[1])): (bytes(r[2]), bytes(r[3])) for r in cursor.fetchall()}
