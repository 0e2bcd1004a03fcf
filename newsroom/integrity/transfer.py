"""Export and import of the whole log as JSON Lines: a header with the public key, every
event (its stored bytes, base64, and its chain hashes), every signed checkpoint, and an
end line. Import loads it into an empty store byte for byte, recomputes the chain and
refuses the file at the first event whose recomputed hashes differ from the exported ones.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from newsroom.integrity import keys
from newsroom.integrity.chain import insert_links, link_events, save_head
from newsroom.integrity.checkpoints import Checkpoint
from newsroom.integrity.hashing import GENESIS
from newsroom.integrity.redaction_cache import cache_redactions
from newsroom.integrity.service import Integrity
from newsroom.integrity.store import Cursor, EventRow, IntegrityStore, LinkRow
from newsroom.integrity.verify import checkpoint_problem

FORMAT = "newsroom-audit-export/1"
BATCH = 1000

Progress = Callable[[int], None]


class TransferError(ValueError):
    """An export that cannot be written, or an import that must not happen."""


@dataclass(frozen=True)
class Summary:
    events: int
    checkpoints: int
    head: str


# ---- export ---------------------------------------------------------------------------


def export_log(integrity: Integrity, path: Path, progress: Progress | None = None) -> Summary:
    """Chains what is new, then writes one consistent snapshot of the store. The file
    appears complete or not at all (written aside, then renamed)."""
    integrity.catch_up()
    store = integrity.store
    key_file = integrity.settings.signing_key_file
    public = keys.public_hex(keys.load_key(key_file)) if key_file.exists() else None
    partial = path.with_name(path.name + ".partial")
    try:
        with store.reading() as conn, partial.open("w", encoding="utf-8") as out:
            _line(out, {"type": "header", "format": FORMAT,
                        "exported_at": datetime.now(UTC).isoformat(),
                        "public_key": public, "key_id": public and keys.key_id(public),
                        "events": store.count_events(conn)})
            count, head = _export_events(store, conn, out, progress)
            cursor = conn.cursor()
            cursor.execute(store.sql(
                "SELECT seq, position, head, created_at, key_id, public_key, signature "
                "FROM {checkpoints} ORDER BY seq, id"))
            checkpoints = [Checkpoint(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]),
                                      str(r[5]), str(r[6])) for r in cursor.fetchall()]
            for checkpoint in checkpoints:
                _line(out, checkpoint.document())
            _line(out, {"type": "end", "events": count, "head": head})
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise TransferError(f"cannot write {path}: {exc.strerror}") from None
    return Summary(count, len(checkpoints), head)


def _export_events(store: IntegrityStore, conn: Any, out: TextIO,
                   progress: Progress | None) -> tuple[int, str]:
    query = store.sql(
        f"SELECT e.{{pos}}, {store.oid_column().replace('originator_id', 'e.originator_id')}, "  # noqa: S608
        "e.originator_version, e.topic, e.state, l.seq, l.ts, l.digest, l.stream_hash, "
        "l.global_hash FROM {events} e LEFT JOIN {links} l ON l.position = e.{pos} "
        "WHERE e.{pos} > ? ORDER BY e.{pos}")
    count = 0
    head = GENESIS.hex()
    for row in store.iterate(conn, query, (0,), name="integrity_export"):
        count += 1
        document: dict[str, Any] = {
            "type": "event", "position": int(row[0]), "originator_id": str(row[1]),
            "version": int(row[2]), "topic": str(row[3]),
            "state": base64.b64encode(bytes(row[4])).decode("ascii"),
        }
        if row[5] is not None:
            head = bytes(row[9]).hex()
            document.update(seq=int(row[5]), timestamp=str(row[6]), digest=bytes(row[7]).hex(),
                            stream_hash=bytes(row[8]).hex(), global_hash=head)
            if hashlib.sha256(bytes(row[4])).digest() != bytes(row[7]):
                # The payload was replaced after chaining: a redaction (its record is in
                # the log); verify after import decides whether the record vouches for it.
                document["redacted"] = True
        _line(out, document)
        if progress is not None and not count % BATCH:
            progress(BATCH)
    if progress is not None:
        progress(count % BATCH)
    return count, head


def _line(out: TextIO, document: dict[str, Any]) -> None:
    out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")


# ---- import ---------------------------------------------------------------------------


def _documents(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise TransferError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
            except ValueError:
                raise TransferError(f"{path}:{number}: not JSON") from None
            if not isinstance(document, dict) or "type" not in document:
                raise TransferError(f"{path}:{number}: not an export line")
            yield number, document


def import_log(integrity: Integrity, path: Path, progress: Progress | None = None) -> Summary:
    """Loads an export into an EMPTY store in one transaction: nothing is written unless
    every event chains to the exported hashes and every checkpoint verifies."""
    store = integrity.store
    with store.connect() as conn:
        existing = store.count_events(conn)
        chained, _, _ = store.head(conn.cursor())
    if existing or chained:
        raise TransferError(f"the store is not empty ({existing} events, {chained} chained): "
                            "import only into a new, empty store")
    loader = _Loader(store, path)
    try:
        with store.writing() as cursor:
            loader.load(cursor, progress)
    except (KeyError, ValueError, TypeError) as exc:
        if isinstance(exc, TransferError):
            raise
        raise TransferError(f"{path}: malformed export ({exc!r})") from None
    return Summary(loader.count, len(loader.checkpoints), loader.head.hex())


class _Loader:
    def __init__(self, store: IntegrityStore, path: Path) -> None:
        self.store = store
        self.path = path
        self.count = 0
        self.seq = 0
        self.head = GENESIS
        self.last_position = 0
        self.streams: dict[str, tuple[int, bytes]] = {}
        self.checkpoints: list[Checkpoint] = []
        self.public_key: str | None = None
        self.pending: list[tuple[int, EventRow, dict[str, Any]]] = []

    def load(self, cursor: Cursor, progress: Progress | None) -> None:
        ended = False
        header = False
        for number, document in _documents(self.path):
            kind = document["type"]
            if ended:
                raise TransferError(f"{self.path}:{number}: data after the end line")
            if kind == "header":
                if document.get("format") != FORMAT:
                    raise TransferError(f"{self.path}: not a {FORMAT} file")
                self.public_key = document.get("public_key")
                header = True
            elif not header:
                raise TransferError(f"{self.path}:{number}: the header line must come first")
            elif kind == "event":
                self.pending.append((number, _event_row(self.path, number, document), document))
                if len(self.pending) >= BATCH:
                    self._flush(cursor, progress)
            elif kind == "checkpoint":
                self.checkpoints.append(Checkpoint.from_document(document))
            elif kind == "end":
                self._flush(cursor, progress)
                if int(document.get("events", -1)) != self.count:
                    raise TransferError(f"{self.path}: the end line counts "
                                        f"{document.get('events')} events, the file has "
                                        f"{self.count}")
                ended = True
        if not ended:
            raise TransferError(f"{self.path}: no end line: the file is truncated")
        self._checkpoints(cursor)
        save_head(self.store, cursor, self.seq, self.last_position, self.head)
        if self.store.is_postgres and self.count:
            # Positions were kept; the sequence must continue after them.
            cursor.execute(self.store.sql(
                "SELECT setval(pg_get_serial_sequence(?, 'notification_id'), ?)"),
                (self.store.name(self.store.events_table), self.last_position))

    def _flush(self, cursor: Cursor, progress: Progress | None) -> None:
        if not self.pending:
            return
        rows = [row for _, row, _ in self.pending]
        digests = [bytes.fromhex(str(document["digest"])) if document.get("redacted") else None
                   for _, _, document in self.pending]
        links = link_events(rows, self.seq, self.head,
                            lambda oid: self.streams.get(oid, (0, GENESIS)),
                            lambda oid, version, h: self.streams.__setitem__(oid, (version, h)),
                            digests)
        for (number, row, document), link in zip(self.pending, links, strict=True):
            self._check(number, row, document, link)
        self._insert_events(cursor, rows)
        insert_links(self.store, cursor, links)
        cache_redactions(self.store, cursor, rows)
        self.seq, self.head = links[-1][0], links[-1][7]
        self.count += len(rows)
        if progress is not None:
            progress(len(rows))
        self.pending = []

    def _check(self, number: int, row: EventRow, document: dict[str, Any],
               link: LinkRow) -> None:
        if row[0] <= self.last_position:
            raise TransferError(f"{self.path}:{number}: positions must increase")
        self.last_position = row[0]
        if "global_hash" not in document:
            return  # exported before the follower reached it: chained here, first time
        expected = (document.get("digest"), document.get("stream_hash"),
                    document.get("global_hash"))
        if expected != (link[5].hex(), link[6].hex(), link[7].hex()):
            raise TransferError(
                f"{self.path}:{number}: event {row[1]} version {row[2]} does not chain to "
                "its exported hashes: the file was altered")

    def _insert_events(self, cursor: Cursor, rows: list[EventRow]) -> None:
        store = self.store
        if store.is_postgres:
            cursor.executemany(store.sql(
                "INSERT INTO {events} (notification_id, originator_id, originator_version, "
                "topic, state) VALUES (?, ?, ?, ?, ?)"),
                [(p, UUID(hex=o), v, t, s) for p, o, v, t, s in rows])
        else:
            cursor.executemany(store.sql(
                "INSERT INTO {events} (rowid, originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?, ?)"), rows)

    def _checkpoints(self, cursor: Cursor) -> None:
        for checkpoint in self.checkpoints:
            problem = checkpoint_problem(checkpoint, self.public_key)
            if problem:
                raise TransferError(f"{self.path}: {problem}")
            if checkpoint.seq > self.seq:
                raise TransferError(f"{self.path}: checkpoint {checkpoint.seq} covers more "
                                    f"events than the file has ({self.seq})")
            cursor.execute(self.store.sql("SELECT global_hash FROM {links} WHERE seq = ?"),
                           (checkpoint.seq,))
            row = cursor.fetchone()
            if row is None or bytes(row[0]).hex() != checkpoint.head:
                raise TransferError(f"{self.path}: checkpoint {checkpoint.seq} does not match "
                                    "the chain of the events in the file")
            cursor.execute(self.store.sql(
                "INSERT INTO {checkpoints} (seq, position, head, created_at, key_id, "
                "public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (checkpoint.seq, checkpoint.position, checkpoint.head, checkpoint.created_at,
                 checkpoint.key_id, checkpoint.public_key, checkpoint.signature))


def _event_row(path: Path, number: int, document: dict[str, Any]) -> EventRow:
    try:
        return (int(document["position"]), UUID(str(document["originator_id"])).hex,
                int(document["version"]), str(document["topic"]),
                base64.b64decode(document["state"], validate=True))
    except (KeyError, ValueError, TypeError) as exc:
        raise TransferError(f"{path}:{number}: not an event line ({exc})") from None
