"""After a redaction: the read models that copied the redacted text are refreshed from
the (now tombstoned) log, so no copy survives.

- ``audit_trail``: the redacted event's row is written again from its tombstone, and the
  ``Redaction.Recorded`` event gets its own row through the normal catch-up.
- ``article_list``, ``article_search``, ``translation_queue``, ``publications``: the rows of
  the article the event belongs to (its own stream and its translations') are deleted and
  rebuilt by replaying those streams through each projection's own ``apply``, in log
  order, up to the position the projection had reached. One transaction, so readers see
  the old rows or the new ones, never none; other articles are untouched, so the cost
  is that of one article's history, not of the whole log.
- ``delivery_list`` and ``user_list`` copy no redactable text.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, select, text

from newsroom import eventlog
from newsroom.application import Newsroom
from newsroom.application.redaction import RedactionOutcome
from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.policy import Actor
from newsroom.domain.translation import Translation, translation_id
from newsroom.integrity.redactions import RedactionRecord
from newsroom.projections import audit_trail
from newsroom.projections.runner import ProjectionRunner
from newsroom.projections.tables import (
    article_summaries,
    positions,
    streams,
)
from newsroom.projections.tables import audit_trail as audit_trail_table
from newsroom.projections.tables import publications as publications_table
from newsroom.projections.tables import translation_queue as translation_queue_table

# Projections whose rows for one article are rebuilt from that article's streams.
PER_ARTICLE = ("article_list", "article_search", "translation_queue", "publications")


def article_of(app: Newsroom, record: RedactionRecord) -> UUID | None:
    """The article a redacted event belongs to (None for other streams)."""
    first = next(iter(app.events.get(record.target_id, lte=1)), None)
    if isinstance(first, Article.Created):
        return record.target_id
    if isinstance(first, Translation.Requested | Delivery.Planned):
        article_id: UUID = first.article_id
        return article_id
    return None


def redact(app: Newsroom, runner: ProjectionRunner, actor: Actor, stream_id: UUID,
           version: int, *, reason: object, reference: object) -> RedactionOutcome:
    """The whole redaction, as the UI, the API and the CLI run it: the tombstone and its
    record in the store, then the read models."""
    outcome = app.redact(actor, stream_id, version, reason=reason, reference=reference)
    refresh(app, runner, outcome.record)
    return outcome


def refresh(app: Newsroom, runner: ProjectionRunner, record: RedactionRecord) -> None:
    """Brings the read models in line with a redaction just applied to the store."""
    runner.catch_up()
    article_id = article_of(app, record)
    with runner.engine.begin() as conn:
        _rewrite_trail_row(conn, app, record)
        if article_id is not None:
            _rebuild_article(conn, app, runner, article_id)


def _position_of(conn: Connection, name: str) -> int:
    value = conn.execute(select(positions.c.position)
                         .where(positions.c.projection == name)).scalar()
    return int(value or 0)


def _rewrite_trail_row(conn: Connection, app: Newsroom, record: RedactionRecord) -> None:
    t = audit_trail_table.c
    found = conn.execute(select(t.position).where(t.originator_id == record.target_id)
                         .where(t.version == record.target_version)).scalar()
    if found is None:
        return  # not projected yet: the catch-up will project the tombstone itself
    event = next(iter(app.events.get(record.target_id, gt=record.target_version - 1,
                                     lte=record.target_version)))
    conn.execute(delete(audit_trail_table).where(t.position == found))
    if record.target_version == 1:
        # A created event names its stream; apply() records the stream again.
        conn.execute(delete(streams).where(streams.c.stream_id == record.target_id))
    audit_trail.apply(conn, [(event, int(found))])


def _rebuild_article(conn: Connection, app: Newsroom, runner: ProjectionRunner,
                     article_id: UUID) -> None:
    article: Any = app.repository.get(article_id)
    stream_ids = [article_id, *(translation_id(article_id, lang)
                                for lang in getattr(article, "translation_languages", []))]
    where = eventlog.positions(app.recorder, stream_ids)
    events: list[tuple[int, Any]] = []
    for stream_id in stream_ids:
        for event in app.events.get(stream_id):
            position = where.get((event.originator_id, event.originator_version))
            if position is not None:
                events.append((position, event))
    events.sort(key=lambda pair: pair[0])
    _forget_article(conn, article_id)
    for name in PER_ARTICLE:
        projection = runner.projections.get(name)
        if projection is None:
            continue
        reached = _position_of(conn, name)
        topics = set(projection.topics)
        batch = [(event, position) for position, event in events
                 if position <= reached and _topic(event) in topics]
        if batch:
            projection.apply(conn, batch)


def _topic(event: Any) -> str:
    return f"{type(event).__module__}:{type(event).__qualname__}"


def _forget_article(conn: Connection, article_id: UUID) -> None:
    conn.execute(delete(article_summaries).where(article_summaries.c.id == article_id))
    conn.execute(delete(translation_queue_table)
                 .where(translation_queue_table.c.article_id == article_id))
    conn.execute(delete(publications_table)
                 .where(publications_table.c.article_id == article_id))
    if conn.dialect.name == "postgresql":
        conn.execute(text("DELETE FROM rm_article_search WHERE id = :id"),
                     {"id": str(article_id)})
    else:
        row = conn.execute(text("SELECT row FROM rm_article_fts_rows WHERE id = :id"),
                           {"id": str(article_id)}).scalar()
        if row is not None:
            conn.execute(text("DELETE FROM rm_article_fts WHERE rowid = :row"), {"row": row})
            conn.execute(text("DELETE FROM rm_article_fts_rows WHERE id = :id"),
                         {"id": str(article_id)})
        # FTS5 keeps deleted terms in older index segments until they are merged.
        conn.execute(text("INSERT INTO rm_article_fts(rm_article_fts) VALUES ('optimize')"))
