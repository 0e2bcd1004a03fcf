"""Admin screens: users, roles and API tokens."""

from __future__ import annotations

from flask import Blueprint, render_template

from newsroom.web.ui import requires

bp = Blueprint("admin", __name__)


@bp.get("/admin/users")
@requires("user.manage")
def users() -> str:
    return render_template("admin/users.html", users=[])
