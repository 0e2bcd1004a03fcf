"""Every UI route against every role: the status each one gets, written out literally.

The table below is the contract, typed by hand from what each screen is for. It is
deliberately NOT computed from ``newsroom.domain.policy`` or ``ROUTE_POLICY``: a change
to the policy must show up here as a failing cell and a reviewed edit of this table.

- Every (endpoint, method) in ``app.url_map`` except ``static``, ``/api/`` and
  ``/healthz`` must have a row (a new route without one fails ``test_table_covers...``),
  and every such endpoint must have a declared policy in ``ROUTE_POLICY``.
- Each cell runs against real objects: GETs use existing articles, translations and
  users; a POST that should succeed gets a fresh object in the right state, the
  session's CSRF token and minimal valid form data. A refused POST must change nothing
  in the event log.
- The "missing object" matrix sends unknown ids: roles that may use the route get 404,
  roles that may not still get 403 (the policy is checked before the lookup, so a 404
  never tells an outsider that an id exists).

Anonymous visitors get 302 to the login page on GETs; their POSTs are refused with 403
by the CSRF check (no session, so no token), before any route code runs.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import PASSWORD, Cast, csrf_of, make_cast, make_user, settings_for, ui_login
from flask import Flask
from werkzeug.test import TestResponse

from newsroom.bootstrap import Services, build
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.user import user_id_for
from newsroom.security import parse_token
from newsroom.web import create_app
from newsroom.web.sessions import SessionStore
from newsroom.web.ui import ROUTE_POLICY, SESSION_COOKIE

ANON, J, E, T, AU, AD = "anonymous", "journalist", "editor", "translator", "auditor", "admin"
ROLES = (ANON, J, E, T, AU, AD)

# (endpoint, method) -> {role: status}. Literal on purpose: see the module docstring.
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # ---- auth ----------------------------------------------------------------------
    ("auth.home", "GET"):        {ANON: 302, J: 302, E: 302, T: 302, AU: 302, AD: 302},
    ("auth.no_role", "GET"):     {ANON: 302, J: 200, E: 200, T: 200, AU: 200, AD: 200},
    ("auth.login", "GET"):       {ANON: 200, J: 302, E: 302, T: 302, AU: 302, AD: 302},
    ("auth.login", "POST"):      {ANON: 302, J: 302, E: 302, T: 302, AU: 302, AD: 302},
    ("auth.logout", "POST"):     {ANON: 403, J: 302, E: 302, T: 302, AU: 302, AD: 302},
    # ---- journalist desk -----------------------------------------------------------
    ("desk.my_articles", "GET"): {ANON: 302, J: 200, E: 200, T: 403, AU: 403, AD: 403},
    ("desk.new_article", "GET"): {ANON: 302, J: 200, E: 200, T: 403, AU: 403, AD: 403},
    ("desk.new_article", "POST"): {ANON: 403, J: 302, E: 302, T: 403, AU: 403, AD: 403},
    ("desk.article", "GET"):     {ANON: 302, J: 200, E: 200, T: 200, AU: 200, AD: 403},
    ("desk.edit", "GET"):        {ANON: 302, J: 200, E: 200, T: 403, AU: 403, AD: 403},
    ("desk.edit", "POST"):       {ANON: 403, J: 302, E: 302, T: 403, AU: 403, AD: 403},
    ("desk.submit", "POST"):     {ANON: 403, J: 302, E: 302, T: 403, AU: 403, AD: 403},
    # ---- editor --------------------------------------------------------------------
    ("editor.queue", "GET"):     {ANON: 302, J: 403, E: 200, T: 403, AU: 403, AD: 403},
    ("editor.search", "GET"):    {ANON: 302, J: 403, E: 200, T: 403, AU: 403, AD: 403},
    ("editor.review", "GET"):    {ANON: 302, J: 403, E: 200, T: 403, AU: 403, AD: 403},
    ("editor.approve", "POST"):  {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    ("editor.request_changes", "POST"):
                                 {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    ("editor.publish", "POST"):  {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    ("editor.correct", "POST"):  {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    ("editor.retract", "POST"):  {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    ("editor.request_translations", "POST"):
                                 {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    # Breaking an embargo early: editors only.
    ("editor.release_embargo", "POST"):
                                 {ANON: 403, J: 403, E: 302, T: 403, AU: 403, AD: 403},
    # ---- deliveries: the newsroom and auditors read, admins read and resend -------------
    ("deliveries.article_deliveries", "GET"):
                                 {ANON: 302, J: 200, E: 200, T: 200, AU: 200, AD: 200},
    ("deliveries.resend", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    # ---- subscribers: admins manage, auditors look --------------------------------------
    ("subscribers.index", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 200},
    ("subscribers.create", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    ("subscribers.detail", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 200},
    ("subscribers.update", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    ("subscribers.suspend", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    ("subscribers.resume", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    # ---- translator ----------------------------------------------------------------
    ("feeds.atom", "GET"):       {ANON: 200, J: 200, E: 200, T: 200, AU: 200, AD: 200},
    ("feeds.sitemap", "GET"):    {ANON: 200, J: 200, E: 200, T: 200, AU: 200, AD: 200},
    ("translator.queue", "GET"): {ANON: 302, J: 403, E: 200, T: 200, AU: 403, AD: 403},
    ("translator.review", "GET"): {ANON: 302, J: 200, E: 200, T: 200, AU: 200, AD: 403},
    ("translator.post_edit", "POST"):
                                 {ANON: 403, J: 403, E: 302, T: 302, AU: 403, AD: 403},
    ("translator.approve", "POST"):
                                 {ANON: 403, J: 403, E: 302, T: 302, AU: 403, AD: 403},
    # ---- auditor -------------------------------------------------------------------
    ("audit.index", "GET"):      {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.trail", "GET"):      {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.diff", "GET"):       {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.as_of", "GET"):      {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.timeline", "GET"):   {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.users_index", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("audit.user_trail", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("asof.public_page", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("asof.desk", "GET"):        {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("provenance.trace", "GET"): {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    # Tracing a copy posts the text (too long for a URL) but changes nothing.
    ("provenance.trace", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    # ---- integrity (auditors) ------------------------------------------------------
    ("integrity.verify_screen", "GET"):
                                 {ANON: 302, J: 403, E: 403, T: 403, AU: 200, AD: 403},
    ("integrity.verify_now", "POST"):
                                 {ANON: 403, J: 403, E: 403, T: 403, AU: 302, AD: 403},
    # ---- redaction (admins) --------------------------------------------------------
    ("redaction.index", "GET"):  {ANON: 302, J: 403, E: 403, T: 403, AU: 403, AD: 200},
    ("redaction.create", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    # ---- admin ---------------------------------------------------------------------
    ("admin.users", "GET"):      {ANON: 302, J: 403, E: 403, T: 403, AU: 403, AD: 200},
    ("admin.add_user", "POST"):  {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    ("admin.user", "GET"):       {ANON: 302, J: 403, E: 403, T: 403, AU: 403, AD: 200},
    ("admin.set_roles", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    # 201: the new token is shown once, in the body of the response that issued it.
    ("admin.issue_token", "POST"): {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 201},
    ("admin.revoke_token", "POST"):
                                 {ANON: 403, J: 403, E: 403, T: 403, AU: 403, AD: 302},
    # ---- public --------------------------------------------------------------------
    ("public.article", "GET"):   {ANON: 200, J: 200, E: 200, T: 200, AU: 200, AD: 200},
}

# Where "/" sends each role (literal too).
HOME = {J: "/desk", E: "/queue", T: "/translations", AU: "/audit", AD: "/admin/users"}

HEADLINE = "Montréal adopte un budget de 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")
ES_HEADLINE = "Montréal aprueba un presupuesto de 6,8 mil millones"
ES_BODY = ("El consejo municipal de Montréal aprobó el martes un presupuesto de 6,8 mil "
           "millones de dólares.\n\nLa alcaldesa Valérie Plante se dijo satisfecha.")


def ui_endpoints(app: Flask) -> set[tuple[str, str]]:
    """(endpoint, method) of every UI route, with the same exclusions as the policy
    check at start-up (ui.enforce_declared_policies)."""
    found: set[tuple[str, str]] = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith(("/api/", "/healthz")):
            continue
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((rule.endpoint, method))
    return found


# ---- the world every cell acts on ---------------------------------------------------


@dataclass
class Login:
    user: str
    cookie: str
    csrf: str


@dataclass
class World:
    services: Services
    app: Flask
    cast: Cast
    logins: dict[str, Login]
    # Existing objects for GETs (and for refusals, which must not need fresh state).
    draft: UUID = field(default_factory=uuid.uuid4)
    story: UUID = field(default_factory=uuid.uuid4)
    subscriber: UUID = field(default_factory=uuid.uuid4)
    failed_delivery: UUID = field(default_factory=uuid.uuid4)
    managed_user: str = "mona"
    counter: Iterator[int] = field(default_factory=itertools.count)

    # -- fresh objects in the right state, for POSTs that succeed ------------------

    def new_draft(self) -> UUID:
        return self.services.app.create_article(
            self.cast.journalist, headline=HEADLINE, body=BODY, language="fr",
            dateline="MONTRÉAL", byline="Jane").id

    def new_submitted(self) -> UUID:
        article_id = self.new_draft()
        self.services.app.submit(self.cast.journalist, article_id)
        return article_id

    def new_approved(self) -> UUID:
        article_id = self.new_submitted()
        self.services.app.approve(self.cast.editor, article_id)
        return article_id

    def new_published(self) -> UUID:
        article_id = self.new_approved()
        self.services.app.publish(self.cast.editor, article_id)
        return article_id

    def new_embargoed(self) -> UUID:
        article_id = self.new_approved()
        self.services.app.publish(self.cast.editor, article_id,
                                  embargo_until=datetime.now(UTC) + timedelta(days=1))
        return article_id

    def new_subscriber(self, *, suspended: bool = False) -> UUID:
        app = self.services.app
        sid = app.add_subscriber(self.cast.admin, {
            "name": f"Partner {next(self.counter)}", "transport": "file",
            "path": "partner-drop", "format": "ninjs", "languages": ["fr"]}).id
        if suspended:
            app.suspend_subscriber(self.cast.admin, sid, "Contract paused.")
        return sid

    def new_failed_delivery(self) -> UUID:
        """A delivery of a fresh publication to a fresh subscriber, failed for good."""
        app = self.services.app
        subscriber = self.new_subscriber()
        article_id = self.new_published()
        version = app.get_article(self.cast.editor, article_id).version
        planned = app.plan_deliveries(article_id, version, {}, datetime.now(UTC))
        (mine,) = [d for d in planned
                   if app.get_delivery(SYSTEM_ACTOR, d).subscriber_id == subscriber]
        app.record_delivery_attempt(mine, outcome="permanent", http_status=None,
                                    duration_ms=1, excerpt="", error="disk full", give_up=True)
        return mine

    def new_translated(self) -> UUID:
        """An approved article with a machine translation into Spanish, as the worker
        records it."""
        app = self.services.app
        article_id = self.new_approved()
        app.request_translations(self.cast.editor, article_id, ["es"])
        version = app.get_article(self.cast.editor, article_id).content_version
        assert app.record_machine_translation(
            article_id, "es", headline=ES_HEADLINE, body=ES_BODY, source_version=version,
            engine="test", engine_version="1", route=["fr-es"], duration_ms=1,
            unknown_words=[])
        return article_id

    def version(self, article_id: UUID) -> str:
        return str(self.services.app.get_article(self.cast.editor, article_id).version)

    def translation_version(self, article_id: UUID) -> str:
        return str(self.services.app.get_translation(self.cast.editor, article_id, "es")
                   .version)

    def new_user(self) -> str:
        name = f"user{next(self.counter)}"
        make_user(self.services, name, "journalist")
        return name

    def token_of(self, name: str) -> str:
        text, _ = self.services.app.issue_token(name, 1)
        parts = parse_token(text)
        assert parts is not None
        return parts.token_id.hex

    def extra_login(self, role: str) -> Login:
        """Another session for the role's user (what the login form opens), so that
        logging it out leaves the shared one alone."""
        store = SessionStore(self.services.engine)
        token = store.open(user_id_for(USER_OF[role]))
        session = store.get(token)
        assert session is not None
        return Login(USER_OF[role], token, session.csrf_token)

    def events(self) -> int:
        return int(self.services.app.recorder.max_notification_id() or 0)


USER_OF = {J: "jane", E: "eddie", T: "tina", AU: "audrey", AD: "adam"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    services = build(settings_for(Path(tmp_path_factory.mktemp("matrix")) / "var"))
    try:
        cast = make_cast(services)
        app = create_app(services, {"TESTING": True})
        logins: dict[str, Login] = {}
        for role, name in USER_OF.items():
            client = ui_login(app.test_client(), name)
            cookie = client.get_cookie(SESSION_COOKIE)
            assert cookie is not None
            logins[role] = Login(name, cookie.value, csrf_of(client))
        w = World(services=services, app=app, cast=cast, logins=logins)
        w.draft = w.new_draft()
        # The story: published, with a machine translation into Spanish.
        w.story = w.new_translated()
        services.app.publish(cast.editor, w.story)
        make_user(services, w.managed_user, "journalist")
        w.subscriber = w.new_subscriber()
        w.failed_delivery = w.new_failed_delivery()
        yield w
    finally:
        services.close()


# ---- what each route is sent, per role --------------------------------------------

# A request: (path, form data or None for a GET).
Request = tuple[str, dict[str, Any] | None]
Builder = Callable[[World, str], Request]


def _get(path: Callable[[World], str]) -> Builder:
    return lambda w, role: (path(w), None)


def _edit(w: World, role: str) -> Request:
    # Jane may edit only her own draft; Eddie any draft. Refusals use the shared draft.
    aid = w.new_draft() if role in (J, E) else w.draft
    return f"/articles/{aid}/edit", {
        "expected_version": w.version(aid), "headline": f"{HEADLINE}, révisé",
        "body": BODY, "dateline": "MONTRÉAL", "byline": "Jane"}


def _submit(w: World, role: str) -> Request:
    aid = w.new_draft() if role in (J, E) else w.draft
    return f"/articles/{aid}/submit", {"expected_version": w.version(aid)}


def _review_action(action: str, fresh: Callable[[World], UUID],
                   fields: dict[str, str]) -> Builder:
    def build_request(w: World, role: str) -> Request:
        aid = fresh(w) if role == E else w.story
        return f"/articles/{aid}/{action}", {"expected_version": w.version(aid), **fields}

    return build_request


def _translation_action(action: str, fields: dict[str, str]) -> Builder:
    def build_request(w: World, role: str) -> Request:
        aid = w.new_translated() if role in (E, T) else w.story
        return f"/articles/{aid}/translations/es/{action}", {
            "version": w.translation_version(aid), **fields}

    return build_request


def _login(w: World, role: str) -> Request:
    return "/login", {"name": USER_OF.get(role, "jane"), "password": PASSWORD}


def _add_user(w: World, role: str) -> Request:
    return "/admin/users", {"name": f"added{next(w.counter)}", "password": "long enough pw",
                            "roles": ["journalist"]}


def _set_roles(w: World, role: str) -> Request:
    name = w.new_user() if role == AD else w.managed_user
    return f"/admin/users/{name}/roles", {"roles": ["journalist", "translator"]}


def _issue_token(w: World, role: str) -> Request:
    return f"/admin/users/{w.managed_user}/tokens", {"expires_in": "7"}


def _revoke_token(w: World, role: str) -> Request:
    return f"/admin/users/{w.managed_user}/tokens/{w.token_of(w.managed_user)}/revoke", {}


def _subscriber_form(w: World) -> dict[str, Any]:
    return {"name": f"Partner {next(w.counter)}", "transport": "file",
            "path": "partner-drop", "format": "ninjs", "languages": ["fr"]}


def _subscriber_action(action: str, fields: Callable[[World], dict[str, Any]],
                       suspended: bool = False) -> Builder:
    def build_request(w: World, role: str) -> Request:
        sid = w.new_subscriber(suspended=suspended) if role == AD else w.subscriber
        return f"/admin/subscribers/{sid}{action}", fields(w)

    return build_request


def _resend(w: World, role: str) -> Request:
    did = w.new_failed_delivery() if role == AD else w.failed_delivery
    return f"/deliveries/{did}/resend", {}


def _redact(w: World, role: str) -> Request:
    aid = w.new_draft() if role == AD else w.draft
    return "/admin/redactions", {"article_id": str(aid), "version": "1",
                                 "reason": "Court order", "reference": "C-2026-1"}


def _user_id(w: World) -> str:
    return str(w.cast.journalist.user_id)


BUILDERS: dict[tuple[str, str], Builder] = {
    ("auth.home", "GET"): _get(lambda w: "/"),
    ("auth.no_role", "GET"): _get(lambda w: "/welcome"),
    ("auth.login", "GET"): _get(lambda w: "/login"),
    ("auth.login", "POST"): _login,
    ("auth.logout", "POST"): lambda w, role: ("/logout", {}),  # own session: see send()
    ("desk.my_articles", "GET"): _get(lambda w: "/desk"),
    ("desk.new_article", "GET"): _get(lambda w: "/articles/new"),
    ("desk.new_article", "POST"): lambda w, role: ("/articles/new", {
        "headline": HEADLINE, "body": BODY, "language": "fr", "dateline": "", "byline": ""}),
    ("desk.article", "GET"): _get(lambda w: f"/articles/{w.story}"),
    ("desk.edit", "GET"): _get(lambda w: f"/articles/{w.draft}/edit"),
    ("desk.edit", "POST"): _edit,
    ("desk.submit", "POST"): _submit,
    ("editor.queue", "GET"): _get(lambda w: "/queue"),
    ("editor.search", "GET"): _get(lambda w: "/search?q=Montr%C3%A9al"),
    ("editor.review", "GET"): _get(lambda w: f"/articles/{w.story}/review"),
    ("editor.approve", "POST"): _review_action("approve", World.new_submitted, {}),
    ("editor.request_changes", "POST"): _review_action(
        "request-changes", World.new_submitted, {"comment": "Source the figure, please."}),
    ("editor.publish", "POST"): _review_action(
        "publish", World.new_approved, {"when": "now", "embargo_until": "", "at": ""}),
    ("editor.correct", "POST"): _review_action("correct", World.new_published, {
        "body": BODY.replace("mardi", "lundi"), "note": "The vote was on Monday."}),
    ("editor.retract", "POST"): _review_action(
        "retract", World.new_published, {"reason": "The figures were wrong."}),
    ("editor.request_translations", "POST"): _review_action(
        "translations", World.new_approved, {"languages": "ca"}),
    ("editor.release_embargo", "POST"): _review_action(
        "release-embargo", World.new_embargoed, {"release_reason": "The minister told all."}),
    ("deliveries.article_deliveries", "GET"): _get(lambda w: f"/articles/{w.story}/deliveries"),
    ("deliveries.resend", "POST"): _resend,
    ("subscribers.index", "GET"): _get(lambda w: "/admin/subscribers"),
    ("subscribers.create", "POST"): lambda w, role: ("/admin/subscribers", _subscriber_form(w)),
    ("subscribers.detail", "GET"): _get(lambda w: f"/admin/subscribers/{w.subscriber}"),
    ("subscribers.update", "POST"): _subscriber_action("", _subscriber_form),
    ("subscribers.suspend", "POST"): _subscriber_action(
        "/suspend", lambda w: {"reason": "Their server is down for a week."}),
    ("subscribers.resume", "POST"): _subscriber_action("/resume", lambda w: {},
                                                       suspended=True),
    ("feeds.atom", "GET"): _get(lambda w: "/feeds/fr.atom"),
    ("feeds.sitemap", "GET"): _get(lambda w: "/sitemap-news.xml"),
    ("translator.queue", "GET"): _get(lambda w: "/translations"),
    ("translator.review", "GET"): _get(lambda w: f"/articles/{w.story}/translations/es"),
    ("translator.post_edit", "POST"): _translation_action(
        "post-edit", {"headline": ES_HEADLINE, "body": ES_BODY.replace("martes", "lunes")}),
    ("translator.approve", "POST"): _translation_action("approve", {"override_reason": ""}),
    ("audit.index", "GET"): _get(lambda w: "/audit"),
    ("audit.trail", "GET"): _get(lambda w: f"/audit/articles/{w.story}"),
    ("audit.diff", "GET"): _get(lambda w: f"/audit/articles/{w.story}/diff?from=1&to=2"),
    ("audit.as_of", "GET"): _get(lambda w: f"/audit/articles/{w.story}/as-of?version=2"),
    ("audit.timeline", "GET"): _get(lambda w: f"/audit/articles/{w.story}/timeline.svg"),
    ("audit.users_index", "GET"): _get(lambda w: "/audit/users"),
    ("audit.user_trail", "GET"): _get(lambda w: f"/audit/users/{_user_id(w)}"),
    ("asof.public_page", "GET"): _get(
        lambda w: f"/audit/articles/{w.story}/public-at?at=2030-01-01T12:00"),
    ("asof.desk", "GET"): _get(lambda w: "/audit/desk-at?at=2030-01-01T12:00"),
    ("provenance.trace", "GET"): _get(lambda w: "/audit/provenance"),
    ("provenance.trace", "POST"): lambda w, role: ("/audit/provenance", {"text": BODY}),
    ("integrity.verify_screen", "GET"): _get(lambda w: "/audit/verify"),
    ("integrity.verify_now", "POST"): lambda w, role: ("/audit/verify", {}),
    ("redaction.index", "GET"): _get(lambda w: f"/admin/redactions?article_id={w.story}"),
    ("redaction.create", "POST"): _redact,
    ("admin.users", "GET"): _get(lambda w: "/admin/users"),
    ("admin.add_user", "POST"): _add_user,
    ("admin.user", "GET"): _get(lambda w: f"/admin/users/{w.managed_user}"),
    ("admin.set_roles", "POST"): _set_roles,
    ("admin.issue_token", "POST"): _issue_token,
    ("admin.revoke_token", "POST"): _revoke_token,
    ("public.article", "GET"): _get(lambda w: f"/news/{w.story}"),
}

# Unknown objects, for the routes that take one: an id nobody has.
MISSING: dict[tuple[str, str], str] = {
    ("feeds.atom", "GET"): "/feeds/not_a_language.atom",
    ("desk.article", "GET"): "/articles/{aid}",
    ("desk.edit", "GET"): "/articles/{aid}/edit",
    ("desk.edit", "POST"): "/articles/{aid}/edit",
    ("desk.submit", "POST"): "/articles/{aid}/submit",
    ("editor.review", "GET"): "/articles/{aid}/review",
    ("editor.approve", "POST"): "/articles/{aid}/approve",
    ("editor.request_changes", "POST"): "/articles/{aid}/request-changes",
    ("editor.publish", "POST"): "/articles/{aid}/publish",
    ("editor.correct", "POST"): "/articles/{aid}/correct",
    ("editor.retract", "POST"): "/articles/{aid}/retract",
    ("editor.request_translations", "POST"): "/articles/{aid}/translations",
    ("editor.release_embargo", "POST"): "/articles/{aid}/release-embargo",
    ("deliveries.article_deliveries", "GET"): "/articles/{aid}/deliveries",
    ("deliveries.resend", "POST"): "/deliveries/{aid}/resend",
    ("subscribers.detail", "GET"): "/admin/subscribers/{aid}",
    ("subscribers.update", "POST"): "/admin/subscribers/{aid}",
    ("subscribers.suspend", "POST"): "/admin/subscribers/{aid}/suspend",
    ("subscribers.resume", "POST"): "/admin/subscribers/{aid}/resume",
    ("translator.review", "GET"): "/articles/{aid}/translations/es",
    ("translator.post_edit", "POST"): "/articles/{aid}/translations/es/post-edit",
    ("translator.approve", "POST"): "/articles/{aid}/translations/es/approve",
    ("audit.trail", "GET"): "/audit/articles/{aid}",
    ("audit.diff", "GET"): "/audit/articles/{aid}/diff",
    ("audit.as_of", "GET"): "/audit/articles/{aid}/as-of",
    ("audit.timeline", "GET"): "/audit/articles/{aid}/timeline.svg",
    ("audit.user_trail", "GET"): "/audit/users/{aid}",
    ("asof.public_page", "GET"): "/audit/articles/{aid}/public-at",
    ("admin.user", "GET"): "/admin/users/{name}",
    ("admin.set_roles", "POST"): "/admin/users/{name}/roles",
    ("admin.issue_token", "POST"): "/admin/users/{name}/tokens",
    ("admin.revoke_token", "POST"): "/admin/users/{name}/tokens/{tid}/revoke",
    ("public.article", "GET"): "/news/{aid}",
}


def send(w: World, role: str, path: str, data: dict[str, Any] | None,
         login: Login | None = None) -> TestResponse:
    """GET, or POST with the session's CSRF token, as ``role`` (or the given login)."""
    login = login or w.logins.get(role)
    client = w.app.test_client()
    if login is not None:
        client.set_cookie(SESSION_COOKIE, login.cookie)
    if data is None:
        return client.get(path)
    if login is not None:
        data = {**data, "csrf_token": login.csrf}
    return client.post(path, data=data)


def _essence(page: str) -> str:
    """The messages of a page (errors, flashes), else its start."""
    import re

    found = re.findall(r'<p class="(?:field-error|flash[^"]*|error)"[^>]*>(.*?)</p>', page, re.S)
    return "\n".join(found) if found else page[:1500]


def _describe(response: TestResponse) -> str:
    return (f"{response.status_code} Location={response.headers.get('Location')!r}\n"
            + _essence(response.get_data(as_text=True)))


# ---- the meta-tests -------------------------------------------------------------------


def test_table_covers_exactly_the_apps_ui_routes(world: World) -> None:
    routes = ui_endpoints(world.app)
    missing = sorted(routes - set(EXPECTED))
    stale = sorted(set(EXPECTED) - routes)
    assert not missing, f"UI routes without a row in EXPECTED (add one): {missing}"
    assert not stale, f"rows in EXPECTED for routes that no longer exist: {stale}"
    assert set(BUILDERS) == set(EXPECTED), "every row needs a request builder"
    assert set(MISSING) <= set(EXPECTED)
    for key, row in EXPECTED.items():
        assert set(row) == set(ROLES), f"{key}: a status for every role, got {sorted(row)}"
        assert set(row.values()) <= {200, 201, 302, 403, 404}, key


def test_every_ui_endpoint_declares_a_policy(world: World) -> None:
    endpoints = {endpoint for endpoint, _ in ui_endpoints(world.app)}
    undeclared = sorted(e for e in endpoints if not ROUTE_POLICY.get(e))
    assert not undeclared, f"UI endpoints without a declared policy: {undeclared}"
    for endpoint in endpoints:
        view = world.app.view_functions[endpoint]
        assert getattr(view, "required_actions", None) == ROUTE_POLICY[endpoint], endpoint


def test_the_coverage_check_notices_a_new_route(flask_app: Flask) -> None:
    """The meta-test's own check: a route added to the app shows up as uncovered, and
    one without a policy stops the app from starting."""
    from newsroom.web.ui import LOGGED_IN, enforce_declared_policies, requires

    flask_app.add_url_rule("/reports", "desk.reports", requires(*LOGGED_IN)(lambda: "ok"),
                           methods=["GET", "POST"])
    assert ui_endpoints(flask_app) - set(EXPECTED) == {("desk.reports", "GET"),
                                                       ("desk.reports", "POST")}
    flask_app.add_url_rule("/unguarded", "desk.unguarded", lambda: "open")
    saved = dict(ROUTE_POLICY)  # the check fills this module-level table as it goes
    try:
        with pytest.raises(RuntimeError, match="declares no policy"):
            enforce_declared_policies(flask_app)
    finally:
        ROUTE_POLICY.clear()
        ROUTE_POLICY.update(saved)


def test_routes_with_ids_have_missing_object_cases(world: World) -> None:
    rules = {r.endpoint: r.rule for r in world.app.url_map.iter_rules()}
    with_ids = {key for key in EXPECTED if "<" in rules[key[0]]}
    assert with_ids == set(MISSING), sorted(with_ids ^ set(MISSING))


# ---- the matrix -------------------------------------------------------------------------

CELLS = [(key, role) for key in EXPECTED for role in ROLES]


@pytest.mark.parametrize(("key", "role"), CELLS,
                         ids=[f"{k[0]}-{k[1]}-{r}" for k, r in CELLS])
def test_route_role_status(world: World, key: tuple[str, str], role: str) -> None:
    expected = EXPECTED[key][role]
    path, data = BUILDERS[key](world, role)
    login = world.extra_login(role) if key == ("auth.logout", "POST") and role != ANON \
        else None
    before = world.events()
    response = send(world, role, path, data, login)
    assert response.status_code == expected, f"{key} as {role}: {_describe(response)}"
    location = response.headers.get("Location", "")
    if expected == 302 and role == ANON and data is None:
        assert location.startswith("/login?next="), location
    elif expected == 302 and key == ("auth.home", "GET"):
        assert location == HOME[role], location
    elif expected == 302 and key in {("auth.login", "GET"), ("auth.login", "POST")}:
        assert location == "/", location
    elif expected == 302 and key == ("auth.logout", "POST"):
        assert location == "/login", location
    elif expected == 302:
        assert location and not location.startswith("/login"), location
    if expected == 403 and data is not None:
        assert world.events() == before, f"a refused {key} wrote events"


def test_logout_closes_the_session(world: World) -> None:
    for role in USER_OF:
        login = world.extra_login(role)
        assert send(world, role, "/welcome", None, login).status_code == 200
        assert send(world, role, "/logout", {}, login).status_code == 302
        after = send(world, role, "/welcome", None, login)
        assert after.status_code == 302, f"{role}'s session outlived the logout"


def test_a_post_login_session_works(world: World) -> None:
    client = world.app.test_client()
    response = client.post("/login", data={"name": "tina", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/translations").status_code == 200
    assert client.get("/queue").status_code == 403


MISSING_CELLS = [(key, role) for key in MISSING for role in ROLES]


@pytest.mark.parametrize(("key", "role"), MISSING_CELLS,
                         ids=[f"{k[0]}-{k[1]}-{r}" for k, r in MISSING_CELLS])
def test_route_role_status_for_unknown_objects(world: World, key: tuple[str, str],
                                               role: str) -> None:
    """Allowed roles get 404 for an unknown object; refused ones 403 (policy first)."""
    allowed = EXPECTED[key][role] in (200, 201, 302) and not (role == ANON and key[1] == "GET"
                                                               and key[0] not in (
                                                                   "public.article",
                                                                   "feeds.atom"))
    expected = 404 if allowed else EXPECTED[key][role]
    path = MISSING[key].format(aid=uuid.uuid4(), name="nobody-here", tid=uuid.uuid4().hex)
    data = {"expected_version": "1", "version": "1"} if key[1] == "POST" else None
    response = send(world, role, path, data)
    assert response.status_code == expected, f"{key} as {role}: {_describe(response)}"


@pytest.mark.parametrize("path", [
    "/articles/not-a-uuid", "/articles/not-a-uuid/review", "/audit/articles/not-a-uuid",
    "/audit/users/not-a-uuid", "/articles/not-a-uuid/translations/es",
])
def test_malformed_ids_are_404_for_allowed_roles(world: World, path: str) -> None:
    role = AU if path.startswith("/audit") else E
    assert send(world, role, path, None).status_code == 404
