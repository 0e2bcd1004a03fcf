"""Auditor screen: provenance of a partner's copy.

The auditor pastes or uploads a republished text. Candidates come from the full-text
read model (and the latest publications); each candidate's published versions are
rebuilt from the log and scored (application/provenance.py). The page shows the best
match (article, language, revision), when we delivered that version to whom, and a
word diff of what the partner changed. The form posts (a pasted article is too long
for a URL); the result exports as JSON or CSV like every auditor page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from newsroom.application.provenance import MAX_COPY_CHARS, ProvenanceMatch, checked_copy
from newsroom.domain.errors import TooLarge, ValidationFailed
from newsroom.domain.policy import Actor
from newsroom.jsonable import jsonable
from newsroom.projections.article_candidates import candidates
from newsroom.web.context import api_actor, newsroom, services
from newsroom.web.exports import export_response, requested_format
from newsroom.web.requests import json_body
from newsroom.web.textviews import diff_words
from newsroom.web.ui import require_actor, requires

bp = Blueprint("provenance", __name__)
api_bp = Blueprint("api_provenance", __name__)

COLUMNS = ("rank", "score", "confident", "article_id", "language", "kind", "revision",
           "stream_version", "published_at", "headline", "delivered_to")


def _copy_from_request() -> str:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_COPY_CHARS * 4 + 1)
        try:
            return str(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationFailed("file", "upload a UTF-8 text file") from None
    return request.form.get("text", "")


def match_row(rank: int, match: ProvenanceMatch) -> dict[str, Any]:
    v = match.version
    return {"rank": rank, "score": match.score, "confident": match.confident,
            "article_id": v.article_id,
            "language": v.language, "kind": v.kind, "revision": v.revision,
            "stream_version": v.stream_version, "published_at": v.published_at,
            "headline": v.headline,
            "delivered_to": [{"subscriber": d.subscriber, "subscriber_id": d.subscriber_id,
                              "status": d.status, "delivered_at": d.delivered_at,
                              "kind": d.kind} for d in match.deliveries]}


def _trace(actor: Actor, copy: str) -> list[ProvenanceMatch]:
    with services().engine.connect() as conn:
        found = candidates(conn, copy)
    return newsroom().trace_copy(actor, copy, found)


@bp.route("/audit/provenance", methods=["GET", "POST"])
@requires("audit.read")
def trace() -> tuple[str, int] | Response:
    """GET: the form. POST: the copy traced to our published versions."""
    actor = require_actor()
    links = {fmt: url_for("provenance.trace", format=fmt) for fmt in ("json", "csv")}
    if request.method == "GET":
        return render_template("audit/provenance.html", matches=[], copy="", errors={},
                               links=links, diff=None), 200
    fmt = requested_format()
    errors: dict[str, str] = {}
    refusal = 422
    copy = ""
    matches: list[ProvenanceMatch] = []
    try:
        copy = _copy_from_request()
        matches = _trace(actor, checked_copy(copy))
    except (ValidationFailed, TooLarge) as exc:
        errors[exc.field] = str(exc)
        refusal = 413 if isinstance(exc, TooLarge) else 422
    if errors and fmt:
        abort(refusal, description="; ".join(errors.values()))
    rows = [match_row(rank, m) for rank, m in enumerate(matches, start=1)]
    best = matches[0] if matches else None
    if fmt:
        return export_response(fmt, "audit-provenance", COLUMNS, rows, {
            "best": rows[0] if rows else None, "matches": rows,
            "our_text": best.version.text() if best else None, "copy": copy})
    diff = diff_words(best.version.text(), copy) if best else None
    return render_template("audit/provenance.html", matches=matches, copy=copy,
                           errors=errors, links=links, diff=diff), refusal if errors else 200


@api_bp.post("/audit/provenance")
def api_trace() -> Response:
    """``{text}`` → the best matches, best first, each with its deliveries; the first
    carries ``our_text`` so a client can diff. Auditors only."""
    actor = api_actor()
    actor.role_for("audit.read")
    data = json_body(("text",), required=("text",))
    matches = _trace(actor, checked_copy(data["text"]))
    rows = [match_row(rank, m) for rank, m in enumerate(matches, start=1)]
    return jsonify(jsonable({"best": rows[0] if rows else None, "matches": rows,
                             "our_text": matches[0].version.text() if matches else None}))
