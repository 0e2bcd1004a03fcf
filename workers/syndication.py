"""Syndication tasks: plan the deliveries of a publishing event, then deliver each one
in its own task, so one failing subscriber never delays the others.

Both are idempotent: planning skips deliveries that exist (their ids derive from the
event, language and subscriber), and delivering returns once a delivery is no longer
pending. Every attempt is recorded as an event.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from celery import Celery, Task
from sqlalchemy import select

from newsroom.bootstrap import Services
from newsroom.domain.delivery import CORRECTION, KILL, PUBLICATION, Delivery
from newsroom.domain.errors import VersionConflict
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.subscriber import ACTIVE, Subscriber
from newsroom.formats import PublishedItem, item_uri, newsml_bytes, ninjs_bytes
from newsroom.projections.tables import deliveries
from workers import runtime
from workers.celery_config import LONGEST_HOLD
from workers.translation import BACKOFF_CAP, backoff, requeue_lost_tasks

log = logging.getLogger(__name__)


# A later version waits this long between looks at an earlier one still being sent.
ORDER_WAIT = 0.5


def _received(services: Services, article_id: UUID) -> dict[str, set[UUID]]:
    """Who has had, or is being sent, any version of the article, by language (for
    corrections and kills). A delivery still retrying counts: its correction must
    follow it, not be skipped (`deliver` sends them in order)."""
    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.language, deliveries.c.subscriber_id).where(
            deliveries.c.article_id == article_id,
            deliveries.c.status.in_(("delivered", "pending")),
            deliveries.c.kind != KILL)).all()
    received: dict[str, set[UUID]] = {}
    for language, subscriber_id in rows:
        received.setdefault(language, set()).add(subscriber_id)
    return received


def plan(services: Services, stream_id: str, version: int) -> int:
    """Plans the deliveries of one publishing event; how many were new. The dispatcher
    calls it inline, in the order of the log, so a correction is planned after the
    publication it corrects (two tasks racing could plan it first, for nobody)."""
    app = services.app
    publication = app.publication_of(UUID(stream_id), version)
    for _ in range(10):
        try:
            planned = app.plan_deliveries(UUID(stream_id), version,
                                          _received(services, publication.article_id),
                                          datetime.now(UTC))
            return len(planned)
        except VersionConflict:
            continue  # planned concurrently by a redelivered task: plan what is left
    raise RuntimeError(f"could not plan deliveries for {stream_id}@{version}")


def plan_deliveries(task: Task, stream_id: str, version: int) -> int:
    return plan(runtime.services(), stream_id, version)


def earlier_in_flight(services: Services, delivery: Delivery) -> bool:
    """Whether an earlier version of this article and language is still being sent to
    this subscriber (due, not yet delivered or given up): a correction or a kill
    notice must not overtake it."""
    services.projections.catch_up("delivery_list")
    table = deliveries
    now = datetime.now(UTC)
    if services.engine.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    with services.engine.connect() as conn:
        mine = conn.execute(select(table.c.planned_at).where(
            table.c.id == delivery.id)).scalar()
        if mine is None:
            return False
        return conn.execute(select(table.c.id).where(
            table.c.article_id == delivery.article_id,
            table.c.language == delivery.language,
            table.c.subscriber_id == delivery.subscriber_id,
            table.c.id != delivery.id, table.c.status == "pending",
            table.c.planned_at < mine,
            table.c.due_at.is_(None) | (table.c.due_at <= now)).limit(1)).first() is not None


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
        # An embargo broken early since ends at its release: never tell a partner to
        # hold what the public can already read.
        embargo_until=min((e for e in (article.embargo_until, current.embargo_until)
                           if e is not None), default=None),
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

    if subscriber.transport == "file":
        return FileDropTransmitter().transmit(
            FileDropTarget(subscriber.path), payload, content_type, str(delivery.id))
    # The same environment as `settings`, with the NEWSROOM_WEBHOOK_*_TIMEOUT knobs too.
    transmitter = WebhookTransmitter.from_env()
    return transmitter.transmit(WebhookTarget(subscriber.url, subscriber.secret), payload,
                                content_type, str(delivery.id))


def _later(task: Task, args: tuple[str], when: datetime, **kwargs: Any) -> None:
    """Sends the task again to run at `when`, in a hop of at most LONGEST_HOLD: a
    message held longer would be handed out again by Redis (see celery_config)."""
    wait = (when - datetime.now(UTC)).total_seconds()
    task.apply_async(args=args, kwargs=kwargs, countdown=min(max(0.0, wait), LONGEST_HOLD))


def deliver(task: Task, delivery_id: str, retries: int | None = None,
            not_before: str | None = None) -> str:
    """``retries`` and ``not_before`` ride along a retry's hops (see `_later`)."""
    app = runtime.services().app
    settings = runtime.services().settings
    delivery = app.get_delivery(SYSTEM_ACTOR, UUID(delivery_id))
    if delivery.state != "pending":
        return "already-done"
    if not_before is not None and datetime.now(UTC) < datetime.fromisoformat(not_before):
        _later(task, (delivery_id,), datetime.fromisoformat(not_before), retries=retries,
               not_before=not_before)
        return "backing-off"
    if delivery.due_at is not None and datetime.now(UTC) < delivery.due_at:
        # Early (a hop, or a redelivered ETA task): wait for the embargo to pass,
        # looking at it again each hop (an editor may break it meanwhile).
        _later(task, (delivery_id,), delivery.due_at, retries=retries)
        return "held"
    if delivery.kind != PUBLICATION and earlier_in_flight(runtime.services(), delivery):
        # Look again shortly, as a new message: waiting is not a failed attempt.
        task.apply_async(args=(delivery_id,), countdown=ORDER_WAIT)
        return "waiting"
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
    retries = retries or 0
    give_up = attempt.status == "transient" and retries >= settings.delivery_max_retries
    _record(delivery.id, outcome=attempt.status, http_status=attempt.http_status,
            duration_ms=attempt.duration_ms, excerpt=attempt.response_excerpt or "",
            error=attempt.error or "", give_up=give_up)
    if attempt.status == "transient" and not give_up:
        # A Retry-After is honoured up to BACKOFF_CAP: no live retry chain waits
        # longer, which is how the reconciler tells a waiting chain from a lost one.
        delay = min(BACKOFF_CAP, max(backoff(retries, base=settings.delivery_backoff),
                                     float(attempt.retry_after or 0)))
        when = datetime.now(UTC) + timedelta(seconds=delay)
        _later(task, (delivery_id,), when, retries=retries + 1, not_before=when.isoformat())
        return f"retrying in {delay:.2f} s"
    return str(attempt.status)


def _record(delivery: UUID, **attempt: Any) -> None:
    app = runtime.services().app
    for _ in range(10):
        try:
            app.record_delivery_attempt(delivery, **attempt)
            return
        except VersionConflict:
            continue  # the subscriber's stream moved (another delivery): reload, retry


def release_embargo(task: Task, article_id: str) -> int:
    """An editor broke an embargo: the deliveries it still holds become due now (their
    Released events make the dispatcher send them at once)."""
    services = runtime.services()
    aid = UUID(article_id)
    for _ in range(10):
        services.projections.catch_up("delivery_list")
        with services.engine.connect() as conn:
            held = conn.execute(select(deliveries.c.id).where(
                deliveries.c.article_id == aid, deliveries.c.status == "pending",
                deliveries.c.due_at.is_not(None))).scalars().all()
        try:
            return len(services.app.release_held_deliveries(aid, held, datetime.now(UTC)))
        except VersionConflict:
            continue  # a planner released some of them meanwhile: look again
    raise RuntimeError(f"could not release the deliveries of {article_id}")


def publish_scheduled(task: Task, article_id: str) -> str:
    app = runtime.services().app
    article = app.get_article(SYSTEM_ACTOR, UUID(article_id))
    due = article.scheduled_at
    if due is not None and due > datetime.now(UTC):
        # An early delivery of the timer, a hop, or a schedule moved later: wait for it.
        _later(task, (article_id,), due)
        return "not-yet"
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
    app.task(name="newsroom.release_embargo", bind=True, acks_late=True,
             reject_on_worker_lost=requeue)(release_embargo)
    app.task(name="newsroom.publish_scheduled", bind=True, acks_late=True,
             reject_on_worker_lost=requeue)(publish_scheduled)
