"""Journalist screens: my articles, new article, the article page, edit (with the
conflict page when someone saved first) and submit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsroom.domain.article import Article
from newsroom.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    TooLarge,
    ValidationFailed,
    VersionConflict,
)
from newsroom.domain.policy import Actor, role_to_revise, role_to_submit
from newsroom.projections.tables import article_summaries
from newsroom.web.article_forms import (
    ARTICLE_FIELDS,
    CONTENT_FIELDS,
    article_view,
    author_name,
    changed_fields,
    errors_of,
    expected_version,
    form_fields,
    friendly,
)
from newsroom.web.context import newsroom, services
from newsroom.web.paging import PAGE_SIZE, page_arg, window
from newsroom.web.requests import uuid_or_404
from newsroom.web.textviews import diff_words
from newsroom.web.ui import require_actor, requires

bp = Blueprint("desk", __name__)
Page = str | tuple[str, int]


@bp.get("/desk")
@requires("article.create")
def my_articles() -> str:
    actor = require_actor()
    services().projections.catch_up("article_list")
    t = article_summaries.c
    # Only the shown columns: the rows also carry each body's search copy, which made
    # every page sort and copy whole articles. The (author_id, created_at) index gives
    # the order without a sort step.
    query = (select(t.id, t.headline, t.state, t.language, t.version, t.updated_at,
                    t.changes_requested_comment, t.blocking_findings)
             .where(t.author_id == actor.user_id).order_by(t.created_at.desc()))
    page = page_arg()
    limit, offset = window(page)
    with services().engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return render_template("desk/my_articles.html", articles=rows[:PAGE_SIZE], page=page,
                           has_next=len(rows) > PAGE_SIZE)


@bp.route("/articles/new", methods=["GET", "POST"])
@requires("article.create")
def new_article() -> Page | Response:
    actor = require_actor()
    if request.method == "GET":
        values = {"language": "fr", "byline": actor.name}
        return render_template("desk/edit.html", is_new=True, values=values, errors={})
    values = form_fields(ARTICLE_FIELDS)
    try:
        saved = newsroom().create_article(
            actor, headline=values["headline"], body=values["body"],
            language=values["language"], dateline=values["dateline"], byline=values["byline"])
    except (ValidationFailed, TooLarge) as exc:
        status, errors = errors_of(exc)
        return render_template("desk/edit.html", is_new=True, values=values,
                               errors=errors), status
    flash("Draft created. Submit it when it is ready for an editor.")
    return redirect(url_for("desk.article", article_id=saved.id))


def _may(check: Any) -> bool:
    try:
        check()
    except PermissionDenied:
        return False
    return True


@bp.get("/articles/<article_id>")
@requires("article.read")
def article(article_id: str) -> str:
    actor = require_actor()
    aid = uuid_or_404(article_id)
    current = newsroom().get_article(actor, aid)
    allowed = current.allowed_actions()
    return render_template(
        "article/show.html", article=current, author=author_name(current.author_id),
        view=article_view(current, newsroom().history(actor, aid)),
        can_edit="revise" in allowed and _may(lambda: role_to_revise(
            actor, author_id=current.author_id, state=current.state)),
        can_submit="submit" in allowed and _may(lambda: role_to_submit(
            actor, author_id=current.author_id)),
    )


def _editable(actor: Actor, aid: UUID) -> Article:
    """403 for someone else's draft; 409 (in words) when the state allows no edit."""
    current = newsroom().get_article(actor, aid)
    try:
        role_to_revise(actor, author_id=current.author_id, state=current.state)
    except PermissionDenied:
        if current.author_id != actor.user_id:
            raise
        abort(409, description=f"This article is {current.state}: you can edit it again "
                               "when an editor sends it back to you.")
    if "revise" not in current.allowed_actions():
        hint = " Use a correction on the review page." if current.state == "published" else ""
        abort(409, description=f"This article is {current.state} and can no longer be "
                               f"edited.{hint}")
    return current


@bp.route("/articles/<article_id>/edit", methods=["GET", "POST"])
@requires("article.revise")
def edit(article_id: str) -> Page | Response:
    actor = require_actor()
    aid = uuid_or_404(article_id)
    current = _editable(actor, aid)
    if request.method == "GET":
        values = {f: getattr(current, f) for f in CONTENT_FIELDS}
        return render_template("desk/edit.html", is_new=False, article=current, values=values,
                               version=current.version, errors={})
    values = form_fields(CONTENT_FIELDS)
    version = request.form.get("expected_version", "")
    try:
        saved = newsroom().revise(actor, aid, changed_fields(values, current),
                                  expected_version())
    except VersionConflict:
        return _conflict(actor, aid, values, version)
    except InvalidTransition as exc:
        abort(409, description=friendly(exc))
    except (ValidationFailed, TooLarge) as exc:
        status, errors = errors_of(exc)
        return render_template("desk/edit.html", is_new=False, article=current, values=values,
                               version=version, errors=errors), status
    flash("Saved." if saved.version != current.version else "Nothing changed; nothing saved.")
    return redirect(url_for("desk.article", article_id=aid))


def _conflict(actor: Actor, aid: UUID, values: dict[str, str], loaded: str) -> tuple[str, int]:
    """Someone saved first: show this person's text against the current one, keep it
    in the form, and let them save the merge against the current version. A field they
    left as it was takes the current text, so their save does not undo the other one."""
    current = newsroom().get_article(actor, aid)
    base_version = int(loaded)
    try:
        base: Article | None = newsroom().get_article(actor, aid, version=base_version)
    except (NotFound, ValidationFailed):
        base = None
    merged = dict(values)
    adopted = [f for f in CONTENT_FIELDS if base is not None
               and values[f] == getattr(base, f) != getattr(current, f)]
    for name in adopted:
        merged[name] = getattr(current, name)
    diffs = [(f, diff_words(getattr(current, f), merged[f])) for f in CONTENT_FIELDS
             if f in ("headline", "body") or getattr(current, f) != merged[f]]
    since = [e for e in newsroom().history(actor, aid)
             if e.stream == "article" and e.version > base_version]
    return render_template(
        "desk/edit.html", is_new=False, article=current, values=merged, version=current.version,
        errors={}, conflict={"loaded": base_version, "since": since, "diffs": diffs,
                             "adopted": adopted},
    ), 409


@bp.post("/articles/<article_id>/submit")
@requires("article.submit")
def submit(article_id: str) -> Response:
    actor = require_actor()
    aid = uuid_or_404(article_id)
    newsroom().get_article(actor, aid)
    try:
        saved = newsroom().submit(actor, aid, expected_version())
    except InvalidTransition as exc:
        abort(409, description=friendly(exc))
    except VersionConflict:
        flash("The article changed since you opened it. Check the text, then submit again.",
              "error")
        return redirect(url_for("desk.article", article_id=aid))
    blocking = newsroom().get_article(actor, aid, version=saved.version).blocking_findings()
    flash(f"Submitted to the editors. QA found {len(blocking)} blocking finding(s)"
          + (": see them marked in the text." if blocking else "."))
    return redirect(url_for("desk.article", article_id=aid))
