"""The integrity operations every entry point uses (CLI, dispatcher, web): chain,
checkpoint, verify, and the last verification result."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from newsroom.config import Settings
from newsroom.integrity import keys
from newsroom.integrity.chain import ChainFollower, ChainHeadMismatch, Progress, check_head
from newsroom.integrity.checkpoints import (
    Checkpoint,
    CheckpointFileError,
    append_to_file,
    file_checkpoints,
    merged,
    sign_checkpoint,
    store_checkpoint,
    stored_checkpoints,
)
from newsroom.integrity.store import IntegrityStore
from newsroom.integrity.verify import VerifyResult, verify

log = logging.getLogger(__name__)


def events_table_of(recorder: ApplicationRecorder) -> str:
    """The library names its event table per dialect and application."""
    if isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        return recorder.events_table_name
    raise TypeError(f"no integrity chain for {type(recorder).__name__}")

NEW_KEY_WARNING = (
    "created a new checkpoint signing key at {path}. Keep a copy somewhere safe, away "
    "from the database, and give auditors its public half (newsroom audit public-key)."
)


class Integrity:
    def __init__(self, settings: Settings, events_table: str, app: Any = None, *,
                 keep_open: bool = False) -> None:
        self.settings = settings
        # The application (recorder and mapper) reads redaction records from the log.
        self.app = app
        self.store = IntegrityStore(settings, events_table, keep_open=keep_open)
        self.follower = ChainFollower(self.store)

    @classmethod
    def of(cls, services: Any, *, keep_open: bool = False) -> Integrity:
        """From bootstrap's Services (typed loosely: bootstrap imports us)."""
        integrity: Integrity = cls.for_app(services.settings, services.app,
                                           keep_open=keep_open)
        return integrity

    @classmethod
    def for_app(cls, settings: Settings, app: Application[Any], *,
                keep_open: bool = False) -> Integrity:
        return cls(settings, events_table_of(app.recorder), app, keep_open=keep_open)

    def create_tables(self) -> None:
        self.store.create_tables()

    def catch_up(self, progress: Progress | None = None, max_batches: int | None = None) -> int:
        return self.follower.catch_up(progress, max_batches=max_batches)

    # ---- keys and checkpoints --------------------------------------------------------

    def signing_key(self) -> Ed25519PrivateKey:
        key, created = keys.load_or_create_key(self.settings.signing_key_file)
        if created:
            log.warning(NEW_KEY_WARNING.format(path=self.settings.signing_key_file))
        return key

    def ensure_signing_key(self) -> bool:
        """Creates the key when missing; True when it did (the caller warns)."""
        _, created = keys.load_or_create_key(self.settings.signing_key_file)
        return created

    def checkpoint(self, now: datetime | None = None, *, chain_first: bool = True) -> Checkpoint:
        """Chains what is not chained yet (unless told not to), then signs the head."""
        if chain_first:
            self.catch_up()
        key = self.signing_key()
        with self.store.connect() as conn:
            seq, position, head = check_head(self.store, conn.cursor())
        checkpoint = sign_checkpoint(key, seq, position, head, now)
        store_checkpoint(self.store, checkpoint)
        append_to_file(self.settings.checkpoints_file, checkpoint)
        return checkpoint

    def last_checkpoint_seq(self) -> int:
        with self.store.connect() as conn:
            cursor = conn.cursor()
            cursor.execute(self.store.sql("SELECT MAX(seq) FROM {checkpoints}"))
            row = cursor.fetchone()
        return int(row[0] or 0)

    # ---- verification ----------------------------------------------------------------

    def trusted_key(self, trusted_key_file: Path | None) -> str | None:
        """The key checkpoints must be signed with: the pinned one, else our own."""
        if trusted_key_file is not None:
            return keys.read_trusted_key(trusted_key_file)
        if self.settings.signing_key_file.exists():
            return keys.public_hex(keys.load_key(self.settings.signing_key_file))
        return None

    def checkpoints(self, extra_files: Sequence[Path] = ()) -> list[Checkpoint]:
        return self.checkpoint_sources(extra_files)[0]

    def checkpoint_sources(self, extra_files: Sequence[Path] = ()
                           ) -> tuple[list[Checkpoint], list[dict[str, Any]]]:
        """Every distinct checkpoint, and how many each source held. A file the user
        named that holds none is an error, not an empty list: a wrong file (a key, an
        empty file) would otherwise pass for the auditor's evidence."""
        groups = [stored_checkpoints(self.store)]
        sources: list[dict[str, Any]] = [{"source": "store", "checkpoints": len(groups[0])}]
        own = self.settings.checkpoints_file
        for path in (own, *extra_files):
            if path == own and (not path.exists() or path in extra_files):
                continue
            found = file_checkpoints(path)
            if not found and path != own:
                raise CheckpointFileError(f"{path}: holds no checkpoint line (expected "
                                          "a checkpoint file or an audit export)")
            groups.append(found)
            sources.append({"source": str(path), "checkpoints": len(found)})
        return merged(*groups), sources

    def verify(self, *, checkpoint_files: Sequence[Path] = (),
               trusted_key_file: Path | None = None,
               progress: Progress | None = None) -> VerifyResult:
        checkpoints, sources = self.checkpoint_sources(checkpoint_files)
        result = verify(
            self.store, checkpoints=checkpoints,
            trusted_key=self.trusted_key(trusted_key_file),
            load_redactions=self.redactions, progress=progress)
        result.checkpoint_sources = sources
        self.save_result(result)
        return result

    def redactions(self) -> Mapping[Any, Any]:
        """(target id, version) → redaction record, read from the log by the redaction
        module (another part of this package)."""
        if self.app is None:
            return {}
        from newsroom.integrity.redactions import load_redactions

        loaded: Mapping[Any, Any] = load_redactions(self.app.recorder, self.app.mapper)
        return loaded

    def save_result(self, result: VerifyResult) -> None:
        """A history of runs, for the curious. Never shown as the current result (the
        web keeps its own in memory): whoever can alter the log can alter this too."""
        with self.store.writing() as cursor:
            cursor.execute(self.store.sql(
                "INSERT INTO {verifications} (verified_at, result) VALUES (?, ?)"),
                (result.verified_at, json.dumps(result.document())))
            # One row is all anyone reads; keep a short history for the curious.
            cursor.execute(self.store.sql(
                "DELETE FROM {verifications} WHERE id NOT IN "
                "(SELECT id FROM {verifications} ORDER BY id DESC LIMIT 20)"))

    # ---- per-event hashes for history views ------------------------------------------

    def stream_hashes(self, ids: Sequence[UUID]) -> dict[tuple[UUID, int], str]:
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        with self.store.connect() as conn:
            cursor = conn.cursor()
            cursor.execute(self.store.sql(
                f"SELECT originator_id, version, stream_hash FROM {{links}} "  # noqa: S608
                f"WHERE originator_id IN ({marks})"), [i.hex for i in ids])
            rows = cursor.fetchall()
        return {(UUID(hex=str(r[0])), int(r[1])): bytes(r[2]).hex() for r in rows}


class Sealer:
    """The dispatcher's part: chain new events, and sign a checkpoint every N events or
    every T minutes (when anything new was chained)."""

    def __init__(self, integrity: Integrity) -> None:
        self.integrity = integrity
        self.every = integrity.settings.checkpoint_every
        self.interval = integrity.settings.checkpoint_minutes * 60
        self.last_seq = integrity.last_checkpoint_seq()
        self.last_time = time.monotonic()
        # Set when the head record was found altered: logged once, then nothing is
        # chained (retrying would fail the same way on every poll) until a restart.
        self.stopped: str | None = None

    def tick(self) -> int:
        """Returns how many events it chained. A few batches per tick, so a long
        backlog (a first run on a big store) never starves dispatching."""
        if self.stopped is not None:
            return 0
        try:
            chained = self.integrity.catch_up(max_batches=5)
        except ChainHeadMismatch as exc:
            self.stopped = str(exc)
            log.error("integrity chain stopped: %s", exc)
            return 0
        seq, _ = self.integrity.store.chained_position()
        due_by_count = self.every > 0 and seq - self.last_seq >= self.every
        due_by_time = (self.interval > 0 and seq > self.last_seq
                       and time.monotonic() - self.last_time >= self.interval)
        if due_by_count or due_by_time:
            checkpoint = self.integrity.checkpoint(chain_first=False)
            self.last_seq = checkpoint.seq
            self.last_time = time.monotonic()
        return chained
