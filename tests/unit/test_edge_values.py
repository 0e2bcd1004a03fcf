"""Moments and version numbers typed at the edges, checked before they reach a
datetime conversion or a 64-bit store column; and a resend refused with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from newsroom.domain.delivery import Delivery
from newsroom.domain.errors import InvalidTransition, ValidationFailed
from newsroom.timefmt import parse_aware, within_range
from newsroom.versions import MAX_VERSION, version_number

TORONTO_WINTER = timezone(-timedelta(hours=5))


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                  "0001-12-31T23:59:59Z", "9999-01-01T00:00:00Z"])
def test_moments_near_the_ends_of_the_calendar_are_refused(text: str) -> None:
    with pytest.raises(ValidationFailed, match=r"^at: .* is out of range \(years 2 to 9998\)"):
        parse_aware("at", text)


def test_moments_inside_the_range_come_back_in_utc() -> None:
    assert parse_aware("at", "0002-01-01T00:00:00Z") == datetime(2, 1, 1, tzinfo=UTC)
    assert parse_aware("at", "9998-12-31T18:00:00-05:00") == datetime(9998, 12, 31, 23,
                                                                       tzinfo=UTC)
    assert within_range("at", datetime(2026, 3, 1, 9, tzinfo=TORONTO_WINTER),
                        "2026-03-01T09:00") == datetime(2026, 3, 1, 14, tzinfo=UTC)


def test_the_range_is_judged_in_utc() -> None:
    """9998 locally, 9999 in UTC: refused, as shifting it back could overflow."""
    with pytest.raises(ValidationFailed, match=r"^embargo_until: '9998-12-31T23:00' is out"):
        within_range("embargo_until", datetime(9998, 12, 31, 23, tzinfo=TORONTO_WINTER),
                     "9998-12-31T23:00")


@pytest.mark.parametrize("value", [0, -1, MAX_VERSION + 1, "99999999999999999999", "9" * 5000,
                                   True, 2.0, None, "", "two", [1]])
def test_versions_outside_1_to_the_largest_stored_are_refused(value: object) -> None:
    with pytest.raises(ValidationFailed, match=r"^version: "):
        version_number("version", value)


def test_versions_as_numbers_or_text() -> None:
    assert version_number("version", 3) == 3
    assert version_number("version", " 7 ") == 7
    assert version_number("version", str(MAX_VERSION)) == MAX_VERSION


def test_a_delivery_refuses_a_resend_saying_why() -> None:
    who = uuid4()
    delivery = Delivery.plan(article_id=uuid4(), language="fr", revision=1,
                             kind="publication", subscriber_id=uuid4(), source_version=3,
                             due_at=None, actor_id=who, role="system")
    with pytest.raises(InvalidTransition,
                       match="still being sent; allowed actions: wait for it to finish"):
        delivery.resend(actor_id=who, role="admin")
    delivery.record_attempt(outcome="delivered", http_status=204, duration_ms=3, excerpt="",
                            error="", actor_id=who, role="system")
    with pytest.raises(InvalidTransition) as refused:
        delivery.resend(actor_id=who, role="admin")
    assert "already delivered" in str(refused.value)
    assert "wait for it to finish" not in str(refused.value)
    assert refused.value.allowed == []
