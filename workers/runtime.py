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
            _state["engines"] = None
        return _state["services"]  # type: ignore[no-any-return]


def engine(source: str, target: str) -> Any:
    """A warm engine for the pair. One registry per process, so pairs that share a
    stage (fr-es for fr→es and the fr→en pivot) share one warm pipeline."""
    from workers.engines import EngineRegistry

    settings = services().settings
    with _lock:
        if _state["engines"] is None:
            _state["engines"] = EngineRegistry(settings.translation_engine, dict(os.environ))
        return _state["engines"].engine_for(source, target)
