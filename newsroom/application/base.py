"""Loading, saving and running commands with the order of checks of DESIGN §6."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from newsroom import content
from newsroom.domain.errors import (
    NotFound,
    VersionConflict,
)
from newsroom.domain.policy import Actor

A = TypeVar("A", bound=Aggregate)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Saved:
    """What a command reached: the aggregate's new version and its log position."""

    id: UUID
    version: int
    state: str
    position: int | None


class ServiceBase(Application[UUID]):
    """Loading, saving and the checked command path shared by every service."""

    def _load(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _save(self, *aggregates: Aggregate) -> int | None:
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            # The aggregate's next version was written by someone else since we loaded.
            raise VersionConflict(None, None) from None
        return recordings[-1].notification.id if recordings else None

    def _command(
        self,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int | None,
        change: Callable[[A], None],
        *also: Callable[[A], list[Aggregate]],
    ) -> Saved:
        aggregate = self._load(cls, aggregate_id)
        _apply_checked(aggregate, expected_version, change)
        extra: list[Aggregate] = []
        for more in also:
            extra.extend(more(aggregate))
        try:
            position = self._save(aggregate, *extra)
        except VersionConflict:
            # Lost the race in the store: report the version the caller built on.
            raise VersionConflict(expected_version, None) from None
        return Saved(aggregate.id, aggregate.version, str(getattr(aggregate, "state", "")),
                     position)

    def _version_at(self, aggregate_id: UUID, at: datetime) -> int:
        """The last version recorded at or before ``at``; 0 when none was."""
        version = 0
        for event in self.events.get(aggregate_id):
            if getattr(event, "timestamp") > at:  # noqa: B009 (protocol lacks it)
                break
            version = event.originator_version
        return version


def _apply_checked(aggregate: A, expected_version: int | None,
                   change: Callable[[A], None]) -> None:
    """Applies ``change`` unless the caller's version is stale. On a stale version the
    change still runs, on a throwaway copy, so that a permission, input or state error
    (403/422/409) wins over the version error (412): the order DESIGN §6 gives."""
    if expected_version is not None and expected_version != aggregate.version:
        change(deepcopy(aggregate))
        raise VersionConflict(expected_version, aggregate.version)
    change(aggregate)


def checked_override(actor: Actor, value: object,
                     action: str = "article.override_qa") -> str | None:
    """An override reason, if the actor may give one; None when not given."""
    if value is None:
        return None
    actor.role_for(action)
    return content.note("override_reason", value, required=False)
