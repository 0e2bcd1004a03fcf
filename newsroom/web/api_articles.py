"""JSON API for articles: the lifecycle, past states and history (DESIGN §6).

Every view follows the order of checks: authenticate, authorize, find, read input,
then let the domain judge state and version.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import func, or_, select

from newsroom.application import Saved
from newsroom.content import language as parse_language
from newsroom.domain.article import Article
from newsroom.domain.errors import ValidationFailed
from newsroom.integrity.service import Integrity
from newsroom.jsonable import jsonable
from newsroom.projections.tables import article_summaries
from newsroom.serialize import article_document, history_document
from newsroom.timefmt import parse_aware
from newsroom.versions import version_number
from newsroom.web.context import api_actor, newsroom, services
from newsroom.web.requests import if_match, int_arg, json_body, optional_time, uuid_arg

bp = Blueprint("api_articles", __name__)

CREATE_FIELDS = ("headline", "body", "language", "dateline", "byline")
REVISE_FIELDS = ("headline", "body", "dateline", "byline")


def saved_response(saved: Saved, status: int = 200, **extra: Any) -> tuple[Response, int]:
    body = jsonable({"id": saved.id, "version": saved.version, "state": saved.state, **extra})
    response = jsonify(body)
    response.headers["ETag"] = f'"{saved.version}"'
    return response, status


def existing_article(article_id: str) -> UUID:
    """404 for an unknown article before any input is read."""
    aid = uuid_arg(article_id)
    newsroom().get_article(api_actor(), aid)
    return aid


def _document(article: Article) -> dict[str, Any]:
    return article_document(article, newsroom().translations_of(article))


@bp.post("/articles")
def create() -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.create")
    data = json_body(CREATE_FIELDS, required=("headline", "body", "language"))
    saved = newsroom().create_article(actor, **data)
    response, status = saved_response(saved, 201)
    response.headers["Location"] = url_for(".read", article_id=str(saved.id))
    return response, status


@bp.get("/articles")
def listing() -> Response:
    actor = api_actor()
    actor.role_for("article.read")
    services().projections.catch_up("article_list")
    limit = int_arg("limit", 50, 1, 200)
    offset = int_arg("offset", 0, 0, 10**9)
    table = article_summaries
    query = select(table)
    if state := request.args.get("state"):
        query = query.where(table.c.state == state)
    if lang := request.args.get("language"):
        query = query.where(table.c.language == parse_language(lang))
    if q := request.args.get("q", "").strip():
        # Matched against a casefolded copy: SQLite's lower() folds ASCII only.
        escaped = q.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(or_(table.c.search_headline.like(pattern, escape="\\"),
                                table.c.search_body.like(pattern, escape="\\")))
    with services().engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(table.c.created_at.desc()).limit(limit).offset(offset)
        ).mappings().all()
    items = [
        {k: row[k] for k in ("id", "headline", "language", "state", "version", "created_at",
                             "updated_at")}
        for row in rows
    ]
    return jsonify(jsonable({"items": items, "total": total, "limit": limit,
                             "offset": offset}))


@bp.get("/articles/<article_id>")
def read(article_id: str) -> Response:
    actor = api_actor()
    actor.role_for("article.read")
    aid = uuid_arg(article_id)
    version_text = request.args.get("version")
    at_text = request.args.get("at")
    if version_text is not None and at_text is not None:
        raise ValidationFailed("version", "give either version or at, not both")
    version = version_number("version", version_text) if version_text is not None else None
    at = parse_aware("at", at_text) if at_text is not None else None
    article = newsroom().get_article(actor, aid, version=version, at=at)
    if at is None and version is not None:
        at = article.modified_on
    document = article_document(article, newsroom().translations_of(article, at))
    response = jsonify(document)
    response.headers["ETag"] = f'"{article.version}"'
    return response


@bp.patch("/articles/<article_id>")
def revise(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.revise")
    aid = existing_article(article_id)
    newsroom().authorize_revision(actor, aid)
    data = json_body(REVISE_FIELDS)
    expected = if_match(required=True)
    saved = newsroom().revise(actor, aid, data, expected)
    return saved_response(saved)


@bp.post("/articles/<article_id>/submit")
def submit(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.submit")
    aid = existing_article(article_id)
    newsroom().authorize_submission(actor, aid)
    json_body((), optional_body=True)
    saved = newsroom().submit(actor, aid, if_match(required=False))
    article = newsroom().get_article(actor, aid)
    return saved_response(saved, qa_findings=article.qa_findings)


@bp.post("/articles/<article_id>/request-changes")
def request_changes(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.request_changes")
    aid = existing_article(article_id)
    data = json_body(("comment",), required=("comment",))
    return saved_response(
        newsroom().request_changes(actor, aid, data["comment"], if_match(required=False))
    )


@bp.post("/articles/<article_id>/approve")
def approve(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.approve")
    aid = existing_article(article_id)
    data = json_body(("override_reason",), optional_body=True)
    return saved_response(
        newsroom().approve(actor, aid, data.get("override_reason"), if_match(required=False))
    )


@bp.post("/articles/<article_id>/publish")
def publish(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.publish")
    aid = existing_article(article_id)
    data = json_body(("at", "embargo_until"), optional_body=True)
    saved = newsroom().publish(
        actor, aid, at=optional_time(data, "at"),
        embargo_until=optional_time(data, "embargo_until"),
        expected_version=if_match(required=False),
    )
    return saved_response(saved)


@bp.post("/articles/<article_id>/corrections")
def correct(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.correct")
    aid = existing_article(article_id)
    data = json_body(("headline", "body", "note"), required=("note",))
    note = data.pop("note")
    return saved_response(newsroom().correct(actor, aid, data, note, if_match(required=False)))


@bp.post("/articles/<article_id>/retract")
def retract(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.retract")
    aid = existing_article(article_id)
    data = json_body(("reason",), required=("reason",))
    return saved_response(newsroom().retract(actor, aid, data["reason"],
                                             if_match(required=False)))


@bp.post("/articles/<article_id>/release-embargo")
def release_embargo(article_id: str) -> tuple[Response, int]:
    """Editors only: the embargo ends now; held deliveries go out, the public sees it."""
    actor = api_actor()
    actor.role_for("article.release_embargo")
    aid = existing_article(article_id)
    data = json_body(("reason",), required=("reason",))
    return saved_response(newsroom().release_embargo(actor, aid, data["reason"],
                                                     if_match(required=False)))


@bp.post("/articles/<article_id>/comments")
def comment(article_id: str) -> tuple[Response, int]:
    actor = api_actor()
    actor.role_for("article.comment")
    aid = existing_article(article_id)
    data = json_body(("text",), required=("text",))
    return saved_response(newsroom().comment(actor, aid, data["text"], if_match(required=False)),
                          201)


@bp.get("/articles/<article_id>/history")
def history(article_id: str) -> Response:
    actor = api_actor()
    actor.role_for("article.history")
    aid = uuid_arg(article_id)
    entries = newsroom().history(actor, aid)
    hashes = Integrity.of(services()).stream_hashes(list({e.originator_id for e in entries}))
    return jsonify(history_document(entries, hashes))


@bp.get("/articles/<article_id>/deliveries")
def deliveries_of(article_id: str) -> Response:
    """Which version of each language every subscriber has, and since when."""
    from newsroom.domain.policy import SYSTEM_ACTOR
    from newsroom.projections.tables import deliveries

    actor = api_actor()
    actor.role_for("article.history")
    aid = uuid_arg(article_id)
    newsroom().get_article(actor, aid)
    services().projections.catch_up("delivery_list")
    with services().engine.connect() as conn:
        rows = conn.execute(select(deliveries).where(deliveries.c.article_id == aid)
                            .order_by(deliveries.c.planned_at)).mappings().all()
    names = {s.id: s.name for s in newsroom().subscribers(SYSTEM_ACTOR)}
    return jsonify(jsonable([
        {"id": row["id"], "subscriber": {"id": row["subscriber_id"],
                                         "name": names.get(row["subscriber_id"], "?")},
         "language": row["language"], "revision": row["revision"], "kind": row["kind"],
         "status": row["status"], "attempts": row["attempts"], "due_at": row["due_at"],
         "delivered_at": row["delivered_at"], "last_error": row["last_error"]}
        for row in rows
    ]))
