"""Documents of the auditor's point-in-time answers, shared by the API, the page
exports and the CLI's ``--json``, so all three give the same shape."""

from __future__ import annotations

from typing import Any

from newsroom.application.replay import Edition, PublicAsOf, Receipt
from newsroom.timefmt import iso_utc


def edition_row(e: Edition) -> dict[str, Any]:
    return {"language": e.language, "kind": e.kind, "status": e.status, "why": e.why,
            "revision": e.revision, "headline": e.headline, "body": e.body,
            "dateline": e.dateline, "byline": e.byline,
            "first_published_at": e.first_published_at, "updated_at": e.updated_at,
            "embargo_until": e.embargo_until, "retracted_at": e.retracted_at,
            "retraction_reason": e.retraction_reason, "corrections": e.corrections,
            "stream_version": e.stream_version, "workflow_state": e.workflow_state,
            "public": e.public}


def receipt_row(r: Receipt) -> dict[str, Any]:
    return {"subscriber": r.subscriber, "subscriber_id": r.subscriber_id,
            "language": r.language, "revision": r.revision, "kind": r.kind,
            "status": r.status, "attempts": r.attempts, "planned_at": r.planned_at,
            "delivered_at": r.delivered_at, "delivery_id": r.delivery_id}


def public_document(replay: PublicAsOf, local: str | None) -> dict[str, Any]:
    """The replay as the API, the CLI's ``--json`` and the page's JSON export give it."""
    return {
        "article_id": replay.article_id, "at": iso_utc(replay.at), "at_local": local,
        "article_version": replay.article_version, "article_state": replay.article_state,
        "source_language": replay.source_language,
        "languages": {e.language: edition_row(e) for e in replay.editions},
        "received": [receipt_row(r) for r in replay.received()],
        "deliveries": [receipt_row(r) for r in replay.receipts],
        "redactions": [{"stream_id": r.target_id, "version": r.target_version,
                        "fields": list(r.fields), "reason": r.reason,
                        "reference": r.reference, "at": r.at, "role": r.role,
                        "actor_id": r.actor_id} for r in replay.redactions],
    }
