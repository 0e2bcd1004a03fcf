"""What the public sees: one row per published (article, language), with its
timestamps, revision, corrections log and retraction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, select

from newsroom.domain.article import Article
from newsroom.domain.translation import Translation
from newsroom.projections.batch import Batch, RowWrites
from newsroom.projections.tables import publications
from newsroom.projections.topics import topic

NAME = "publications"
TOPICS = tuple(topic(c) for c in (Article.Published, Article.Corrected, Article.Retracted,
                                  Article.EmbargoReleased, Translation.Published))
TABLES = (publications.name,)

_CONTENT = ("headline", "body", "dateline", "byline")
_CHUNK = 500
Key = tuple[UUID, str]


def apply(conn: Connection, batch: Batch) -> None:
    """The batch's events change rows held in memory (stored ones read once), and
    the rows are written at the end: a statement per batch, not per event."""
    rows = _Rows(conn, {e.article_id if isinstance(e, Translation.Published)
                        else e.originator_id
                        for e, _ in batch if not isinstance(e, Article.Published)})
    for event, _position in batch:
        at = event.timestamp
        if isinstance(event, Article.Published):
            rows.add({"article_id": event.originator_id, "language": event.languages[0],
                      "is_source": True, "revision": event.revision,
                      "headline": event.headline, "body": event.body,
                      "dateline": event.dateline, "byline": event.byline,
                      "first_published_at": at, "updated_at": at,
                      "embargo_until": event.embargo_until, "retracted": False,
                      "retraction_reason": None, "corrections": []})
        elif isinstance(event, Translation.Published):
            key = (event.article_id, event.language)
            if key in rows.current:
                rows.change(key, {"revision": event.revision, "headline": event.headline,
                                  "body": event.body, "updated_at": at})
            else:
                rows.add({"article_id": event.article_id, "language": event.language,
                          "is_source": False, "revision": event.revision,
                          "headline": event.headline, "body": event.body, "dateline": "",
                          "byline": "", "first_published_at": at, "updated_at": at,
                          "embargo_until": event.embargo_until, "retracted": False,
                          "retraction_reason": None, "corrections": []})
        elif isinstance(event, Article.Corrected):
            key = rows.source_of(event.originator_id)
            values: dict[str, Any] = {k: v for k, v in event.changes.items() if k in _CONTENT}
            values.update(
                revision=event.revision, updated_at=at,
                corrections=[*rows.current[key]["corrections"], {
                    "revision": event.revision, "note": event.note, "at": at.isoformat()}],
            )
            rows.change(key, values)
        elif isinstance(event, Article.EmbargoReleased):
            # Every language becomes public at the release (the embargo ends then).
            for key in rows.of_article(event.originator_id):
                if rows.current[key]["embargo_until"] is not None:
                    rows.change(key, {"embargo_until": at})
        elif isinstance(event, Article.Retracted):
            for key in rows.of_article(event.originator_id):
                rows.change(key, {"retracted": True, "retraction_reason": event.reason,
                                  "updated_at": at})
    rows.writes.flush(conn)


class _Rows:
    """The rows one batch touches: the stored rows of the articles it changes, read
    in one query, and the rows it adds, each with the batch's changes so far."""

    def __init__(self, conn: Connection, article_ids: set[UUID]) -> None:
        self.writes = RowWrites(publications, ("article_id", "language"))
        self.current: dict[Key, dict[str, Any]] = {}
        self._by_article: dict[UUID, list[Key]] = {}
        wanted = list(article_ids)
        for chunk in range(0, len(wanted), _CHUNK):
            found = conn.execute(select(publications).where(
                publications.c.article_id.in_(wanted[chunk:chunk + _CHUNK]))).mappings()
            for row in found:
                self._remember(dict(row))

    def _remember(self, row: dict[str, Any]) -> Key:
        key = (row["article_id"], row["language"])
        self.current[key] = row
        self._by_article.setdefault(row["article_id"], []).append(key)
        return key

    def add(self, row: dict[str, Any]) -> None:
        self._remember(row)
        self.writes.insert(dict(row))

    def change(self, key: Key, values: dict[str, Any]) -> None:
        self.current[key].update(values)
        self.writes.update(key, values)

    def of_article(self, article_id: UUID) -> list[Key]:
        return self._by_article.get(article_id, [])

    def source_of(self, article_id: UUID) -> Key:
        for key in self.of_article(article_id):
            if self.current[key]["is_source"]:
                return key
        raise LookupError(f"no publication of article {article_id}")


def clear(conn: Connection) -> None:
    conn.execute(delete(publications))
