"""What a worker process holds: its own services and warm engines, built on first
use in that process (never inherited across fork: SQLite handles and engine pipes
must not be shared between processes)."""

from __future__ import annotations

import os
import threading
from typing import Any

from newsroom.bootstrap import Services, build
from newsroom.config import Settings

_lock = threading.Lock()
_state: dict[str, Any] = {}


def services() -> Services:
    with _lock:
        if _state.get("pid") != os.getpid():
            _state.clear()
            _state["pid"] = os.getpid()
            _state["services"] = build(Settings.from_env())
            _state["engines"] = {}
        return _state["services"]  # type: ignore[no-any-return]


def engine(source: str, target: str) -> Any:
    """A warm engine for the pair, kept for the life of the process."""
    from workers.engines import engine_for

    settings = services().settings
    with _lock:
        engines: dict[tuple[str, str], Any] = _state["engines"]
        key = (source, target)
        if key not in engines:
            engines[key] = engine_for(source, target, settings.translation_engine,
                                      dict(os.environ))
        return engines[key]
