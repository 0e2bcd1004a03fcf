"""Editor screens: the queue of submissions, search, review, publish, correct, retract."""

from __future__ import annotations

from flask import Blueprint, render_template

from newsroom.web.ui import requires

bp = Blueprint("editor", __name__)


@bp.get("/queue")
@requires("article.approve")
def queue() -> str:
    return render_template("editor/queue.html", articles=[])


@bp.get("/search")
@requires("article.approve")
def search() -> str:
    return render_template("editor/queue.html", articles=[])
