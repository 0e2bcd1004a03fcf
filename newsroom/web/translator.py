"""Translator screens: the review queue, side-by-side post-editing, approval.

The queue comes from the read models (rm_translations joined with
rm_article_summaries); one translation's page reads the aggregates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from itertools import zip_longest
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import ColumnElement, func, select
from werkzeug.wrappers import Response as BaseResponse

from newsroom.content import is_html
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    BlockingFindings,
    InvalidTransition,
    TooLarge,
    ValidationFailed,
    VersionConflict,
)
from newsroom.domain.policy import Actor
from newsroom.domain.translation import Translation
from newsroom.projections.tables import article_summaries, translation_queue
from newsroom.web.context import newsroom, services
from newsroom.web.requests import uuid_or_404
from newsroom.web.textviews import changed_paragraphs, diff_words, highlight, paragraphs
from newsroom.web.ui import require_actor, requires

bp = Blueprint("translator", __name__)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")

QUEUE_STATES = (wf.T_MACHINE_TRANSLATED, wf.T_IN_REVIEW, wf.T_FAILED, wf.T_REQUESTED)
PER_PAGE = 50



def _page() -> int:
    try:
        return min(max(1, int(request.args.get("page", "1"))), 1_000_000)
    except ValueError:
        return 1


# ---- the queue ---------------------------------------------------------------------


@bp.get("/translations")
@requires("translation.edit")
def queue() -> str:
    """Translations waiting for people (or for the machine), oldest request first,
    stale ones flagged: the source changed after the version they were made from."""
    services().projections.catch_up()
    t, s = translation_queue.c, article_summaries.c
    state = request.args.get("state", "")
    language = request.args.get("language", "").strip()
    states = (state,) if state in QUEUE_STATES else QUEUE_STATES
    where: list[ColumnElement[bool]] = [t.state.in_(states)]
    if language:
        where.append(t.language == language)
    page = _page()
    stale = (s.content_version > t.source_version).label("stale")
    query = (
        select(t.article_id, t.language, t.source_language, t.state, t.version,
               t.source_version, t.headline, t.failure_reason, t.requested_at, t.updated_at,
               s.headline.label("source_headline"), s.content_version, stale)
        .select_from(translation_queue.join(article_summaries, s.id == t.article_id))
        .where(*where)
        .order_by(t.requested_at, t.language)
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    )
    count = (select(func.count()).select_from(
        translation_queue.join(article_summaries, s.id == t.article_id)).where(*where))
    with services().engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        for row in rows:  # SQLite gives naive datetimes: they are UTC
            for key in ("requested_at", "updated_at"):
                if row[key] is not None and row[key].tzinfo is None:
                    row[key] = row[key].replace(tzinfo=UTC)
        total = int(conn.execute(count).scalar() or 0)
        languages = sorted(conn.execute(
            select(t.language).distinct().where(t.state.in_(QUEUE_STATES))).scalars())
    return render_template(
        "translator/queue.html", translations=rows, page=page, per_page=PER_PAGE,
        total=total, states=QUEUE_STATES, state=state, language=language,
        languages=languages,
    )


# ---- one translation -----------------------------------------------------------------


@dataclass(frozen=True)
class ParagraphPair:
    index: int
    source: str | None
    translation: Markup | None


def _highlighted_paragraphs(body: str, findings: list[dict[str, Any]]) -> list[Markup]:
    """The body's paragraphs, each with the findings that fall inside it marked. A
    paragraph is located in the stored body to shift the offsets; one that cannot be
    found verbatim (inline markup) is shown escaped, unmarked."""
    out: list[Markup] = []
    cursor = 0
    for paragraph in paragraphs(body):
        at = body.find(paragraph, cursor)
        if at < 0:
            out.append(Markup.escape(paragraph))
            continue
        end = at + len(paragraph)
        cursor = end
        local = [
            dict(f, start=max(int(f["start"]), at) - at, end=min(int(f["end"]), end) - at)
            for f in findings
            if f.get("field") == "body" and int(f["start"]) < end and int(f["end"]) > at
        ]
        out.append(highlight(paragraph, local, "body"))
    return out


def _pairs(source_body: str, translation: Translation) -> list[ParagraphPair]:
    marked = _highlighted_paragraphs(translation.body, translation.qa_findings)
    return [
        ParagraphPair(i + 1, src, tgt)
        for i, (src, tgt) in enumerate(zip_longest(paragraphs(source_body), marked))
    ]


def _source_changes(actor: Actor, article: Article, translation: Translation
                    ) -> dict[str, Any]:
    """What changed in the source since the version the translation was made from."""
    old = newsroom().get_article(actor, article.id, version=translation.source_version)
    return {
        "from_version": translation.source_version,
        "to_version": article.content_version,
        "headline": (diff_words(old.headline, article.headline)
                     if old.headline != article.headline else None),
        "paragraphs": [(diff_words(a, b), a, b)
                       for a, b in changed_paragraphs(old.body, article.body)],
    }


def _review_context(actor: Actor, article_id: UUID, lang: str,
                    form: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None,
                    message: str | None = None) -> dict[str, Any]:
    translation = newsroom().get_translation(actor, article_id, lang)
    article = newsroom().get_article(actor, article_id)
    stale = translation.is_stale(article.content_version)
    allowed = wf.TRANSLATION_ACTIONS[translation.state]
    blocking = [f for f in translation.qa_findings if f.get("severity") == "blocking"]
    return {
        "article": article,
        "translation": translation,
        "stale": stale,
        "changes": _source_changes(actor, article, translation) if stale else None,
        "pairs": _pairs(article.body, translation),
        "headline_marked": highlight(translation.headline, translation.qa_findings,
                                     "headline"),
        "findings": translation.qa_findings,
        "blocking": blocking,
        "can_edit": actor.can("translation.edit") and "post_edit" in allowed,
        # Plain-text translations are edited paragraph by paragraph, each save an event.
        "paragraph_texts": (None if is_html(translation.body)
                            else split_paragraphs(translation.body)),
        "can_approve": actor.can("translation.approve") and "approve" in allowed,
        "can_override": actor.can("translation.override_qa"),
        "form": form or {"headline": translation.headline, "body": translation.body,
                         "override_reason": ""},
        "errors": errors or {},
        "message": message,
    }


@bp.get("/articles/<article_id>/translations/<lang>")
@requires("translation.read")
def review(article_id: str, lang: str) -> str:
    actor = require_actor()
    return render_template("translator/review.html",
                           **_review_context(actor, uuid_or_404(article_id), lang))


def _form_version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        raise ValidationFailed("version", "missing; reload the page and try again") from None


def _conflict(actor: Actor, article_id: UUID, lang: str, exc: VersionConflict,
              submitted: dict[str, str] | None) -> tuple[str, int]:
    """409: someone saved this translation after the page was loaded. Shows what they
    changed since the version the user had, and the user's text against the current."""
    current = newsroom().get_translation(actor, article_id, lang)
    base: Translation | None = None
    if exc.expected is not None and 1 <= exc.expected <= current.version:
        base = newsroom().get_translation(actor, article_id, lang, version=exc.expected)
    theirs = None
    if base is not None:
        theirs = {"headline": diff_words(base.headline, current.headline),
                  "body": diff_words(base.body, current.body)}
    yours = None
    if submitted is not None:
        yours = {"headline": diff_words(current.headline, submitted.get("headline", "")),
                 "body": diff_words(current.body, submitted.get("body", ""))}
    page = render_template(
        "translator/conflict.html", article_id=article_id, translation=current,
        expected=exc.expected, theirs=theirs, yours=yours, submitted=submitted,
        can_edit=actor.can("translation.edit")
        and "post_edit" in wf.TRANSLATION_ACTIONS[current.state],
    )
    return page, 409


@bp.post("/articles/<article_id>/translations/<lang>/post-edit")
@requires("translation.edit")
def post_edit(article_id: str, lang: str) -> BaseResponse | tuple[str, int]:
    actor = require_actor()
    aid = uuid_or_404(article_id)
    newsroom().get_translation(actor, aid, lang)  # 404 before reading input
    form = {"headline": request.form.get("headline", ""),
            "body": request.form.get("body", "")}
    changes = {k: v for k, v in form.items() if k in request.form}
    if "paragraph_index" in request.form:
        current = newsroom().get_translation(actor, aid, lang)
        form["headline"] = current.headline
        form["body"] = _with_paragraph(current.body, request.form.get("paragraph_index", ""),
                                       request.form.get("paragraph", ""))
        changes = {"body": form["body"]}
    try:
        version = _form_version()
        saved = newsroom().post_edit_translation(actor, aid, lang, changes, version)
    except VersionConflict as exc:
        return _conflict(actor, aid, lang, exc, form)
    except (ValidationFailed, TooLarge) as exc:
        status = 413 if isinstance(exc, TooLarge) else 422
        context = _review_context(actor, aid, lang, form=dict(form, override_reason=""),
                                  errors={exc.field: str(exc)})
        return render_template("translator/review.html", **context), status
    except InvalidTransition as exc:
        context = _review_context(actor, aid, lang, form=dict(form, override_reason=""),
                                  message=str(exc))
        return render_template("translator/review.html", **context), 409
    flash(f"Post-edit saved: the translation is now at version {saved.version}.")
    return redirect(url_for("translator.review", article_id=aid, lang=lang))


def split_paragraphs(body: str) -> list[str]:
    return [p for p in _PARAGRAPH_BREAK.split(body.replace("\r\n", "\n")) if p.strip()]


def _with_paragraph(body: str, index_text: str, text: str) -> str:
    """The body with one paragraph replaced (an empty one removes it)."""
    paragraphs = split_paragraphs(body)
    try:
        index = int(index_text)
    except ValueError:
        raise ValidationFailed("paragraph", "reload the page and try again") from None
    if not 0 <= index < len(paragraphs):
        raise ValidationFailed("paragraph", "that paragraph no longer exists; reload the page")
    replacement = text.replace("\r\n", "\n").strip()
    paragraphs[index:index + 1] = [replacement] if replacement else []
    return "\n\n".join(paragraphs)


@bp.post("/articles/<article_id>/translations/<lang>/approve")
@requires("translation.approve")
def approve(article_id: str, lang: str) -> BaseResponse | tuple[str, int]:
    actor = require_actor()
    aid = uuid_or_404(article_id)
    newsroom().get_translation(actor, aid, lang)
    reason = request.form.get("override_reason", "").strip() or None
    try:
        version = _form_version()
        saved = newsroom().approve_translation(actor, aid, lang, reason, version)
    except VersionConflict as exc:
        return _conflict(actor, aid, lang, exc, None)
    except ValidationFailed as exc:
        context = _review_context(actor, aid, lang, errors={exc.field: str(exc)})
        return render_template("translator/review.html", **context), 422
    except BlockingFindings as exc:
        note = ("Add an override reason to approve over them." if actor.can(
            "translation.override_qa") else "Fix them, or ask an editor to approve with an "
            "override reason.")
        context = _review_context(actor, aid, lang, errors={
            "override_reason": f"{len(exc.findings)} blocking QA finding(s) stand. {note}"})
        return render_template("translator/review.html", **context), 409
    except InvalidTransition as exc:
        context = _review_context(actor, aid, lang, message=str(exc))
        return render_template("translator/review.html", **context), 409
    flash(f"Translation approved (version {saved.version}).")
    return redirect(url_for("translator.review", article_id=aid, lang=lang))
