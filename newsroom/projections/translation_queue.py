"""The translator's queue: one row per (article, language) with its state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete

from newsroom.domain.translation import Translation
from newsroom.projections.batch import Batch, RowWrites
from newsroom.projections.tables import translation_queue
from newsroom.projections.topics import topics_of

NAME = "translation_queue"
TOPICS = topics_of(Translation)
TABLES = (translation_queue.name,)

_STATE_AFTER: dict[type[Any], str] = {
    Translation.Rerequested: "requested",
    Translation.MachineTranslated: "machine_translated",
    Translation.Failed: "failed",
    Translation.PostEdited: "in_review",
    Translation.Approved: "approved",
    Translation.Published: "published",
}


def apply(conn: Connection, batch: Batch) -> None:
    writes = RowWrites(translation_queue)
    for event, _position in batch:
        if isinstance(event, Translation.Requested):
            at = event.timestamp
            writes.insert({
                "id": event.originator_id, "article_id": event.article_id,
                "language": event.language, "source_language": event.source_language,
                "state": "requested", "version": event.originator_version,
                "source_version": event.source_version, "headline": "",
                "failure_reason": None, "requested_at": at, "updated_at": at,
            })
        else:
            writes.update(event.originator_id, _changes(event))
    writes.flush(conn)


def _changes(event: Any) -> dict[str, Any]:
    at = event.timestamp
    values: dict[str, Any] = {"version": event.originator_version, "updated_at": at}
    if isinstance(event, Translation.Rerequested):
        values.update(source_version=event.source_version, failure_reason=None, requested_at=at)
    elif isinstance(event, Translation.MachineTranslated):
        values["headline"] = event.headline
        values["failure_reason"] = None
    elif isinstance(event, Translation.Failed | Translation.AttemptFailed):
        values["failure_reason"] = event.reason
    elif isinstance(event, Translation.PostEdited) and "headline" in event.changes:
        values["headline"] = event.changes["headline"]
    state = _STATE_AFTER.get(type(event))
    if state is not None:
        values["state"] = state
    return values


def clear(conn: Connection) -> None:
    conn.execute(delete(translation_queue))
