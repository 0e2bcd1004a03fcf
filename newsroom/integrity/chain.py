"""The chain follower: links every event of the notification log into its stream's
chain and into the global chain, in log order, saving the links and the head it reached
in ONE transaction (so a crash leaves either both or neither).

It runs after the write, not in it: the command path stays as fast as before, at the
price of a window between an event's commit and its link (the dispatcher closes it
within a poll interval). An event forged inside that window is chained as if genuine;
every event chained before it is protected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from newsroom.integrity.hashing import GENESIS, event_timestamp, global_link, stream_link
from newsroom.integrity.redaction_cache import cache_redactions
from newsroom.integrity.store import Cursor, EventRow, IntegrityStore, LinkRow

BATCH = 2000
# Stream heads kept in memory between batches; beyond this the table answers.
STREAM_CACHE = 200_000

Progress = Callable[[int], None]


class StreamHeads:
    """The last (version, hash) of each stream, from memory or from the links table."""

    def __init__(self, store: IntegrityStore) -> None:
        self.store = store
        self.known: dict[str, tuple[int, bytes]] = {}

    def get(self, cursor: Cursor, originator_id: str) -> tuple[int, bytes]:
        found = self.known.get(originator_id)
        if found is not None:
            return found
        cursor.execute(self.store.sql(
            "SELECT version, stream_hash FROM {links} WHERE originator_id = ? "
            "ORDER BY version DESC LIMIT 1"), (originator_id,))
        row = cursor.fetchone()
        return (0, GENESIS) if row is None else (int(row[0]), bytes(row[1]))

    def set(self, originator_id: str, version: int, stream_hash: bytes) -> None:
        if len(self.known) >= STREAM_CACHE:
            self.known.clear()
        self.known[originator_id] = (version, stream_hash)


def link_events(rows: list[EventRow], seq: int, head: bytes,
                prev_of: Callable[[str], tuple[int, bytes]],
                remember: Callable[[str, int, bytes], None],
                chained_digests: list[bytes | None] | None = None) -> list[LinkRow]:
    """Links for ``rows`` (in log order), continuing from ``seq`` and ``head``.
    ``chained_digests`` (import only) gives, per row, the digest the chain covered when
    it differs from the stored state's: a redacted event's original digest."""
    links: list[LinkRow] = []
    sha = hashlib.sha256
    for index, (position, originator_id, version, topic, state) in enumerate(rows):
        state = bytes(state)
        digest = (chained_digests and chained_digests[index]) or sha(state).digest()
        timestamp = event_timestamp(state)
        _, prev = prev_of(originator_id)
        stream_hash = stream_link(prev, originator_id, version, topic, timestamp, digest)
        head = global_link(head, stream_hash)
        seq += 1
        links.append((seq, position, originator_id, version, timestamp.decode(), digest,
                      stream_hash, head))
        remember(originator_id, version, stream_hash)
    return links


def insert_links(store: IntegrityStore, cursor: Cursor, links: list[LinkRow]) -> None:
    cursor.executemany(store.sql(
        "INSERT INTO {links} (seq, position, originator_id, version, ts, digest, "
        "stream_hash, global_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), links)


def save_head(store: IntegrityStore, cursor: Cursor, seq: int, position: int,
              head: bytes) -> None:
    cursor.execute(store.sql("UPDATE {head} SET seq = ?, position = ?, head = ? WHERE id = 1"),
                   (seq, position, head))


class ChainHeadMismatch(RuntimeError):
    """The head row disagrees with the chain records (someone moved it): linking on
    from it would write sequence numbers that exist already. Nothing is chained until
    an operator looks (``newsroom audit verify`` names it)."""

    def __init__(self, head: tuple[int, int], end: tuple[int, int]) -> None:
        super().__init__(
            f"the integrity chain's head record says {head[0]} events up to position "
            f"{head[1]}, but chain records exist up to {end[0]} events, position {end[1]}: "
            "the head record was altered. Chaining is stopped; run `newsroom audit verify` "
            "and investigate before anything else is chained.")


def check_head(store: IntegrityStore, cursor: Cursor) -> tuple[int, int, bytes]:
    """The head, after checking it against the chain records (see ChainHeadMismatch)."""
    head = store.head(cursor)
    end = store.chain_end(cursor)
    if head != end:
        raise ChainHeadMismatch(head[:2], end[:2])
    return head


class ChainFollower:
    def __init__(self, store: IntegrityStore) -> None:
        self.store = store
        self.heads = StreamHeads(store)

    def catch_up(self, progress: Progress | None = None, batch: int = BATCH,
                 max_batches: int | None = None) -> int:
        """Chains every event not chained yet (or ``max_batches`` batches of them);
        returns how many it chained."""
        total = 0
        batches = 0
        if not self.store.has_unchained():
            return 0  # the common case on every poll: no write lock taken
        while max_batches is None or batches < max_batches:
            batches += 1
            done = self._chain_batch(batch)
            if not done:
                return total
            total += done
            if progress:
                progress(done)
        return total

    def _chain_batch(self, batch: int) -> int:
        store = self.store
        with store.writing() as cursor:
            store.head(cursor, lock=True)
            seq, position, head = check_head(store, cursor)
            cursor.execute(store.events_query() + store.sql(" LIMIT ?"), (position, batch))
            rows: list[Any] = cursor.fetchall()
            if not rows:
                return 0
            events: list[EventRow] = [
                (int(r[0]), str(r[1]), int(r[2]), str(r[3]), bytes(r[4])) for r in rows]
            # A head cached by a transaction that was later rolled back (a concurrent
            # follower won the race) must not leak into this one.
            pending: dict[str, tuple[int, bytes]] = {}

            def prev_of(originator_id: str) -> tuple[int, bytes]:
                return pending.get(originator_id) or self.heads.get(cursor, originator_id)

            def remember(originator_id: str, version: int, stream_hash: bytes) -> None:
                pending[originator_id] = (version, stream_hash)

            links = link_events(events, seq, head, prev_of, remember)
            insert_links(store, cursor, links)
            cache_redactions(store, cursor, events)
            last = links[-1]
            save_head(store, cursor, last[0], last[1], last[7])
        for originator_id, (version, stream_hash) in pending.items():
            self.heads.set(originator_id, version, stream_hash)
        return len(links)
