"""A warm Apertium pipeline: the stages of one mode as long-lived processes.

Each stage runs with -z (null-flush) and reads the previous one's output through
an OS pipe. A request writes the deformatted stream, a NUL, a nonce superblank
and a NUL, then reads the last stage until that nonce comes back; the nonce makes
any desynchronisation visible. Writing and reading go through one selector with a
deadline, so a big text cannot deadlock on full pipe buffers and nothing waits
for ever. One request at a time per pipeline (a lock).

Robustness: a stage found dead (before or during a request) means a restart and
one retry of the request; a second death, a timeout or a reply out of step kills
every stage and raises TransientEngineError, and the next request starts afresh.
Stages belong to the process that started them: after a fork the child starts
its own and leaves the parent's alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import selectors
import subprocess
import threading
import time
from typing import IO

from workers.engines.base import PermanentEngineError, TransientEngineError
from workers.engines.modes import Stages

_BLOCK = 65536


class _StageDied(Exception):
    pass


class WarmPipeline:
    def __init__(self, name: str, stages: Stages, env: dict[str, str]) -> None:
        self.name = name
        self.stages = stages
        self.env = env
        self.lock = threading.Lock()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.starts = 0
        self._pid = 0

    def _alive(self) -> bool:
        return (bool(self.processes) and self._pid == os.getpid()
                and all(p.poll() is None for p in self.processes))

    def _start(self) -> None:
        self.stop()
        previous: IO[bytes] | None = None
        try:
            for command in self.stages:
                process = subprocess.Popen(  # noqa: S603 (stages of an installed mode)
                    command, stdin=previous if previous is not None else subprocess.PIPE,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.env)
                if previous is not None:
                    previous.close()  # the next stage holds it now
                previous = process.stdout
                self.processes.append(process)
        except OSError as exc:
            self.stop()
            raise PermanentEngineError(f"apertium is not installed: {exc}") from exc
        self._pid = os.getpid()
        self.starts += 1
        for stream in (self._stdin, self._stdout):
            os.set_blocking(stream.fileno(), False)

    @property
    def _stdin(self) -> IO[bytes]:
        stream = self.processes[0].stdin
        assert stream is not None
        return stream

    @property
    def _stdout(self) -> IO[bytes]:
        stream = self.processes[-1].stdout
        assert stream is not None
        return stream

    def stop(self) -> None:
        """Kill every stage and forget them. After a fork, only this process's copies of
        the pipes are closed: the stages belong to the parent, which keeps using them."""
        mine = self._pid == os.getpid()
        for process in self.processes:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
            if mine:
                process.kill()
        for process in self.processes if mine else []:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
        self.processes = []

    def translate(self, stream: bytes, timeout: float) -> bytes:
        """The pipeline's output for one deformatted stream. A stage found dead gets
        one transparent restart and retry; a second death or a timeout raises."""
        deadline = time.monotonic() + timeout
        with self.lock:
            retried = False
            while True:
                if not self._alive():
                    self._start()
                nonce = b"[/NONCE:" + secrets.token_hex(8).encode() + b"]"
                try:
                    return self._exchange(stream + b"\0" + nonce + b"\0",
                                          b"\0" + nonce + b"\0", deadline)
                except _StageDied as exc:
                    self.stop()
                    if retried or time.monotonic() >= deadline:
                        raise TransientEngineError(f"{exc}; restarting") from exc
                    retried = True
                except TransientEngineError:
                    self.stop()
                    raise

    def _exchange(self, payload: bytes, sentinel: bytes, deadline: float) -> bytes:
        stdin, stdout = self._stdin.fileno(), self._stdout.fileno()
        pending = memoryview(payload)
        received = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(stdin, selectors.EVENT_WRITE)
            selector.register(stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransientEngineError(f"apertium {self.name}: timed out; restarting")
                for key, _ in selector.select(remaining):
                    if key.fd == stdin:
                        try:
                            pending = pending[os.write(stdin, pending[:_BLOCK]):]
                        except (BlockingIOError, InterruptedError):
                            continue
                        except OSError as exc:
                            raise self._died(f"write failed ({exc})") from exc
                        if not pending:
                            selector.unregister(stdin)
                        continue
                    try:
                        block = os.read(stdout, _BLOCK)
                    except (BlockingIOError, InterruptedError):
                        continue
                    if not block:
                        raise self._died("output closed")
                    seen = max(0, len(received) - len(sentinel))
                    received += block
                    found = received.find(sentinel, seen)
                    if found >= 0:
                        if found + len(sentinel) != len(received):
                            raise TransientEngineError(f"apertium {self.name}: out of step")
                        return bytes(received[:found])

    def _died(self, what: str) -> _StageDied:
        codes = [(c[0], p.poll()) for c, p in zip(self.stages, self.processes, strict=True)]
        dead = ", ".join(f"{cmd} exited {code}" for cmd, code in codes if code is not None)
        return _StageDied(f"apertium {self.name}: {what}; {dead or 'a stage died'}")
