"""What the public sees: one row per published (article, language), with its
timestamps, revision, corrections log and retraction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from newsroom.domain.article import Article
from newsroom.domain.translation import Translation
from newsroom.projections.tables import publications
from newsroom.projections.topics import topic

NAME = "publications"
TOPICS = tuple(topic(c) for c in (Article.Published, Article.Corrected, Article.Retracted,
                                  Translation.Published))


def apply(conn: Connection, event: Any, position: int) -> None:
    at = event.timestamp
    table = publications
    if isinstance(event, Article.Published):
        conn.execute(insert(table).values(
            article_id=event.originator_id, language=event.languages[0], is_source=True,
            revision=event.revision, headline=event.headline, body=event.body,
            dateline=event.dateline, byline=event.byline, first_published_at=at,
            updated_at=at, embargo_until=event.embargo_until, retracted=False,
            corrections=[],
        ))
    elif isinstance(event, Translation.Published):
        key = (table.c.article_id == event.article_id) & (table.c.language == event.language)
        if conn.execute(select(table.c.revision).where(key)).first() is None:
            conn.execute(insert(table).values(
                article_id=event.article_id, language=event.language, is_source=False,
                revision=event.revision, headline=event.headline, body=event.body,
                dateline="", byline="", first_published_at=at, updated_at=at,
                embargo_until=event.embargo_until, retracted=False, corrections=[],
            ))
        else:
            conn.execute(update(table).where(key).values(
                revision=event.revision, headline=event.headline, body=event.body,
                updated_at=at))
    elif isinstance(event, Article.Corrected):
        key = (table.c.article_id == event.originator_id) & table.c.is_source
        current = conn.execute(select(table.c.corrections).where(key)).scalar_one()
        values: dict[str, Any] = {k: v for k, v in event.changes.items()
                                  if k in ("headline", "body", "dateline", "byline")}
        values.update(
            revision=event.revision, updated_at=at,
            corrections=[*current, {"revision": event.revision, "note": event.note,
                                    "at": at.isoformat()}],
        )
        conn.execute(update(table).where(key).values(values))
    elif isinstance(event, Article.Retracted):
        conn.execute(update(table).where(table.c.article_id == event.originator_id)
                     .values(retracted=True, retraction_reason=event.reason, updated_at=at))


def clear(conn: Connection) -> None:
    conn.execute(delete(publications))
