"""Redaction, for admins ("audit.redact"): the screen and the API endpoint.

The screen lists the redactions on record and, for a stream the admin names (an
article, or one of its translations by language, or any stream id), its events with
what each one holds that can be redacted; the form redacts one version. The API does
the same with ``POST /api/v1/audit/redactions``; ``GET`` lists them (admins and
auditors).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from newsroom import content
from newsroom.application.redaction import RedactionOutcome
from newsroom.domain.errors import DomainError, NotFound, ValidationFailed
from newsroom.domain.policy import Actor
from newsroom.domain.redaction import REDACTABLE, looks_redacted
from newsroom.domain.translation import translation_id
from newsroom.eventlog import event_data
from newsroom.integrity.redactions import RedactionRecord, load_redactions
from newsroom.jsonable import jsonable
from newsroom.projections.redacted import redact
from newsroom.versions import version_number
from newsroom.web.context import api_actor, newsroom, services
from newsroom.web.requests import json_body
from newsroom.web.ui import require_actor, requires

bp = Blueprint("redaction", __name__)
api_bp = Blueprint("api_redactions", __name__)

EXCERPT = 160
FIELDS = ("article_id", "stream_id", "language", "version", "reason", "reference")


def target_stream(article_id: object, stream_id: object, language: object) -> UUID:
    """The stream to redact in: an article's, a translation's (article + language), or
    any stream named by id."""
    if bool(article_id) == bool(stream_id):
        raise ValidationFailed("article_id", "give an article id or a stream id, not both")
    raw = str(article_id or stream_id).strip()
    try:
        named = UUID(raw)
    except ValueError:
        field = "article_id" if article_id else "stream_id"
        raise ValidationFailed(field, f"“{raw}” is not an id") from None
    if language and article_id:
        return translation_id(named, content.language(language))
    if language:
        raise ValidationFailed("language", "a language goes with an article id")
    return named


def record_document(record: RedactionRecord) -> dict[str, Any]:
    document: dict[str, Any] = jsonable({
        "id": record.redaction_id, "position": record.position,
        "stream_id": record.target_id, "version": record.target_version,
        "event": record.target_topic.rpartition(":")[2].replace(".", ""),
        "fields": list(record.fields), "reason": record.reason,
        "reference": record.reference, "actor_id": record.actor_id, "role": record.role,
        "at": record.at, "original_digest": record.original_digest,
        "tombstone_digest": record.tombstone_digest, "signed_at": record.signed_at,
        "public_key": record.public_key, "signature": record.signature})
    return document


def _redact(actor: Actor, data: dict[str, Any]) -> RedactionOutcome:
    actor.role_for("audit.redact")
    stream = target_stream(data.get("article_id"), data.get("stream_id"),
                           data.get("language"))
    version = version_number("version", data.get("version"))
    svc = services()
    # The application chains the log (the original payload, then the record) before it
    # writes the tombstone, so verify reports the event as redacted, never tampered.
    return redact(svc.app, svc.projections, actor, stream, version,
                  reason=data.get("reason"), reference=data.get("reference"))


# ---- API ------------------------------------------------------------------------------


@api_bp.post("/audit/redactions")
def api_create() -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("audit.redact")
    data = json_body(FIELDS, required=("version", "reason", "reference"))
    outcome = _redact(actor, data)
    # Already redacted: nothing new recorded, the later steps redone (200, not 201).
    return (jsonify({**record_document(outcome.record), "resumed": outcome.resumed}),
            200 if outcome.resumed else 201)


@api_bp.get("/audit/redactions")
def api_list() -> Response:
    actor = api_actor()
    if not (actor.can("audit.redact") or actor.can("audit.read")):
        actor.role_for("audit.redact")  # raises: 403
    app = newsroom()
    records = sorted(load_redactions(app.recorder, app.mapper).values(),
                     key=lambda r: r.position)
    return jsonify([record_document(r) for r in records])


# ---- the admin screen -----------------------------------------------------------------


def _events_of(stream: UUID) -> list[dict[str, Any]]:
    rows = []
    event: Any
    for event in newsroom().events.get(stream):
        qualname = type(event).__qualname__
        data = event_data(event)
        fields = REDACTABLE.get(qualname, ())
        rows.append({
            "version": event.originator_version, "type": qualname.replace(".", ""),
            "at": event.timestamp, "role": getattr(event, "role", ""),
            "redactable": any(data.get(f) for f in fields) and not looks_redacted(data),
            "redacted": looks_redacted(data),
            "excerpt": " · ".join(_excerpt(data.get(f)) for f in fields if data.get(f)),
        })
    return rows


def _excerpt(value: Any) -> str:
    text = value if isinstance(value, str) else " ".join(
        str(v) for v in (value.values() if isinstance(value, dict) else value or []))
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


@bp.get("/admin/redactions")
@requires("audit.redact")
def index() -> tuple[str, int]:
    app = newsroom()
    records = sorted(load_redactions(app.recorder, app.mapper).values(),
                     key=lambda r: r.position, reverse=True)
    form = {k: request.args.get(k, "") for k in ("article_id", "stream_id", "language")}
    events: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    stream: UUID | None = None
    if form["article_id"] or form["stream_id"]:
        try:
            stream = target_stream(form["article_id"], form["stream_id"], form["language"])
            events = _events_of(stream)
            if not events:
                raise NotFound(f"no stream with id {stream}")
        except ValidationFailed as exc:
            errors[exc.field] = str(exc)
        except NotFound as exc:
            errors["stream_id"] = str(exc)
    names = _names([r.actor_id for r in records])
    return render_template("admin/redactions.html", records=records, names=names,
                           form=form, events=events, stream=stream,
                           errors=errors), 422 if errors else 200


def _names(ids: list[UUID]) -> dict[UUID, str]:
    names: dict[UUID, str] = {}
    for uid in set(ids):
        try:
            names[uid] = newsroom().get_user(uid).name
        except NotFound:
            names[uid] = str(uid)
    return names


@bp.post("/admin/redactions")
@requires("audit.redact")
def create() -> WerkzeugResponse | tuple[str, int]:
    actor = require_actor()
    data = {k: request.form.get(k) or None for k in FIELDS}
    back: dict[str, Any] = {k: data[k] or "" for k in ("article_id", "stream_id", "language")}
    try:
        outcome = _redact(actor, data)
    except DomainError as exc:
        flash(f"Nothing redacted: {exc}", "error")
        return redirect(url_for("redaction.index", **back))
    record = outcome.record
    if outcome.resumed:
        flash(f"Version {record.target_version} of stream {record.target_id} was already "
              f"redacted under {record.reference}; nothing new recorded, its snapshots, "
              "cache and read models refreshed again.", "info")
        return redirect(url_for("redaction.index", **back))
    flash(f"Version {record.target_version} of stream {record.target_id} redacted under "
          f"{record.reference}; snapshots, cache and read models refreshed.", "info")
    return redirect(url_for("redaction.index", **back))
