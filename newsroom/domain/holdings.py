"""What each subscriber holds of an article: per subscriber and language, the copy
delivered last. The deliveries screen shows it for now, the auditor's replay for a
past moment; both ask this one rule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID


class DeliveredCopy(Protocol):
    @property
    def subscriber_id(self) -> UUID: ...

    @property
    def subscriber(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def revision(self) -> int: ...

    @property
    def delivered_at(self) -> datetime | None: ...


Copy = TypeVar("Copy", bound=DeliveredCopy)


def latest_delivered(copies: Iterable[Copy]) -> list[Copy]:
    """Of the delivered ``copies`` (``delivered_at`` set), the latest per subscriber and
    language; of two delivered at the same moment, the higher revision (a correction
    sent right behind its publication). Sorted by subscriber name, then language."""
    latest: dict[tuple[UUID, str], tuple[datetime, int, Copy]] = {}
    for copy in copies:
        if copy.delivered_at is None:
            continue
        key = (copy.subscriber_id, copy.language)
        rank = (copy.delivered_at, copy.revision)
        held = latest.get(key)
        if held is None or rank >= held[:2]:
            latest[key] = (*rank, copy)
    return sorted((copy for _, _, copy in latest.values()),
                  key=lambda c: (c.subscriber.casefold(), c.language))
