"""The audit trail: every event of every article, translation and user, with its
log position, actor and data, ready to page through without replaying streams."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.redaction import Redaction
from newsroom.domain.subscriber import Subscriber
from newsroom.domain.translation import Translation
from newsroom.domain.user import User
from newsroom.eventlog import event_data
from newsroom.jsonable import jsonable
from newsroom.projections.batch import Batch, insert_many
from newsroom.projections.tables import audit_trail, streams
from newsroom.projections.topics import topics_of

NAME = "audit_trail"
TOPICS = topics_of(Article, Translation, User, Subscriber, Delivery, Redaction)
TABLES = (audit_trail.name, streams.name)


def event_type(event: Any) -> str:
    return type(event).__qualname__.replace(".", "")


def _new_stream(event: Any) -> tuple[UUID, str, str] | None:
    """(subject id, subject kind, stream label) when the event starts a stream."""
    if isinstance(event, Article.Created):
        return event.originator_id, "article", "article"
    if isinstance(event, Translation.Requested):
        return event.article_id, "article", f"translation:{event.language}"
    if isinstance(event, User.Registered):
        return event.originator_id, "user", f"user:{event.name}"
    if isinstance(event, Subscriber.Created):
        return event.originator_id, "subscriber", f"subscriber:{event.name}"[:48]
    if isinstance(event, Delivery.Planned):
        # Deliveries belong to the article's trail (the auditor's timeline shows them).
        return event.article_id, "article", f"delivery:{event.language}"
    return None


def _known_streams(conn: Connection, batch: Batch
                   ) -> tuple[dict[UUID, tuple[UUID, str, str]], set[UUID]]:
    """The streams the batch's events belong to (those it starts, and the others read
    in one query), and which of them it starts."""
    known: dict[UUID, tuple[UUID, str, str]] = {}
    for event, _position in batch:
        started = _new_stream(event)
        if started is not None:
            known[event.originator_id] = started
    started_here = set(known)
    # A redaction belongs to the trail of the stream it redacted.
    targets = {e.target_id for e, _ in batch if isinstance(e, Redaction.Recorded)}
    wanted = list(({e.originator_id for e, _ in batch} | targets) - known.keys())
    for chunk in range(0, len(wanted), 500):
        found = conn.execute(
            select(streams.c.stream_id, streams.c.subject_id, streams.c.subject_kind,
                   streams.c.label).where(streams.c.stream_id.in_(wanted[chunk:chunk + 500])))
        known.update({r[0]: (r[1], r[2], r[3]) for r in found})
    for event, _position in batch:
        if isinstance(event, Redaction.Recorded):
            subject_id, kind, _label = known[event.target_id]
            known[event.originator_id] = (subject_id, kind, "redaction")
    return known, started_here


_PLAIN = frozenset({str, int, float, bool, type(None)})
_HIDDEN_PASSWORD = (User.Registered, User.PasswordChanged)


def _json_ready(value: Any) -> Any:
    """``jsonable`` with a fast path: most values (QA findings included) are plain
    JSON already, and this runs for every event of the log on a rebuild. Plain values
    are tested inline: a call per value was a tenth of a rebuild."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    plain = _PLAIN
    if kind is list:
        return [v if type(v) in plain else _json_ready(v) for v in value]
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in plain else _json_ready(v)
                for k, v in value.items()}
    return jsonable(value)


def _data(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = _json_ready(event_data(event))
    if isinstance(event, _HIDDEN_PASSWORD):
        data["password_hash"] = "(hidden)"  # noqa: S105 (a placeholder)
    elif isinstance(event, User.TokenIssued):
        data["digest"] = "(hidden)"
    elif isinstance(event, Subscriber.Created):
        data.pop("secret", None)
    changes = data.get("changes")
    if changes and "secret" in changes:
        data.pop("secret", None)
        changes.pop("secret", None)
    return data


def apply(conn: Connection, batch: Batch) -> None:
    known, started = _known_streams(conn, batch)
    new_streams = []
    rows = []
    for event, position in batch:
        subject_id, kind, label = known[event.originator_id]
        if event.originator_id in started:
            started.discard(event.originator_id)  # a stream starts once
            new_streams.append({"stream_id": event.originator_id, "subject_id": subject_id,
                                "subject_kind": kind, "label": label})
        rows.append({
            "position": position, "subject_id": subject_id, "subject_kind": kind,
            "stream": label, "originator_id": event.originator_id,
            "version": event.originator_version, "type": event_type(event),
            "actor_id": event.actor_id, "role": event.role, "at": event.timestamp,
            "data": _data(event),
        })
    if new_streams:
        conn.execute(insert(streams), new_streams)
    insert_many(conn, audit_trail, rows)


def clear(conn: Connection) -> None:
    conn.execute(delete(audit_trail))
    conn.execute(delete(streams))
