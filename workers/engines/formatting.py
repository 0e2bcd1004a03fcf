"""Deformatting and reformatting around a warm pipeline, exactly as `apertium`
does: plain text through apertium-destxt / apertium-retxt, HTML through
Transfuse (tf-extract / tf-inject), which keeps tags and entities intact and
turns inline tags into word-bound blanks that follow their words through
reordering. (apertium-deshtml puts entities in superblanks, so "l&#8217;Ukraine"
loses its article; the `apertium` script prefers Transfuse when installed.)

These tools read to end of input, so they cannot be kept warm; they run once
per request and cost about 3 ms each (destxt, retxt) and 10-20 ms each
(tf-extract, tf-inject, with their state on tmpfs: see apertium_base.scratch_dir),
against 150-200 ms for the whole `apertium` script.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable

from workers.engines.base import PermanentEngineError, TransientEngineError

Translate = Callable[[bytes, float], bytes]


def run_tool(command: list[str], data: bytes, env: dict[str, str], deadline: float) -> bytes:
    """Run one tool on `data` within the deadline; map its failures to engine errors."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TransientEngineError(f"{command[0]}: timed out")
    try:
        done = subprocess.run(command, input=data, capture_output=True, env=env,  # noqa: S603
                              timeout=remaining, check=False)
    except subprocess.TimeoutExpired as exc:
        raise TransientEngineError(f"{command[0]}: timed out after {remaining:.1f} s") from exc
    except OSError as exc:
        raise PermanentEngineError(f"apertium is not installed: {exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        message = f"{command[0]} exited with {done.returncode}: {detail}"
        if done.returncode < 0:  # killed by a signal: not the input's fault
            raise TransientEngineError(message)
        raise PermanentEngineError(message)
    return done.stdout


def through_pipeline(text: str, *, html: bool, translate: Translate, env: dict[str, str],
                     timeout: float, scratch: str | None = None) -> str:
    """Deformat `text`, pass it to `translate(stream, remaining_seconds)`, reformat."""
    deadline = time.monotonic() + timeout
    data = text.encode("utf-8")

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TransientEngineError("apertium: timed out")
        return left

    if not html:
        stream = run_tool(["apertium-destxt"], data, env, deadline)
        output = translate(stream, remaining())
        return run_tool(["apertium-retxt"], output, env, deadline).decode("utf-8", "replace")
    with tempfile.TemporaryDirectory(prefix="newsroom-tf-", dir=scratch) as state:
        stream = run_tool(["tf-extract", "-f", "html", "-d", f"{state}/s"], data, env, deadline)
        output = translate(stream, remaining())
        return run_tool(["tf-inject"], output, env, deadline).decode("utf-8", "replace")
