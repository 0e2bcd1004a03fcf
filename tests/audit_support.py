"""Helpers for the integrity tests: a small realistic store, and an attacker with
direct SQL access to the event table (SQLite or PostgreSQL), as DESIGN §4 assumes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conftest import make_cast

from newsroom.bootstrap import Services
from newsroom.integrity.service import Integrity
from newsroom.integrity.store import IntegrityStore

HEADLINE = "Montréal adopte un budget de 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards de "
        "dollars.\n\nLa mairesse s’est dite satisfaite.")


def populate(services: Services, articles: int = 5) -> None:
    """Users, and articles with a few versions each, interleaved in the log."""
    cast = make_cast(services)
    app = services.app
    ids = [app.create_article(cast.journalist, headline=f"{HEADLINE} ({n})", body=BODY,
                              language="fr").id for n in range(articles)]
    for round_ in range(2):
        for n, article_id in enumerate(ids):
            app.revise(cast.journalist, article_id,
                       {"headline": f"{HEADLINE} ({n}, rev {round_})"}, None)


@dataclass(frozen=True)
class Row:
    position: int
    originator_id: str
    version: int
    topic: str
    state: bytes


class Attacker:
    """Edits the stored log behind the application's back."""

    def __init__(self, integrity: Integrity) -> None:
        self.store: IntegrityStore = integrity.store

    def run_sql(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with self.store.writing() as cursor:
            cursor.execute(self.store.sql(sql), params)

    def rows(self) -> list[Row]:
        with self.store.connect() as conn:
            cursor = conn.cursor()
            cursor.execute(self.store.events_query(), (0,))
            return [Row(int(r[0]), str(r[1]), int(r[2]), str(r[3]), bytes(r[4]))
                    for r in cursor.fetchall()]

    def set_state(self, position: int, state: bytes) -> None:
        self.run_sql("UPDATE {events} SET state = ? WHERE {pos} = ?", (state, position))

    def set_topic(self, position: int, topic: str) -> None:
        self.run_sql("UPDATE {events} SET topic = ? WHERE {pos} = ?", (topic, position))

    def delete(self, position: int) -> None:
        self.run_sql("DELETE FROM {events} WHERE {pos} = ?", (position,))

    def delete_after(self, position: int, *, with_chain: bool) -> None:
        self.run_sql("DELETE FROM {events} WHERE {pos} > ?", (position,))
        if with_chain:
            self.run_sql("DELETE FROM {links} WHERE position > ?", (position,))
            # A careful attacker leaves the head record consistent with what remains.
            self.run_sql("UPDATE {head} SET seq = (SELECT COUNT(*) FROM {links}), "
                         "position = ?, head = (SELECT global_hash FROM {links} "
                         "WHERE position = ?)", (position, position))

    def move(self, old: int, new: int) -> None:
        self.run_sql("UPDATE {events} SET {pos} = ? WHERE {pos} = ?", (new, old))

    def swap(self, first: int, second: int) -> None:
        self.move(first, -1)
        self.move(second, first)
        self.move(-1, second)

    def insert_at(self, position: int, row: Row) -> None:
        """Makes room by shifting every later event up by one, then writes ``row``."""
        self.run_sql("UPDATE {events} SET {pos} = {pos} + 1000000 WHERE {pos} >= ?", (position,))
        self.run_sql("UPDATE {events} SET {pos} = {pos} - 999999 WHERE {pos} >= 1000000")
        self._write(position, row)

    def append(self, row: Row) -> int:
        """Writes ``row`` after the last stored event; returns its position."""
        position = max(r.position for r in self.rows()) + 1
        self._write(position, row)
        return position

    def _write(self, position: int, row: Row) -> None:
        oid: Any = row.originator_id
        if self.store.is_postgres:
            oid = f"{oid[:8]}-{oid[8:12]}-{oid[12:16]}-{oid[16:20]}-{oid[20:]}"
        self.run_sql("INSERT INTO {events} ({pos}, originator_id, originator_version, topic, "
                     "state) VALUES (?, ?, ?, ?, ?)",
                     (position, oid, row.version, row.topic, row.state))

    def move_head_back(self, seq: int) -> None:
        """Points the head record at an earlier chain record, consistently with it."""
        self.run_sql("UPDATE {head} SET seq = ?, position = (SELECT position FROM {links} "
                     "WHERE seq = ?), head = (SELECT global_hash FROM {links} WHERE seq = ?)",
                     (seq, seq, seq))

    def forge_checkpoint_head(self) -> None:
        self.run_sql("UPDATE {checkpoints} SET head = ?", ("00" * 32,))

    def drop_chain(self) -> None:
        self.run_sql("DELETE FROM {links}")
        self.run_sql("UPDATE {head} SET seq = 0, position = 0, head = ?", (bytes(32),))

    def leave_hole(self) -> None:
        """What a rolled-back insert leaves on PostgreSQL: a used id, no row."""
        if self.store.is_postgres:
            self.run_sql("SELECT nextval(pg_get_serial_sequence(?, 'notification_id'))",
                      (self.store.name(self.store.events_table),))
