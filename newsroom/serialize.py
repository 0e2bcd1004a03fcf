"""Documents the API and CLI print, built from aggregates: the contract's shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom.application import HistoryEntry
from newsroom.domain.article import Article
from newsroom.domain.translation import Translation
from newsroom.jsonable import jsonable
from newsroom.timefmt import iso_utc


def translation_document(t: Translation, article: Article) -> dict[str, Any]:
    return {
        "language": t.language,
        "state": t.state,
        "version": t.version,
        "source_version": t.source_version,
        "stale": t.is_stale(article.content_version),
        "engine": t.engine,
        "engine_version": t.engine_version,
        "route": t.route,
        "duration_ms": t.duration_ms,
        "failure_reason": t.failure_reason,
        "headline": t.headline,
        "body": t.body,
        "qa_findings": t.qa_findings,
    }


def _publication(revision: int, first: datetime | None, updated: datetime | None,
                 embargo: datetime | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "revision": revision,
        "first_published_at": iso_utc(first),
        "updated_at": iso_utc(updated),
    }
    if embargo is not None:
        entry["embargo_until"] = iso_utc(embargo)
    return entry


def article_document(article: Article, translations: dict[str, Translation]) -> dict[str, Any]:
    publication: dict[str, Any] = {}
    if article.revision:
        publication[article.language] = _publication(
            article.revision, article.first_published_at, article.updated_at,
            article.embargo_until,
        )
    for language, t in translations.items():
        if t.revision:
            # A translation keeps the embargo it was published with; one the editor
            # broke early on the article ends at the release.
            embargo = t.embargo_until
            if embargo is not None and article.embargo_until is not None:
                embargo = min(embargo, article.embargo_until)
            publication[language] = _publication(
                t.revision, t.first_published_at, t.updated_at, embargo
            )
    document: dict[str, Any] = jsonable({
        "id": article.id,
        "version": article.version,
        "state": article.state,
        "language": article.language,
        "headline": article.headline,
        "body": article.body,
        "dateline": article.dateline,
        "byline": article.byline,
        "author_id": article.author_id,
        "created_at": article.created_on,
        "modified_at": article.modified_on,
        "allowed_actions": sorted(article.allowed_actions()),
        "qa_findings": article.qa_findings,
        "changes_requested_comment": article.changes_requested_comment,
        "comments": article.comments,
        "scheduled_at": article.scheduled_at,
        "corrections": article.corrections,
        "retraction_reason": article.retraction_reason,
        "translations": {
            language: translation_document(t, article) for language, t in translations.items()
        },
        "publication": publication,
    })
    return document


def history_document(entries: list[HistoryEntry],
                     hashes: Mapping[tuple[UUID, int], str] | None = None
                     ) -> list[dict[str, Any]]:
    """``hashes``: each event's link in its stream's hash chain (integrity.service)."""
    hashes = hashes or {}
    return [
        jsonable({
            "position": e.position,
            "stream": e.stream,
            "version": e.version,
            "type": e.type,
            "actor": e.actor,
            "actor_id": e.actor_id,
            "role": e.role,
            "at": e.at,
            "data": e.data,
            # None until the chain follower has reached the event (a moment after it).
            "hash": hashes.get((e.originator_id, e.version)),
        })
        for e in entries
    ]
