"""Redaction of one stored event's payload (DESIGN §4): the command, the tombstone it
writes in place of the payload, and what it clears (snapshots, the aggregate cache).

Order of writes, and why: the ``Redaction.Recorded`` event is saved first, then the
stored state is replaced. A crash in between leaves a recorded redaction whose
tombstone is not written yet: verify still sees the original payload (clean), and
running the same redaction again finishes it. The other order would leave a changed
payload with no record, which verify must call tampering. A crash after the tombstone
but before the snapshots (or the caller's read models) were refreshed is finished the
same way: running it again redoes those steps, which are idempotent.

The record is signed with the checkpoint key (``NEWSROOM_SIGNING_KEY_FILE``), so the
process that redacts needs that key: verify trusts no unsigned redaction.

The read models that copied the text are refreshed by the caller, which owns them
(``newsroom.projections.redacted``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from newsroom import eventlog
from newsroom.application.base import ServiceBase
from newsroom.domain.errors import InvalidTransition, NotFound, ValidationFailed
from newsroom.domain.policy import Actor
from newsroom.domain.redaction import (
    Redaction,
    checked_reason,
    checked_reference,
    redactable_fields,
    redaction_id,
    tombstone_values,
)
from newsroom.integrity import keys
from newsroom.integrity.chain import ChainHeadMismatch
from newsroom.integrity.hashing import payload_digest
from newsroom.integrity.redaction_signing import sign_claim
from newsroom.integrity.redactions import RedactionRecord, record_of

log = logging.getLogger(__name__)

# The application's environment carries the key file's path (newsroom.storage).
SIGNING_KEY_SETTING = "NEWSROOM_SIGNING_KEY_FILE"


@dataclass(frozen=True)
class RedactionOutcome:
    record: RedactionRecord
    # Snapshot versions of the stream that were deleted and taken again.
    snapshots_rebuilt: tuple[int, ...]
    # True when an interrupted earlier run was finished rather than a new one recorded.
    resumed: bool


def tombstone_event(event: Any, reference: str) -> Any:
    """The same event class, bookkeeping kept, redactable fields replaced."""
    values = tombstone_values(type(event).__qualname__, vars(event), reference)
    clone = object.__new__(type(event))
    for key, value in values.items():
        object.__setattr__(clone, key, value)
    return clone


class RedactionService(ServiceBase):
    """``redact``: admins only ("audit.redact")."""

    # Chains the log up to now (the integrity follower's catch_up, set by bootstrap).
    # Verify accepts only a chained redaction record, so the record is chained before
    # its tombstone is written: no moment shows a changed payload without one.
    chain_log: Callable[[], object] | None = None

    def redact(self, actor: Actor, stream_id: UUID, version: int, *, reason: object,
               reference: object) -> RedactionOutcome:
        role = actor.role_for("audit.redact")
        stored = self._stored_event(stream_id, version)
        event = self.mapper.to_domain_event(stored)
        qualname = type(event).__qualname__
        fields = redactable_fields(qualname)
        clean_reason, clean_reference = checked_reason(reason), checked_reference(reference)
        current_digest = payload_digest(stored.state)
        existing = self._recorded(stream_id, version)
        if existing is not None:
            if current_digest == existing.tombstone_digest:
                # Recorded and tombstoned, but perhaps interrupted before the snapshots
                # (and the caller's read models) were refreshed: redo those, harmlessly.
                return self._finish(stored, existing, resumed=True)
            if current_digest != existing.original_digest:
                raise InvalidTransition("redact", "changed since its redaction was "
                                        "recorded", (), noun="an event")
            # An interrupted run: write the tombstone it recorded.
            tombstone = self.mapper.to_stored_event(
                tombstone_event(event, existing.reference)).state
            if payload_digest(tombstone) != existing.tombstone_digest:
                raise InvalidTransition("redact", "unreproducible tombstone", (),
                                        noun="an event")
            return self._apply(stored, tombstone, existing, resumed=True)
        tombstone = self.mapper.to_stored_event(tombstone_event(event, clean_reference)).state
        if payload_digest(tombstone) == current_digest:
            raise ValidationFailed("version", f"this {qualname.replace('.', '')} holds no "
                                   "text (its redactable fields are empty)")
        tombstone_digest = payload_digest(tombstone)
        signed = sign_claim(self._signing_key(), stream_id.hex, version, stored.topic,
                            current_digest, tombstone_digest, clean_reason, clean_reference)
        redaction = Redaction.record(
            target_id=stream_id, target_version=version, target_topic=stored.topic,
            original_digest=current_digest, tombstone_digest=tombstone_digest,
            fields=[f for f in fields if f in vars(event)], reason=clean_reason,
            reference=clean_reference, actor_id=actor.user_id, role=role,
            signed_at=signed.signed_at, public_key=signed.public_key,
            signature=signed.signature)
        recorded = redaction.pending_events[0]
        position = self._save(redaction)
        record = record_of(recorded, position or 0)
        return self._apply(stored, tombstone, record, resumed=False)

    def redaction_of(self, stream_id: UUID, version: int) -> RedactionRecord | None:
        """The redaction recorded for one stored event, if any."""
        return self._recorded(stream_id, version)

    # ---- helpers --------------------------------------------------------------------

    def _stored_event(self, stream_id: UUID, version: int) -> StoredEvent:
        found = self.recorder.select_events(stream_id, gt=version - 1, lte=version)
        if found:
            return found[0]
        if not self.recorder.select_events(stream_id, limit=1):
            raise NotFound(f"no stream with id {stream_id}")
        if version < 1:
            raise ValidationFailed("version", "versions start at 1")
        raise NotFound(f"stream {stream_id} has no version {version}")

    def _redaction_event(self, rid: UUID) -> Any:
        return next(iter(self.events.get(rid)), None)

    def _recorded(self, stream_id: UUID, version: int) -> RedactionRecord | None:
        rid = redaction_id(stream_id, version)
        event = self._redaction_event(rid)
        if event is None:
            return None
        position = eventlog.positions(self.recorder, [rid]).get((rid, 1), 0)
        return record_of(event, position)

    def _signing_key(self) -> Ed25519PrivateKey:
        """The checkpoint key signs the record: without it nobody can later tell this
        redaction from a forged one (docs/audit.md)."""
        path = Path(self.env.get(SIGNING_KEY_SETTING) or "")
        if not str(path) or str(path) == ".":
            raise ValidationFailed("store", f"{SIGNING_KEY_SETTING} is not set: a redaction "
                                   "must be signed with the checkpoint key")
        try:
            key, created = keys.load_or_create_key(path)
        except (OSError, keys.SigningKeyError) as exc:
            raise ValidationFailed("store", f"cannot sign the redaction: {exc}") from None
        if created:
            log.warning("created a new signing key at %s to sign a redaction; keep a copy "
                        "away from the database", path)
        return key

    def _apply(self, stored: StoredEvent, tombstone: bytes, record: RedactionRecord, *,
               resumed: bool) -> RedactionOutcome:
        if self.chain_log is not None:
            try:
                self.chain_log()
            except ChainHeadMismatch as exc:
                # The record stays; running the redaction again, once the chain is
                # sound, writes the tombstone.
                raise ValidationFailed("store", str(exc)) from None
        _write_state(self.recorder, stored.originator_id, stored.originator_version,
                     tombstone)
        return self._finish(stored, record, resumed=resumed)

    def _finish(self, stored: StoredEvent, record: RedactionRecord, *,
                resumed: bool) -> RedactionOutcome:
        """Everything after the tombstone; idempotent, so a resumed run repeats it."""
        rebuilt = self._rebuild_snapshots(UUID(str(stored.originator_id)),
                                          stored.originator_version)
        self._evict(UUID(str(stored.originator_id)))
        return RedactionOutcome(record=record, snapshots_rebuilt=rebuilt, resumed=resumed)

    def _evict(self, stream_id: UUID) -> None:
        """Drops the aggregate from this process's cache. Other long-running processes
        keep their cached copy until it is evicted or they restart (docs/audit.md)."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(stream_id, evict=True)

    def _rebuild_snapshots(self, stream_id: UUID, version: int) -> tuple[int, ...]:
        """Snapshots at or after the redacted version hold its text: delete them, then
        take them again from the tombstoned stream."""
        if self.snapshots is None:
            return ()
        recorder = self.snapshots.recorder
        versions = tuple(s.originator_version
                         for s in recorder.select_events(stream_id, gt=version - 1))
        if not versions:
            return ()
        _delete_snapshots(recorder, stream_id, version)
        self._evict(stream_id)
        for snapshot_version in versions:
            self.take_snapshot(stream_id, version=snapshot_version)
        return versions


def _write_state(recorder: Any, originator_id: object, version: int, state: bytes) -> None:
    oid = UUID(str(originator_id))
    if isinstance(recorder, SQLiteApplicationRecorder):
        with recorder.datastore.transaction(commit=True) as cursor:
            # Overwrite the freed bytes too, not just unlink them (see docs/audit.md).
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute(
                f"UPDATE {recorder.events_table_name} SET state = ? "  # noqa: S608
                "WHERE originator_id = ? AND originator_version = ?",
                (state, oid.hex, version))
        return
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL("UPDATE {schema}.{table} SET state = %s "
                        "WHERE originator_id = %s AND originator_version = %s").format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, (state, oid, version))
        return
    raise ValidationFailed("store", "this event store cannot be redacted in place")


def _delete_snapshots(recorder: Any, stream_id: UUID, version: int) -> None:
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = SQL("DELETE FROM {schema}.{table} "
                        "WHERE originator_id = %s AND originator_version >= %s").format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name))
        with recorder.datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, (stream_id, version))
        return
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"DELETE FROM {recorder.events_table_name} "  # noqa: S608
            "WHERE originator_id = ? AND originator_version >= ?", (stream_id.hex, version))
