"""The one interface every transmitter implements, and the Attempt it returns.

A transmitter takes a formatted payload to one subscriber:

    transmitter.transmit(target, payload, content_type, delivery_id, now) -> Attempt

It never raises for what the network, the receiver or the file system did: every
such outcome is an `Attempt` whose `status` is

- ``"delivered"``: done; record it and stop;
- ``"transient"``: retry with backoff (honour `retry_after` when it is given);
- ``"permanent"``: retrying will not help; record the failure (DESIGN §5).

It raises only for programming errors: a payload that is not bytes, a naive `now`,
a delivery id or content type that could not be a file name or a header.
Transmitters are plain Python (no Celery), safe to share between threads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar
from uuid import UUID

AttemptStatus = Literal["delivered", "transient", "permanent"]
DELIVERED: AttemptStatus = "delivered"
TRANSIENT: AttemptStatus = "transient"
PERMANENT: AttemptStatus = "permanent"

EXCERPT_CHARS = 500

# A delivery id is a header value (webhook-id) and a file name (file drop): a UUID,
# or any id of letters, digits, '.', '_', ':' and '-' that starts with a letter or digit.
_DELIVERY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
# type/subtype with optional parameters, and nothing that could split a header.
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(;[\x20-\x7e]*)?")


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try at one delivery."""

    status: AttemptStatus
    attempted_at: datetime  # UTC, when the attempt started
    duration_ms: int
    http_status: int | None = None
    response_excerpt: str = ""  # the first EXCERPT_CHARS characters, printable only
    error: str | None = None  # why it was not delivered (None when delivered)
    retry_after: float | None = None  # seconds the receiver asked us to wait

    @property
    def delivered(self) -> bool:
        return self.status == DELIVERED

    @property
    def retryable(self) -> bool:
        return self.status == TRANSIENT

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: what a Delivery.Attempted event records."""
        return {
            "status": self.status,
            "http_status": self.http_status,
            "duration_ms": self.duration_ms,
            "response_excerpt": self.response_excerpt,
            "error": self.error,
            "retry_after": self.retry_after,
            "attempted_at": self.attempted_at.isoformat(),
        }


T_contra = TypeVar("T_contra", contravariant=True)


class Transmitter(Protocol[T_contra]):
    def transmit(self, target: T_contra, payload: bytes, content_type: str,
                 delivery_id: str | UUID, now: datetime | None = None) -> Attempt: ...


def sanitize(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` reduced to printable characters (whitespace runs become one space),
    at most `limit` characters: safe to store, log and show in the UI."""
    out: list[str] = []
    space = False
    for char in text:
        if char.isspace():
            space = bool(out)
            continue
        if not char.isprintable():
            char = "\ufffd"
        if space:
            out.append(" ")
            space = False
        out.append(char)
        if len(out) >= limit:
            break
    return "".join(out)[:limit]


def excerpt(data: bytes, limit: int = EXCERPT_CHARS) -> str:
    """The start of a response body as sanitized text (UTF-8, undecodable bytes replaced)."""
    return sanitize(data[: limit * 4].decode("utf-8", "replace"), limit)


def check_delivery_id(delivery_id: str | UUID) -> str:
    text = str(delivery_id)
    if not _DELIVERY_ID.fullmatch(text):
        raise ValueError(
            f"delivery id {text[:60]!r}: expected 1-200 of A-Z a-z 0-9 . _ : -, "
            "starting with a letter or digit")
    return text


def check_content_type(content_type: str) -> str:
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"not a media type: {content_type!r}")
    return content_type


def check_payload(payload: bytes) -> bytes:
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    return bytes(payload)


def utc_now(now: datetime | None) -> datetime:
    """`now` in UTC (the current time when None); a naive datetime is a programming error."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


class Clock:
    """Measures one attempt and builds its Attempt."""

    def __init__(self, attempted_at: datetime,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.attempted_at = attempted_at
        self._monotonic = monotonic
        self._start = monotonic()

    def elapsed(self) -> float:
        return self._monotonic() - self._start

    def attempt(self, status: AttemptStatus, *, http_status: int | None = None,
                response_excerpt: str = "", error: str | None = None,
                retry_after: float | None = None) -> Attempt:
        return Attempt(
            status=status, attempted_at=self.attempted_at,
            duration_ms=max(0, round(self.elapsed() * 1000)), http_status=http_status,
            response_excerpt=response_excerpt,
            error=None if error is None else sanitize(error, 2000),
            retry_after=retry_after)
