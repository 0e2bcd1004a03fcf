"""`newsroom run` keeps its dispatcher and worker running: both killed with
SIGKILL (the OOM killer's signal), they start again, and the machine translation
asked for afterwards still arrives. Stopping the command leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from livesupport import LiveServer, call, start_server, stop_server

from newsroom.demo import SEED_ARTICLE_ID


def _children(pid: int) -> dict[int, str]:
    """Every descendant of ``pid`` with its command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        state_and_rest = stat.rsplit(")", 1)[1].split()
        if state_and_rest[0] == "Z":
            continue
        parents[int(entry.name)] = int(state_and_rest[1])
        commands[int(entry.name)] = command
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found[child] = commands[child]
                frontier.append(child)
    return found


def _named(server: LiveServer, word: str) -> int | None:
    for pid, command in _children(server.process.pid).items():
        if f"-m newsroom {word}" in command:
            return pid
    return None


def _wait(check: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_killed_background_processes_come_back_and_translate(tmp_path: Path) -> None:
    if shutil.which("apertium") is None:
        pytest.skip("Apertium is not installed")
    server = start_server(tmp_path)
    try:
        _wait(lambda: _named(server, "dispatcher") and _named(server, "worker"), 60,
              "dispatcher and worker started")
        first_dispatcher, first_worker = _named(server, "dispatcher"), _named(server, "worker")
        assert first_dispatcher and first_worker
        before = {first_dispatcher, first_worker, *_children(first_worker)}  # + its pool
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        _wait(lambda: sum("started again" in line for line in server.output) >= 2, 30,
              "both started again:\n" + "".join(server.output[-20:]))
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

        _wait(translated, 120, "the Spanish translation after the restarts")
        running = set(_children(server.process.pid))
    finally:
        stop_server(server)
    _wait(lambda: not any(_running(pid) for pid in running), 20,
          "children outlived the command")


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
