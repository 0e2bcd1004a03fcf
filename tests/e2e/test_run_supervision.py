"""`newsroom run` keeps its dispatcher and worker running: both killed with
SIGKILL (the OOM killer's signal), they start again, and the machine translation
asked for afterwards still arrives. Stopping the command leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from livesupport import LiveServer, call, start_server, stop_server
from pipeline import child_pids, is_running, wait_for

from newsroom.demo import SEED_ARTICLE_ID


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        for child in child_pids(frontier.pop()):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def _named(server: LiveServer, word: str) -> int | None:
    for pid in child_pids(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"-m newsroom {word}" in command and is_running(pid):
            return pid
    return None


def test_killed_background_processes_come_back_and_translate(tmp_path: Path) -> None:
    if shutil.which("apertium") is None:
        pytest.skip("Apertium is not installed")
    server = start_server(tmp_path)
    try:
        wait_for(lambda: bool(_named(server, "dispatcher") and _named(server, "worker")),
                 60, "dispatcher and worker started")
        first_dispatcher, first_worker = _named(server, "dispatcher"), _named(server, "worker")
        assert first_dispatcher and first_worker
        before = {first_dispatcher, first_worker, *_descendants(first_worker)}  # + its pool
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: sum("started again" in line for line in server.output) >= 2, 30,
                 "both started again", lambda: "".join(server.output[-20:]))
        dispatcher, worker = _named(server, "dispatcher"), _named(server, "worker")
        assert dispatcher and worker and not {dispatcher, worker} & before

        url, tokens = server.url, server.tokens
        article = f"/api/v1/articles/{SEED_ARTICLE_ID}"
        assert call(url, "POST", f"{article}/submit", tokens["journalist"])[0] == 200
        assert call(url, "POST", f"{article}/approve", tokens["editor"],
                    {"override_reason": "wire copy, checked by the desk"})[0] == 200
        status, body = call(url, "POST", f"{article}/translations", tokens["editor"],
                            {"languages": ["es"]})
        assert status == 202, body

        def translated() -> bool:
            _, document = call(url, "GET", article, tokens["translator"])
            state = document["translations"]["es"]["state"]
            assert state != "failed", document["translations"]
            return bool(state == "machine_translated")

        wait_for(translated, 120, "the Spanish translation after the restarts")
        running = _descendants(server.process.pid)
    finally:
        stop_server(server)
    wait_for(lambda: not any(is_running(pid) for pid in running), 20,
             "children outlived the command")
