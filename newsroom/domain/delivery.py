"""The Delivery aggregate: one item version, in one language, to one subscriber.

Its id is derived from (publication event, language, subscriber), so planning the
same publication twice names the same delivery, and the id doubles as the
Standard Webhooks `webhook-id` a receiver de-duplicates by. Every attempt is an
event; the worker sending it never touches the article's stream.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import InvalidTransition

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:newsroom:delivery")

PUBLICATION = "publication"
CORRECTION = "correction"
KILL = "kill"

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


def delivery_id(article_id: UUID, source_version: int, language: str,
                subscriber_id: UUID) -> UUID:
    """``source_version`` is the version of the publishing event in its own stream."""
    return uuid5(_NAMESPACE, f"{article_id}/{source_version}/{language.lower()}/{subscriber_id}")


class Delivery(ContainerCopy, Aggregate):
    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            aggregate.apply_event(self)

    class Planned(Event, Aggregate.Created):
        article_id: UUID
        language: str
        revision: int
        kind: str
        subscriber_id: UUID
        source_version: int
        due_at: datetime | None

    class Attempted(Event):
        outcome: str
        http_status: int | None
        duration_ms: int
        excerpt: str
        error: str

    class Delivered(Event):
        pass

    class Failed(Event):
        reason: str

    class Resent(Event):
        pass

    class Released(Event):
        """The embargo holding this delivery was broken early: it is due now."""

    def __init__(self, article_id: UUID, language: str, revision: int, kind: str,
                 subscriber_id: UUID, source_version: int, due_at: datetime | None,
                 actor_id: UUID, role: str) -> None:
        self.article_id = article_id
        self.language = language
        self.revision = revision
        self.kind = kind
        self.subscriber_id = subscriber_id
        self.source_version = source_version
        self.due_at = due_at
        self.state = PENDING
        self.attempts = 0
        self.delivered_at: datetime | None = None
        self.failure_reason: str | None = None
        self.last_error: str | None = None

    @classmethod
    def plan(cls, *, article_id: UUID, language: str, revision: int, kind: str,
             subscriber_id: UUID, source_version: int, due_at: datetime | None,
             actor_id: UUID, role: str) -> Delivery:
        return cls._create(
            cls.Planned, id=delivery_id(article_id, source_version, language, subscriber_id),
            article_id=article_id, language=language, revision=revision, kind=kind,
            subscriber_id=subscriber_id, source_version=source_version, due_at=due_at,
            actor_id=actor_id, role=role)

    def record_attempt(self, *, outcome: str, http_status: int | None, duration_ms: int,
                       excerpt: str, error: str, actor_id: UUID, role: str) -> None:
        self.trigger_event(self.Attempted, outcome=outcome, http_status=http_status,
                           duration_ms=duration_ms, excerpt=excerpt[:500], error=error[:500],
                           actor_id=actor_id, role=role)
        if outcome == "delivered":
            self.trigger_event(self.Delivered, actor_id=actor_id, role=role)

    def fail(self, reason: str, *, actor_id: UUID, role: str) -> None:
        if self.state == PENDING:
            self.trigger_event(self.Failed, reason=reason[:2000], actor_id=actor_id, role=role)

    def resend(self, *, actor_id: UUID, role: str) -> None:
        """An admin's resend: the same delivery id, so receivers still de-duplicate."""
        if self.state == DELIVERED:
            raise InvalidTransition("resend", self.state, (), noun="a delivery",
                                    because="it was already delivered; only a failed "
                                    "delivery can be resent")
        if self.state != FAILED:
            raise InvalidTransition("resend", self.state, {"wait for it to finish"},
                                    noun="a delivery",
                                    because="it is still being sent")
        self.trigger_event(self.Resent, actor_id=actor_id, role=role)

    def release(self, *, actor_id: UUID, role: str) -> bool:
        """Makes a delivery held for an embargo due now; False when it was not held."""
        if self.state != PENDING or self.due_at is None:
            return False
        self.trigger_event(self.Released, actor_id=actor_id, role=role)
        return True

    def apply_event(self, event: Delivery.Event) -> None:
        if isinstance(event, Delivery.Attempted):
            self.attempts += 1
            self.last_error = event.error or None
        elif isinstance(event, Delivery.Delivered):
            self.state = DELIVERED
            self.delivered_at = event.timestamp
        elif isinstance(event, Delivery.Failed):
            self.state = FAILED
            self.failure_reason = event.reason
        elif isinstance(event, Delivery.Resent):
            self.state = PENDING
            self.failure_reason = None
        elif isinstance(event, Delivery.Released):
            self.due_at = None
