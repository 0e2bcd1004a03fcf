"""Admin screens: users, roles and API tokens.

Lists read the ``rm_users`` read model (after a catch-up, so an admin sees their own
write at once). Every change goes through the application service, so each grant,
revocation and token is an audited event on the user's stream. A new API token is
shown exactly once, in the body of the POST response that issued it: never in a
flash cookie, a URL or a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from newsroom.domain.errors import NotFound, ValidationFailed, VersionConflict
from newsroom.domain.policy import ADMIN, ROLES, Actor
from newsroom.domain.user import user_id_for, validate_user_name
from newsroom.projections.tables import users as users_table
from newsroom.security import parse_token
from newsroom.timefmt import as_utc as _aware
from newsroom.web.context import newsroom, services
from newsroom.web.ui import require_actor, requires

bp = Blueprint("admin", __name__)

MIN_PASSWORD = 8
MAX_TOKEN_DAYS = 366
# The form's field for the role checkboxes; the domain reports a bad one as "role".
_FIELD_ALIASES = {"role": "roles"}

Page = tuple[str, int]


@dataclass(frozen=True)
class TokenRow:
    id: str
    issued_at: datetime | None
    expires_at: datetime | None
    revoked: bool
    expired: bool

    @property
    def active(self) -> bool:
        return not (self.revoked or self.expired)


@dataclass(frozen=True)
class UserRow:
    id: UUID
    name: str
    roles: list[str]
    created_at: datetime
    tokens: list[TokenRow]

    @property
    def active_tokens(self) -> int:
        return sum(1 for t in self.tokens if t.active)




def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        return None


def _row(mapping: Any, now: datetime) -> UserRow:
    tokens = []
    for raw in mapping["tokens"] or []:
        expires = _parse_time(raw.get("expires_at"))
        tokens.append(TokenRow(
            id=str(raw.get("id", "")), issued_at=_parse_time(raw.get("issued_at")),
            expires_at=expires, revoked=bool(raw.get("revoked")),
            expired=expires is not None and expires <= now,
        ))
    tokens.sort(key=lambda t: t.issued_at or now, reverse=True)
    return UserRow(id=mapping["id"], name=mapping["name"], roles=sorted(mapping["roles"] or []),
                   created_at=_aware(mapping["created_at"]), tokens=tokens)


def _all_users() -> list[UserRow]:
    services().projections.catch_up()
    now = datetime.now(UTC)
    with services().engine.connect() as conn:
        rows = conn.execute(select(users_table).order_by(users_table.c.name)).mappings().all()
    return [_row(r, now) for r in rows]


def _one_user(name: str) -> UserRow:
    """The user by name, case-insensitively (ids derive from the folded name); 404."""
    services().projections.catch_up()
    user_id = user_id_for(name)
    with services().engine.connect() as conn:
        row = conn.execute(select(users_table).where(users_table.c.id == user_id)
                           ).mappings().first()
    if row is None:
        abort(404, description=f"There is no user called {name!r}.")
    return _row(row, datetime.now(UTC))


def _field(exc: ValidationFailed) -> str:
    return _FIELD_ALIASES.get(exc.field, exc.field)


def _message(exc: ValidationFailed) -> str:
    # ValidationFailed reads "field: message"; the form shows it next to the field.
    text = str(exc)
    prefix = f"{exc.field}: "
    text = text[len(prefix):] if text.startswith(prefix) else text
    return text[:1].upper() + text[1:]


def _chosen_roles() -> list[str]:
    return list(dict.fromkeys(r for r in request.form.getlist("roles") if r))


def _list_page(status: int = 200, errors: dict[str, str] | None = None,
               form: dict[str, Any] | None = None) -> Page:
    return render_template(
        "admin/users.html", users=_all_users(), roles=ROLES, errors=errors or {},
        form=form or {"name": "", "roles": []}, min_password=MIN_PASSWORD,
    ), status


def _user_page(name: str, status: int = 200, errors: dict[str, str] | None = None,
               new_token: dict[str, Any] | None = None,
               chosen_roles: list[str] | None = None) -> Page:
    user = _one_user(name)
    return render_template(
        "admin/user.html", user=user, roles=ROLES, errors=errors or {},
        chosen_roles=user.roles if chosen_roles is None else chosen_roles,
        new_token=new_token, default_days=services().settings.token_days,
        max_days=MAX_TOKEN_DAYS,
    ), status


@bp.get("/admin/users")
@requires("user.manage")
def users() -> Page:
    return _list_page()


@bp.post("/admin/users")
@requires("user.manage")
def add_user() -> BaseResponse | Page:
    actor = require_actor()
    name = request.form.get("name", "")
    password = request.form.get("password", "")
    roles = _chosen_roles()
    form = {"name": name, "roles": roles}
    # Check every field before the (slow) password hash, so all mistakes show at once.
    errors: dict[str, str] = {}
    try:
        validate_user_name(name)
    except ValidationFailed as exc:
        errors["name"] = _message(exc)
    if len(password) < MIN_PASSWORD:
        errors["password"] = f"At least {MIN_PASSWORD} characters."
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = f"Unknown role {unknown[0]!r}."
    if errors:
        return _list_page(422, errors, form)
    try:
        newsroom().add_user(name, password, roles, actor)
    except ValidationFailed as exc:  # e.g. the name is taken
        return _list_page(422, {_field(exc): _message(exc)}, form)
    clean = name.strip()
    flash(f"User {clean} added" + (f" with roles {', '.join(roles)}." if roles else
                                  " with no roles yet."), "info")
    return redirect(url_for("admin.user", name=clean))


@bp.get("/admin/users/<name>")
@requires("user.manage")
def user(name: str) -> Page:
    return _user_page(name)


def _refuse_self_lockout(actor: Actor, name: str, roles: list[str]) -> None:
    """An admin cannot take away their own admin role from this screen: with the last
    admin gone, nobody could manage users from the UI. Another admin (or the CLI) can."""
    if user_id_for(name) == actor.user_id and ADMIN not in roles:
        raise ValidationFailed("roles", "you cannot remove your own admin role; "
                                        "ask another admin")


@bp.post("/admin/users/<name>/roles")
@requires("user.manage")
def set_roles(name: str) -> BaseResponse | Page:
    actor = require_actor()
    target = _one_user(name)
    roles = _chosen_roles()
    try:
        _refuse_self_lockout(actor, target.name, roles)
        newsroom().set_roles(actor, target.name, roles)
    except ValidationFailed as exc:
        return _user_page(target.name, 422, {_field(exc): _message(exc)}, chosen_roles=roles)
    except VersionConflict:
        return _user_page(target.name, 412, {
            "roles": "Someone changed this user at the same time. Here are the roles now; "
                     "choose again."})
    granted = sorted(set(roles) - set(target.roles))
    revoked = sorted(set(target.roles) - set(roles))
    if granted or revoked:
        parts = ([f"granted {', '.join(granted)}"] if granted else []) + (
            [f"revoked {', '.join(revoked)}"] if revoked else [])
        flash(f"Roles of {target.name}: {'; '.join(parts)}.", "info")
    else:
        flash(f"Roles of {target.name} unchanged.", "info")
    return redirect(url_for("admin.user", name=target.name))


@bp.post("/admin/users/<name>/tokens")
@requires("user.manage")
def issue_token(name: str) -> Page:
    actor = require_actor()
    target = _one_user(name)
    raw = request.form.get("expires_in", "").strip()
    default_days = services().settings.token_days
    try:
        days = int(raw) if raw else default_days
    except ValueError:
        return _user_page(target.name, 422, {"expires_in": "A whole number of days."})
    try:
        text, expires_at = newsroom().issue_token(target.name, days, actor)
    except ValidationFailed as exc:
        return _user_page(target.name, 422, {_field(exc): _message(exc)})
    parts = parse_token(text)
    # 201 with the token in the body: the one and only time it can be read. The page
    # is no-store (ui.no_store), so neither a cache nor the history keeps it.
    return _user_page(target.name, 201, new_token={
        "text": text, "expires_at": expires_at,
        "id": parts.token_id.hex if parts else "",
    })


@bp.post("/admin/users/<name>/tokens/<token_id>/revoke")
@requires("user.manage")
def revoke_token(name: str, token_id: str) -> BaseResponse:
    actor = require_actor()
    target = _one_user(name)
    try:
        tid = UUID(hex=token_id)
    except ValueError:
        abort(404)
    try:
        newsroom().revoke_token(target.name, tid, actor)
    except NotFound:
        abort(404, description=f"{target.name} has no token {token_id}.")
    flash(f"Token {tid.hex[:8]}… of {target.name} revoked; it stops working now.", "info")
    return redirect(url_for("admin.user", name=target.name))
