"""Auditor screens (read-only): trail, diff, as-of view, timeline, exports."""

from __future__ import annotations

from flask import Blueprint, render_template

from newsroom.web.ui import requires

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@requires("audit.read")
def index() -> str:
    return render_template("audit/index.html", articles=[])
