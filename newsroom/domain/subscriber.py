"""The Subscriber aggregate: a syndication partner, its transport and its format.

Subscribers are event-sourced like everything else, so creation, changes,
suspension and resumption are in the audit trail.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import InvalidTransition, ValidationFailed

TRANSPORTS = ("webhook", "file")
FORMATS = ("ninjs", "newsml-g2")
ACTIVE = "active"
SUSPENDED = "suspended"
# Permanent failures in a row before a subscriber is suspended.
SUSPEND_AFTER = 5


class Subscriber(ContainerCopy, Aggregate):
    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            aggregate.apply_event(self)

    class Created(Event, Aggregate.Created):
        name: str
        transport: str
        url: str
        path: str
        secret: str
        format: str
        languages: list[str]
        early_embargo: bool

    class Updated(Event):
        changes: dict[str, Any]

    class Suspended(Event):
        reason: str

    class Resumed(Event):
        pass

    class FailureNoted(Event):
        delivery_id: UUID
        reason: str

    class FailuresCleared(Event):
        pass

    def __init__(self, name: str, transport: str, url: str, path: str, secret: str,
                 format: str, languages: list[str], early_embargo: bool,
                 actor_id: UUID, role: str) -> None:
        self.name = name
        self.transport = transport
        self.url = url
        self.path = path
        self.secret = secret
        self.format = format
        self.languages = languages
        self.early_embargo = early_embargo
        self.state = ACTIVE
        self.suspension_reason: str | None = None
        self.consecutive_failures = 0

    @classmethod
    def create(cls, *, name: str, transport: str, url: str, path: str, secret: str,
               format: str, languages: list[str], early_embargo: bool,
               actor_id: UUID, role: str) -> Subscriber:
        check_settings(transport=transport, url=url, path=path, format=format,
                       languages=languages, name=name)
        return cls._create(cls.Created, name=name, transport=transport, url=url, path=path,
                           secret=secret, format=format, languages=languages,
                           early_embargo=early_embargo, actor_id=actor_id, role=role)

    def update(self, changes: dict[str, Any], *, actor_id: UUID, role: str) -> None:
        merged = {k: getattr(self, k) for k in ("name", "transport", "url", "path", "format",
                                                "languages")}
        merged.update({k: v for k, v in changes.items() if k in merged})
        check_settings(**merged)
        real = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if real:
            self.trigger_event(self.Updated, changes=real, actor_id=actor_id, role=role)

    def suspend(self, reason: str, *, actor_id: UUID, role: str) -> None:
        if self.state == SUSPENDED:
            raise InvalidTransition("suspend", self.state, {"resume"}, noun="a subscriber")
        if not reason.strip():
            raise ValidationFailed("reason", "say why the subscriber is suspended")
        self.trigger_event(self.Suspended, reason=reason, actor_id=actor_id, role=role)

    def resume(self, *, actor_id: UUID, role: str) -> None:
        if self.state != SUSPENDED:
            raise InvalidTransition("resume", self.state, {"suspend"}, noun="a subscriber")
        self.trigger_event(self.Resumed, actor_id=actor_id, role=role)

    def note_failure(self, delivery_id: UUID, reason: str, *, actor_id: UUID, role: str) -> None:
        """A permanent delivery failure; the SUSPEND_AFTER-th in a row suspends."""
        self.trigger_event(self.FailureNoted, delivery_id=delivery_id, reason=reason,
                           actor_id=actor_id, role=role)
        if self.state == ACTIVE and self.consecutive_failures >= SUSPEND_AFTER:
            self.trigger_event(self.Suspended, reason=(
                f"{SUSPEND_AFTER} deliveries in a row failed permanently; last: {reason}"),
                actor_id=actor_id, role=role)

    def note_success(self, *, actor_id: UUID, role: str) -> None:
        if self.consecutive_failures:
            self.trigger_event(self.FailuresCleared, actor_id=actor_id, role=role)

    def wants(self, language: str) -> bool:
        return self.state == ACTIVE and (not self.languages or language in self.languages)

    def apply_event(self, event: Subscriber.Event) -> None:
        if isinstance(event, Subscriber.Updated):
            for key, value in event.changes.items():
                setattr(self, key, value)
        elif isinstance(event, Subscriber.Suspended):
            self.state = SUSPENDED
            self.suspension_reason = event.reason
        elif isinstance(event, Subscriber.Resumed):
            self.state = ACTIVE
            self.suspension_reason = None
            self.consecutive_failures = 0
        elif isinstance(event, Subscriber.FailureNoted):
            self.consecutive_failures += 1
        elif isinstance(event, Subscriber.FailuresCleared):
            self.consecutive_failures = 0


def check_settings(*, name: str, transport: str, url: str, path: str, format: str,
                   languages: list[str]) -> None:
    if not name.strip():
        raise ValidationFailed("name", "must not be empty")
    if transport not in TRANSPORTS:
        raise ValidationFailed("transport", f"one of {', '.join(TRANSPORTS)}")
    if format not in FORMATS:
        raise ValidationFailed("format", f"one of {', '.join(FORMATS)}")
    if transport == "webhook" and not url:
        raise ValidationFailed("url", "a webhook needs a URL")
    if transport == "file" and not path:
        raise ValidationFailed("path", "a file drop needs a directory")
    if not isinstance(languages, list):
        raise ValidationFailed("languages", "a list of language tags")
