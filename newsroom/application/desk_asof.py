"""The desk as of a moment: every article's state as it was then, from the log.

One pass over the notification log, filtered to article topics: each article's row
is folded from its events up to the moment. The scan stops once events are well past
the moment (``SLACK``): an event's timestamp is taken just before its commit, so log
order and time order agree except for commits racing each other, which never lag by
minutes (the store's lock timeout is seconds).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from newsroom.application.base import ServiceBase
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.policy import Actor

SLACK = timedelta(minutes=15)
CACHED_ANSWERS = 4
_BATCH = 1000

_STATE_AFTER: dict[type[Any], str] = {
    Article.Submitted: wf.SUBMITTED,
    Article.ChangesRequested: wf.DRAFT,
    Article.Approved: wf.APPROVED,
    Article.Published: wf.PUBLISHED,
    Article.Retracted: wf.RETRACTED,
}


def article_topics() -> list[str]:
    return [f"{v.__module__}:{v.__qualname__}" for v in vars(Article).values()
            if isinstance(v, type) and issubclass(v, Article.Event) and v is not Article.Event]


@dataclass
class DeskRow:
    article_id: UUID
    headline: str
    language: str
    state: str
    version: int
    revision: int
    author_id: UUID
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None = None
    embargo_until: datetime | None = None


@dataclass(frozen=True)
class DeskAsOf:
    at: datetime
    rows: list[DeskRow]  # newest first
    scanned: int  # events read from the log


def _fold(rows: dict[UUID, DeskRow], event: Any) -> None:
    if isinstance(event, Article.Created):
        rows[event.originator_id] = DeskRow(
            article_id=event.originator_id, headline=event.headline, language=event.language,
            state=wf.DRAFT, version=event.originator_version, revision=0,
            author_id=event.actor_id, created_at=event.timestamp, updated_at=event.timestamp)
        return
    row = rows.get(event.originator_id)
    if row is None:
        return
    row.version, row.updated_at = event.originator_version, event.timestamp
    row.state = _STATE_AFTER.get(type(event), row.state)
    if isinstance(event, Article.Revised | Article.Corrected):
        row.headline = event.changes.get("headline", row.headline)
    if isinstance(event, Article.Corrected | Article.Published):
        row.revision = event.revision
    if isinstance(event, Article.PublicationScheduled):
        row.scheduled_at, row.embargo_until = event.publish_at, event.embargo_until
    elif isinstance(event, Article.Published):
        row.scheduled_at, row.embargo_until = None, event.embargo_until
    elif isinstance(event, Article.EmbargoReleased):
        row.embargo_until = event.timestamp


class DeskAsOfService(ServiceBase):
    def desk_as_of(self, actor: Actor, at: datetime) -> DeskAsOf:
        """Every article that existed at ``at``, as it stood then, newest first.

        The last few answers are kept, keyed by the moment and the log's head: paging
        through one moment's desk scans the log once, and any new event makes a fresh
        scan (it could be a late commit stamped before the moment)."""
        actor.role_for("audit.read")
        head = self.recorder.max_notification_id() or 0
        cache: OrderedDict[tuple[datetime, int], DeskAsOf] = self.__dict__.setdefault(
            "_desk_as_of_cache", OrderedDict())
        key = (at, head)
        cached = cache.get(key)
        if cached is not None:
            return cached
        found = self._scan_desk(at)
        cache[key] = found
        # Oldest out first; pages served by several threads may race to evict.
        while len(cache) > CACHED_ANSWERS:
            with contextlib.suppress(KeyError):
                cache.popitem(last=False)
        return found

    def _scan_desk(self, at: datetime) -> DeskAsOf:
        rows: dict[UUID, DeskRow] = {}
        topics = article_topics()
        horizon = at + SLACK
        start, scanned = 0, 0
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=_BATCH, topics=topics, inclusive_of_start=False)
            for notification in batch:
                event: Any = self.mapper.to_domain_event(notification)
                scanned += 1
                if event.timestamp > horizon:
                    return _result(at, rows, scanned)
                if event.timestamp <= at:
                    _fold(rows, event)
            if len(batch) < _BATCH:
                return _result(at, rows, scanned)
            start = batch[-1].id


def _result(at: datetime, rows: dict[UUID, DeskRow], scanned: int) -> DeskAsOf:
    ordered = sorted(rows.values(), key=lambda r: (r.created_at, str(r.article_id)),
                     reverse=True)
    return DeskAsOf(at=at, rows=ordered, scanned=scanned)
