"""Subscriber commands and queries (admins manage, auditors read)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from newsroom import content
from newsroom.application.base import Saved, ServiceBase, utcnow
from newsroom.domain.article import Article
from newsroom.domain.delivery import CORRECTION, KILL, PUBLICATION, Delivery, delivery_id
from newsroom.domain.errors import InvalidTransition, NotFound, ValidationFailed
from newsroom.domain.policy import SYSTEM_ACTOR, Actor
from newsroom.domain.subscriber import ACTIVE, Subscriber
from newsroom.domain.translation import Translation
from newsroom.projections.topics import topic

SETTINGS = ("name", "transport", "url", "path", "secret", "format", "languages",
            "early_embargo")


def _languages(value: object) -> list[str]:
    if not isinstance(value, list):
        raise ValidationFailed("languages", "a list of language tags")
    return list(dict.fromkeys(content.language(v, "languages") for v in value))


def clean_settings(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Types and shapes only; whether a URL is a safe target is the caller's check,
    made where the resolver lives (the web edge and the sender)."""
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SETTINGS:
            raise ValidationFailed(key, "is not a subscriber setting")
        if key == "languages":
            clean[key] = _languages(value)
        elif key == "early_embargo":
            if not isinstance(value, bool):
                raise ValidationFailed(key, "true or false")
            clean[key] = value
        else:
            clean[key] = content.plain_text(key, "" if value is None else value,
                                            max_length=2000)
    if not partial:
        clean.setdefault("url", "")
        clean.setdefault("path", "")
        clean.setdefault("secret", "")
        clean.setdefault("languages", [])
        clean.setdefault("early_embargo", False)
        for required in ("name", "transport", "format"):
            if required not in clean:
                raise ValidationFailed(required, "is required")
    return clean


class SyndicationService(ServiceBase):
    def add_subscriber(self, actor: Actor, data: Mapping[str, Any]) -> Saved:
        role = actor.role_for("subscriber.manage")
        subscriber = Subscriber.create(**clean_settings(data, partial=False),
                                       actor_id=actor.user_id, role=role)
        position = self._save(subscriber)
        return Saved(subscriber.id, subscriber.version, subscriber.state, position)

    def update_subscriber(self, actor: Actor, subscriber_id: UUID, data: Mapping[str, Any],
                          expected_version: int | None = None) -> Saved:
        role = actor.role_for("subscriber.manage")
        changes = clean_settings(data, partial=True)
        return self._command(Subscriber, subscriber_id, expected_version,
                             lambda s: s.update(changes, actor_id=actor.user_id, role=role))

    def suspend_subscriber(self, actor: Actor, subscriber_id: UUID, reason: object,
                           expected_version: int | None = None) -> Saved:
        role = actor.role_for("subscriber.manage")
        text = content.note("reason", reason)
        return self._command(Subscriber, subscriber_id, expected_version,
                             lambda s: s.suspend(text, actor_id=actor.user_id, role=role))

    def resume_subscriber(self, actor: Actor, subscriber_id: UUID,
                          expected_version: int | None = None) -> Saved:
        role = actor.role_for("subscriber.manage")
        return self._command(Subscriber, subscriber_id, expected_version,
                             lambda s: s.resume(actor_id=actor.user_id, role=role))

    def get_subscriber(self, actor: Actor, subscriber_id: UUID) -> Subscriber:
        actor.role_for("subscriber.read")
        return self._load(Subscriber, subscriber_id)

    def subscribers(self, actor: Actor) -> Iterator[Subscriber]:
        """Every subscriber, from the log (there are tens, not thousands)."""
        actor.role_for("subscriber.read")
        start = 0
        while batch := self.recorder.select_notifications(
            start=start, limit=500, topics=[topic(Subscriber.Created)], inclusive_of_start=False
        ):
            for notification in batch:
                yield self._load(Subscriber, UUID(str(notification.originator_id)))
            start = batch[-1].id


@dataclass(frozen=True)
class Publication:
    """What a publishing event sends out: which article, languages and revision."""

    article_id: UUID
    kind: str
    languages: list[str]
    revision: int
    embargo_until: datetime | None


class DeliveryService(SyndicationService):
    def publication_of(self, stream_id: UUID, version: int) -> Publication:
        """Reads one publishing event (article publication, correction, retraction, or a
        translation's publication) as what it sends out."""
        event: Any = next(iter(self.events.get(stream_id, gt=version - 1, lte=version)))
        if isinstance(event, Translation.Published):
            return Publication(event.article_id, PUBLICATION, [event.language],
                               event.revision, event.embargo_until)
        article = self._load(Article, stream_id, version)
        if isinstance(event, Article.Published):
            # The source language only: a translation published with it has its own
            # Translation.Published event, which plans its deliveries. Listing it here
            # as well sent partners each such translation twice, under two ids.
            return Publication(stream_id, PUBLICATION, [article.language], event.revision,
                               event.embargo_until)
        if isinstance(event, Article.Corrected):
            return Publication(stream_id, CORRECTION, [article.language], event.revision,
                               article.embargo_until)
        if isinstance(event, Article.Retracted):
            languages = [article.language, *article.translation_languages]
            return Publication(stream_id, KILL, languages, article.revision, None)
        raise ValidationFailed("event", f"{type(event).__qualname__} publishes nothing")

    def plan_deliveries(self, stream_id: UUID, version: int,
                        received: Mapping[str, set[UUID]], now: datetime,
                        actor: Actor = SYSTEM_ACTOR) -> list[UUID]:
        """One Delivery per recipient and language, all in one save. A first
        publication goes to every active subscriber of the language; a correction or a
        kill notice goes to those that received an earlier version (``received``, by
        language). Idempotent: deliveries that exist already are left alone."""
        role = actor.role_for("delivery.plan")
        publication = self.publication_of(stream_id, version)
        embargo = self._embargo_now(publication)
        planned: list[Delivery] = []
        for subscriber in self.subscribers(actor):
            for language in publication.languages:
                if publication.kind == PUBLICATION:
                    wanted = subscriber.wants(language)
                else:
                    wanted = subscriber.id in received.get(language, set())
                if not wanted:
                    continue
                did = delivery_id(publication.article_id, version, language, subscriber.id)
                try:
                    self._load(Delivery, did)
                    continue
                except NotFound:
                    pass
                due = embargo
                if subscriber.early_embargo or (due is not None and due <= now):
                    due = None
                planned.append(Delivery.plan(
                    article_id=publication.article_id, language=language,
                    revision=publication.revision, kind=publication.kind,
                    subscriber_id=subscriber.id, source_version=version, due_at=due,
                    actor_id=actor.user_id, role=role))
        if planned:
            self._save(*planned)
            held = [d.id for d in planned if d.due_at is not None]
            if held:
                # An editor may have broken the embargo while this ran; the release
                # then found none of these, so release them here.
                self.release_held_deliveries(publication.article_id, held, utcnow(), actor)
        return [d.id for d in planned]

    def _embargo_now(self, publication: Publication) -> datetime | None:
        """The publication's embargo, unless an editor has since broken it early."""
        if publication.embargo_until is None:
            return None
        current = self._load(Article, publication.article_id)
        if current.embargo_until is not None and current.embargo_until < publication.embargo_until:
            return current.embargo_until
        return publication.embargo_until

    def release_embargo(self, actor: Actor, article_id: UUID, reason: object,
                        expected_version: int | None = None) -> Saved:
        """An editor breaks the embargo now, with a reason. The deliveries it held are
        released by the worker the dispatcher sends for the event (at least once)."""
        role = actor.role_for("article.release_embargo")
        text = content.note("reason", reason)
        now = utcnow()
        return self._command(Article, article_id, expected_version,
                             lambda a: a.release_embargo(text, now, actor_id=actor.user_id,
                                                         role=role))

    def release_held_deliveries(self, article_id: UUID, held: Iterable[UUID], now: datetime,
                                actor: Actor = SYSTEM_ACTOR) -> list[UUID]:
        """Makes these deliveries of the article due now, in one save, if its embargo is
        over; deliveries no longer held are skipped, so repeating it is harmless."""
        role = actor.role_for("delivery.plan")
        if self._load(Article, article_id).is_embargoed(now):
            return []
        released: list[Delivery] = []
        for did in held:
            item = self._load(Delivery, did)
            if item.article_id == article_id and item.release(actor_id=actor.user_id,
                                                               role=role):
                released.append(item)
        if released:
            self._save(*released)
        return [d.id for d in released]

    def get_delivery(self, actor: Actor, delivery: UUID) -> Delivery:
        actor.role_for("delivery.plan")
        return self._load(Delivery, delivery)

    def record_delivery_attempt(self, delivery: UUID, *, outcome: str,
                                http_status: int | None, duration_ms: int, excerpt: str,
                                error: str, give_up: bool,
                                actor: Actor = SYSTEM_ACTOR) -> Delivery:
        """Records one attempt; a permanent outcome (or ``give_up``) fails the delivery
        and counts against the subscriber, a success clears its failure count."""
        role = actor.role_for("delivery.plan")
        item = self._load(Delivery, delivery)
        if item.state != "pending":
            return item
        item.record_attempt(outcome=outcome, http_status=http_status, duration_ms=duration_ms,
                            excerpt=excerpt, error=error, actor_id=actor.user_id, role=role)
        subscriber = self._load(Subscriber, item.subscriber_id)
        if outcome == "delivered":
            subscriber.note_success(actor_id=actor.user_id, role=role)
        elif outcome == "permanent" or give_up:
            item.fail(error or outcome, actor_id=actor.user_id, role=role)
            if outcome == "permanent":
                subscriber.note_failure(item.id, error, actor_id=actor.user_id, role=role)
        self._save(item, subscriber)
        return item

    def resend_delivery(self, actor: Actor, delivery: UUID) -> Saved:
        """An admin sends a failed delivery again, under the same id."""
        role = actor.role_for("subscriber.manage")
        item = self._load(Delivery, delivery)
        subscriber = self._load(Subscriber, item.subscriber_id)
        if subscriber.state != ACTIVE and item.state == "failed":
            # It would only fail again at once: say what to do instead.
            raise InvalidTransition("resend", f"subscriber {subscriber.state}",
                                    {f"resume {subscriber.name} first"}, noun="a delivery")
        return self._command(Delivery, delivery, None,
                             lambda d: d.resend(actor_id=actor.user_id, role=role))
