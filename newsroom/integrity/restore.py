"""What an import leaves to do after the log is in: snapshots (a cache the export does
not carry, since the chain does not cover them), read models, and the positions of
followers whose side effects already happened in the old store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import insert, select, update

from newsroom.projections.tables import positions

if TYPE_CHECKING:
    from newsroom.bootstrap import Services

Progress = Callable[[int], None]

# The dispatcher enqueues work (translations, deliveries) for each new event; an
# imported history was processed in the old store, so it starts after it.
SIDE_EFFECT_FOLLOWERS = ("dispatcher",)


def regenerate_snapshots(services: Services, progress: Progress | None = None) -> int:
    """Snapshots at the application's intervals, computed from the imported events."""
    app = services.app
    intervals = {cls: n for cls, n in (app.snapshotting_intervals or {}).items()}
    taken = 0
    start = 0
    streams: dict[UUID, int] = {}
    while batch := app.recorder.select_notifications(start=start, limit=1000,
                                                     inclusive_of_start=False):
        for notification in batch:
            streams[UUID(str(notification.originator_id))] = notification.originator_version
        start = batch[-1].id
    for originator_id, last in streams.items():
        aggregate: Any = app.repository.get(originator_id)
        interval = intervals.get(type(aggregate))
        if interval:
            for version in range(interval, last + 1, interval):
                app.take_snapshot(originator_id, version=version)
                taken += 1
        if progress is not None:
            progress(1)
    return taken


def rebuild_read_models(services: Services, progress: Progress | None = None) -> None:
    for name in services.projections.projections:
        services.projections.rebuild(name, progress=progress)


def skip_side_effects(services: Services) -> None:
    last = services.app.recorder.max_notification_id() or 0
    with services.engine.begin() as conn:
        for name in SIDE_EFFECT_FOLLOWERS:
            found = conn.execute(select(positions.c.position)
                                 .where(positions.c.projection == name)).first()
            if found is None:
                conn.execute(insert(positions).values(projection=name, position=last))
            else:
                conn.execute(update(positions).where(positions.c.projection == name)
                             .values(position=last))
