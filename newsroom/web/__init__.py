"""Flask application factory. Nothing is created at import time."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flask import Flask, Response, jsonify

from newsroom.bootstrap import Services, secret_key
from newsroom.web import (
    admin,
    api_articles,
    api_subscribers,
    api_tokens,
    api_translations,
    asof,
    audit,
    auth,
    deliveries,
    desk,
    editor,
    errors,
    feeds,
    health,
    integrity,
    provenance,
    public,
    redaction,
    subscribers_admin,
    translator,
    ui,
)

API_PREFIX = "/api/v1"
# A 2 MB body, JSON-escaped, fits well inside this; larger requests get 413 early.
MAX_REQUEST_BYTES = 8 * 1024 * 1024


def openapi_document() -> dict[str, Any]:
    text = resources.files("newsroom.web").joinpath("openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def create_app(services: Services, test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES, JSON_SORT_KEYS=False,
                      SECRET_KEY=secret_key(services.settings),
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    if test_config:
        app.config.update(test_config)
    app.extensions["newsroom"] = services
    errors.register(app)
    app.register_blueprint(api_articles.bp, url_prefix=API_PREFIX)
    app.register_blueprint(api_translations.bp, url_prefix=API_PREFIX)
    app.register_blueprint(api_tokens.bp, url_prefix=API_PREFIX)
    app.register_blueprint(api_subscribers.bp, url_prefix=API_PREFIX)
    for api in (redaction.api_bp, asof.api_bp, provenance.api_bp, integrity.api_bp):
        app.register_blueprint(api, url_prefix=API_PREFIX)
    app.register_blueprint(health.bp)
    ui.install(app)
    for screen in (auth, desk, editor, translator, audit, admin, subscribers_admin, deliveries,
                   public, feeds, asof, provenance, redaction, integrity):
        app.register_blueprint(screen.bp)

    @app.get("/api/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document())

    ui.enforce_declared_policies(app)
    return app
