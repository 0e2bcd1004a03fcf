"""Reads the library's event table for what its API does not offer: the global
log position of given events, which history and audit views show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

Positions = dict[tuple[UUID, int], int]

# Bookkeeping every event carries; history and audit views show them as columns.
EVENT_METADATA = frozenset({"originator_id", "originator_version", "timestamp",
                            "originator_topic", "actor_id", "role"})


def event_data(event: Any) -> dict[str, Any]:
    """What an event says beyond its bookkeeping."""
    return {k: v for k, v in vars(event).items() if k not in EVENT_METADATA}


def positions(recorder: ApplicationRecorder, originator_ids: Sequence[UUID]) -> Positions:
    if not originator_ids:
        return {}
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_positions(recorder, originator_ids)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres_positions(recorder, originator_ids)
    return {}


def _sqlite_positions(recorder: SQLiteApplicationRecorder, ids: Sequence[UUID]) -> Positions:
    marks = ",".join("?" for _ in ids)
    statement = (
        f"SELECT originator_id, originator_version, rowid FROM {recorder.events_table_name} "  # noqa: S608
        f"WHERE originator_id IN ({marks})"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, [i.hex for i in ids])
        rows: list[Any] = cursor.fetchall()
    return {(UUID(row[0]), int(row[1])): int(row[2]) for row in rows}


def _postgres_positions(recorder: PostgresApplicationRecorder, ids: Sequence[UUID]) -> Positions:
    statement = SQL(
        "SELECT originator_id, originator_version, notification_id FROM {schema}.{table} "
        "WHERE originator_id = ANY(%s)"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, (list(ids),))
        rows = cursor.fetchall()
    return {
        (UUID(str(row["originator_id"])), int(row["originator_version"])): int(
            row["notification_id"]
        )
        for row in rows
    }
