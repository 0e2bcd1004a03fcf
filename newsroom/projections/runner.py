"""Follows the notification log into the read models.

Each batch is applied in one transaction together with the projection's new
position, guarded by a compare-and-set on the old position, so two processes
catching up at once cannot both apply the same events (exactly-once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsroom.projections import set_aside
from newsroom.projections.tables import positions

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Projection:
    name: str
    topics: Sequence[str]
    # Applies a batch of (event, log position) pairs, in log order, in the runner's
    # transaction: a projection writes each batch with a few statements, not one per
    # event.
    apply: Callable[[Connection, Sequence[tuple[Any, int]]], None]
    clear: Callable[[Connection], None]
    # The read-model tables it writes, whose secondary indexes a rebuild sets aside.
    tables: Sequence[str] = ()


class LostRace(Exception):
    """Another process advanced this projection first; our batch was rolled back."""


class ProjectionRunner:
    def __init__(self, engine: Engine, recorder: ApplicationRecorder, mapper: Mapper[Any],
                 projections: Sequence[Projection], batch_size: int = 500) -> None:
        self.engine = engine
        self.recorder = recorder
        self.mapper = mapper
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size

    def create_tables(self) -> None:
        from newsroom import migrations

        migrations.upgrade(self.engine)
        with self.engine.begin() as conn:
            set_aside.restore(conn)  # indexes a killed rebuild left dropped

    def position(self, name: str) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(positions.c.position).where(positions.c.projection == name)
            ).scalar()
        return int(value or 0)

    def catch_up(self, *names: str, progress: Progress | None = None) -> int:
        """Applies every new event to the named projections (all when none is named);
        returns how many were applied."""
        wanted = list(names) or list(self.projections)
        behind = self._behind(wanted)
        applied = 0
        for projection_name in behind:
            projection = self.projections[projection_name]
            while True:
                try:
                    count = self._apply_batch(projection)
                except (LostRace, IntegrityError):
                    # Someone else moved it; their rows are committed, so just go on.
                    continue
                if count == 0:
                    break
                applied += count
                if progress:
                    progress(count)
        return applied

    def _behind(self, names: Sequence[str]) -> list[str]:
        """The projections whose position is short of the log's head, found with one
        read of each: every page view catches its read models up, and one that is
        already there should not cost a write transaction per read model."""
        for name in names:
            if name not in self.projections:
                raise KeyError(name)
        head = self.recorder.max_notification_id() or 0
        with self.engine.connect() as conn:
            at = {row[0]: row[1] for row in conn.execute(
                select(positions.c.projection, positions.c.position)
                .where(positions.c.projection.in_(names)))}
        # A projection with no position row yet is behind even on an empty log: its
        # first batch writes the row.
        return [n for n in names if n not in at or at[n] < head]

    def _apply_batch(self, projection: Projection) -> int:
        with self.engine.begin() as conn:
            start = conn.execute(
                select(positions.c.position).where(positions.c.projection == projection.name)
            ).scalar()
            if start is None:
                conn.execute(insert(positions).values(projection=projection.name, position=0))
                start = 0
            # The head is read first: every id up to it is committed (the store inserts
            # in id order), so a short batch means nothing else of ours lies below it.
            head = self.recorder.max_notification_id() or 0
            if head <= start:
                return 0
            notifications = self.recorder.select_notifications(
                start=start, limit=self.batch_size, stop=head, topics=projection.topics,
                inclusive_of_start=False,
            )
            if notifications:
                to_event = self.mapper.to_domain_event
                projection.apply(conn, [(to_event(n), n.id) for n in notifications])
            # A full batch stops at its last event; a short one has seen everything up to
            # the head, so the position jumps there and the next call scans nothing: a
            # projection of rare events no longer re-reads the whole log on every call.
            reached = notifications[-1].id if len(notifications) == self.batch_size else head
            moved = conn.execute(
                update(positions)
                .where(positions.c.projection == projection.name)
                .where(positions.c.position == start)
                .values(position=reached)
            )
            if moved.rowcount != 1:
                raise LostRace(projection.name)
            return len(notifications) if notifications else 0

    def rebuild(self, name: str, progress: Progress | None = None) -> int:
        """Clears the projection's rows and position, then replays the whole log,
        with its secondary indexes set aside until the end (built once, sorted)."""
        projection = self.projections[name]
        with self.engine.begin() as conn:
            set_aside.restore(conn, projection.tables)  # left by a killed rebuild
            projection.clear(conn)
            conn.execute(update(positions).where(positions.c.projection == name)
                         .values(position=0))
            set_aside.set_aside(conn, projection.tables)
        try:
            return self.catch_up(name, progress=progress)
        finally:
            with self.engine.begin() as conn:
                set_aside.restore(conn, projection.tables)
