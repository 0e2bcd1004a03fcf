"""Times at the edges: requests must carry an offset; responses give UTC ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime

from newsroom.domain.errors import ValidationFailed

# Moments anyone may ask about. Years 1 and 9999 are refused: shifting them by a zone's
# offset, or by a few minutes of slack, leaves the range a datetime can hold.
EARLIEST_YEAR, LATEST_YEAR = 2, 9998


def parse_aware(field: str, value: object) -> datetime:
    if not isinstance(value, str):
        raise ValidationFailed(field, "an ISO 8601 date-time with an offset or Z")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValidationFailed(field, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationFailed(field, f"{value!r} has no time zone offset; add Z or +hh:mm")
    return within_range(field, parsed, text)


def within_range(field: str, moment: datetime, typed: str) -> datetime:
    """An aware ``moment`` in UTC, refused (as ``typed``) when it lies so near either
    end of the calendar that converting it to another zone could overflow."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValidationFailed(field, f"{typed!r} is out of range (years "
                               f"{EARLIEST_YEAR} to {LATEST_YEAR})")
    return utc


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def as_utc(value: datetime) -> datetime:
    """An aware UTC time. Read models on SQLite give times back naive; they are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
