"""Verification of the log for auditors: ``GET /api/v1/audit/verify`` and the screen
``/audit/verify`` show the same result, by the same freshness rule.

A verify reads every stored event; on a million events that is tens of seconds, too
long to repeat per request. So both show this process's last result while it is
younger than FRESH_FOR, with its age, and run a new one otherwise or when asked
(``?fresh=1``, or the screen's "Verify now"). The kept result lives in process
memory, never in the database: a database administrator able to tamper with the log
could also write a reassuring verification result. Its age is measured on the
process's monotonic clock, so no stored or future timestamp can make it look fresh.

A fresh request always gets a run that started after it arrived: one run at a time
per process, and requests waiting meanwhile share the next run rather than each
starting their own.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
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


@dataclass
class _Kept:
    result: VerifyResult
    started: float  # monotonic time the run began
    finished: float


class VerifyCache:
    """This process's last verify result, and the lock that serialises runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: _Kept | None = None

    def get(self, run: Any, *, fresh: bool) -> tuple[_Kept, bool]:
        """(kept result, whether it came from the cache)."""
        arrived = time.monotonic()
        kept = self.kept
        if not fresh and kept is not None and arrived - kept.finished < FRESH_FOR.total_seconds():
            return kept, True
        with self.lock:
            kept = self.kept
            # A run that began after this request arrived saw everything it would see.
            if kept is not None and kept.started >= arrived:
                return kept, True
            # Or, when any recent result will do, one that finished while we waited.
            if not fresh and kept is not None and \
                    time.monotonic() - kept.finished < FRESH_FOR.total_seconds():
                return kept, True
            started = time.monotonic()
            result = run()
            self.kept = _Kept(result, started, time.monotonic())
            return self.kept, False


def _cache() -> VerifyCache:
    cache: VerifyCache = current_app.extensions.setdefault("integrity_verify_cache",
                                                           VerifyCache())
    return cache


def current_result(*, fresh: bool) -> tuple[VerifyResult, bool, int]:
    """(result, whether it came from the cache, its age in whole seconds)."""
    integrity = Integrity.of(services())
    kept, cached = _cache().get(integrity.verify, fresh=fresh)
    return kept.result, cached, int(time.monotonic() - kept.finished)


def _document(result: VerifyResult, cached: bool, age: int) -> dict[str, Any]:
    return {**result.document(), "cached": cached, "age_seconds": age}


@api_bp.get("/audit/verify")
def verify_api() -> Response:
    api_actor().role_for("audit.verify")
    result, cached, age = current_result(
        fresh=request.args.get("fresh") in {"1", "true", "yes"})
    return jsonify(_document(result, cached, age))


@bp.get("/audit/verify")
@requires("audit.verify")
def verify_screen() -> str:
    result, cached, age = current_result(fresh=False)
    return render_template("audit/verify.html", result=result.document(), cached=cached,
                           age_seconds=age,
                           verified_at=datetime.fromisoformat(result.verified_at),
                           fresh_for_minutes=int(FRESH_FOR.total_seconds() // 60))


@bp.post("/audit/verify")
@requires("audit.verify")
def verify_now() -> BaseResponse:
    current_result(fresh=True)
    return redirect("/audit/verify", code=302)
