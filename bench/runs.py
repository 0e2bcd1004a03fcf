"""What a benchmark run records about the machine it ran on, and how it ends: the
result written as JSON (under ``var/bench/`` by default) and a summary printed.

On a machine shared with other work the load average moves every figure, so each run
records it at its start and at its end.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """CPUs, Python, platform and the load average now (``load_at_start``)."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_at_start": load_average()}


def finish(result: dict[str, Any], out: Path, started: float,
           report: Callable[[dict[str, Any]], None]) -> None:
    """Adds the wall time since ``started`` (a ``perf_counter`` value) and the load
    average now, writes ``result`` to ``out`` and prints ``report`` of it."""
    result["wall_seconds"] = time.perf_counter() - started
    result["machine"]["load_at_end"] = load_average()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    report(result)
    shown = out.relative_to(REPO) if out.is_relative_to(REPO) else out
    print(f"\nwritten to {shown}")
