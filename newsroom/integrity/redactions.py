"""The redactions recorded in the log, for verify, export and the auditor's views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper

from newsroom.domain.redaction import Redaction
from newsroom.integrity.redaction_signing import RedactionClaim

REDACTION_TOPIC = f"{Redaction.Recorded.__module__}:{Redaction.Recorded.__qualname__}"
_BATCH = 500


@dataclass(frozen=True)
class RedactionRecord:
    """One ``Redaction.Recorded`` event, flattened."""

    redaction_id: UUID
    position: int
    target_id: UUID
    target_version: int
    target_topic: str
    original_digest: str
    tombstone_digest: str
    fields: tuple[str, ...]
    reason: str
    reference: str
    actor_id: UUID
    role: str
    at: datetime
    signed_at: str
    public_key: str
    signature: str

    def claim(self) -> RedactionClaim:
        return RedactionClaim(self.target_id.hex, self.target_version, self.target_topic,
                              self.original_digest, self.tombstone_digest, self.reason,
                              self.reference, self.signed_at)


def record_of(event: Any, position: int) -> RedactionRecord:
    return RedactionRecord(
        redaction_id=event.originator_id, position=position, target_id=event.target_id,
        target_version=event.target_version, target_topic=event.target_topic,
        original_digest=event.original_digest, tombstone_digest=event.tombstone_digest,
        fields=tuple(event.fields), reason=event.reason, reference=event.reference,
        actor_id=event.actor_id, role=event.role, at=event.timestamp,
        # Records made before redactions were signed carry none: verify refuses them.
        signed_at=getattr(event, "signed_at", ""), public_key=getattr(event, "public_key", ""),
        signature=getattr(event, "signature", ""))


def load_redactions(recorder: ApplicationRecorder, mapper: Mapper[Any], *,
                    stop: int | None = None) -> Mapping[tuple[UUID, int], RedactionRecord]:
    """Every redaction in the log, keyed by the redacted event's (originator id,
    originator version).

    ``recorder`` and ``mapper`` are the Newsroom application's (``app.recorder``,
    ``app.mapper``); ``stop`` limits the scan to log positions up to and including it
    (a verify that checks up to a checkpoint passes the checkpoint's position). Reads
    only the notifications with the ``Redaction.Recorded`` topic, in log order; one
    redaction per event, since a redaction's id is derived from its target.

    How verify should use it: a stored event whose payload digest differs from the one
    its chain covered is *redacted*, not tampered, when its record here is signed by
    the trusted key, is itself chained (its position is covered by the chain records),
    and has ``original_digest`` equal to the covered digest and ``tombstone_digest``
    equal to the digest of the state now stored. A record whose ``tombstone_digest`` does not
    match the stored state is a redaction that was recorded but not yet applied (the
    command writes the record first, then the tombstone; running it again finishes).
    """
    found: dict[tuple[UUID, int], RedactionRecord] = {}
    start = 0
    while True:
        batch = recorder.select_notifications(start=start, limit=_BATCH, stop=stop,
                                              topics=[REDACTION_TOPIC],
                                              inclusive_of_start=False)
        for notification in batch:
            record = record_of(mapper.to_domain_event(notification), notification.id)
            found[(record.target_id, record.target_version)] = record
        if len(batch) < _BATCH:
            return found
        start = batch[-1].id
