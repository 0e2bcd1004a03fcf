"""Test support for the translation pipeline: brokers, a real Celery worker as a
child process, an in-process dispatcher, and waiting for results with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from newsroom.bootstrap import Services, build
from newsroom.config import Settings
from newsroom.domain.translation import translation_id

REDIS_URL = os.environ.get("NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("NEWSROOM_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def required(service: str) -> bool:
    return service in os.environ.get("NEWSROOM_REQUIRE_SERVICES", "")


def skip_or_fail(service: str, reason: str) -> None:
    if required(service):
        pytest.fail(f"{reason} (NEWSROOM_REQUIRE_SERVICES requires {service})")
    pytest.skip(reason)


def redis_or_skip(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail("redis", f"Redis not reachable at {url}: {exc}")


def empty_redis_or_skip(url: str) -> None:
    """Skips as :func:`redis_or_skip` does; else empties the database ``url`` names
    (one a test module owns), so nothing queued by an earlier run is delivered."""
    redis_or_skip(url)
    import redis

    redis.Redis.from_url(url).flushdb()


def rabbitmq_or_skip(url: str = RABBITMQ_URL) -> None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        skip_or_fail("rabbitmq", f"RabbitMQ not reachable at {url}: {exc}")


@dataclass
class Worker:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def pool_pids(self) -> list[int]:
        """The worker's pool (child) processes, which run the tasks."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def output(self) -> str:
        return "".join(self.lines)


def start_worker(env: dict[str, str], concurrency: int = 2, timeout: float = 60) -> Worker:
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsroom", "worker", "--concurrency", str(concurrency),
         "--loglevel", "INFO"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    worker = Worker(proc)
    ready = threading.Event()

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            worker.lines.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2) and time.monotonic() < deadline and proc.poll() is None:
        pass
    if not ready.is_set():
        stop_worker(worker)
        raise AssertionError("worker did not start:\n" + worker.output())
    return worker


def stop_worker(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.send_signal(signal.SIGTERM)
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(timeout=10)


def pipeline_env(var_dir: Path, broker_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    env.update(NEWSROOM_VAR_DIR=str(var_dir), NEWSROOM_BROKER_URL=broker_url,
               NEWSROOM_TRANSLATION_BACKOFF="0.2", NEWSROOM_TRANSLATION_MAX_RETRIES="3",
               **extra)
    return env


@contextmanager
def running_dispatcher(services: Services, reconcile_after: float = 60.0,
                       reconcile_interval: float = 30.0, *, poll_interval: float = 0.05,
                       wrap_send: Callable[[Any], Any] | None = None) -> Iterator[Any]:
    """A real dispatcher on a thread; `wrap_send` lets a benchmark time each send."""
    from datetime import timedelta

    from workers.celery_app import make_app
    from workers.dispatcher import Dispatcher, celery_sender

    send = celery_sender(make_app(services.settings))
    dispatcher = Dispatcher(services, wrap_send(send) if wrap_send else send,
                            reconcile_after=timedelta(seconds=reconcile_after))
    dispatcher.position()  # creates its row now, not racing the thread that follows
    stop = threading.Event()
    thread = threading.Thread(target=dispatcher.run, args=(stop,), kwargs={
        "poll_interval": poll_interval, "reconcile_interval": reconcile_interval},
        daemon=True)
    thread.start()
    try:
        yield dispatcher
    finally:
        stop.set()
        thread.join(timeout=10)


@contextmanager
def worker_and_dispatcher(env: dict[str, str], services: Services, *, log: Path | None = None,
                          reconcile_after: float = 60.0, reconcile_interval: float = 30.0
                          ) -> Iterator[Worker]:
    """A worker (concurrency 2) and the dispatcher running for the block. The worker
    stops after it, even when the block fails, and its output is then kept in ``log``
    (beside the test's files, for reading after a failure)."""
    worker = start_worker(env, concurrency=2)
    try:
        with running_dispatcher(services, reconcile_after, reconcile_interval):
            yield worker
    finally:
        stop_worker(worker)
        if log is not None:
            log.write_text(worker.output())


def services_for(env: dict[str, str]) -> Services:
    return build(Settings.from_env(env))


def webhook_env(var_dir: Path, broker_url: str, **extra: str) -> dict[str, str]:
    """:func:`pipeline_env` for deliveries to receivers on loopback (which only
    NEWSROOM_WEBHOOK_ALLOW_INSECURE allows) with the base URL payloads' URIs start with."""
    return pipeline_env(var_dir, broker_url, **{
        "NEWSROOM_WEBHOOK_ALLOW_INSECURE": "1", "NEWSROOM_BASE_URL": "https://news.example",
        **extra})


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             on_timeout: Callable[[], str] = lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{on_timeout()}")


def translation_state(services: Services, article_id: UUID, language: str) -> str:
    aggregate = services.app.repository.get(translation_id(article_id, language))
    return str(aggregate.state)


def translation_events(services: Services, article_id: UUID, language: str) -> list[str]:
    return [type(e).__name__ for e in services.app.events.get(translation_id(article_id, language))]


# ---- failure injection: a Redis of the test's own, and who is waiting on a socket ----


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A `redis-server` child process on a port of its own, keeping nothing on disk:
    killed with SIGKILL and restarted empty on the same port, like a crashed broker."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        import shutil

        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis", "redis-server is not installed (apt-get install redis-server)")
        self.binary = str(binary)
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        import redis

        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = (self.workdir / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
        redis_or_skip(self.url)  # skips (or fails, when required) if it never came up

    def kill(self) -> None:
        """SIGKILL: what is in memory (queues, unacked messages) is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2)


@contextmanager
def private_redis(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def tcp_socket_inodes(local_ports: set[int], remote_port: int | None = None) -> dict[str, int]:
    """Socket inode -> local port, for the TCP sockets bound to these local ports (and
    connected to `remote_port`, when given: one local port can serve several peers)."""
    found: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            peer = int(fields[2].rsplit(":", 1)[1], 16)
            if port in local_ports and fields[9] != "0" and remote_port in (None, peer):
                found[fields[9]] = port
    return found


def pids_owning(inodes: set[str], pids: list[int]) -> list[int]:
    """Those of `pids` that hold an open socket with one of these inodes."""
    owners = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                owners.append(pid)
                break
    return owners


def all_pool_pids(worker: Worker) -> list[int]:
    """Like Worker.pool_pids, but also the pool processes forked by one of the worker's
    threads: without an event loop (the SQLite broker) billiard's supervisor thread
    forks the replacements of dead pool processes."""
    return child_pids(worker.process.pid)


def is_running(pid: int) -> bool:
    """The process exists and is not a zombie (one still answers kill(pid, 0))."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def child_pids(pid: int) -> list[int]:
    """The children of ``pid`` forked by any of its threads: /proc lists a child
    under the thread that forked it, not under the process."""
    pids: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return pids
    for thread in threads:
        try:
            pids += [int(p) for p in
                     Path(f"/proc/{pid}/task/{thread}/children").read_text().split()]
        except OSError:
            continue
    return sorted(set(pids))
