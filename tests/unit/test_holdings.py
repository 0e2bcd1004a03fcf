"""What each subscriber holds: the one rule the deliveries screen and the auditor's
replay share (newsroom.domain.holdings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from newsroom.domain.holdings import latest_delivered

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WIRE, ARCHIVE = UUID(int=1), UUID(int=2)


@dataclass(frozen=True)
class Copy:
    subscriber_id: UUID
    subscriber: str
    language: str
    revision: int
    delivered_at: datetime | None


def test_the_latest_delivered_copy_per_subscriber_and_language() -> None:
    first = Copy(WIRE, "Wire", "fr", 1, T0)
    corrected = Copy(WIRE, "Wire", "fr", 2, T0 + timedelta(minutes=5))
    pending = Copy(WIRE, "Wire", "fr", 3, None)  # planned, not delivered: not held
    spanish = Copy(WIRE, "Wire", "es", 1, T0 + timedelta(minutes=1))
    archive = Copy(ARCHIVE, "archive", "fr", 1, T0 + timedelta(minutes=2))
    held = latest_delivered([corrected, first, pending, spanish, archive])
    # Sorted by name whatever its case, then language.
    assert held == [archive, spanish, corrected]


def test_of_two_delivered_at_once_the_higher_revision_wins() -> None:
    publication = Copy(WIRE, "Wire", "fr", 1, T0)
    correction = Copy(WIRE, "Wire", "fr", 2, T0)
    assert latest_delivered([correction, publication]) == [correction]
    assert latest_delivered([publication, correction]) == [correction]


def test_a_later_delivery_of_an_older_revision_is_what_the_subscriber_has() -> None:
    """A resend of revision 1 after revision 2 arrived: the partner's copy is now 1."""
    correction = Copy(WIRE, "Wire", "fr", 2, T0)
    resent = Copy(WIRE, "Wire", "fr", 1, T0 + timedelta(minutes=1))
    assert latest_delivered([correction, resent]) == [resent]


def test_nothing_delivered_holds_nothing() -> None:
    assert latest_delivered([Copy(WIRE, "Wire", "fr", 1, None)]) == []
