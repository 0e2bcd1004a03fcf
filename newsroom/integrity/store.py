"""Where the chain lives: tables beside the library's event table, in the event-store
database (the SQLite event file, or the PostgreSQL schema), reached through our own
DB-API connections.

Why the event store and not the read-model database: the links are evidence, not a
derived view. Read models may be dropped and rebuilt at any time, and a rebuilt chain
would bless whatever the events say now; a backup of the event store must carry its
chain and checkpoints with it. The library owns the event table's DDL, so ours is
created here, idempotently, rather than by Alembic (which owns the read-model schema).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg

from newsroom.config import Settings
from newsroom.storage import sqlite_path

# (position, originator id as 32 hex digits, version, topic, state)
EventRow = tuple[int, str, int, str, bytes]
# (seq, position, originator id, version, timestamp, digest, stream hash, global hash)
LinkRow = tuple[int, int, str, int, str, bytes, bytes, bytes]

LINKS = "integrity_links"
HEAD = "integrity_head"
CHECKPOINTS = "integrity_checkpoints"
VERIFICATIONS = "integrity_verifications"
REDACTIONS = "integrity_redactions"


class Cursor(Protocol):
    rowcount: int

    def execute(self, sql: Any, params: Any = ...) -> Any: ...
    def executemany(self, sql: Any, params: Any) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int) -> list[Any]: ...


class IntegrityStore:
    """Our tables and the event table, one dialect at a time. SQL is written once with
    ``?`` placeholders and ``{name}`` table references; ``sql()`` adapts both."""

    def __init__(self, settings: Settings, events_table: str, *,
                 keep_open: bool = False) -> None:
        # A long-lived follower keeps one connection; one-off callers open their own.
        self.keep_open = keep_open
        self._kept: Any = None
        self.is_postgres = settings.is_postgres
        if self.is_postgres:
            parts = urlsplit(settings.database_url)
            self.schema = parse_qs(parts.query).get("schema", ["public"])[0]
            self.conninfo = psycopg.conninfo.make_conninfo(
                dbname=unquote(parts.path.strip("/")), host=parts.hostname or "localhost",
                port=parts.port or 5432, user=unquote(parts.username or "postgres"),
                password=unquote(parts.password or ""), connect_timeout=5)
            self.path = ""
        else:
            self.schema = ""
            self.conninfo = ""
            self.path = str(sqlite_path(settings.database_url))
        self.events_table = events_table
        # On PostgreSQL our tables share the library's prefix (newsroom_events →
        # newsroom_integrity_links), so `pg_dump -t 'newsroom_*'` backs them up together.
        self.prefix = events_table.removesuffix("events") if self.is_postgres else ""
        self.position_column = "notification_id" if self.is_postgres else "rowid"

    # ---- SQL text --------------------------------------------------------------------

    def name(self, table: str) -> str:
        if not self.is_postgres:
            return table
        full = table if table == self.events_table else self.prefix + table
        return f'"{self.schema}"."{full}"'


    def sql(self, text: str) -> str:
        text = text.format(links=self.name(LINKS), head=self.name(HEAD),
                           checkpoints=self.name(CHECKPOINTS),
                           verifications=self.name(VERIFICATIONS),
                           redactions=self.name(REDACTIONS),
                           events=self.name(self.events_table), pos=self.position_column)
        return text.replace("?", "%s") if self.is_postgres else text

    def oid_column(self) -> str:
        # Both dialects hand the id over as the 32 hex digits the chain hashes.
        return "replace(originator_id::text, '-', '')" if self.is_postgres else "originator_id"

    # ---- connections ----------------------------------------------------------------

    def _open(self) -> Any:
        # Autocommit on both: transactions are explicit (writing, reading), so no
        # statement leaves one open by accident and BEGIN can set the isolation level.
        if self.is_postgres:
            return psycopg.connect(self.conninfo, autocommit=True)
        # A kept connection may be made in one thread and used in the follower's
        # thread; it is never used by two at once.
        return sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        if not self.keep_open:
            conn = self._open()
            try:
                yield conn
            finally:
                conn.close()
            return
        if self._kept is None:
            self._kept = self._open()
        try:
            yield self._kept
        except BaseException:
            # The connection may be mid-transaction or broken: start afresh next time.
            kept, self._kept = self._kept, None
            kept.close()
            raise

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    @contextmanager
    def writing(self) -> Iterator[Cursor]:
        """One write transaction; on SQLite it takes the write lock at once, so what we
        read inside it is what we write after."""
        with self.connect() as conn:
            if self.is_postgres:
                with conn.transaction():
                    yield conn.cursor()
                return
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection with one consistent snapshot for the whole read."""
        with self.connect() as conn:
            if self.is_postgres:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield conn
                finally:
                    conn.execute("ROLLBACK")
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    # ---- schema ---------------------------------------------------------------------

    def create_tables(self) -> None:
        blob = "BYTEA" if self.is_postgres else "BLOB"
        big = "BIGINT" if self.is_postgres else "INTEGER"
        serial = "BIGSERIAL PRIMARY KEY" if self.is_postgres else "INTEGER PRIMARY KEY"
        statements = [
            f"CREATE TABLE IF NOT EXISTS {{links}} (seq {big} PRIMARY KEY, "
            f"position {big} NOT NULL UNIQUE, originator_id TEXT NOT NULL, "
            f"version INTEGER NOT NULL, ts TEXT NOT NULL, digest {blob} NOT NULL, "
            f"stream_hash {blob} NOT NULL, global_hash {blob} NOT NULL, "
            "UNIQUE (originator_id, version))",
            f"CREATE TABLE IF NOT EXISTS {{head}} (id INTEGER PRIMARY KEY CHECK (id = 1), "
            f"seq {big} NOT NULL, position {big} NOT NULL, head {blob} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {{checkpoints}} (id {serial}, seq {big} NOT NULL, "
            f"position {big} NOT NULL, head TEXT NOT NULL, created_at TEXT NOT NULL, "
            "key_id TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {{verifications}} (id {serial}, "
            "verified_at TEXT NOT NULL, result TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {{redactions}} (target_id TEXT NOT NULL, "
            f"target_version INTEGER NOT NULL, original {blob} NOT NULL, "
            f"tombstone {blob} NOT NULL, PRIMARY KEY (target_id, target_version))",
            "INSERT INTO {head} (id, seq, position, head) VALUES (1, 0, 0, ?) "
            "ON CONFLICT DO NOTHING",
        ]
        with self.writing() as cursor:
            for statement in statements[:-1]:
                cursor.execute(self.sql(statement))
            cursor.execute(self.sql(statements[-1]), (bytes(32),))

    # ---- reads used by several modules ----------------------------------------------

    def events_query(self, *, upto: int | None = None) -> str:
        bound = " AND {pos} <= ?" if upto is not None else ""
        return self.sql(
            f"SELECT {{pos}}, {self.oid_column()}, originator_version, topic, state "  # noqa: S608
            f"FROM {{events}} WHERE {{pos}} > ?{bound} ORDER BY {{pos}}"
        )

    def iterate(self, conn: Any, query: str, params: Sequence[Any], *,
                name: str = "integrity_scan", batch: int = 5000) -> Iterator[tuple[Any, ...]]:
        """Streams rows: a server-side cursor on PostgreSQL (named, so two can be open
        at once), SQLite's lazy cursor."""
        if self.is_postgres:
            with conn.cursor(name=name, withhold=False) as cursor:
                cursor.itersize = batch
                cursor.execute(query, params)
                yield from cursor
            return
        cursor = conn.execute(query, params)
        while rows := cursor.fetchmany(batch):
            yield from rows

    def count_events(self, conn: Any) -> int:
        cursor = conn.cursor()
        cursor.execute(self.sql("SELECT COUNT(*) FROM {events}"))
        return int(cursor.fetchone()[0])

    def head(self, cursor: Cursor, *, lock: bool = False) -> tuple[int, int, bytes]:
        """(seq, position, global hash) the chain has reached. ``lock`` holds the row
        until the transaction ends, so two followers on PostgreSQL take turns (SQLite's
        BEGIN IMMEDIATE already did that)."""
        suffix = " FOR UPDATE" if lock and self.is_postgres else ""
        cursor.execute(self.sql("SELECT seq, position, head FROM {head} WHERE id = 1"  # noqa: S608
                                + suffix))
        row = cursor.fetchone()
        if row is None:
            return 0, 0, bytes(32)
        return int(row[0]), int(row[1]), bytes(row[2])

    def chain_end(self, cursor: Cursor) -> tuple[int, int, bytes]:
        """(seq, position, global hash) of the last chain record: what is chained, read
        from the records themselves. The head row only caches it, and a head row moved
        back must neither hide chained events nor make the follower link them twice."""
        cursor.execute(self.sql("SELECT seq, position, global_hash FROM {links} "
                                "ORDER BY seq DESC LIMIT 1"))
        row = cursor.fetchone()
        if row is None:
            return 0, 0, bytes(32)
        return int(row[0]), int(row[1]), bytes(row[2])

    def has_unchained(self) -> bool:
        with self.connect() as conn:
            cursor = conn.cursor()
            _, position, _ = self.head(cursor)
            cursor.execute(self.sql("SELECT MAX({pos}) FROM {events}"))
            row = cursor.fetchone()
        return row is not None and row[0] is not None and int(row[0]) > position

    def chained_position(self) -> tuple[int, int]:
        """(events chained, last chained position), read without a write lock."""
        with self.connect() as conn:
            seq, position, _ = self.head(conn.cursor())
            return seq, position
