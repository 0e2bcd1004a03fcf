"""Public pages: the published article with localized timestamps and corrections."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
