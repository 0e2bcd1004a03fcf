"""Row writes of one batch of events, folded per row and sent as a few executemany
calls. Building a statement per event cost two thirds of a rebuild's time.

A row created and changed within the batch is inserted once with its final values;
a row changed several times is updated once with the last value of each column. That
equals applying the events one by one because every value a projection sets comes
from the event alone (a value that depends on the row's current one is not folded
here: see ``delivery_list``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, update

# (event, log position) pairs, in log order.
Batch = Sequence[tuple[Any, int]]

_KEY = "row_key_"


class RowWrites:
    """The inserts and updates of one batch on a table keyed by ``keys``."""

    def __init__(self, table: Table, keys: tuple[str, ...] = ("id",)) -> None:
        self.table = table
        self.keys = keys
        self.new: dict[Hashable, dict[str, Any]] = {}
        self.changed: dict[Hashable, dict[str, Any]] = {}

    def key_of(self, row: dict[str, Any]) -> Hashable:
        return row[self.keys[0]] if len(self.keys) == 1 else tuple(row[k] for k in self.keys)

    def insert(self, row: dict[str, Any]) -> None:
        self.new[self.key_of(row)] = row

    def update(self, key: Hashable, values: dict[str, Any]) -> None:
        created = self.new.get(key)
        if created is not None:
            created.update(values)
        else:
            self.changed.setdefault(key, {}).update(values)

    def flush(self, conn: Connection) -> None:
        """Inserts first (a row updated in the batch was either inserted in it or
        already stored), then one executemany per set of updated columns."""
        for rows in _by_columns(self.new.values()):
            insert_many(conn, self.table, rows)
        updates = [{**self._key_params(key), **values} for key, values in self.changed.items()]
        for rows in _by_columns(updates):
            conn.execute(update_by_key(self.table, self.keys), rows)
        self.new.clear()
        self.changed.clear()

    def _key_params(self, key: Hashable) -> dict[str, Any]:
        if len(self.keys) == 1:
            return {_KEY + self.keys[0]: key}
        values = cast(tuple[Any, ...], key)
        return {_KEY + name: value for name, value in zip(self.keys, values, strict=True)}


def update_by_key(table: Table, keys: tuple[str, ...]) -> Any:
    """An UPDATE whose SET columns come from the parameters (all rows of one call
    carry the same keys), matched on ``keys`` through ``row_key_<name>`` parameters."""
    return update(table).where(*(table.c[k] == bindparam(_KEY + k) for k in keys))


def _by_columns(rows: Any) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """An executemany INSERT handed to the driver with each column's own bind
    processing applied here: SQLAlchemy's per-row parameter handling cost more than
    the database's work for wide rows. All rows carry the same keys."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    # In the statement's parameter order when it is positional (SQLite's "?").
    order = list(compiled.positiontup or names) if compiled.positional else names
    processors = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for name in order]
    processed: list[Any]
    if compiled.positional:
        processed = [tuple([process(row[name]) if process else row[name]
                            for name, process in processors]) for row in rows]
    else:
        processed = [{name: process(row[name]) if process else row[name]
                      for name, process in processors} for row in rows]
    conn.exec_driver_sql(str(compiled), processed)
