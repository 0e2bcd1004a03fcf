"""Verification of the log for auditors: ``GET /api/v1/audit/verify`` and the screen
``/audit/verify`` show the same result.

A verify reads every stored event; on a million events that is tens of seconds, too
long to repeat per request. So both show the last result with the time it was taken
(from any run: CLI, screen or API) while it is younger than FRESH_FOR, and run a new
one otherwise or when asked (``?fresh=1``, or the screen's "Verify now"). One run at
a time per process: concurrent requests wait for it and share its result.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from werkzeug.wrappers.response import Response as BaseResponse

from newsroom.integrity.service import Integrity
from newsroom.integrity.verify import VerifyResult
from newsroom.web.context import api_actor, services
from newsroom.web.ui import requires

api_bp = Blueprint("api_audit", __name__)
bp = Blueprint("integrity", __name__)

FRESH_FOR = timedelta(minutes=5)


def _lock() -> threading.Lock:
    lock: threading.Lock = current_app.extensions.setdefault("integrity_verify_lock",
                                                             threading.Lock())
    return lock


def _age(result: VerifyResult) -> timedelta:
    try:
        return datetime.now(UTC) - datetime.fromisoformat(result.verified_at)
    except ValueError:
        return FRESH_FOR * 2


def current_result(*, fresh: bool) -> tuple[VerifyResult, bool]:
    """(result, whether it came from the cache)."""
    integrity = Integrity.of(services())
    if not fresh:
        cached = integrity.last_result()
        if cached is not None and _age(cached) < FRESH_FOR:
            return cached, True
    started = datetime.now(UTC)
    with _lock():
        cached = integrity.last_result()
        # Another request ran one while we waited: theirs is as fresh as ours would be.
        if cached is not None and datetime.fromisoformat(cached.verified_at) >= started:
            return cached, True
        return integrity.verify(), False


def _document(result: VerifyResult, cached: bool) -> dict[str, Any]:
    return {**result.document(), "cached": cached}


@api_bp.get("/audit/verify")
def verify_api() -> Response:
    api_actor().role_for("audit.verify")
    result, cached = current_result(fresh=request.args.get("fresh") in {"1", "true", "yes"})
    return jsonify(_document(result, cached))


@bp.get("/audit/verify")
@requires("audit.verify")
def verify_screen() -> str:
    integrity = Integrity.of(services())
    result = integrity.last_result()
    cached = True
    if result is None:
        result, cached = current_result(fresh=True)
    return render_template("audit/verify.html", result=result.document(), cached=cached,
                           verified_at=datetime.fromisoformat(result.verified_at),
                           fresh_for_minutes=int(FRESH_FOR.total_seconds() // 60))


@bp.post("/audit/verify")
@requires("audit.verify")
def verify_now() -> BaseResponse:
    current_result(fresh=True)
    return redirect("/audit/verify", code=302)
