"""Translator screens: the review queue, side-by-side post-editing, approval."""

from __future__ import annotations

from flask import Blueprint, render_template

from newsroom.web.ui import requires

bp = Blueprint("translator", __name__)


@bp.get("/translations")
@requires("translation.edit")
def queue() -> str:
    return render_template("translator/queue.html", translations=[])
