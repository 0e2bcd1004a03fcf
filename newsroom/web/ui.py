"""What every UI screen shares: who is logged in, the route policy, CSRF, and the
helpers templates use. Each screen's blueprint imports from here."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, abort, g, redirect, request, url_for

from newsroom.domain.errors import NotFound
from newsroom.domain.policy import Actor
from newsroom.web.context import newsroom, services
from newsroom.web.localtime import local_datetime
from newsroom.web.sessions import Session, SessionStore

SESSION_COOKIE = "newsroom_session"
F = TypeVar("F", bound=Callable[..., Any])

# endpoint -> actions any one of which admits the user; "public" needs no login.
ROUTE_POLICY: dict[str, tuple[str, ...]] = {}
PUBLIC = ("public",)
LOGGED_IN = ("logged_in",)


def session_store() -> SessionStore:
    return SessionStore(services().engine)


def current_session() -> Session | None:
    if "ui_session" not in g:
        token = request.cookies.get(SESSION_COOKIE)
        g.ui_session = session_store().get(token) if token else None
    return cast(Session | None, g.ui_session)


def ui_actor() -> Actor | None:
    """The logged-in user with the roles granted now, or None."""
    if "ui_actor" not in g:
        session = current_session()
        actor = None
        if session is not None:
            try:
                actor = newsroom().actor_for(newsroom().get_user(session.user_id))
            except NotFound:
                actor = None
        g.ui_actor = actor
    return cast(Actor | None, g.ui_actor)


def require_actor() -> Actor:
    actor = ui_actor()
    if actor is None:
        abort(401)
    return actor


def requires(*actions: str) -> Callable[[F], F]:
    """Declares and enforces a route's policy: no session → login page; a session
    without any of the actions → 403. Routes without a declaration are refused."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if actions != PUBLIC:
                actor = ui_actor()
                if actor is None:
                    return redirect(url_for("auth.login", next=request.full_path))
                if actions != LOGGED_IN and not any(actor.can(a) for a in actions):
                    abort(403)
            return view(*args, **kwargs)

        wrapper.required_actions = actions  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def check_csrf() -> None:
    """Every state-changing form carries the session's CSRF token."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.path.startswith("/api/"):
        return  # bearer tokens, not cookies: no ambient authority to forge
    if request.endpoint == "auth.login":
        return  # the login form has no session yet; it is throttled and password-checked
    session = current_session()
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    if session is None:
        abort(403)
    if not hmac.compare_digest(sent, session.csrf_token):
        abort(400, description="The form expired or was sent from elsewhere; reload the page.")


def enforce_declared_policies(app: Flask) -> None:
    """Fails start-up if a UI route has no policy: deny by default, at build time."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if endpoint == "static" or rule.rule.startswith(("/api/", "/healthz")):
            continue
        view = app.view_functions[endpoint]
        actions = getattr(view, "required_actions", None)
        if actions is None:
            raise RuntimeError(f"UI route {rule.rule} ({endpoint}) declares no policy")
        ROUTE_POLICY[endpoint] = actions


def local_time(value: datetime | None, language: str = "en") -> str:
    if value is None:
        return ""
    settings = services().settings
    return local_datetime(value, language, settings.timezone, settings.locales)


def template_globals() -> dict[str, Any]:
    session = current_session()
    return {
        "actor": ui_actor(),
        "csrf_token": session.csrf_token if session else "",
        "newsroom_timezone": services().settings.timezone,
    }


def no_store(response: Response) -> Response:
    # Pages carry editorial drafts: keep them out of shared caches.
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install(app: Flask) -> None:
    app.before_request(check_csrf)
    app.after_request(no_store)
    app.context_processor(template_globals)
    app.jinja_env.filters["local_time"] = local_time
