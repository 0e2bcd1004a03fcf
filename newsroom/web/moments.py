"""Moments on the auditor's screens: typed in a ``datetime-local`` field in the
newsroom's time zone (an explicit offset also works), and shown back in that zone."""

from __future__ import annotations

from datetime import datetime

from newsroom.domain.errors import ValidationFailed
from newsroom.timefmt import within_range
from newsroom.web.context import services


def parse_moment(raw: str) -> datetime:
    """A datetime-local value in the newsroom's zone, or ISO 8601 with an offset, in UTC.
    Errors are on the ``at`` field, the name every such form gives it."""
    text = raw.strip()
    if not text:
        raise ValidationFailed("at", "give a date and time")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("at", f"“{text}” is not a date and time "
                               "(YYYY-MM-DDTHH:MM)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=services().settings.zone)
    return within_range("at", parsed, text)


def local_input(value: datetime) -> str:
    """The value a ``datetime-local`` field shows for ``value``."""
    return value.astimezone(services().settings.zone).strftime("%Y-%m-%dT%H:%M:%S")


def local_iso(value: datetime | None) -> str | None:
    return value.astimezone(services().settings.zone).isoformat() if value else None
