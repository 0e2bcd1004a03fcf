"""Auditor screens (read-only): trail, diff, as-of view, timeline, exports.

Every route is a GET and needs "audit.read". Lists and trails come from the read
models (rm_audit_trail, rm_article_summaries, rm_users) after a catch-up, so a write
made a moment ago is visible; past states (diff, as-of) replay the aggregate.
Every page answers ``?format=json`` and ``?format=csv`` with the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import ColumnElement, Connection, func, select

from newsroom.content import body_as_html
from newsroom.domain.article import Article
from newsroom.domain.errors import NotFound, ValidationFailed
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.translation import Translation
from newsroom.projections import article_list, user_list
from newsroom.projections import audit_trail as audit_trail_projection
from newsroom.projections.tables import article_summaries, audit_trail, users
from newsroom.serialize import article_document
from newsroom.timefmt import as_utc, iso_utc
from newsroom.web.context import newsroom, services
from newsroom.web.exports import export_links, export_response, requested_format
from newsroom.web.localtime import local_datetime
from newsroom.web.moments import local_input, local_iso, parse_moment
from newsroom.web.paging import page_arg
from newsroom.web.requests import uuid_or_404
from newsroom.web.textviews import diff_excerpt, diff_words
from newsroom.web.timeline import TimelineEvent, timeline_svg
from newsroom.web.ui import require_actor, requires

bp = Blueprint("audit", __name__)

PER_PAGE = 50
# Events a trail page shows: rendering a row is most of a page's cost.
TRAIL_PAGE = 50
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000
USER_ACTIONS_LIMIT = 200
CONTENT_FIELDS = ("headline", "body", "dateline", "byline")
# Events whose data carries a dict of changed fields.
CHANGE_EVENTS = {"ArticleRevised", "ArticleCorrected", "TranslationPostEdited"}
# Events of the article's own stream whose version the diff page can compare with
# the one before. A translation's change links the article as of its moment instead
# (translations have versions of their own, which the diff page does not compare).
DIFF_PAGE_EVENTS = frozenset({"ArticleRevised", "ArticleCorrected"})
# Events whose data sets the whole text of their stream.
TEXT_EVENTS = {"ArticleCreated", "TranslationMachineTranslated"}
FINDING_KEYS = {"qa_findings", "findings"}
SHORT_TEXT = 160
# Unchanged words shown on each side of a change in a trail row's diff.
TRAIL_CONTEXT_WORDS = 12

TRAIL_COLUMNS = ("position", "stream", "version", "type", "actor", "actor_id", "role",
                 "at", "at_local", "data")


# ---- small helpers --------------------------------------------------------------------



def _utc(value: datetime | None) -> datetime | None:
    """Read models on SQLite give naive datetimes; they are UTC."""
    if value is None:
        return None
    return as_utc(value)


def _int_arg(name: str, default: int, lowest: int = 1, highest: int | None = None) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    value = max(lowest, value)
    return min(value, highest) if highest is not None else value


def _render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, exports=export_links(), **context), status


def _actor_name(actor_id: UUID, name: str | None) -> str:
    if actor_id == SYSTEM_ACTOR.user_id:
        return SYSTEM_ACTOR.name
    return name or str(actor_id)


def _summary(article_id: UUID) -> dict[str, Any]:
    with services().engine.connect() as conn:
        row = conn.execute(select(article_summaries)
                           .where(article_summaries.c.id == article_id)).first()
    if row is None:
        abort(404)
    return dict(row._mapping)


# ---- the trail -------------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    """One line of "what changed": plain text, or escaped markup (a diff)."""

    label: str
    text: str = ""
    markup: Markup | None = None
    long: bool = False


def _catch_up_trail() -> None:
    """Only the read models an article's trail reads (its summary, its events and
    the actors' names): each other one would cost a transaction on every view for
    nothing shown."""
    services().projections.catch_up(article_list.NAME, audit_trail_projection.NAME,
                                    user_list.NAME)


def _trail_rows(where: ColumnElement[bool], *, newest_first: bool = False,
                limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    t = audit_trail.c
    query = (
        select(t.position, t.subject_id, t.subject_kind, t.stream, t.originator_id, t.version,
               t.type, t.actor_id, t.role, t.at, t.data, users.c.name.label("actor_name"))
        .select_from(audit_trail.outerjoin(users, users.c.id == t.actor_id))
        .where(where)
        .order_by(t.position.desc() if newest_first else t.position)
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    with services().engine.connect() as conn:
        found = conn.execute(query).all()
    rows: list[dict[str, Any]] = []
    for r in found:
        row = dict(r._mapping)
        row["actor"] = _actor_name(row["actor_id"], row.pop("actor_name"))
        row["at"] = _utc(row["at"])
        row["data"] = dict(row["data"] or {})
        rows.append(row)
    return rows


def _finding_text(findings: Any) -> str:
    if not isinstance(findings, list) or not findings:
        return "none"
    parts = []
    for f in findings:
        if isinstance(f, dict):
            parts.append(f"{f.get('severity', '?')} {f.get('kind', '?')} in "
                         f"{f.get('field', '?')}: {f.get('message', '')}")
        else:
            parts.append(str(f))
    return f"{len(findings)}: " + "; ".join(parts)


def _detail(key: str, value: Any) -> Detail:
    label = key.replace("_", " ")
    if key in FINDING_KEYS:
        return Detail(label, _finding_text(value))
    if value is None or value == "":
        return Detail(label, "—")
    if isinstance(value, str):
        return Detail(label, value, long=len(value) > SHORT_TEXT or "\n" in value)
    if isinstance(value, bool | int | float):
        return Detail(label, str(value))
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return Detail(label, ", ".join(str(v) for v in value) or "—")
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Detail(label, text, long=len(text) > SHORT_TEXT)


def describe(rows: Sequence[dict[str, Any]],
             before: dict[str, dict[str, str]] | None = None) -> list[list[Detail]]:
    """For each trail row, in order, what it changed: changed text fields as word
    diffs against the stream's previous text, cut to the changed regions with some
    words of context (the whole diff is on the diff page), other data as readable
    values.
    ``before`` holds each stream's texts before the first row (``texts_before``); a
    field found nowhere is diffed against nothing."""
    texts: dict[str, dict[str, str]] = {k: dict(v) for k, v in (before or {}).items()}
    described: list[list[Detail]] = []
    for row in rows:
        current = texts.setdefault(row["stream"], {})
        data: dict[str, Any] = row["data"]
        details: list[Detail] = []
        rest = data
        if row["type"] in CHANGE_EVENTS:
            changes = data.get("changes") or {}
            for name, value in changes.items():
                details.append(Detail(f"{name} changed",
                                      markup=diff_excerpt(current.get(name, ""), str(value),
                                                     TRAIL_CONTEXT_WORDS),
                                      long=name == "body"))
                current[name] = str(value)
            if not changes:
                details.append(Detail("changes", "none: no field changed"))
            rest = {k: v for k, v in data.items() if k != "changes"}
        elif row["type"] in TEXT_EVENTS:
            current.update({k: str(data[k]) for k in CONTENT_FIELDS if k in data})
        details.extend(_detail(k, v) for k, v in rest.items())
        described.append(details)
    return described


def _fields_set(row: dict[str, Any]) -> list[str]:
    """The text fields a row sets, as ``describe`` reads them."""
    if row["type"] in CHANGE_EVENTS:
        return [str(k) for k in (row["data"].get("changes") or {})]
    if row["type"] in TEXT_EVENTS:
        return [k for k in CONTENT_FIELDS if k in row["data"]]
    return []


def texts_before(subject_id: UUID, rows: Sequence[dict[str, Any]]
                 ) -> dict[str, dict[str, str]]:
    """The text each stream had before ``rows`` (one page, in log order), for the
    fields the page changes before setting them itself: one indexed look-up each
    for the latest earlier row that set the field, so a page costs its own rows,
    not a description of every event before it."""
    if not rows:
        return {}
    wanted: list[tuple[str, str]] = []
    set_on_page: set[tuple[str, str]] = set()
    for row in rows:
        for name in _fields_set(row):
            key = (row["stream"], name)
            if row["type"] in CHANGE_EVENTS and key not in set_on_page and key not in wanted:
                wanted.append(key)
            set_on_page.add(key)
    texts: dict[str, dict[str, str]] = {}
    with services().engine.connect() as conn:
        for stream, name in wanted:
            value = _latest_text(conn, subject_id, stream, name, rows[0]["position"])
            if value is not None:
                texts.setdefault(stream, {})[name] = value
    return texts


def _latest_text(conn: Connection, subject_id: UUID, stream: str, name: str,
                 position: int) -> str | None:
    t = audit_trail.c
    sets = t.type.in_(sorted(CHANGE_EVENTS)) & t.data[("changes", name)].as_string().is_not(None)
    if name in CONTENT_FIELDS:
        sets = sets | (t.type.in_(sorted(TEXT_EVENTS))
                       & t.data[(name,)].as_string().is_not(None))
    found = conn.execute(
        select(t.type, t.data)
        .where(t.subject_id == subject_id, t.stream == stream, t.position < position, sets)
        .order_by(t.position.desc()).limit(1)).first()
    if found is None:
        return None
    data = dict(found.data or {})
    value = (data.get("changes") or {})[name] if found.type in CHANGE_EVENTS else data[name]
    return str(value)


def plain_details(rows: Sequence[dict[str, Any]]) -> list[list[Detail]]:
    """Each row's data as readable values, for lists that mix streams (no diffs)."""
    return [[_detail(k, v) for k, v in row["data"].items()] for row in rows]


def _trail_export_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{
        "position": r["position"], "stream": r["stream"], "version": r["version"],
        "type": r["type"], "actor": r["actor"], "actor_id": r["actor_id"], "role": r["role"],
        "at": iso_utc(r["at"]), "at_local": local_iso(r["at"]), "data": r["data"],
    } for r in rows]


# ---- index -----------------------------------------------------------------------------


@bp.get("/audit")
@requires("audit.read")
def index() -> tuple[str, int] | Response:
    """Every article, newest first, with links to its trail, diff and past states."""
    fmt = requested_format()
    services().projections.catch_up()
    page = _int_arg("page", 1, highest=MAX_PAGE)
    per_page = _int_arg("per_page", PER_PAGE, highest=MAX_PER_PAGE)
    s = article_summaries.c
    query = (
        select(s.id, s.headline, s.language, s.state, s.version, s.content_version,
               s.author_id, users.c.name.label("author"), s.created_at, s.updated_at)
        .select_from(article_summaries.outerjoin(users, users.c.id == s.author_id))
        .order_by(s.created_at.desc(), s.id)
        .limit(per_page).offset((page - 1) * per_page)
    )
    with services().engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
        total = int(conn.execute(select(func.count()).select_from(article_summaries))
                    .scalar() or 0)
    for row in rows:
        row["created_at"], row["updated_at"] = _utc(row["created_at"]), _utc(row["updated_at"])
        row["author"] = _actor_name(row["author_id"], row["author"])
    if fmt:
        columns = ("id", "headline", "language", "state", "version", "content_version",
                   "author", "author_id", "created_at", "updated_at")
        return export_response(fmt, f"audit-articles-page-{page}", columns, rows, {
            "page": page, "per_page": per_page, "total": total, "articles": rows})
    return _render("audit/index.html", articles=rows, page=page, per_page=per_page,
                   total=total)


@bp.get("/audit/articles/<article_id>")
@requires("audit.read")
def trail(article_id: str) -> tuple[str, int] | Response:
    """The article's full audit trail: its own events and its translations', in log
    order, with who (name and role), when (local and UTC) and what changed."""
    fmt = requested_format()
    aid = uuid_or_404(article_id)
    _catch_up_trail()
    summary = _summary(aid)
    if fmt:
        exported = _trail_export_rows(_trail_rows(audit_trail.c.subject_id == aid))
        return export_response(fmt, f"audit-trail-{aid}", TRAIL_COLUMNS, exported, {
            "article": {"id": aid, "headline": summary["headline"],
                        "language": summary["language"], "state": summary["state"],
                        "version": summary["version"]},
            "events": exported})
    # One page of rows, diffed against the texts just before it: a page of a
    # 1,000-event trail costs the same as the first page of a short one.
    page = page_arg()
    size = TRAIL_PAGE
    with services().engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(audit_trail)
                                 .where(audit_trail.c.subject_id == aid)).scalar() or 0)
    rows = _trail_rows(audit_trail.c.subject_id == aid, limit=size, offset=(page - 1) * size)
    described = list(zip(rows, describe(rows, texts_before(aid, rows)), strict=True))
    _add_times(rows)
    return _render("audit/trail.html", summary=summary, events=described, page=page,
                   has_next=total > page * size, total=total, per_page=size,
                   links=_row_links(aid), diff_events=DIFF_PAGE_EVENTS,
                   text_then_events=CHANGE_EVENTS - DIFF_PAGE_EVENTS,
                   context_words=TRAIL_CONTEXT_WORDS)


def _add_times(rows: Sequence[dict[str, Any]]) -> None:
    """Each row's time as shown: local (in the reader's language) and UTC. A Babel
    call takes about 20 µs and the local format stops at the minute, so rows of the
    same minute (a burst of autosaves) share one."""
    settings = services().settings
    by_minute: dict[datetime, str] = {}
    for row in rows:
        at: datetime = row["at"]
        minute = at.replace(second=0, microsecond=0)
        local = by_minute.get(minute)
        if local is None:
            local = by_minute[minute] = local_datetime(at, "en", settings.timezone,
                                                       settings.locales)
        row["at_local_text"] = local
        row["at_iso"] = at.isoformat()
        row["at_utc_text"] = at.strftime("%Y-%m-%d %H:%M:%S")


def _row_links(article_id: UUID) -> dict[str, str]:
    """The start of each row's links, built once: a URL built per row was a fifth of
    the page's time. Ids are UUIDs, so appending one needs no quoting."""
    mark = "0" * 32
    return {"user": url_for("audit.user_trail", user_id=mark).removesuffix(mark),
            "diff": url_for("audit.diff", article_id=article_id),
            "as_of": url_for("audit.as_of", article_id=article_id)}


# ---- diff ------------------------------------------------------------------------------


def _version_param(name: str, default: int, current: int, errors: dict[str, str]) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = f"{name}: “{raw}” is not a version number"
        return default
    if not 1 <= value <= current:
        errors[name] = f"{name}: versions run from 1 to {current}"
        return default
    return value


@bp.get("/audit/articles/<article_id>/diff")
@requires("audit.read")
def diff(article_id: str) -> tuple[str, int] | Response:
    """Word diff of the text fields between any two versions of the article."""
    fmt = requested_format()
    actor = require_actor()
    aid = uuid_or_404(article_id)
    current = newsroom().get_article(actor, aid)
    errors: dict[str, str] = {}
    old_v = _version_param("from", 1, current.version, errors)
    new_v = _version_param("to", current.version, current.version, errors)
    if errors:
        if fmt:
            abort(422, description="; ".join(errors.values()))
        return _render("audit/diff.html", 422, article=current, errors=errors, fields=[],
                       old_v=old_v, new_v=new_v, old=None, new=None)
    old = newsroom().get_article(actor, aid, version=old_v)
    new = newsroom().get_article(actor, aid, version=new_v)
    fields = []
    for name in CONTENT_FIELDS:
        before, after = str(getattr(old, name)), str(getattr(new, name))
        fields.append({"field": name, "from": before, "to": after,
                       "changed": before != after,
                       "diff": diff_words(before, after) if before != after else None})
    if fmt:
        rows = [{"field": f["field"], "changed": f["changed"], "from": f["from"],
                 "to": f["to"]} for f in fields]
        return export_response(fmt, f"audit-diff-{aid}-v{old_v}-v{new_v}",
                               ("field", "changed", "from", "to"), rows, {
                                   "article_id": aid, "from_version": old_v,
                                   "to_version": new_v, "from_state": old.state,
                                   "to_state": new.state, "fields": rows})
    return _render("audit/diff.html", article=current, errors=errors, fields=fields,
                   old_v=old_v, new_v=new_v, old=old, new=new)


# ---- as of a version or a moment -------------------------------------------------------


@bp.get("/audit/articles/<article_id>/as-of")
@requires("audit.read")
def as_of(article_id: str) -> tuple[str, int] | Response:
    """The article and its translations as they stood at a version or a moment."""
    fmt = requested_format()
    actor = require_actor()
    aid = uuid_or_404(article_id)
    current = newsroom().get_article(actor, aid)
    errors: dict[str, str] = {}
    raw_at = request.args.get("at", "").strip()
    raw_version = request.args.get("version", "").strip()
    article: Article | None = None
    moment: datetime | None = None
    until: datetime | None = None
    try:
        if raw_at:
            moment = parse_moment(raw_at)
            try:
                article = newsroom().get_article(actor, aid, at=moment)
            except NotFound:
                raise ValidationFailed("at", "the article did not exist yet at that moment"
                                       ) from None
        else:
            version = _version_param("version", current.version, current.version, errors)
            if not errors:
                article = newsroom().get_article(actor, aid, version=version)
            if article is not None and version < current.version:
                # Translations as they stood while this version was current: just
                # before the next version (the current version: as they stand now).
                following = newsroom().get_article(actor, aid, version=version + 1)
                until = following.modified_on
                moment = until - timedelta(microseconds=1)
    except ValidationFailed as exc:
        errors = {exc.field: str(exc)}
    if article is None:
        if fmt:
            abort(422, description="; ".join(errors.values()))
        return _render("audit/as_of.html", 422, current=current, article=None,
                       translations={}, errors=errors, moment=None, until=None,
                       raw_at=raw_at,
                       raw_version=raw_version, at_input=raw_at)
    translations = newsroom().translations_of(article, at=moment)
    if fmt:
        document = article_document(article, translations)
        document["as_of"] = {"version": article.version, "at": iso_utc(moment),
                             "at_local": local_iso(moment),
                             "current_until": iso_utc(until)}
        return export_response(fmt, f"audit-as-of-{aid}-v{article.version}",
                               _AS_OF_COLUMNS, _as_of_rows(article, translations), document)
    return _render("audit/as_of.html", current=current, article=article,
                   translations=translations, errors=errors, moment=moment, until=until,
                   raw_at=raw_at,
                   raw_version=raw_version, body_html=Markup(body_as_html(article.body)),  # noqa: S704
                   translation_html={lang: Markup(body_as_html(t.body))  # noqa: S704
                                     for lang, t in translations.items()},
                   at_input=local_input(moment or article.modified_on))


_AS_OF_COLUMNS = ("language", "kind", "state", "version", "source_version", "stale",
                  "headline", "body")


def _as_of_rows(article: Article, translations: dict[str, Translation]
                ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{
        "language": article.language, "kind": "source", "state": article.state,
        "version": article.version, "source_version": None, "stale": None,
        "headline": article.headline, "body": article.body}]
    for language, t in sorted(translations.items()):
        rows.append({"language": language, "kind": "translation", "state": t.state,
                     "version": t.version, "source_version": t.source_version,
                     "stale": t.is_stale(article.content_version),
                     "headline": t.headline, "body": t.body})
    return rows


# ---- timeline --------------------------------------------------------------------------


@bp.get("/audit/articles/<article_id>/timeline.svg")
@requires("audit.read")
def timeline(article_id: str) -> Response:
    """The article's states over time, one lane per language, as an SVG picture."""
    aid = uuid_or_404(article_id)
    _catch_up_trail()
    summary = _summary(aid)
    t = audit_trail.c
    # The picture needs no event data: reading it was most of this request.
    with services().engine.connect() as conn:
        found = conn.execute(select(t.stream, t.type, t.at, t.version)
                             .where(t.subject_id == aid).order_by(t.position)).all()
    events = [TimelineEvent(r.stream, r.type, as_utc(r.at), r.version) for r in found]
    settings = services().settings
    svg = timeline_svg(events, source_language=str(summary["language"]),
                       end=datetime.now(UTC), tz=settings.zone, zone_name=settings.timezone,
                       title=str(summary["headline"]))
    return Response(svg, mimetype="image/svg+xml")


# ---- users -----------------------------------------------------------------------------


@bp.get("/audit/users")
@requires("audit.read")
def users_index() -> tuple[str, int] | Response:
    fmt = requested_format()
    services().projections.catch_up()
    u = users.c
    with services().engine.connect() as conn:
        found = conn.execute(select(u.id, u.name, u.roles, u.created_at, u.tokens)
                             .order_by(u.name)).all()
    rows = [{"id": r.id, "name": r.name, "roles": sorted(r.roles or []),
             "created_at": _utc(r.created_at), "tokens": len(r.tokens or []),
             "active_tokens": sum(1 for t in (r.tokens or []) if not t.get("revoked"))}
            for r in found]
    if fmt:
        return export_response(fmt, "audit-users",
                               ("id", "name", "roles", "created_at", "tokens",
                                "active_tokens"), rows, {"users": rows})
    return _render("audit/users.html", users=rows)


@bp.get("/audit/users/<user_id>")
@requires("audit.read")
def user_trail(user_id: str) -> tuple[str, int] | Response:
    """A user's own trail (registration, role grants and revocations, tokens) and the
    latest things they did anywhere."""
    fmt = requested_format()
    uid = uuid_or_404(user_id)
    services().projections.catch_up()
    with services().engine.connect() as conn:
        user = conn.execute(select(users).where(users.c.id == uid)).first()
    if user is None and uid != SYSTEM_ACTOR.user_id:
        abort(404)
    name = user.name if user is not None else SYSTEM_ACTOR.name
    roles = sorted(user.roles or []) if user is not None else sorted(SYSTEM_ACTOR.roles)
    t = audit_trail.c
    account = _trail_rows((t.subject_kind == "user") & (t.subject_id == uid))
    actions = _trail_rows(t.actor_id == uid, newest_first=True, limit=USER_ACTIONS_LIMIT)
    if fmt:
        exported = ([dict(r, section="account") for r in _trail_export_rows(account)]
                    + [dict(r, section="action", subject_id=a["subject_id"],
                            subject_kind=a["subject_kind"])
                       for r, a in zip(_trail_export_rows(actions), actions, strict=True)])
        return export_response(
            fmt, f"audit-user-{name}",
            ("section", *TRAIL_COLUMNS, "subject_kind", "subject_id"), exported, {
                "user": {"id": uid, "name": name, "roles": roles},
                "account_events": [r for r in exported if r["section"] == "account"],
                "actions": [r for r in exported if r["section"] == "action"],
                "actions_limit": USER_ACTIONS_LIMIT})
    return _render("audit/user.html", user_id=uid, name=name, roles=roles,
                   account=list(zip(account, describe(account), strict=True)),
                   actions=list(zip(actions, plain_details(actions), strict=True)),
                   actions_limit=USER_ACTIONS_LIMIT)
