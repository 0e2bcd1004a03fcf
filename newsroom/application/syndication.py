"""Subscriber commands and queries (admins manage, auditors read)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from uuid import UUID

from newsroom import content
from newsroom.application.base import Saved, ServiceBase
from newsroom.domain.errors import ValidationFailed
from newsroom.domain.policy import Actor
from newsroom.domain.subscriber import Subscriber
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
