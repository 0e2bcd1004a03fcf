"""The desk list: one row per article with its headline, state and language."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete, insert, update

from newsroom.domain.article import Article
from newsroom.projections.tables import article_summaries

NAME = "article_list"
TABLES = (article_summaries,)
# Every article event moves the row's version, so the list shows the current ETag.
TOPICS = tuple(
    f"{cls.__module__}:{cls.__qualname__}"
    for cls in vars(Article).values()
    if isinstance(cls, type) and issubclass(cls, Article.Event) and cls is not Article.Event
)

_TAGS = re.compile(r"<[^>]*>")

_STATE_AFTER: dict[type[Any], str] = {
    Article.Submitted: "submitted",
    Article.ChangesRequested: "draft",
    Article.Approved: "approved",
    Article.Published: "published",
    Article.Retracted: "retracted",
}


def _folded_text(body: str) -> str:
    """Casefolded in Python, so accented capitals match in every database."""
    return _TAGS.sub(" ", body).casefold()


def apply(conn: Connection, event: Any) -> None:
    at = event.timestamp
    row_id = event.originator_id
    if isinstance(event, Article.Created):
        conn.execute(insert(article_summaries).values(
            id=row_id, headline=event.headline, search_headline=event.headline.casefold(),
            search_body=_folded_text(event.body),
            language=event.language, state="draft", author_id=event.actor_id,
            version=event.originator_version, created_at=at, updated_at=at,
        ))
        return
    values: dict[str, Any] = {"version": event.originator_version, "updated_at": at}
    if isinstance(event, Article.Revised | Article.Corrected):
        if "headline" in event.changes:
            values["headline"] = event.changes["headline"]
            values["search_headline"] = event.changes["headline"].casefold()
        if "body" in event.changes:
            values["search_body"] = _folded_text(event.changes["body"])
    state = _STATE_AFTER.get(type(event))
    if state is not None:
        values["state"] = state
    conn.execute(update(article_summaries).where(article_summaries.c.id == row_id).values(values))


def clear(conn: Connection) -> None:
    conn.execute(delete(article_summaries))
