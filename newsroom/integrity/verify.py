"""Verification: recompute both chains from the stored events and compare them, event
by event, with the chain records and the signed checkpoints. Stops at the first bad
event and names it.

The scan walks the events in log order and the chain records in sequence order side
by side, matching them by the position each record saw. Positions are compared, never
assumed contiguous: a hole in PostgreSQL's id sequence has no chain record and no
event, so it is invisible here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from newsroom.integrity import keys
from newsroom.integrity.checkpoints import Checkpoint
from newsroom.integrity.hashing import (
    GENESIS,
    LINK_FORMAT,
    TIMESTAMP_PREFIX,
    event_timestamp,
    global_link,
    stream_link,
    topic_field,
)
from newsroom.integrity.redaction_cache import (
    REDACTION_TOPIC,
    cached_redactions,
    signed_redaction_of,
)
from newsroom.integrity.redaction_signing import signature_problem
from newsroom.integrity.store import IntegrityStore, LinkRow

PROGRESS_EVERY = 10_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Bad:
    article_id: str | None  # the stream's id: an article, translation, user or subscriber
    version: int | None
    position: int | None
    problem: str

    def document(self) -> dict[str, Any]:
        return {"article_id": _dashed(self.article_id), "version": self.version,
                "position": self.position, "problem": self.problem}


def _dashed(originator_id: str | None) -> str | None:
    """Ids as the API shows them everywhere else."""
    if originator_id is None:
        return None
    try:
        return str(UUID(hex=originator_id))
    except ValueError:
        return originator_id


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad: Bad | None
    redacted: list[dict[str, Any]] = field(default_factory=list)
    unchained: int = 0
    checkpoints: int = 0
    trusted_key: str | None = None
    verified_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    # Where the checkpoints came from: [{"source": "store" or a file, "checkpoints": n}].
    checkpoint_sources: list[dict[str, Any]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad": None if self.first_bad is None else self.first_bad.document(),
            "redacted": self.redacted,
            "unchained": self.unchained,
            "checkpoints": self.checkpoints,
            "trusted_key": self.trusted_key,
            "checkpoint_sources": self.checkpoint_sources,
            "verified_at": self.verified_at,
        }


@dataclass(frozen=True)
class RedactionDigests:
    original: bytes
    tombstone: bytes


@dataclass
class Redactions:
    """The redaction records verify accepts, and why it refused the others."""

    accepted: dict[tuple[str, int], RedactionDigests] = field(default_factory=dict)
    refused: dict[tuple[str, int], str] = field(default_factory=dict)


def accepted_redactions(records: Mapping[Any, Any], trusted_key: str | None,
                        chained_position: int) -> Redactions:
    """Only a record that is itself chained and signed by the trusted key excuses a
    changed payload: anyone with database access can append an event, or copy one."""
    found = Redactions()
    for record in records.values():
        key = (record.target_id.hex, int(record.target_version))
        if not 0 < record.position <= chained_position:
            found.refused[key] = (f"its redaction record (position {record.position}) is "
                                  "not chained")
            continue
        problem = signature_problem(record.claim(), record.public_key, record.signature,
                                    trusted_key)
        if problem:
            found.refused[key] = problem
            continue
        found.accepted[key] = RedactionDigests(bytes.fromhex(record.original_digest),
                                               bytes.fromhex(record.tombstone_digest))
    return found


def checkpoint_problem(checkpoint: Checkpoint, trusted_key: str | None) -> str | None:
    if trusted_key is not None and checkpoint.public_key != trusted_key:
        return (f"forged checkpoint: checkpoint {checkpoint.seq} ({checkpoint.created_at}) is "
                f"signed by key {keys.key_id(checkpoint.public_key)}, not by the trusted key "
                f"{keys.key_id(trusted_key)}")
    if not keys.signature_valid(checkpoint.public_key, checkpoint.signature,
                                checkpoint.message()):
        return (f"forged checkpoint: the signature of checkpoint {checkpoint.seq} "
                f"({checkpoint.created_at}) does not verify")
    return None


class _Found(Exception):
    """A control-flow signal carrying the first bad event out of the scan."""

    def __init__(self, bad: Bad) -> None:
        self.bad = bad


class Scan:
    """One pass over the store. Private state, used once."""

    def __init__(self, store: IntegrityStore, conn: Any, checkpoints: list[Checkpoint],
                 trusted_key: str | None, progress: Progress | None) -> None:
        self.store = store
        self.conn = conn
        self.redactions = Redactions()
        self.checkpoints = checkpoints
        self.trusted_key = trusted_key
        # What is chained, from the chain records (never from the head row alone).
        self.chain_end = store.chain_end(conn.cursor())
        self.progress = progress
        self.seq = 0
        self.redacted: list[dict[str, Any]] = []
        self.unchained = 0

    def _links(self) -> Iterator[LinkRow]:
        query = self.store.sql(
            "SELECT seq, position, originator_id, version, ts, digest, stream_hash, "
            "global_hash FROM {links} ORDER BY seq")
        for r in self.store.iterate(self.conn, query, (), name="integrity_links"):
            yield (int(r[0]), int(r[1]), str(r[2]), int(r[3]), str(r[4]), bytes(r[5]),
                   bytes(r[6]), bytes(r[7]))

    def _events(self) -> Iterator[tuple[Any, ...]]:
        return self.store.iterate(self.conn, self.store.events_query(), (0,),
                                  name="integrity_events")

    def _chained_at(self, originator_id: str, version: int) -> int | None:
        cursor = self.conn.cursor()
        cursor.execute(self.store.sql(
            "SELECT position FROM {links} WHERE originator_id = ? AND version = ?"),
            (originator_id, version))
        row = cursor.fetchone()
        return None if row is None else int(row[0])

    def _stored_at(self, originator_id: str, version: int) -> int | None:
        cursor = self.conn.cursor()
        # By the primary key: a uuid column on PostgreSQL, the hex text on SQLite.
        key: Any = UUID(hex=originator_id) if self.store.is_postgres else originator_id
        cursor.execute(self.store.sql(
            "SELECT {pos} FROM {events} WHERE originator_id = ? AND originator_version = ?"),
            (key, version))
        row = cursor.fetchone()
        return None if row is None else int(row[0])

    def _missing(self, link: LinkRow, where: str) -> Bad:
        moved = self._stored_at(link[2], link[3])
        problem = (f"moved: chained at position {link[1]}, now stored at position {moved}"
                   if moved is not None else
                   f"deleted: the event chained at position {link[1]} (sequence {link[0]}) "
                   f"is missing from the store{where}")
        return Bad(link[2], link[3], link[1], problem)

    def _unexpected(self, oid: str, version: int, position: int, link: LinkRow | None) -> Bad:
        chained = self._chained_at(oid, version)
        if chained is not None:
            return Bad(oid, version, position,
                       f"out of order: chained at position {chained}, found at position "
                       f"{position}")
        instead = "" if link is None or link[1] != position else (
            f" (the chain has {link[2]} version {link[3]} here)")
        return Bad(oid, version, position, f"inserted: this event is not in the chain{instead}")

    def proves_clean(self, cached: dict[tuple[str, int], tuple[bytes, bytes]]) -> bool:
        """The fast pass: recompute both chains from the events alone and compare the
        global head where something signed or stored pins it (each checkpoint, and the
        follower's head record). True proves the store clean: any change to a chained
        event changes every later global link. False says only that something differs;
        the diagnosing pass (``run``) then finds and names it. Reading no chain records
        keeps this pass close to the cost of reading and hashing the events.

        ``cached``: redactions from the follower's cache, each confirmed here against
        the chained Redaction.Recorded event, signed by the trusted key, met later in
        the log."""
        seq_head, position_head, hash_head = self.chain_end
        if self.store.head(self.conn.cursor()) != self.chain_end:
            return False  # the head row was altered; the diagnosing pass names it
        redactions = {key: RedactionDigests(*digests) for key, digests in cached.items()}
        trusted_key = self.trusted_key
        confirmed: set[tuple[str, int]] = set()
        pinned: dict[int, set[bytes]] = {}
        for checkpoint in self.checkpoints:
            pinned.setdefault(checkpoint.seq, set()).add(bytes.fromhex(checkpoint.head))
        last_pinned = max(pinned, default=0)
        sha = hashlib.sha256
        prefix, prefix_len = TIMESTAMP_PREFIX, len(TIMESTAMP_PREFIX)
        topics: dict[str, bytes] = {}
        # Per stream: last version, last link, and the id as the link encodes it.
        streams: dict[str, tuple[int, bytes, bytes]] = {}
        redacted: list[dict[str, Any]] = []
        progress, every = self.progress, PROGRESS_EVERY
        link_format = LINK_FORMAT
        head, seq = GENESIS, 0
        for position, oid, version, topic, state in self._events():
            if not isinstance(state, bytes):
                state = state.encode() if isinstance(state, str) else bytes(state)
            digest = sha(state).digest()
            if state.startswith(prefix):
                timestamp = state[prefix_len:state.find(b'"', prefix_len)]
            else:
                timestamp = event_timestamp(state)
            if redactions:
                record = redactions.get((oid, version))
                if record is not None and digest == record.tombstone:
                    digest = record.original
                    redacted.append({"article_id": _dashed(oid), "version": version,
                                     "position": position})
                if topic == REDACTION_TOPIC and seq < seq_head:
                    # seq counts the events before this one: this one is chained.
                    found = signed_redaction_of(state, trusted_key)
                    if found is not None and cached.get(found[0]) == found[1]:
                        confirmed.add(found[0])
            last = streams.get(oid)
            if last is None:
                last_version, prev, oid_bytes = 0, GENESIS, oid.encode()
            else:
                last_version, prev, oid_bytes = last
            if version != last_version + 1:
                return False
            encoded_topic = topics.get(topic)
            if encoded_topic is None:
                encoded_topic = topics[topic] = topic_field(topic)
            # encoded_stream_link, inlined: this loop runs once per stored event.
            stream_hash = sha(link_format % (prev, oid_bytes, version, encoded_topic,
                                             len(timestamp), timestamp, digest)).digest()
            head = sha(head + stream_hash).digest()
            seq += 1
            streams[oid] = (version, stream_hash, oid_bytes)
            if seq in pinned and pinned[seq] != {head}:
                return False
            if seq == seq_head and (position != position_head or head != hash_head):
                return False
            if seq > seq_head:
                self.unchained += 1
            if progress is not None and not seq % every:
                progress(every)
        self.seq = seq
        self.redacted = redacted
        if len(confirmed) != len(cached):
            return False  # a cached redaction no chained, signed event vouches for
        return seq >= seq_head and last_pinned <= seq

    def run(self) -> Bad | None:
        """The diagnosing pass: events and chain records side by side."""
        self.seq, self.unchained, self.redacted = 0, 0, []
        try:
            self._scan()
        except _Found as found:
            return found.bad
        return None

    def _scan(self) -> None:
        _, chained_position, _ = self.chain_end
        sha = hashlib.sha256
        streams: dict[str, tuple[int, bytes]] = {}
        head = GENESIS
        seq = 0
        checkpoints = iter(self.checkpoints)
        checkpoint = next(checkpoints, None)
        links = self._links()
        link = next(links, None)
        progress = self.progress
        for row in self._events():
            position, oid, version, topic, state = row
            if not isinstance(state, bytes):
                # SQLite lets an UPDATE store text where the library wrote a blob.
                state = state.encode() if isinstance(state, str) else bytes(state)
            if link is not None and link[1] < position:
                raise _Found(self._missing(link, ""))
            digest = sha(state).digest()
            timestamp = event_timestamp(state)
            last_version, prev = streams.get(oid, (0, GENESIS))
            if link is None or link[1] > position:
                if link is None and position > chained_position:
                    # Written after the follower's last batch: the window. Stream order
                    # is all that can be checked.
                    if version != last_version + 1:
                        raise _Found(Bad(oid, version, position,
                                         f"version {version} follows version {last_version} "
                                         "of its stream (not chained yet)"))
                    stream_hash = stream_link(prev, oid, version, topic, timestamp, digest)
                    head = global_link(head, stream_hash)
                    streams[oid] = (version, stream_hash)
                    seq += 1
                    self.unchained += 1
                    continue
                raise _Found(self._unexpected(oid, version, position, link))
            if link[2] != oid or link[3] != version:
                raise _Found(self._unexpected(oid, version, position, link))
            if digest != link[5]:
                if timestamp and timestamp.decode() != link[4]:
                    raise _Found(Bad(oid, version, position,
                                     f"timestamp changed: stored {timestamp.decode()!r}, "
                                     f"chained {link[4]!r}"))
                digest, timestamp = self._redacted_or_bad(row, digest, timestamp, link)
            if timestamp.decode() != link[4]:
                raise _Found(Bad(oid, version, position,
                                 f"timestamp changed: stored {timestamp.decode()!r}, chained "
                                 f"{link[4]!r}"))
            if version != last_version + 1:
                raise _Found(Bad(oid, last_version + 1, None,
                                 f"deleted: version {last_version + 1} of this stream is "
                                 f"missing (and its chain record with it); the stream "
                                 f"continues with version {version} at position {position}"))
            stream_hash = stream_link(prev, oid, version, topic, timestamp, digest)
            if stream_hash != link[6]:
                raise _Found(Bad(oid, version, position,
                                 "topic changed (payload and timestamp match the chain, the "
                                 "event's link does not), or its chain record was altered"))
            head = global_link(head, stream_hash)
            if head != link[7]:
                raise _Found(Bad(oid, version, position,
                                 "chain record altered: the global link stored for this "
                                 "event does not follow from the events before it"))
            seq += 1
            while checkpoint is not None and checkpoint.seq <= seq:
                if checkpoint.seq == seq and checkpoint.head != head.hex():
                    raise _Found(Bad(oid, version, position,
                                     f"the signed checkpoint {checkpoint.seq} "
                                     f"({checkpoint.created_at}) does not match: events up "
                                     "to here were rewritten together with their chain "
                                     "records"))
                checkpoint = next(checkpoints, None)
            streams[oid] = (version, stream_hash)
            link = next(links, None)
            if progress is not None and not seq % PROGRESS_EVERY:
                progress(PROGRESS_EVERY)
            self.seq = seq
        self.seq = seq
        if link is not None:
            raise _Found(self._missing(link, " (the end of the log was cut)"))
        if checkpoint is not None:
            raise _Found(Bad(None, None, checkpoint.position,
                             f"truncated: the signed checkpoint {checkpoint.seq} "
                             f"({checkpoint.created_at}) covers {checkpoint.seq} events up "
                             f"to position {checkpoint.position}; the store has {seq}"))

    def _redacted_or_bad(self, row: tuple[Any, ...], digest: bytes, timestamp: bytes,
                         link: LinkRow) -> tuple[bytes, bytes]:
        """The digest and timestamp to chain for an event whose payload differs from the
        chain: a recorded redaction, or tampering."""
        position, oid, version = row[0], row[1], row[2]
        record = self.redactions.accepted.get((oid, version))
        if record is not None and digest == record.tombstone and link[5] == record.original:
            self.redacted.append({"article_id": _dashed(oid), "version": version,
                                  "position": position})
            # A tombstone may drop the timestamp; the chain record still holds it.
            return record.original, timestamp or link[4].encode()
        refused = self.redactions.refused.get((oid, version))
        why = "" if refused is None else f"; not a redaction: {refused}"
        raise _Found(Bad(oid, version, position,
                         f"payload changed: the stored state hashes to {digest.hex()[:16]}…, "
                         f"the chain recorded {link[5].hex()[:16]}…{why}"))


def _head_altered(scan: Scan) -> Bad | None:
    """Every event matched its chain record, yet the proving pass disagreed: either the
    follower's head record was altered (moved back, or its hash changed), or only the
    redaction cache is off (the diagnosing pass read the redactions from the log
    itself, so the log is fine)."""
    seq, position, head = scan.store.head(scan.conn.cursor())
    if (seq, position, head) == scan.chain_end:
        return None
    last_seq, last_position, _ = scan.chain_end
    cursor = scan.conn.cursor()
    cursor.execute(scan.store.sql(
        "SELECT originator_id, version FROM {links} WHERE seq = ?"), (last_seq,))
    row = cursor.fetchone()
    return Bad(None if row is None else str(row[0]), None if row is None else int(row[1]),
               last_position,
               f"chain head record altered: it says {seq} events up to position "
               f"{position} (hash {head.hex()[:16]}…), the chain records end at "
               f"{last_seq} events, position {last_position} (hash "
               f"{scan.chain_end[2].hex()[:16]}…)")


def verify(store: IntegrityStore, *, checkpoints: list[Checkpoint], trusted_key: str | None,
           load_redactions: Callable[[], Mapping[Any, Any]] | None = None,
           progress: Progress | None = None) -> VerifyResult:
    """Checks signatures first (a forged checkpoint is named before any event), then
    proves the log in one pass, and diagnoses in a second only when that fails.

    The proving pass uses the follower's redaction cache (confirmed against the log as
    it goes); the diagnosing pass ``load_redactions()``, which reads the records from
    the log, and accepts only those chained and signed by the trusted key."""
    for checkpoint in checkpoints:
        problem = checkpoint_problem(checkpoint, trusted_key)
        if problem:
            return VerifyResult(False, 0, Bad(None, None, checkpoint.position, problem),
                                checkpoints=len(checkpoints), trusted_key=trusted_key)
    with store.reading() as conn:
        scan = Scan(store, conn, checkpoints, trusted_key, progress)
        bad = None
        if not scan.proves_clean(cached_redactions(store, conn)):
            scan.progress = None
            if load_redactions is not None:
                scan.redactions = accepted_redactions(load_redactions(), trusted_key,
                                                      scan.chain_end[1])
            bad = scan.run() or _head_altered(scan)
    return VerifyResult(ok=bad is None, checked=scan.seq, first_bad=bad,
                        redacted=scan.redacted, unchained=scan.unchained,
                        checkpoints=len(checkpoints), trusted_key=trusted_key)
