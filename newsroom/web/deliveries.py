"""The deliveries of an article: per subscriber and language, which revision they
have and since when; every delivery with each attempt; and the admin's resend.

Rows come from read models (rm_deliveries, and the attempts from rm_audit_trail,
which keeps every Delivery event with its data), after a catch-up. The resend goes
through the application service: a `DeliveryResent` event, which the dispatcher
turns into a send task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsroom.domain.delivery import DELIVERED, KILL
from newsroom.domain.errors import InvalidTransition, NotFound
from newsroom.domain.holdings import latest_delivered
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.projections.tables import article_summaries, audit_trail, deliveries
from newsroom.timefmt import as_utc
from newsroom.web.context import newsroom, services
from newsroom.web.requests import uuid_or_404
from newsroom.web.ui import require_actor, requires

bp = Blueprint("deliveries", __name__)

EXCERPT_SHOWN = 300


@dataclass(frozen=True)
class Attempt:
    at: datetime
    outcome: str
    http_status: int | None
    duration_ms: int
    excerpt: str
    error: str


@dataclass(frozen=True)
class DeliveryRow:
    id: UUID
    subscriber_id: UUID
    subscriber: str
    language: str
    revision: int
    kind: str
    status: str
    planned_at: datetime
    due_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True)
class Holding:
    """What one subscriber has of one language now: the latest delivered version."""

    subscriber_id: UUID
    subscriber: str
    language: str
    revision: int
    kind: str
    since: datetime


@dataclass(frozen=True)
class DeliveryReport:
    rows: list[DeliveryRow]
    holdings: list[Holding]

    @property
    def waiting(self) -> int:
        return sum(1 for r in self.rows if r.status == "pending")


NOTHING_SENT = DeliveryReport([], [])


def _aware(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _attempts(article_id: UUID) -> dict[UUID, list[Attempt]]:
    t = audit_trail.c
    with services().engine.connect() as conn:
        found = conn.execute(
            select(t.originator_id, t.at, t.data)
            .where(t.subject_id == article_id, t.type == "DeliveryAttempted")
            .order_by(t.position)).all()
    attempts: dict[UUID, list[Attempt]] = {}
    for originator, at, data in found:
        values: dict[str, Any] = dict(data or {})
        attempts.setdefault(originator, []).append(Attempt(
            at=as_utc(at), outcome=str(values.get("outcome", "")),
            http_status=values.get("http_status"),
            duration_ms=int(values.get("duration_ms") or 0),
            excerpt=str(values.get("excerpt") or "")[:EXCERPT_SHOWN],
            error=str(values.get("error") or "")[:EXCERPT_SHOWN]))
    return attempts


def subscriber_names() -> dict[UUID, str]:
    return {s.id: s.name for s in newsroom().subscribers(SYSTEM_ACTOR)}


def delivery_report(article_id: UUID) -> DeliveryReport:
    """Every delivery of the article, oldest first, and what each subscriber holds."""
    services().projections.catch_up("delivery_list", "audit_trail")
    with services().engine.connect() as conn:
        found = conn.execute(select(deliveries).where(deliveries.c.article_id == article_id)
                             .order_by(deliveries.c.planned_at, deliveries.c.id)
                             ).mappings().all()
    if not found:
        return NOTHING_SENT
    names = subscriber_names()
    attempts = _attempts(article_id)
    rows = [DeliveryRow(
        id=r["id"], subscriber_id=r["subscriber_id"],
        subscriber=names.get(r["subscriber_id"], str(r["subscriber_id"])),
        language=r["language"], revision=r["revision"], kind=r["kind"], status=r["status"],
        planned_at=as_utc(r["planned_at"]), due_at=_aware(r["due_at"]),
        delivered_at=_aware(r["delivered_at"]), last_error=r["last_error"],
        attempts=attempts.get(r["id"], [])) for r in found]
    return DeliveryReport(rows, holdings_of(rows))


def holdings_of(rows: list[DeliveryRow]) -> list[Holding]:
    return [Holding(r.subscriber_id, r.subscriber, r.language, r.revision, r.kind,
                    r.delivered_at) for r in latest_delivered(rows)
            if r.delivered_at is not None]


def _summary(article_id: UUID) -> Any:
    services().projections.catch_up("article_list")
    with services().engine.connect() as conn:
        row = conn.execute(select(article_summaries.c.id, article_summaries.c.headline,
                                  article_summaries.c.state, article_summaries.c.language)
                           .where(article_summaries.c.id == article_id)).mappings().first()
    if row is None:
        abort(404, description="There is no such article.")
    return row



@bp.get("/articles/<article_id>/deliveries")
@requires("article.history", "subscriber.read")
def article_deliveries(article_id: str) -> str:
    """For the newsroom, auditors and admins (who resend from here)."""
    actor = require_actor()
    aid = uuid_or_404(article_id)
    summary = _summary(aid)
    return render_template("deliveries/article.html", summary=summary,
                           report=delivery_report(aid),
                           can_resend=actor.can("subscriber.manage"), kill=KILL)


@bp.post("/deliveries/<delivery_id>/resend")
@requires("subscriber.manage")
def resend(delivery_id: str) -> Response:
    actor = require_actor()
    did = uuid_or_404(delivery_id)
    try:
        item = newsroom().get_delivery(SYSTEM_ACTOR, did)
    except NotFound:
        abort(404, description="There is no such delivery.")
    back = (url_for("subscribers.detail", subscriber_id=item.subscriber_id)
            if request.form.get("back") == "subscriber"
            else url_for("deliveries.article_deliveries", article_id=item.article_id))
    try:
        newsroom().resend_delivery(actor, did)
    except InvalidTransition as exc:
        abort(409, description=_refusal(exc))
    flash(f"Delivery {str(did)[:8]}… queued to be sent again, under the same webhook id.",
          "info")
    return redirect(back)


def _refusal(exc: InvalidTransition) -> str:
    if exc.state.startswith("subscriber"):
        return (f"Not resent: the {exc.state}. "
                f"{exc.allowed[0][:1].upper()}{exc.allowed[0][1:]}.")
    if exc.state == DELIVERED:
        return ("Not resent: this delivery was already delivered; only a failed delivery "
                "can be resent.")
    return (f"Not resent: this delivery is {exc.state}; only a failed delivery can be "
            "resent. Wait for it to finish.")
