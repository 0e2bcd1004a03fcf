"""Auditor screens for past moments, built from the log (not from the live read models):

- the public page of an article at a moment, in every language, with the version each
  subscriber had received by then;
- the desk as of a moment: every article's state then, a page at a time.

Moments are typed in the newsroom's time zone (an explicit offset also works) and
shown in that zone with UTC beside. Every page answers ``?format=json`` and ``csv``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, jsonify, render_template, request
from markupsafe import Markup

from newsroom.application.replay import PublicAsOf
from newsroom.auditdocs import edition_row, public_document, receipt_row
from newsroom.content import body_as_html
from newsroom.domain.errors import NotFound, ValidationFailed
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.jsonable import jsonable
from newsroom.timefmt import iso_utc, parse_aware
from newsroom.web.context import api_actor, newsroom
from newsroom.web.exports import export_links, export_response, requested_format
from newsroom.web.moments import local_input, local_iso, parse_moment
from newsroom.web.paging import page_arg
from newsroom.web.requests import uuid_arg, uuid_or_404
from newsroom.web.ui import require_actor, requires

bp = Blueprint("asof", __name__)
api_bp = Blueprint("api_asof", __name__)

DESK_PAGE = 50

EDITION_COLUMNS = ("language", "kind", "status", "why", "revision", "headline", "body",
                   "dateline", "byline", "first_published_at", "updated_at", "embargo_until",
                   "retracted_at", "stream_version", "workflow_state")
RECEIPT_COLUMNS = ("subscriber", "subscriber_id", "language", "revision", "kind", "status",
                   "attempts", "planned_at", "delivered_at", "delivery_id")
DESK_COLUMNS = ("id", "headline", "language", "state", "version", "revision", "author",
                "author_id", "created_at", "updated_at", "scheduled_at", "embargo_until")



def _now() -> datetime:
    """Now, rounded up to the second: the page's links carry the moment to the second,
    so every page of "now" names the same moment, and nothing just written is left out."""
    return (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)


def _moment_arg(errors: dict[str, str]) -> datetime:
    raw = request.args.get("at", "")
    if not raw.strip():
        return _now()
    try:
        return parse_moment(raw)
    except ValidationFailed as exc:
        errors[exc.field] = str(exc)
        return _now()


# ---- the public page at a moment ------------------------------------------------------


@bp.get("/audit/articles/<article_id>/public-at")
@requires("audit.read")
def public_page(article_id: str) -> tuple[str, int] | Response:
    """What the public page showed at a moment, in every language."""
    fmt = requested_format()
    actor = require_actor()
    aid = uuid_or_404(article_id)
    current = newsroom().get_article(actor, aid)  # 404 for an unknown article
    errors: dict[str, str] = {}
    moment = _moment_arg(errors)
    replay: PublicAsOf | None = None
    if not errors:
        try:
            replay = newsroom().public_as_of(actor, aid, moment)
        except NotFound as exc:
            errors["at"] = str(exc)
    if replay is None:
        if fmt:
            abort(422, description="; ".join(errors.values()))
        return _render("audit/public_at.html", 422, current=current, replay=None,
                       errors=errors, at_input=request.args.get("at", ""), moment=moment)
    if fmt:
        rows = [{**edition_row(e), "section": "language"} for e in replay.editions]
        rows += [{**receipt_row(r), "section": "delivery"} for r in replay.receipts]
        return export_response(fmt, f"audit-public-{aid}-at-{iso_utc(moment)}",
                               ("section", *EDITION_COLUMNS, *RECEIPT_COLUMNS[:2],
                                *RECEIPT_COLUMNS[4:]), rows,
                               public_document(replay, local_iso(moment)))
    bodies = {e.language: Markup(body_as_html(e.body))  # noqa: S704 (sanitized on input)
              for e in replay.editions}
    names = _user_names([r.actor_id for r in replay.redactions])
    return _render("audit/public_at.html", current=current, replay=replay, errors=errors,
                   at_input=local_input(moment), moment=moment, bodies=bodies,
                   redactors=names)


def _user_names(ids: list[UUID]) -> dict[UUID, str]:
    names: dict[UUID, str] = {}
    for uid in ids:
        if uid == SYSTEM_ACTOR.user_id:
            names[uid] = SYSTEM_ACTOR.name
            continue
        try:
            names[uid] = newsroom().get_user(uid).name
        except NotFound:
            names[uid] = str(uid)
    return names


@api_bp.get("/audit/articles/<article_id>/public")
def api_public(article_id: str) -> Response:
    """The public page of every language at ``?at=`` (ISO 8601 with an offset; default
    now), and what each subscriber had received by then. Auditors only."""
    actor = api_actor()
    actor.role_for("audit.read")
    aid = uuid_arg(article_id)
    newsroom().get_article(actor, aid)
    raw = request.args.get("at")
    moment = parse_aware("at", raw) if raw else datetime.now(UTC)
    replay = newsroom().public_as_of(actor, aid, moment)
    return jsonify(jsonable(public_document(replay, local_iso(moment))))


# ---- the desk as of a moment ----------------------------------------------------------


@bp.get("/audit/desk-at")
@requires("audit.read")
def desk() -> tuple[str, int] | Response:
    """Every article as it stood at a moment, newest first, a page at a time."""
    fmt = requested_format()
    actor = require_actor()
    errors: dict[str, str] = {}
    moment = _moment_arg(errors)
    if errors and fmt:
        abort(422, description="; ".join(errors.values()))
    page = page_arg()
    found = newsroom().desk_as_of(actor, moment)
    rows = found.rows if fmt else found.rows[(page - 1) * DESK_PAGE: page * DESK_PAGE]
    authors = _user_names(list({r.author_id for r in rows}))
    listed = [{"id": r.article_id, "headline": r.headline, "language": r.language,
               "state": r.state, "version": r.version, "revision": r.revision,
               "author": authors[r.author_id], "author_id": r.author_id,
               "created_at": r.created_at, "updated_at": r.updated_at,
               "scheduled_at": r.scheduled_at, "embargo_until": r.embargo_until}
              for r in rows]
    if fmt:
        return export_response(fmt, f"audit-desk-at-{iso_utc(moment)}", DESK_COLUMNS, listed,
                               {"at": iso_utc(moment), "at_local": local_iso(moment),
                                "total": len(found.rows), "events_read": found.scanned,
                                "articles": listed})
    return _render("audit/desk_at.html", 422 if errors else 200, rows=listed,
                   errors=errors, moment=moment, at_input=local_input(moment), page=page,
                   has_next=len(found.rows) > page * DESK_PAGE, total=len(found.rows),
                   scanned=found.scanned)


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, exports=export_links(), **context), status
