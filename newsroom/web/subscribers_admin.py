"""Admin screens for syndication subscribers: list, add, edit, suspend and resume;
auditors may look. Every change goes through the application service, so each is
an event on the subscriber's stream, with who made it (shown on the page, and in the
audit trail). Webhook URLs pass the SSRF guard before anything is saved; a
generated signing secret is shown once, in the response that created it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from newsroom import content
from newsroom.domain.errors import (
    InvalidTransition,
    NotFound,
    TooLarge,
    ValidationFailed,
    VersionConflict,
)
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.subscriber import FORMATS, SUSPENDED, TRANSPORTS, Subscriber
from newsroom.projections.tables import article_summaries, audit_trail, deliveries, users
from newsroom.ssrf import UnsafeTarget, check_url
from newsroom.timefmt import as_utc
from newsroom.web.context import newsroom, services
from newsroom.web.ui import require_actor, requires
from newsroom.webhook_secrets import InvalidSecret, generate_secret, parse_secret

bp = Blueprint("subscribers", __name__)

RECENT_DELIVERIES = 20
RECENT_FAILURES = 10
Page = tuple[str, int]
Errors = dict[str, str]


@dataclass(frozen=True)
class Failure:
    at: datetime
    reason: str
    delivery_id: str
    article_id: UUID | None
    headline: str


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    type: str
    actor: str
    actor_id: UUID
    role: str
    data: dict[str, Any]


# ---- reading the form -----------------------------------------------------------------


def _blank_form() -> dict[str, Any]:
    return {"name": "", "transport": "webhook", "url": "", "secret": "", "path": "",
            "format": "ninjs", "languages": [], "other_languages": "", "early_embargo": False}


def _form_of(subscriber: Subscriber) -> dict[str, Any]:
    known = set(services().settings.locales)
    return {"name": subscriber.name, "transport": subscriber.transport, "url": subscriber.url,
            "secret": "", "path": subscriber.path, "format": subscriber.format,
            "languages": [lang for lang in subscriber.languages if lang in known],
            "other_languages": ", ".join(lang for lang in subscriber.languages
                                         if lang not in known),
            "early_embargo": subscriber.early_embargo, "version": subscriber.version}


def _typed() -> dict[str, Any]:
    """The form as typed (the secret is never sent back into a page)."""
    form = request.form
    return {"name": form.get("name", "").strip(), "transport": form.get("transport", ""),
            "url": form.get("url", "").strip(), "secret": "",
            "path": form.get("path", "").strip(), "format": form.get("format", ""),
            "languages": [v for v in form.getlist("languages") if v],
            "other_languages": form.get("other_languages", "").strip(),
            "early_embargo": form.get("early_embargo") == "on",
            "version": form.get("expected_version", "")}


def _languages(typed: dict[str, Any], errors: Errors) -> list[str]:
    raw = [*typed["languages"],
           *(part.strip() for part in typed["other_languages"].split(",") if part.strip())]
    try:
        return list(dict.fromkeys(content.language(v, "languages") for v in raw))
    except ValidationFailed as exc:
        errors["languages"] = _message(exc)
        return []


def _message(exc: ValidationFailed | TooLarge) -> str:
    text = str(exc)
    prefix = f"{exc.field}: "
    text = text[len(prefix):] if text.startswith(prefix) else text
    return text[:1].upper() + text[1:]


def _settings(typed: dict[str, Any], existing: Subscriber | None
              ) -> tuple[dict[str, Any], Errors, str | None]:
    """The subscriber settings from the form, every field's error at once, and a
    secret generated for a webhook that has none yet."""
    errors: Errors = {}
    data: dict[str, Any] = {"name": typed["name"], "transport": typed["transport"],
                            "format": typed["format"], "early_embargo": typed["early_embargo"]}
    if not typed["name"]:
        errors["name"] = "Give the partner's name."
    if typed["transport"] not in TRANSPORTS:
        errors["transport"] = "Choose webhook or file drop."
    if typed["format"] not in FORMATS:
        errors["format"] = f"Choose one of {', '.join(FORMATS)}."
    data["languages"] = _languages(typed, errors)
    generated = None
    secret = request.form.get("secret", "").strip()
    if typed["transport"] == "webhook":
        data.update(url=typed["url"], path="")
        if not typed["url"]:
            errors["url"] = "A webhook needs its https URL."
        else:
            try:
                check_url(typed["url"],
                          allow_insecure=services().settings.webhook_allow_insecure)
            except UnsafeTarget as exc:
                errors["url"] = f"Refused by the SSRF guard: {str(exc).removeprefix('refused: ')}"
        if secret:
            try:
                parse_secret(secret)
                data["secret"] = secret
            except InvalidSecret as exc:
                errors["secret"] = str(exc)[:1].upper() + str(exc)[1:] + "."
        elif existing is None or not existing.secret:
            generated = data["secret"] = generate_secret()
    elif typed["transport"] == "file":
        data.update(path=typed["path"], url="")
        if not typed["path"]:
            errors["path"] = "A file drop needs the directory to write into."
    return data, errors, generated


# ---- reading the read models ----------------------------------------------------------


def _subscriber(subscriber_id: str) -> Subscriber:
    try:
        sid = UUID(subscriber_id)
    except ValueError:
        abort(404)
    try:
        return newsroom().get_subscriber(require_actor(), sid)
    except NotFound:
        abort(404, description="There is no such subscriber.")


def _failures(subscriber_id: UUID) -> list[Failure]:
    """The latest permanent failures: why a subscriber was (or will be) suspended."""
    t = audit_trail.c
    with services().engine.connect() as conn:
        rows = conn.execute(select(t.at, t.data).where(
            t.subject_id == subscriber_id, t.type == "SubscriberFailureNoted")
            .order_by(t.position.desc()).limit(RECENT_FAILURES)).all()
        ids = [str((data or {}).get("delivery_id", "")) for _, data in rows]
        about = {str(r.id): (r.article_id, r.headline) for r in conn.execute(
            select(deliveries.c.id, deliveries.c.article_id, article_summaries.c.headline)
            .select_from(deliveries.outerjoin(
                article_summaries, article_summaries.c.id == deliveries.c.article_id))
            .where(deliveries.c.id.in_([_as_uuid(i) for i in ids if _as_uuid(i)])))}
    failures = []
    for (at, data), did in zip(rows, ids, strict=True):
        article_id, headline = about.get(did, (None, ""))
        failures.append(Failure(at=as_utc(at), reason=str((data or {}).get("reason", "")),
                                delivery_id=did, article_id=article_id,
                                headline=headline or ""))
    return failures


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _recent_deliveries(subscriber_id: UUID) -> list[dict[str, Any]]:
    d = deliveries.c
    with services().engine.connect() as conn:
        rows = conn.execute(
            select(deliveries, article_summaries.c.headline)
            .select_from(deliveries.outerjoin(article_summaries,
                                              article_summaries.c.id == d.article_id))
            .where(d.subscriber_id == subscriber_id)
            .order_by(d.planned_at.desc()).limit(RECENT_DELIVERIES)).mappings().all()
    return [{**row, "planned_at": as_utc(row["planned_at"]),
             "delivered_at": as_utc(row["delivered_at"]) if row["delivered_at"] else None}
            for row in rows]


def _history(subscriber_id: UUID) -> list[HistoryRow]:
    """The subscriber's own events (not each failure, which has its own list)."""
    t = audit_trail.c
    with services().engine.connect() as conn:
        rows = conn.execute(
            select(t.at, t.type, t.actor_id, t.role, t.data, users.c.name)
            .select_from(audit_trail.outerjoin(users, users.c.id == t.actor_id))
            .where(t.subject_id == subscriber_id,
                   t.type.not_in(("SubscriberFailureNoted", "SubscriberFailuresCleared")))
            .order_by(t.position)).all()
    return [HistoryRow(at=as_utc(at), type=kind, actor=name or (
        SYSTEM_ACTOR.name if actor_id == SYSTEM_ACTOR.user_id else str(actor_id)),
        actor_id=actor_id, role=role, data=dict(data or {}))
        for at, kind, actor_id, role, data, name in rows]


# ---- pages ------------------------------------------------------------------------------


def _list_page(status: int = 200, errors: Errors | None = None,
               form: dict[str, Any] | None = None) -> Page:
    actor = require_actor()
    listed = sorted(newsroom().subscribers(actor), key=lambda s: s.name.casefold())
    return render_template(
        "subscribers/index.html", subscribers=listed, errors=errors or {},
        form=form or _blank_form(), transports=TRANSPORTS, formats=FORMATS,
        languages=list(services().settings.locales),
        can_manage=actor.can("subscriber.manage"), suspended=SUSPENDED), status


def _detail_page(subscriber: Subscriber, status: int = 200, errors: Errors | None = None,
                 form: dict[str, Any] | None = None, new_secret: str | None = None,
                 reason: str = "") -> Page:
    actor = require_actor()
    services().projections.catch_up()
    return render_template(
        "subscribers/detail.html", subscriber=subscriber, errors=errors or {},
        form=form or _form_of(subscriber), transports=TRANSPORTS, formats=FORMATS,
        languages=list(services().settings.locales), new_secret=new_secret,
        failures=_failures(subscriber.id), recent=_recent_deliveries(subscriber.id),
        history=_history(subscriber.id), reason=reason,
        can_manage=actor.can("subscriber.manage"), suspended=SUSPENDED), status


@bp.get("/admin/subscribers")
@requires("subscriber.read")
def index() -> Page:
    return _list_page()


@bp.post("/admin/subscribers")
@requires("subscriber.manage")
def create() -> Page | Response:
    actor = require_actor()
    typed = _typed()
    data, errors, generated = _settings(typed, None)
    if errors:
        return _list_page(422, errors, typed)
    try:
        saved = newsroom().add_subscriber(actor, data)
    except (ValidationFailed, TooLarge) as exc:
        return _list_page(422, {exc.field: _message(exc)}, typed)
    subscriber = newsroom().get_subscriber(actor, saved.id)
    if generated is not None:
        # 201 with the secret in the body: the one time it can be read.
        return _detail_page(subscriber, 201, new_secret=generated)
    flash(f"Subscriber {subscriber.name} added.", "info")
    return redirect(url_for("subscribers.detail", subscriber_id=saved.id))


@bp.get("/admin/subscribers/<subscriber_id>")
@requires("subscriber.read")
def detail(subscriber_id: str) -> Page:
    return _detail_page(_subscriber(subscriber_id))


def _expected_version() -> int | None:
    text = request.form.get("expected_version", "")
    return int(text) if text.isdigit() else None


@bp.post("/admin/subscribers/<subscriber_id>")
@requires("subscriber.manage")
def update(subscriber_id: str) -> Page | Response:
    actor = require_actor()
    subscriber = _subscriber(subscriber_id)
    typed = _typed()
    data, errors, generated = _settings(typed, subscriber)
    if errors:
        return _detail_page(subscriber, 422, errors, typed)
    changes = {k: v for k, v in data.items() if getattr(subscriber, k) != v}
    try:
        newsroom().update_subscriber(actor, subscriber.id, changes, _expected_version())
    except (ValidationFailed, TooLarge) as exc:
        return _detail_page(subscriber, 422, {exc.field: _message(exc)}, typed)
    except VersionConflict:
        return _detail_page(_subscriber(subscriber_id), 409, {"_form": (
            "Someone changed this subscriber since you opened the page. Here are the "
            "settings now; make your change again.")})
    fresh = _subscriber(subscriber_id)
    if generated is not None:
        return _detail_page(fresh, 200, new_secret=generated)
    changed = ", ".join(sorted(k.replace("_", " ") for k in changes)) or "nothing changed"
    flash(f"Subscriber {fresh.name} saved ({changed}).", "info")
    return redirect(url_for("subscribers.detail", subscriber_id=fresh.id))


@bp.post("/admin/subscribers/<subscriber_id>/suspend")
@requires("subscriber.manage")
def suspend(subscriber_id: str) -> Page | Response:
    actor = require_actor()
    subscriber = _subscriber(subscriber_id)
    reason = request.form.get("reason", "").replace("\r\n", "\n")
    try:
        newsroom().suspend_subscriber(actor, subscriber.id, reason, _expected_version())
    except (ValidationFailed, TooLarge) as exc:
        return _detail_page(subscriber, 422, {"reason": _message(exc)}, reason=reason)
    except InvalidTransition:
        return _detail_page(subscriber, 409, {"_form": "This subscriber is suspended already."})
    except VersionConflict:
        return _detail_page(_subscriber(subscriber_id), 409, {"_form": (
            "This subscriber changed since you opened the page; check it and try again.")},
            reason=reason)
    flash(f"{subscriber.name} suspended: nothing more is sent to it until it is resumed.",
          "info")
    return redirect(url_for("subscribers.detail", subscriber_id=subscriber.id))


@bp.post("/admin/subscribers/<subscriber_id>/resume")
@requires("subscriber.manage")
def resume(subscriber_id: str) -> Page | Response:
    actor = require_actor()
    subscriber = _subscriber(subscriber_id)
    try:
        newsroom().resume_subscriber(actor, subscriber.id, _expected_version())
    except InvalidTransition:
        return _detail_page(subscriber, 409, {"_form": "This subscriber is active already."})
    except VersionConflict:
        return _detail_page(_subscriber(subscriber_id), 409, {"_form": (
            "This subscriber changed since you opened the page; check it and try again.")})
    flash(f"{subscriber.name} resumed. Failed deliveries are not sent again by themselves: "
          "resend the ones it still needs.", "info")
    return redirect(url_for("subscribers.detail", subscriber_id=subscriber.id))
