"""Point-in-time replay for auditors: "what did the public page show at 17:39?".

Everything here is folded from the events recorded at or before the moment: the
article's, its translations' and its deliveries'. The published text is the text the
publishing events carried (not the desk's working copy), so the answer is what
readers and partners got.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom.application.redaction import RedactionService
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.delivery import DELIVERED, FAILED, PENDING, Delivery, delivery_id
from newsroom.domain.errors import NotFound
from newsroom.domain.holdings import latest_delivered
from newsroom.domain.policy import Actor
from newsroom.domain.redaction import looks_redacted
from newsroom.domain.subscriber import Subscriber
from newsroom.domain.translation import Translation, translation_id
from newsroom.eventlog import event_data
from newsroom.integrity.redactions import RedactionRecord

PUBLIC = "public"
NOT_PUBLISHED = "not_published"
SCHEDULED = "scheduled"
EMBARGOED = "embargoed"
RETRACTED = "retracted"

_ARTICLE_STATE_AFTER: dict[type[Any], str] = {
    Article.Submitted: wf.SUBMITTED,
    Article.ChangesRequested: wf.DRAFT,
    Article.Approved: wf.APPROVED,
    Article.Published: wf.PUBLISHED,
    Article.Retracted: wf.RETRACTED,
}
_TRANSLATION_STATE_AFTER: dict[type[Any], str] = {
    Translation.Requested: wf.T_REQUESTED,
    Translation.Rerequested: wf.T_REQUESTED,
    Translation.MachineTranslated: wf.T_MACHINE_TRANSLATED,
    Translation.Failed: wf.T_FAILED,
    Translation.PostEdited: wf.T_IN_REVIEW,
    Translation.Approved: wf.T_APPROVED,
    Translation.Published: wf.T_PUBLISHED,
}


@dataclass
class Edition:
    """One language's public page at the moment."""

    language: str
    kind: str  # "source" or "translation"
    stream_id: UUID
    stream_version: int
    workflow_state: str
    status: str = NOT_PUBLISHED
    why: str | None = None
    revision: int = 0
    headline: str = ""
    body: str = ""
    dateline: str = ""
    byline: str = ""
    first_published_at: datetime | None = None
    updated_at: datetime | None = None
    embargo_until: datetime | None = None
    scheduled_for: datetime | None = None
    retracted_at: datetime | None = None
    retraction_reason: str | None = None
    corrections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def public(self) -> bool:
        return self.status == PUBLIC


@dataclass(frozen=True)
class Receipt:
    """One delivery as it stood at the moment."""

    delivery_id: UUID
    subscriber_id: UUID
    subscriber: str
    language: str
    revision: int
    kind: str
    status: str
    attempts: int
    planned_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class PublicAsOf:
    article_id: UUID
    at: datetime
    article_version: int
    article_state: str
    source_language: str
    editions: list[Edition]
    receipts: list[Receipt]
    redactions: list[RedactionRecord]

    def received(self) -> list[Receipt]:
        """Per subscriber and language, the latest version delivered by the moment."""
        return latest_delivered(r for r in self.receipts if r.status == DELIVERED)


def _upto(events: Iterable[Any], at: datetime) -> list[Any]:
    return [e for e in events if e.timestamp <= at]


def _source_edition(article_id: UUID, events: list[Any], at: datetime) -> Edition:
    created = events[0]
    edition = Edition(language=created.language, kind="source", stream_id=article_id,
                      stream_version=events[-1].originator_version,
                      workflow_state=wf.DRAFT)
    for event in events:
        edition.workflow_state = _ARTICLE_STATE_AFTER.get(type(event), edition.workflow_state)
        if isinstance(event, Article.PublicationScheduled):
            edition.scheduled_for = event.publish_at
            edition.embargo_until = event.embargo_until
        elif isinstance(event, Article.Published):
            edition.revision = event.revision
            edition.headline, edition.body = event.headline, event.body
            edition.dateline, edition.byline = event.dateline, event.byline
            edition.first_published_at = edition.updated_at = event.timestamp
            edition.embargo_until = event.embargo_until
            edition.scheduled_for = None
        elif isinstance(event, Article.Corrected):
            for name, value in event.changes.items():
                setattr(edition, name, value)
            edition.revision = event.revision
            edition.updated_at = event.timestamp
            edition.corrections.append({"revision": event.revision, "note": event.note,
                                        "at": event.timestamp})
        elif isinstance(event, Article.Retracted):
            edition.retracted_at = edition.updated_at = event.timestamp
            edition.retraction_reason = event.reason
        elif isinstance(event, Article.EmbargoReleased):
            edition.embargo_until = event.timestamp
    _judge(edition, at)
    return edition


def _judge(edition: Edition, at: datetime) -> None:
    if edition.retracted_at is not None:
        edition.status = RETRACTED
        edition.why = f"retracted at {edition.retracted_at.isoformat()}: " \
                      f"{edition.retraction_reason}"
    elif edition.revision == 0:
        if edition.scheduled_for is not None:
            edition.status = SCHEDULED
            edition.why = f"scheduled for {edition.scheduled_for.isoformat()}"
        else:
            edition.status = NOT_PUBLISHED
            edition.why = f"not yet published (state: {edition.workflow_state})"
    elif edition.embargo_until is not None and at < edition.embargo_until:
        edition.status = EMBARGOED
        edition.why = f"embargoed until {edition.embargo_until.isoformat()}"
    else:
        edition.status = PUBLIC
        edition.why = None


def _translation_edition(stream_id: UUID, events: list[Any], source: Edition,
                         at: datetime) -> Edition:
    edition = Edition(language=events[0].language, kind="translation", stream_id=stream_id,
                      stream_version=events[-1].originator_version,
                      workflow_state=wf.T_REQUESTED)
    for event in events:
        edition.workflow_state = _TRANSLATION_STATE_AFTER.get(type(event),
                                                              edition.workflow_state)
        if isinstance(event, Translation.Published):
            if edition.revision == 0:
                edition.first_published_at = event.timestamp
            edition.revision = event.revision
            edition.headline, edition.body = event.headline, event.body
            edition.updated_at = event.timestamp
            edition.embargo_until = event.embargo_until
    # An embargo the editor broke early on the article ends at the release.
    if edition.embargo_until is not None and source.embargo_until is not None:
        edition.embargo_until = min(edition.embargo_until, source.embargo_until)
    edition.retracted_at, edition.retraction_reason = (source.retracted_at,
                                                       source.retraction_reason)
    if edition.retracted_at is not None and edition.revision:
        edition.updated_at = edition.retracted_at
    _judge(edition, at)
    if edition.status == PUBLIC and source.status != PUBLIC:
        # The public page of a translation is served only while the source's is.
        edition.status = source.status
        edition.why = f"the source is not public: {source.why}"
    return edition


class ReplayService(RedactionService):
    """Point-in-time answers for auditors (``audit.read``)."""

    def public_as_of(self, actor: Actor, article_id: UUID, at: datetime) -> PublicAsOf:
        actor.role_for("audit.read")
        all_article_events = list(self.events.get(article_id))
        if not all_article_events or not isinstance(all_article_events[0], Article.Created):
            raise NotFound(f"no article with id {article_id}")
        article_events = _upto(all_article_events, at)
        if not article_events:
            raise NotFound(f"article {article_id} did not exist yet at {at.isoformat()}")
        source = _source_edition(article_id, article_events, at)
        editions = [source]
        seen: list[Any] = list(article_events)
        translation_streams: dict[str, list[Any]] = {}
        for language in _requested_languages(all_article_events):
            tid = translation_id(article_id, language)
            events = _upto(self.events.get(tid), at)
            translation_streams[language] = events
            if events:
                editions.append(_translation_edition(tid, events, source, at))
                seen.extend(events)
        receipts = list(self._receipts(article_id, all_article_events,
                                       translation_streams, at, seen))
        receipts.sort(key=lambda r: (r.planned_at, r.subscriber, r.language))
        return PublicAsOf(
            article_id=article_id, at=at, article_version=source.stream_version,
            article_state=source.workflow_state, source_language=source.language,
            editions=editions, receipts=receipts,
            redactions=self._redactions_in(seen))

    def _receipts(self, article_id: UUID, article_events: list[Any],
                  translations: dict[str, list[Any]], at: datetime,
                  seen: list[Any]) -> Iterator[Receipt]:
        """Deliveries are found by their derived ids: (publishing event, language,
        subscriber), for every publishing event up to the moment."""
        sources: list[tuple[int, list[str]]] = []
        languages = [article_events[0].language, *translations]
        for event in _upto(article_events, at):
            if isinstance(event, Article.Published):
                sources.append((event.originator_version, list(event.languages)))
            elif isinstance(event, Article.Corrected):
                sources.append((event.originator_version, [languages[0]]))
            elif isinstance(event, Article.Retracted):
                sources.append((event.originator_version, languages))
        for language, events in translations.items():
            for event in events:
                if isinstance(event, Translation.Published):
                    sources.append((event.originator_version, [language]))
        if not sources:
            return
        for subscriber_id, name in self._subscriber_names():
            for version, langs in sources:
                for language in langs:
                    did = delivery_id(article_id, version, language, subscriber_id)
                    events = _upto(self.events.get(did), at)
                    if events:
                        seen.extend(events)
                        yield _receipt(did, name, events)

    def _subscriber_names(self) -> Iterator[tuple[UUID, str]]:
        start = 0
        topic = f"{Subscriber.Created.__module__}:{Subscriber.Created.__qualname__}"
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=[topic], inclusive_of_start=False)
            for notification in batch:
                event: Any = self.mapper.to_domain_event(notification)
                yield event.originator_id, str(event.name)
            if len(batch) < 500:
                return
            start = batch[-1].id

    def _redactions_in(self, events: list[Any]) -> list[RedactionRecord]:
        found = [self.redaction_of(e.originator_id, e.originator_version) for e in events
                 if looks_redacted(event_data(e))]
        return [r for r in found if r is not None]


def _requested_languages(article_events: list[Any]) -> list[str]:
    languages: list[str] = []
    for event in article_events:
        if isinstance(event, Article.TranslationsRequested):
            languages.extend(lang for lang in event.languages if lang not in languages)
    return languages


def _receipt(did: UUID, subscriber: str, events: list[Any]) -> Receipt:
    planned = events[0]
    status, attempts, delivered_at = PENDING, 0, None
    for event in events:
        if isinstance(event, Delivery.Attempted):
            attempts += 1
        elif isinstance(event, Delivery.Delivered):
            status, delivered_at = DELIVERED, event.timestamp
        elif isinstance(event, Delivery.Failed):
            status = FAILED
        elif isinstance(event, Delivery.Resent):
            status = PENDING
    return Receipt(delivery_id=did, subscriber_id=planned.subscriber_id, subscriber=subscriber,
                   language=planned.language, revision=planned.revision, kind=planned.kind,
                   status=status, attempts=attempts, planned_at=planned.timestamp,
                   delivered_at=delivered_at)
