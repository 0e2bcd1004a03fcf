"""The desk lists: one row per article with its headline, state, language and the
moments the desk sorts by (submitted for the editor's queue)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete

from newsroom.domain.article import Article
from newsroom.projections.batch import Batch, RowWrites
from newsroom.projections.tables import article_summaries
from newsroom.projections.topics import topics_of

NAME = "article_list"
# Every article event moves the row's version, so the list shows the current ETag.
TOPICS = topics_of(Article)
TABLES = (article_summaries.name,)

_TAGS = re.compile(r"<[^>]*>")

_STATE_AFTER: dict[type[Any], str] = {
    Article.Submitted: "submitted",
    Article.ChangesRequested: "draft",
    Article.Approved: "approved",
    Article.Published: "published",
    Article.Retracted: "retracted",
}


def folded_text(body: str) -> str:
    """Casefolded in Python, so accented capitals match in every database."""
    return _TAGS.sub(" ", body).casefold()


def apply(conn: Connection, batch: Batch) -> None:
    writes = RowWrites(article_summaries)
    for event, _position in batch:
        if isinstance(event, Article.Created):
            writes.insert(_created(event))
        else:
            writes.update(event.originator_id, _changes(event))
    writes.flush(conn)


def _created(event: Any) -> dict[str, Any]:
    at = event.timestamp
    # Every column, the empty ones too, so all inserts of a batch share one statement.
    return {
        "id": event.originator_id, "headline": event.headline,
        "search_headline": event.headline.casefold(), "search_body": folded_text(event.body),
        "language": event.language, "state": "draft", "author_id": event.actor_id,
        "version": event.originator_version, "content_version": 1, "created_at": at,
        "updated_at": at, "submitted_at": None, "scheduled_at": None,
        "embargo_until": None, "changes_requested_comment": None, "blocking_findings": 0,
    }


def _changes(event: Any) -> dict[str, Any]:
    at = event.timestamp
    values: dict[str, Any] = {"version": event.originator_version, "updated_at": at}
    if isinstance(event, Article.Revised | Article.Corrected):
        values["content_version"] = event.originator_version
        if "headline" in event.changes:
            values["headline"] = event.changes["headline"]
            values["search_headline"] = event.changes["headline"].casefold()
        if "body" in event.changes:
            values["search_body"] = folded_text(event.changes["body"])
        if isinstance(event, Article.Revised) and event.qa_findings is not None:
            values["blocking_findings"] = _blocking(event.qa_findings)
    elif isinstance(event, Article.Submitted):
        values["submitted_at"] = at
        values["changes_requested_comment"] = None
        values["blocking_findings"] = _blocking(event.qa_findings)
    elif isinstance(event, Article.ChangesRequested):
        values["changes_requested_comment"] = event.comment
    elif isinstance(event, Article.PublicationScheduled):
        values["scheduled_at"] = event.publish_at
        values["embargo_until"] = event.embargo_until
    elif isinstance(event, Article.Published):
        values["scheduled_at"] = None
        values["embargo_until"] = event.embargo_until
    elif isinstance(event, Article.EmbargoReleased):
        values["embargo_until"] = at  # broken early: the embargo ended at the release
    state = _STATE_AFTER.get(type(event))
    if state is not None:
        values["state"] = state
    return values


def _blocking(findings: Any) -> int:
    return sum(1 for f in findings if f.get("severity") == "blocking")


def clear(conn: Connection) -> None:
    conn.execute(delete(article_summaries))
