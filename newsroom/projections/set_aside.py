"""Secondary indexes set aside while a read model is rebuilt from the log.

Inserting a million rows into a table whose index takes random keys (the audit
trail's subject ids) dirties an index page per row; building the index once at the
end sorts instead, and made the trail's rebuild about 15% faster. Each index's own
DDL, as the database reports it, is recorded in ``rm_dropped_indexes`` in the
transaction that drops it, so a rebuild killed half-way loses nothing: the next
rebuild, ``newsroom migrate`` or a start with ``CREATE_TABLE`` puts them back.
Unique indexes stay (they enforce something), and so do primary keys.

Putting one back deletes its record first, then creates it only if this
transaction deleted the record, with ``IF NOT EXISTS``: two processes restoring at
once (a start during a rebuild's last step) cannot both create it, and a restore
cut short leaves either both the index and no record or neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select, text

from newsroom.projections.tables import dropped_indexes


def _indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of each secondary index on ``table``."""
    if conn.dialect.name == "sqlite":
        # sql is NULL for the indexes SQLite makes for PRIMARY KEY and UNIQUE.
        found = conn.execute(text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL "
            "AND sql NOT LIKE 'CREATE UNIQUE%'"), {"t": table})
    else:
        found = conn.execute(text(
            "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class c ON c.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = :t AND t.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
            "AND NOT x.indisunique AND NOT x.indisprimary"), {"t": table})
    return sorted((str(name), str(ddl)) for name, ddl in found)


# Only plain indexes are set aside (``_indexes``), so no statement says UNIQUE.
_CREATE = re.compile(r"^\s*CREATE\s+INDEX\s+(?!IF\s+NOT\s+EXISTS\b)", re.IGNORECASE)


def _if_not_exists(ddl: str) -> str:
    return _CREATE.sub("CREATE INDEX IF NOT EXISTS ", ddl, count=1)


def set_aside(conn: Connection, tables: Sequence[str]) -> int:
    """Records, then drops, the secondary indexes of ``tables``; returns how many."""
    dropped = 0
    for table in tables:
        for name, ddl in _indexes(conn, table):
            conn.execute(insert(dropped_indexes).values(name=name, table_name=table, ddl=ddl))
            quoted = name.replace('"', '""')
            conn.execute(text(f'DROP INDEX "{quoted}"'))
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
        # The delete first: it is what opens the transaction on SQLite (whose driver
        # runs DDL outside one until a row is written), and another process that
        # deleted the record already puts this index back itself.
        if conn.execute(delete(dropped_indexes).where(t.name == name)).rowcount != 1:
            continue
        conn.execute(text(_if_not_exists(ddl)))
        restored += 1
    return restored
