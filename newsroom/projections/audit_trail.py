"""The audit trail: every event of every article, translation and user, with its
log position, actor and data, ready to page through without replaying streams."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.subscriber import Subscriber
from newsroom.domain.translation import Translation
from newsroom.domain.user import User
from newsroom.eventlog import event_data
from newsroom.jsonable import jsonable
from newsroom.projections.tables import audit_trail, streams
from newsroom.projections.topics import topics_of

NAME = "audit_trail"
TOPICS = topics_of(Article, Translation, User, Subscriber, Delivery)



def event_type(event: Any) -> str:
    return type(event).__qualname__.replace(".", "")


def _stream(conn: Connection, event: Any) -> tuple[UUID, str, str]:
    """(subject id, subject kind, stream label) for the event's stream."""
    if isinstance(event, Article.Created):
        row = (event.originator_id, "article", "article")
    elif isinstance(event, Translation.Requested):
        row = (event.article_id, "article", f"translation:{event.language}")
    elif isinstance(event, User.Registered):
        row = (event.originator_id, "user", f"user:{event.name}")
    elif isinstance(event, Subscriber.Created):
        row = (event.originator_id, "subscriber", f"subscriber:{event.name}"[:48])
    elif isinstance(event, Delivery.Planned):
        # Deliveries belong to the article's trail (the auditor's timeline shows them).
        row = (event.article_id, "article", f"delivery:{event.language}")
    else:
        found = conn.execute(
            select(streams.c.subject_id, streams.c.subject_kind, streams.c.label)
            .where(streams.c.stream_id == event.originator_id)
        ).one()
        return found[0], found[1], found[2]
    conn.execute(insert(streams).values(stream_id=event.originator_id, subject_id=row[0],
                                        subject_kind=row[1], label=row[2]))
    return row


def apply(conn: Connection, event: Any, position: int) -> None:
    subject_id, kind, label = _stream(conn, event)
    data = {k: jsonable(v) for k, v in event_data(event).items()}
    if isinstance(event, User.Registered | User.PasswordChanged):
        data["password_hash"] = "(hidden)"  # noqa: S105 (a placeholder)
    if isinstance(event, User.TokenIssued):
        data["digest"] = "(hidden)"
    if isinstance(event, Subscriber.Created) or "secret" in data.get("changes", {}):
        data.pop("secret", None)
        data.get("changes", {}).pop("secret", None)
    conn.execute(insert(audit_trail).values(
        position=position, subject_id=subject_id, subject_kind=kind, stream=label,
        originator_id=event.originator_id, version=event.originator_version,
        type=event_type(event), actor_id=event.actor_id, role=event.role,
        at=event.timestamp, data=data,
    ))


def clear(conn: Connection) -> None:
    conn.execute(delete(audit_trail))
    conn.execute(delete(streams))
