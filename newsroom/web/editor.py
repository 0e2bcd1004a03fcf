"""Editor screens: the queue of submissions, search, and the review page with its
actions (approve, send back, publish or schedule, correct, retract)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from newsroom.application import HistoryEntry, utcnow
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    BlockingFindings,
    InvalidTransition,
    TooLarge,
    ValidationFailed,
    VersionConflict,
)
from newsroom.domain.policy import Actor
from newsroom.domain.workflow import STATES
from newsroom.projections.article_search import matching_ids
from newsroom.projections.tables import article_summaries, users
from newsroom.web.article_forms import (
    age,
    article_view,
    author_name,
    changed_fields,
    errors_of,
    expected_version,
    form_fields,
    form_text,
    friendly,
    local_to_utc,
    versions_of,
)
from newsroom.web.context import newsroom, services
from newsroom.web.deliveries import NOTHING_SENT, delivery_report
from newsroom.web.paging import PAGE_SIZE, page_arg, window
from newsroom.web.requests import uuid_or_404
from newsroom.web.textviews import diff_words
from newsroom.web.ui import local_time, require_actor, requires

bp = Blueprint("editor", __name__)
SEARCH_LIMIT = 100
# Every field of every form on the review page, kept when a form is sent back.
REVIEW_FIELDS = ("override_reason", "comment", "at", "embargo_until", "headline", "body",
                 "note", "reason", "release_reason")
Page = tuple[str, int]


def _listing(where: Any) -> Any:
    t = article_summaries
    return (select(t, users.c.name.label("author"))
            .select_from(t.outerjoin(users, users.c.id == t.c.author_id)).where(where))


@bp.get("/queue")
@requires("article.approve")
def queue() -> str:
    services().projections.catch_up("article_list", "user_list")
    t = article_summaries
    query = _listing(t.c.state == "submitted").order_by(t.c.submitted_at.asc(), t.c.id)
    page = page_arg()
    limit, offset = window(page)
    with services().engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
        total = conn.execute(select(func.count()).select_from(t)
                             .where(t.c.state == "submitted")).scalar_one()
    now = utcnow()
    items = [{**row, "age": age(row["submitted_at"] or row["updated_at"], now)}
             for row in rows[:PAGE_SIZE]]
    return render_template("editor/queue.html", articles=items, page=page,
                           has_next=len(rows) > PAGE_SIZE, total=total)


def _matching_ids(words: str) -> list[UUID]:
    with services().engine.connect() as conn:
        return matching_ids(conn, words, SEARCH_LIMIT)


@bp.get("/search")
@requires("article.approve")
def search() -> str:
    words = request.args.get("q", "").strip()[:200]
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    language = request.args.get("language", "").strip()[:35]
    results: list[Any] = []
    if words:
        services().projections.catch_up("article_list", "article_search", "user_list")
        ids = _matching_ids(words)
        t = article_summaries
        query = _listing(t.c.id.in_(ids))
        if state:
            query = query.where(t.c.state == state)
        if language:
            query = query.where(t.c.language == language)
        with services().engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        rank = {aid: i for i, aid in enumerate(ids)}
        results = sorted(rows, key=lambda r: rank[r["id"]])
    return render_template("editor/search.html", q=words, state=state, language=language,
                           states=STATES, results=results)


def _review_base(article: Article, history: Sequence[HistoryEntry]) -> tuple[int, str]:
    """What the submission is compared with: the last approved version, else the
    previous submission, else the first version."""
    approved = versions_of(history, "ArticleApproved")
    if approved:
        return approved[-1], "the last approved version"
    submitted = versions_of(history, "ArticleSubmitted")
    earlier = submitted[:-1] if article.state == "submitted" else submitted
    if earlier:
        return earlier[-1], "the previous submission"
    return 1, "the first version"


def _review_page(actor: Actor, aid: UUID, *, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None,
                 blocking: list[dict[str, Any]] | None = None, status: int = 200) -> Page:
    article = newsroom().get_article(actor, aid)
    history = newsroom().history(actor, aid)
    base_version, base_label = _review_base(article, history)
    base = (article if base_version >= article.version
            else newsroom().get_article(actor, aid, version=base_version))
    fields = ("headline", "body", "dateline", "byline")
    changed = any(getattr(base, f) != getattr(article, f) for f in fields)
    return render_template(
        "editor/review.html", article=article, author=author_name(article.author_id),
        view=article_view(article, history), base_version=base_version, base_label=base_label,
        changed=changed, diffs=[(f, diff_words(getattr(base, f), getattr(article, f)))
                                for f in fields if getattr(base, f) != getattr(article, f)],
        allowed=article.allowed_actions(), errors=errors or {},
        translations=newsroom().translations_of(article),
        target_languages=[lang for lang in services().settings.locales
                          if lang != article.language.split("-")[0]],
        form={"headline": article.headline, "body": article.body, **(values or {})},
        blocking=blocking if blocking is not None else article.blocking_findings(),
        embargo_running=article.is_embargoed(utcnow()),
        can_release=actor.can("article.release_embargo"),
        # Nothing is sent before the first publication: spare drafts the catch-up.
        report=delivery_report(aid) if article.first_published_at else NOTHING_SENT,
        can_resend=actor.can("subscriber.manage"),
    ), status


@bp.get("/articles/<article_id>/review")
@requires("article.approve")
def review(article_id: str) -> Page:
    return _review_page(require_actor(), uuid_or_404(article_id))


Command = Callable[[Actor, Article, int], str]


def _act(article_id: str, command: Command) -> Page | Response:
    """Runs one review action; on a refusal the review page comes back with the
    message next to the field and everything typed still in the forms."""
    actor = require_actor()
    aid = uuid_or_404(article_id)
    article = newsroom().get_article(actor, aid)
    values = {k: form_text(k) for k in REVIEW_FIELDS if k in request.form}
    try:
        message = command(actor, article, expected_version())
    except (ValidationFailed, TooLarge) as exc:
        status, errors = errors_of(exc)
        return _review_page(actor, aid, errors=errors, values=values, status=status)
    except BlockingFindings as exc:
        return _review_page(actor, aid, values=values, blocking=exc.findings, status=409, errors={
            "override_reason": f"{len(exc.findings)} blocking QA finding(s) stand: give a "
                               "reason to approve over them, or send the article back."})
    except InvalidTransition as exc:
        return _review_page(actor, aid, values=values, errors={"_form": friendly(exc)},
                            status=409)
    except VersionConflict:
        return _review_page(actor, aid, values=values, status=409, errors={"_form": (
            "The article changed since you opened this page. Check the current text "
            "below, then try again.")})
    flash(message)
    return redirect(url_for("editor.review", article_id=aid))


@bp.post("/articles/<article_id>/approve")
@requires("article.approve")
def approve(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        reason = form_text("override_reason").strip() or None
        newsroom().approve(actor, article.id, reason, expected_version=version)
        standing = len(article.blocking_findings())
        if standing:
            return f"Approved over {standing} blocking finding(s); your reason is on record."
        return "Approved. It can be published now."

    return _act(article_id, command)


@bp.post("/articles/<article_id>/request-changes")
@requires("article.request_changes")
def request_changes(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        newsroom().request_changes(actor, article.id, form_text("comment"), version)
        return "Sent back to the author with your comment."

    return _act(article_id, command)


@bp.post("/articles/<article_id>/publish")
@requires("article.publish")
def publish(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        zone = services().settings.timezone
        embargo = local_to_utc("embargo_until", form_text("embargo_until"), zone)
        at = None
        if request.form.get("when") == "schedule":
            at = local_to_utc("at", form_text("at"), zone)
            if at is None:
                raise ValidationFailed("at", "give the date and time to publish at")
            if at <= utcnow():
                raise ValidationFailed("at", "that time has passed; use Publish now instead")
        newsroom().publish(actor, article.id, at=at, embargo_until=embargo,
                           expected_version=version)
        held = (f" Held from readers and partners until {local_time(embargo)} ({zone})."
                if embargo else "")
        if at is not None:
            return f"Scheduled for {local_time(at)} ({zone}).{held}"
        return f"Published.{held}"

    return _act(article_id, command)


@bp.post("/articles/<article_id>/correct")
@requires("article.correct")
def correct(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        sent = form_fields([f for f in ("headline", "body") if f in request.form])
        changes = changed_fields(sent, article)
        saved = newsroom().correct(actor, article.id, changes, form_text("note"), version)
        revision = newsroom().get_article(actor, article.id, version=saved.version).revision
        return f"Correction published as revision {revision}, with its public note."

    return _act(article_id, command)


@bp.post("/articles/<article_id>/retract")
@requires("article.retract")
def retract(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        newsroom().retract(actor, article.id, form_text("reason"), version)
        return "Retracted. The reason is on record."

    return _act(article_id, command)


@bp.post("/articles/<article_id>/release-embargo")
@requires("article.release_embargo")
def release_embargo(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        if not article.is_embargoed(utcnow()):
            raise ValidationFailed("_form", "This article has no embargo running: it is "
                                            "public already, and so are its deliveries.")
        was = article.embargo_until
        try:
            newsroom().release_embargo(actor, article.id, form_text("release_reason"), version)
        except ValidationFailed as exc:
            # The retract form on the same page owns the field called "reason".
            message = str(exc).removeprefix(f"{exc.field}: ")
            field = "release_reason" if exc.field == "reason" else exc.field
            raise ValidationFailed(field, message) from None
        zone = services().settings.timezone
        return (f"Embargo (until {local_time(was)}, {zone}) lifted now: the story is public, "
                "and the deliveries it held are going out. Your reason is on record.")

    return _act(article_id, command)


@bp.post("/articles/<article_id>/translations")
@requires("translation.request")
def request_translations(article_id: str) -> Page | Response:
    def command(actor: Actor, article: Article, version: int) -> str:
        languages = request.form.getlist("languages")
        if not languages:
            raise ValidationFailed("languages", "tick at least one language")
        newsroom().request_translations(actor, article.id, languages, version)
        return (f"Machine translation requested into {', '.join(languages)}; "
                "translators will find them in their queue.")

    return _act(article_id, command)
