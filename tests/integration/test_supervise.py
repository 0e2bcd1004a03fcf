"""`newsroom run`'s supervisor, on real child processes."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from pipeline import is_running, wait_for

from newsroom.supervise import Pauses, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
QUITTER = [sys.executable, "-c", "raise SystemExit(3)"]


def test_a_killed_child_is_started_again_and_stop_ends_them_all() -> None:
    lines: list[str] = []
    supervisor = Supervisor({"dispatcher": SLEEPER, "worker": SLEEPER}, os.environ,
                            lines.append, poll_s=0.05,
                            pauses=Pauses(first_s=0.1, longest_s=1.0))
    supervisor.start()
    try:
        first = supervisor.pids()
        assert all(first.values())
        os.kill(first["worker"] or 0, signal.SIGKILL)
        wait_for(lambda: supervisor.pids()["worker"] not in (None, first["worker"]), 15,
                 "a new worker")
        assert supervisor.pids()["dispatcher"] == first["dispatcher"]  # untouched
        assert lines == [f"worker exited with status {-signal.SIGKILL}; starting it "
                         "again in 0.1 s", "worker started again (restart 1)"]
        running = supervisor.pids()
    finally:
        supervisor.stop(timeout_s=5)
    assert not any(is_running(pid) for pid in running.values() if pid)


def test_a_child_that_keeps_dying_waits_longer_each_time() -> None:
    lines: list[str] = []
    supervisor = Supervisor({"worker": QUITTER}, os.environ, lines.append, poll_s=0.02,
                            pauses=Pauses(first_s=0.1, longest_s=0.4))
    supervisor.start()
    try:
        wait_for(lambda: sum("exited" in line for line in lines) >= 5, 15, "five deaths")
    finally:
        supervisor.stop(timeout_s=5)
    pauses = [line.rsplit("in ", 1)[1] for line in lines if "exited" in line]
    assert pauses[:5] == ["0.1 s", "0.2 s", "0.4 s", "0.4 s", "0.4 s"]
    assert all("status 3" in line for line in lines if "exited" in line)


def test_stop_while_a_restart_is_pending_starts_nothing() -> None:
    lines: list[str] = []
    supervisor = Supervisor({"worker": QUITTER}, os.environ, lines.append, poll_s=0.02,
                            pauses=Pauses(first_s=0.3))
    supervisor.start()
    try:
        wait_for(lambda: any("exited" in line for line in lines), 15, "a death")
    finally:
        supervisor.stop(timeout_s=5)
    time.sleep(0.8)  # past the pause: a watcher still running would start it now
    assert not any("started again" in line for line in lines)
    assert supervisor._thread is not None and not supervisor._thread.is_alive()


def test_a_start_that_fails_is_tried_again_and_the_watcher_lives_on(tmp_path: Path) -> None:
    """A command that cannot be started (here: it does not exist yet, as a start
    failing for lack of memory would) is retried; supervision goes on."""
    program = tmp_path / "child"
    lines: list[str] = []
    supervisor = Supervisor({"worker": SLEEPER}, os.environ, lines.append, poll_s=0.02,
                            pauses=Pauses(first_s=0.1, longest_s=0.2))
    supervisor.start()
    try:
        supervisor.children[0].command = [str(program)]
        os.kill(supervisor.pids()["worker"] or 0, signal.SIGKILL)
        wait_for(lambda: sum("could not be started" in line for line in lines) >= 2, 15,
                 "two failed starts")
        assert supervisor._thread is not None and supervisor._thread.is_alive()
        program.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import time; "
                           "time.sleep(120)'\n")
        program.chmod(0o755)
        wait_for(lambda: supervisor.pids()["worker"] is not None, 15, "the worker started")
    finally:
        supervisor.stop(timeout_s=5)
