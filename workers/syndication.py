"""Syndication tasks: plan the deliveries of a publishing event, then deliver each one
in its own task, so one failing subscriber never delays the others.

Both are idempotent: planning skips deliveries that exist (their ids derive from the
event, language and subscriber), and delivering returns once a delivery is no longer
pending. Every attempt is recorded as an event.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from celery import Celery, Task
from sqlalchemy import select

from newsroom.domain.delivery import CORRECTION, KILL, Delivery
from newsroom.domain.errors import VersionConflict
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.subscriber import ACTIVE, Subscriber
from newsroom.formats import PublishedItem, item_uri, newsml_bytes, ninjs_bytes
from newsroom.projections.tables import deliveries
from workers import runtime
from workers.translation import backoff, requeue_lost_tasks

log = logging.getLogger(__name__)


def _received(article_id: UUID) -> dict[str, set[UUID]]:
    """Who has had any version of the article, by language (for corrections, kills)."""
    services = runtime.services()
    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.language, deliveries.c.subscriber_id).where(
            deliveries.c.article_id == article_id, deliveries.c.status == "delivered",
            deliveries.c.kind != KILL)).all()
    received: dict[str, set[UUID]] = {}
    for language, subscriber_id in rows:
        received.setdefault(language, set()).add(subscriber_id)
    return received


def plan_deliveries(task: Task, stream_id: str, version: int) -> int:
    app = runtime.services().app
    publication = app.publication_of(UUID(stream_id), version)
    for _ in range(10):
        try:
            planned = app.plan_deliveries(UUID(stream_id), version,
                                          _received(publication.article_id), datetime.now(UTC))
            return len(planned)
        except VersionConflict:
            continue  # planned concurrently by a redelivered task: plan what is left
    raise RuntimeError(f"could not plan deliveries for {stream_id}@{version}")


def published_item(delivery: Delivery) -> PublishedItem:
    """The item as it went out with the publishing event this delivery carries."""
    app = runtime.services().app
    settings = runtime.services().settings
    current = app.get_article(SYSTEM_ACTOR, delivery.article_id)
    if delivery.language == current.language:
        article = app.get_article(SYSTEM_ACTOR, delivery.article_id,
                                  version=delivery.source_version)
        headline, body = article.headline, article.body
    else:
        article = app.get_article(SYSTEM_ACTOR, delivery.article_id, at=delivery.created_on)
        translation = app.translations_of(article, at=delivery.created_on)[delivery.language]
        headline, body = translation.headline, translation.body
    languages = [current.language, *current.translation_languages]
    note = None
    if delivery.kind == CORRECTION and article.corrections:
        note = str(article.corrections[-1]["note"])
    return PublishedItem(
        article_id=delivery.article_id, language=delivery.language,
        revision=max(1, delivery.revision), headline=headline, body=body,
        dateline=article.dateline, byline=article.byline,
        first_created=current.created_on, version_created=article.modified_on,
        first_published_at=current.first_published_at or delivery.created_on,
        base_url=settings.base_url, source_language=current.language,
        embargo_until=article.embargo_until,
        pub_status="canceled" if delivery.kind == KILL else "usable",
        correction_note=note,
        retraction_reason=current.retraction_reason if delivery.kind == KILL else None,
        translations={lang: item_uri(settings.base_url, delivery.article_id, lang)
                      for lang in languages},
    )


def _send(subscriber: Subscriber, delivery: Delivery, payload: bytes,
          content_type: str) -> Any:
    from workers.transmit import (
        FileDropTarget,
        FileDropTransmitter,
        WebhookTarget,
        WebhookTransmitter,
    )

    settings = runtime.services().settings
    if subscriber.transport == "file":
        return FileDropTransmitter().transmit(
            FileDropTarget(subscriber.path), payload, content_type, str(delivery.id))
    transmitter = WebhookTransmitter(allow_insecure=settings.webhook_allow_insecure)
    return transmitter.transmit(WebhookTarget(subscriber.url, subscriber.secret), payload,
                                content_type, str(delivery.id))


def deliver(task: Task, delivery_id: str) -> str:
    app = runtime.services().app
    settings = runtime.services().settings
    delivery = app.get_delivery(SYSTEM_ACTOR, UUID(delivery_id))
    if delivery.state != "pending":
        return "already-done"
    if delivery.due_at is not None and datetime.now(UTC) < delivery.due_at:
        # Early (a redelivered ETA task): wait for the embargo to pass.
        raise task.retry(countdown=(delivery.due_at - datetime.now(UTC)).total_seconds(),
                         max_retries=None)
    subscriber = app.get_subscriber(SYSTEM_ACTOR, delivery.subscriber_id)
    if subscriber.state != ACTIVE:
        _record(delivery.id, outcome="permanent", http_status=None, duration_ms=0,
                excerpt="", error=f"subscriber suspended: {subscriber.suspension_reason}",
                give_up=True)
        return "suspended"
    item = published_item(delivery)
    if subscriber.format == "newsml-g2":
        payload, content_type = newsml_bytes(item), "application/vnd.iptc.g2.newsitem+xml"
    else:
        payload, content_type = ninjs_bytes(item), "application/json"
    attempt = _send(subscriber, delivery, payload, content_type)
    retries = task.request.retries
    give_up = attempt.status == "transient" and retries >= settings.delivery_max_retries
    _record(delivery.id, outcome=attempt.status, http_status=attempt.http_status,
            duration_ms=attempt.duration_ms, excerpt=attempt.response_excerpt or "",
            error=attempt.error or "", give_up=give_up)
    if attempt.status == "transient" and not give_up:
        delay = max(backoff(retries, base=settings.translation_backoff),
                    float(attempt.retry_after or 0))
        raise task.retry(countdown=delay, max_retries=settings.delivery_max_retries + 1)
    return str(attempt.status)


def _record(delivery: UUID, **attempt: Any) -> None:
    app = runtime.services().app
    for _ in range(10):
        try:
            app.record_delivery_attempt(delivery, **attempt)
            return
        except VersionConflict:
            continue  # the subscriber's stream moved (another delivery): reload, retry


def publish_scheduled(task: Task, article_id: str) -> str:
    app = runtime.services().app
    article = app.get_article(SYSTEM_ACTOR, UUID(article_id))
    due = article.scheduled_at
    if due is not None and due > datetime.now(UTC):
        # An early delivery of the timer (or a schedule moved later): wait for it.
        raise task.retry(countdown=(due - datetime.now(UTC)).total_seconds(), max_retries=None)
    for _ in range(10):
        try:
            return "published" if app.publish_scheduled(UUID(article_id)) else "not-due"
        except VersionConflict:
            continue  # an editor acted meanwhile: look again
    raise RuntimeError(f"could not publish {article_id} as scheduled")


def register(app: Celery) -> None:
    requeue = requeue_lost_tasks(app)
    app.task(name="newsroom.plan_deliveries", bind=True, acks_late=True,
             reject_on_worker_lost=requeue)(plan_deliveries)
    app.task(name="newsroom.deliver", bind=True, acks_late=True,
             reject_on_worker_lost=requeue)(deliver)
    app.task(name="newsroom.publish_scheduled", bind=True, acks_late=True,
             reject_on_worker_lost=requeue)(publish_scheduled)
