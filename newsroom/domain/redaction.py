"""Redaction: a court order or an erasure request replaces one stored event's payload
with a tombstone, and the redaction itself is recorded as an event (DESIGN §4).

The tombstone is the same event class with the same bookkeeping (originator id and
version, timestamp, actor, role) and every *redactable* field replaced by a marker
naming the legal reference, so the aggregate still replays and the trail still says
who did what and when. What is redactable is listed per event class below: free text
that may quote a person (headlines, bodies, datelines, bylines, comments, notes,
reasons, error excerpts, QA finding messages). Structural fields (states, versions,
revisions, languages, ids, timestamps, offsets) are never redacted: the history's
shape stays provable.

Pure: no I/O. The application module writes the tombstone and the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import ValidationFailed

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:newsroom:redaction")

# Event class (module-free qualname) -> redactable fields. Anything absent is refused.
REDACTABLE: Mapping[str, tuple[str, ...]] = {
    "Article.Created": ("headline", "body", "dateline", "byline"),
    "Article.Revised": ("changes", "qa_findings"),
    "Article.Submitted": ("qa_findings",),
    "Article.ChangesRequested": ("comment",),
    "Article.QAOverridden": ("reason", "findings"),
    "Article.Published": ("headline", "body", "dateline", "byline"),
    "Article.Corrected": ("changes", "note"),
    "Article.Retracted": ("reason",),
    "Article.EmbargoReleased": ("reason",),
    "Article.Commented": ("text",),
    "Translation.MachineTranslated": ("headline", "body", "qa_findings"),
    "Translation.PostEdited": ("changes", "qa_findings"),
    "Translation.QAOverridden": ("reason", "findings"),
    "Translation.Published": ("headline", "body"),
    "Translation.Failed": ("reason",),
    "Translation.AttemptFailed": ("reason",),
    "Delivery.Attempted": ("excerpt", "error"),
    "Delivery.Failed": ("reason",),
}

# Keys of a QA finding that describe where and what kind, not what was written.
_FINDING_STRUCTURE = frozenset({"kind", "field", "severity", "start", "end"})

MAX_REFERENCE = 200
MAX_REASON = 2000


def redaction_id(target_id: UUID, target_version: int) -> UUID:
    """One redaction per stored event: redacting it twice names the same aggregate."""
    return uuid5(_NAMESPACE, f"{target_id}/{target_version}")


def marker(reference: str) -> str:
    return f"[redacted: {reference}]"


def redactable_fields(event_qualname: str) -> tuple[str, ...]:
    fields = REDACTABLE.get(event_qualname)
    if fields is None:
        raise ValidationFailed("version", f"a {event_qualname.replace('.', '')} event "
                               "holds no redactable text")
    return fields


def _redact_value(value: Any, mark: str) -> Any:
    if isinstance(value, str):
        return mark if value else value
    if isinstance(value, dict):
        if "severity" in value or "kind" in value:  # a QA finding
            return {k: (v if k in _FINDING_STRUCTURE else _redact_value(v, mark))
                    for k, v in value.items()}
        # A dict of changed fields: the names stay, the values go.
        return {k: _redact_value(v, mark) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(item, mark) for item in value]
    return value


def tombstone_values(event_qualname: str, values: Mapping[str, Any],
                     reference: str) -> dict[str, Any]:
    """The event's attribute values with each redactable field replaced by the marker;
    every other value (bookkeeping included) unchanged."""
    fields = redactable_fields(event_qualname)
    mark = marker(reference)
    return {k: (_redact_value(v, mark) if k in fields else v) for k, v in values.items()}


def _text(field: str, value: object) -> str:
    # str(value) would turn a number, a list or an object into "text" nobody wrote.
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(field, "must be a string")
    return value.strip()


def checked_reference(value: object) -> str:
    text = _text("reference", value)
    if not text:
        raise ValidationFailed("reference", "name the court order or erasure request")
    if len(text) > MAX_REFERENCE or any(c in text for c in "\r\n\x00"):
        raise ValidationFailed("reference", f"one line of at most {MAX_REFERENCE} characters")
    return text


def checked_reason(value: object) -> str:
    text = _text("reason", value)
    if not text:
        raise ValidationFailed("reason", "say why the text must go")
    if len(text) > MAX_REASON:
        raise ValidationFailed("reason", f"at most {MAX_REASON} characters")
    return text


class Redaction(ContainerCopy, Aggregate):
    """One redacted stored event. A stream of one event: the record is the point."""

    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            pass

    class Recorded(Event, Aggregate.Created):
        target_id: UUID
        target_version: int
        target_topic: str
        # sha256 of the stored state before and after, as the integrity chain sees them:
        # verify reports "redacted" when the chain covered original_digest and the store
        # now holds tombstone_digest.
        original_digest: str
        tombstone_digest: str
        fields: list[str]
        reason: str
        reference: str
        # The Ed25519 signature over the record (newsroom.integrity.redaction_signing),
        # made with the checkpoint key: verify trusts no unsigned redaction.
        signed_at: str
        public_key: str
        signature: str

    def __init__(self, target_id: UUID, target_version: int, target_topic: str,
                 original_digest: str, tombstone_digest: str, fields: list[str],
                 reason: str, reference: str, actor_id: UUID, role: str,
                 signed_at: str, public_key: str, signature: str) -> None:
        self.target_id = target_id
        self.target_version = target_version
        self.target_topic = target_topic
        self.original_digest = original_digest
        self.tombstone_digest = tombstone_digest
        self.fields = fields
        self.reason = reason
        self.reference = reference
        self.actor_id = actor_id
        self.role = role
        self.signed_at = signed_at
        self.public_key = public_key
        self.signature = signature

    @classmethod
    def record(cls, *, target_id: UUID, target_version: int, target_topic: str,
               original_digest: str, tombstone_digest: str, fields: list[str],
               reason: str, reference: str, actor_id: UUID, role: str, signed_at: str,
               public_key: str, signature: str) -> Redaction:
        return cls._create(
            cls.Recorded, id=redaction_id(target_id, target_version), target_id=target_id,
            target_version=target_version, target_topic=target_topic,
            original_digest=original_digest, tombstone_digest=tombstone_digest,
            fields=fields, reason=reason, reference=reference, actor_id=actor_id, role=role,
            signed_at=signed_at, public_key=public_key, signature=signature)


def looks_redacted(value: Any) -> bool:
    """True when a value (an event's data) carries a redaction marker somewhere: the
    cheap test that tells a history to look up the redaction's record."""
    if isinstance(value, str):
        return value.startswith("[redacted: ")
    if isinstance(value, dict):
        return any(looks_redacted(v) for v in value.values())
    if isinstance(value, list):
        return any(looks_redacted(v) for v in value)
    return False
