"""Journalist screens: my articles, new article, edit, submit."""

from __future__ import annotations

from flask import Blueprint, render_template

from newsroom.web.ui import requires

bp = Blueprint("desk", __name__)


@bp.get("/desk")
@requires("article.create")
def my_articles() -> str:
    return render_template("desk/my_articles.html", articles=[])
