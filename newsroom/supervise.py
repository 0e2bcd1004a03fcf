"""Keeps `newsroom run`'s background processes (dispatcher, worker) running.

A child that dies (a crash, the OOM killer, a stray kill) is started again after
a pause that doubles with each quick death, so the embedded newsroom does not
silently stop translating and syndicating while its web UI still answers. The
dispatcher resumes from its stored position in the log, and its reconciler sends
again the translations, deliveries and scheduled publications a dead worker held
(docs/operations.md says what it does not cover).
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Pauses:
    first_s: float = 1.0
    longest_s: float = 30.0
    # A child that ran this long before dying is taken to have been healthy: its
    # next start waits the shortest pause again.
    healthy_after_s: float = 60.0


@dataclass
class Child:
    name: str
    command: Sequence[str]
    pause_s: float
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    """Starts each command as a child process and starts it again when it exits,
    until ``stop``. ``say`` reports each death and restart (one line each)."""

    def __init__(self, commands: Mapping[str, Sequence[str]], env: Mapping[str, str],
                 say: Callable[[str], None], poll_s: float = 0.5,
                 pauses: Pauses = Pauses()) -> None:
        self.pauses = pauses
        self.children = [Child(name, list(command), pauses.first_s)
                         for name, command in commands.items()]
        self.env = dict(env)
        self.say = say
        self.poll_s = poll_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            for child in self.children:
                self._launch(child)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _launch(self, child: Child) -> None:
        # A session of its own: a Ctrl-C at the terminal reaches only `newsroom run`,
        # which stops the children itself, instead of each child dying on its own.
        child.process = subprocess.Popen(child.command, env=self.env,  # noqa: S603 (ours)
                                         start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at = None

    def _watch(self) -> None:
        while not self._stopping.wait(self.poll_s):
            with self._lock:
                if self._stopping.is_set():
                    return
                for child in self.children:
                    try:
                        self._check(child)
                    except Exception as exc:  # the watcher must outlive any one failure
                        # A start that failed (no memory, no file descriptors) is tried
                        # again later rather than ending the supervision.
                        child.restart_at = time.monotonic() + child.pause_s
                        child.pause_s = min(child.pause_s * 2, self.pauses.longest_s)
                        with contextlib.suppress(Exception):
                            self.say(f"{child.name} could not be started ({exc}); "
                                     f"trying again in {child.pause_s:g} s")

    def _check(self, child: Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self._launch(child)
                self.say(f"{child.name} started again (restart {child.restarts})")
            return
        if child.process is None or child.process.poll() is None:
            return
        if now - child.started_at >= self.pauses.healthy_after_s:
            child.pause_s = self.pauses.first_s
        self.say(f"{child.name} exited with status {child.process.returncode}; "
                 f"starting it again in {child.pause_s:g} s")
        child.restart_at = now + child.pause_s
        child.pause_s = min(child.pause_s * 2, self.pauses.longest_s)

    def pids(self) -> dict[str, int | None]:
        with self._lock:
            return {c.name: c.process.pid if c.process and c.process.poll() is None else None
                    for c in self.children}

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stops watching, then terminates every child (killing any that does not
        exit within ``timeout_s``)."""
        self._stopping.set()
        with self._lock:
            processes = [c.process for c in self.children if c.process is not None]
        if self._thread is not None:
            self._thread.join(timeout=5)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
