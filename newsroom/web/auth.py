"""Login, logout and the home page that sends each role to its desk."""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from newsroom.web.context import newsroom
from newsroom.web.sessions import SESSION_LIFETIME
from newsroom.web.ui import (
    LOGGED_IN,
    PUBLIC,
    SESSION_COOKIE,
    current_session,
    requires,
    session_store,
    ui_actor,
)

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = (
    ("editor", "editor.queue"),
    ("journalist", "desk.my_articles"),
    ("translator", "translator.queue"),
    ("auditor", "audit.index"),
    ("admin", "admin.users"),
)


_LOCAL_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\x7f\\]*")


def _safe_next(target: str | None) -> str | None:
    """Only a plain local path: an open redirect would make the login page a phishing
    aid. Whitespace, control characters and backslashes are refused outright, since
    browsers and header writers drop or reinterpret them ("/\t/evil" → "//evil")."""
    if target and _LOCAL_PATH.fullmatch(target):
        return target
    return None


@bp.get("/")
@requires(*LOGGED_IN)
def home() -> BaseResponse:
    actor = ui_actor()
    assert actor is not None
    for role, endpoint in HOME_BY_ROLE:
        if role in actor.roles:
            return redirect(url_for(endpoint))
    return redirect(url_for("auth.no_role"))


@bp.get("/welcome")
@requires(*LOGGED_IN)
def no_role() -> str:
    return render_template("no_role.html")


@bp.route("/login", methods=["GET", "POST"])
@requires(*PUBLIC)
def login() -> BaseResponse | tuple[str, int] | str:
    if request.method == "GET":
        if ui_actor() is not None:
            return redirect(url_for("auth.home"))
        return render_template("login.html", name="", error=None)
    name = request.form.get("name", "").strip()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    store = session_store()
    if store.too_many_failures(name, address):
        return render_template("login.html", name=name, error=(
            "Too many failed attempts. Wait 15 minutes, then try again.")), 429
    actor = newsroom().login(name, password) if name and password else None
    if actor is None:
        store.record_failure(name or "-", address)
        return render_template("login.html", name=name,
                               error="Unknown user name or wrong password."), 401
    store.clear_failures(name)
    token = store.open(actor.user_id)
    response = redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    response.set_cookie(
        SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
        samesite="Lax", secure=request.is_secure, path="/",
    )
    return response


@bp.post("/logout")
@requires(*LOGGED_IN)
def logout() -> Response | BaseResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token and current_session() is not None:
        session_store().close(token)
    response = redirect(url_for("auth.login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
