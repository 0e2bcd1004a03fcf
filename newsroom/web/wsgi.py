"""WSGI entry for gunicorn: `gunicorn 'newsroom.web.wsgi:create()'`.

A factory, not a module-level app, so importing this module does no I/O.
"""

from __future__ import annotations

from flask import Flask

from newsroom.bootstrap import build
from newsroom.web import create_app


def create() -> Flask:
    return create_app(build())
