"""Public health endpoint: can we read the event store and the read models?"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from newsroom.web.context import services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks: dict[str, dict[str, object]] = {}
    try:
        position = services().app.recorder.max_notification_id()
        checks["store"] = {"ok": True, "position": position or 0}
    except Exception as exc:  # any failure here means "unhealthy", never a 500
        log.warning("store health check failed: %s", exc)
        checks["store"] = {"ok": False, "error": type(exc).__name__}
    try:
        with services().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["read_models"] = {"ok": True}
    except Exception as exc:
        log.warning("read-model health check failed: %s", exc)
        checks["read_models"] = {"ok": False, "error": type(exc).__name__}
    ok = all(bool(c["ok"]) for c in checks.values())
    return jsonify({"ok": ok, "checks": checks}), 200 if ok else 503
