"""Queries: current and past states, translations and history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom import content, eventlog
from newsroom.application.base import ServiceBase
from newsroom.domain.article import Article
from newsroom.domain.delivery import delivery_id
from newsroom.domain.errors import (
    NotFound,
    ValidationFailed,
)
from newsroom.domain.policy import (
    SYSTEM_ACTOR,
    Actor,
)
from newsroom.domain.redaction import looks_redacted, redaction_id
from newsroom.domain.subscriber import Subscriber
from newsroom.domain.translation import Translation, translation_id
from newsroom.domain.user import User
from newsroom.projections.topics import topic

# Events that plan deliveries to partners (see newsroom.policies).
_PUBLISHING_EVENTS = frozenset({"ArticlePublished", "ArticleCorrected", "ArticleRetracted",
                                "TranslationPublished"})


@dataclass(frozen=True)
class HistoryEntry:
    position: int | None
    stream: str
    originator_id: UUID
    version: int
    type: str
    actor_id: UUID
    actor: str
    role: str
    at: datetime
    data: dict[str, Any]


class QueryService(ServiceBase):
    """Reads: current and past states, translations, history."""

    def get_article(self, actor: Actor, article_id: UUID, *, version: int | None = None,
                    at: datetime | None = None) -> Article:
        actor.role_for("article.read")
        if at is not None:
            version = self._version_at(article_id, at)
            if version == 0:
                self._load(Article, article_id)  # 404 when it never existed at all
                raise NotFound(f"article {article_id} did not exist yet at {at.isoformat()}")
        if version is not None and version < 1:
            raise ValidationFailed("version", "versions start at 1")
        article = self._load(Article, article_id)
        if version is not None and version > article.version:
            raise NotFound(f"article {article_id} has no version {version}")
        return article if version is None else self._load(Article, article_id, version)

    def translations_of(self, article: Article, at: datetime | None = None
                        ) -> dict[str, Translation]:
        """The article's translations, as they stood at ``at`` when given."""
        found: dict[str, Translation] = {}
        for language in article.translation_languages:
            tid = translation_id(article.id, language)
            version = None if at is None else self._version_at(tid, at)
            if version == 0:
                continue
            found[language] = self._load(Translation, tid, version)
        return found

    def get_translation(self, actor: Actor, article_id: UUID, language: str,
                        version: int | None = None) -> Translation:
        actor.role_for("translation.read")
        self._load(Article, article_id)
        return self._load(Translation, translation_id(article_id, content.language(language)),
                          version)

    def get_translation_by_id(self, actor: Actor, translation_id: UUID) -> Translation:
        """For workers, whose tasks carry ids only."""
        actor.role_for("translation.read")
        return self._load(Translation, translation_id)

    def history(self, actor: Actor, article_id: UUID) -> list[HistoryEntry]:
        actor.role_for("article.history")
        article = self._load(Article, article_id)
        streams = {article.id: "article"}
        for language in article.translation_languages:
            streams[translation_id(article.id, language)] = f"translation:{language}"
        where = eventlog.positions(self.recorder, list(streams))
        names: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.name}
        entries = [
            self._history_entry(event, stream, where, names)
            for originator_id, stream in streams.items()
            for event in self.events.get(originator_id)
        ]
        entries.extend(self._redaction_entries(entries, names))
        entries.extend(self._delivery_entries(article, entries, names))
        entries.sort(key=lambda e: (e.position or 0, e.at))
        return entries

    def _delivery_entries(self, article: Article, entries: list[HistoryEntry],
                          names: dict[UUID, str]) -> list[HistoryEntry]:
        """The deliveries to partners that the article's publishing events planned
        (DESIGN §6: the history includes them). A delivery's id derives from the
        publishing event, the language and the subscriber, so every possible id is
        asked for at once instead of scanning the log."""
        publishing = [e for e in entries if e.type in _PUBLISHING_EVENTS]
        subscribers = self._subscriber_ids() if publishing else []
        languages = [article.language, *article.translation_languages]
        candidates = {delivery_id(article.id, e.version, language, subscriber): language
                      for e in publishing for language in languages
                      for subscriber in subscribers}
        ids = list(candidates)
        where: eventlog.Positions = {}
        for start in range(0, len(ids), 500):
            where.update(eventlog.positions(self.recorder, ids[start:start + 500]))
        found = sorted({originator for originator, _version in where})
        return [self._history_entry(event, f"delivery:{candidates[did]}", where, names)
                for did in found for event in self.events.get(did)]

    def _subscriber_ids(self) -> list[UUID]:
        ids: list[UUID] = []
        start = 0
        while batch := self.recorder.select_notifications(
            start=start, limit=500, topics=[topic(Subscriber.Created)], inclusive_of_start=False
        ):
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            start = batch[-1].id
        return ids

    def _redaction_entries(self, entries: list[HistoryEntry],
                           names: dict[UUID, str]) -> list[HistoryEntry]:
        """The redactions of the events shown, each as its own entry (which event, when,
        by whom, why, under which reference). Only events whose data carries the
        tombstone marker are looked up, so a history without redactions costs nothing."""
        ids = [redaction_id(e.originator_id, e.version) for e in entries
               if looks_redacted(e.data)]
        where = eventlog.positions(self.recorder, ids)
        found = []
        for rid in ids:
            for event in self.events.get(rid):
                found.append(self._history_entry(event, "redaction", where, names))
        return found

    def _history_entry(self, event: Any, stream: str, where: eventlog.Positions,
                       names: dict[UUID, str]) -> HistoryEntry:
        actor_id: UUID = event.actor_id
        if actor_id not in names:
            try:
                names[actor_id] = self._load(User, actor_id).name
            except NotFound:
                names[actor_id] = str(actor_id)
        data = eventlog.event_data(event)
        return HistoryEntry(
            position=where.get((event.originator_id, event.originator_version)),
            stream=stream,
            originator_id=event.originator_id,
            version=event.originator_version,
            type=type(event).__qualname__.replace(".", ""),
            actor_id=actor_id,
            actor=names[actor_id],
            role=event.role,
            at=event.timestamp,
            data=data,
        )

    def iter_article_ids(self) -> Iterator[UUID]:
        """Every article id, from the log; for the CLI and demo seeding."""
        start = 0
        topic = f"{Article.Created.__module__}:{Article.Created.__qualname__}"
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=[topic], inclusive_of_start=False
            )
            if not batch:
                return
            for notification in batch:
                yield UUID(str(notification.originator_id))
            start = batch[-1].id
