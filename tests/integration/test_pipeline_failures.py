"""Failures the translation pipeline must survive, with a real broker and real worker
processes: a worker's pool process killed in the middle of a translation (on Redis
and on the embedded SQLite broker, where the whole worker is then killed too), the
broker killed and restarted empty, the dispatcher killed between enqueueing and
saving its position, and engines that are missing, crash, time out, answer garbage
or answer text the newsroom refuses. Every scenario ends with each requested
translation recorded exactly once (or failed with a reason), never stuck `requested`.

Engines are stub services (tests/stubs) in this process; a slow stub keeps a
translation "in the middle" long enough to find, through /proc, the pool process
waiting on it and kill that one. Redis tests run a redis-server of their own.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import make_cast
from pipeline import (
    RedisServer,
    Worker,
    all_pool_pids,
    pids_owning,
    pipeline_env,
    private_redis,
    running_dispatcher,
    services_for,
    start_worker,
    stop_worker,
    tcp_socket_inodes,
    translation_events,
    translation_state,
    wait_for,
)
from stubs.apy import ApyStub
from stubs.deepl import DeepLStub
from stubs.libretranslate import LibreTranslateStub
from stubs.server import Answer, Recorded, StubServer

from newsroom.bootstrap import Services
from newsroom.domain.policy import Actor
from newsroom.domain.translation import translation_id

LANGUAGES = ("es", "ca")
ONCE = ["Requested", "MachineTranslated"]
BODY = "La Corée du Nord a dit bonjour.\n\nLe chat le sait."


# ---- engines --------------------------------------------------------------------


class SlowLibreTranslate(LibreTranslateStub):
    """LibreTranslate taking `delay` seconds per request, which knows which client
    connections are waiting on it (so a test can kill the process in the middle)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.waiting: set[int] = set()  # client ports with a request in progress
        stub = self
        base: Any = self.httpd.RequestHandlerClass

        class Tracking(base):  # type: ignore[misc]
            def do_POST(self) -> None:
                port = self.client_address[1]
                with stub._lock:
                    stub.waiting.add(port)
                try:
                    super().do_POST()
                finally:
                    with stub._lock:
                        stub.waiting.discard(port)

        self.httpd.RequestHandlerClass = Tracking
        # A killed client makes the answer fail with a broken pipe: expected here.
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def answer(self, request: Recorded) -> Answer:
        time.sleep(self.delay)
        return super().answer(request)

    def busy_pids(self, candidates: list[int]) -> list[int]:
        """Those of `candidates` (pool processes) now waiting on an answer from us."""
        with self._lock:
            ports = set(self.waiting)
        if not ports:
            return []
        port = int(self.httpd.server_address[1])
        return pids_owning(set(tcp_socket_inodes(ports, remote_port=port)), candidates)


def libretranslate_env(stub: StubServer, **extra: str) -> dict[str, str]:
    return {"NEWSROOM_TRANSLATION_ENGINE": "libretranslate",
            "NEWSROOM_LIBRETRANSLATE_URL": stub.url, **extra}


# ---- the newsroom side ------------------------------------------------------------


def approved_articles(services: Services, editor: Actor, count: int) -> list[UUID]:
    app = services.app
    ids = []
    for n in range(count):
        article_id = app.create_article(editor, headline=f"Bonjour le chat {n}", body=BODY,
                                        language="fr").id
        app.submit(editor, article_id)
        app.approve(editor, article_id)
        ids.append(article_id)
    return ids


def request_all(services: Services, editor: Actor, articles: list[UUID],
                languages: tuple[str, ...] = LANGUAGES) -> list[tuple[UUID, str]]:
    for article_id in articles:
        services.app.request_translations(editor, article_id, list(languages))
    return [(a, language) for a in articles for language in languages]


def states(services: Services, wanted: list[tuple[UUID, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for article_id, language in wanted:
        state = translation_state(services, article_id, language)
        counts[state] = counts.get(state, 0) + 1
    return counts


def all_translated(services: Services, wanted: list[tuple[UUID, str]]) -> bool:
    return states(services, wanted) == {"machine_translated": len(wanted)}


def assert_recorded_exactly_once(services: Services, wanted: list[tuple[UUID, str]]) -> None:
    wrong = {f"{a}/{language}": translation_events(services, a, language)
             for a, language in wanted
             if translation_events(services, a, language) != ONCE}
    assert not wrong, f"event streams that are not exactly {ONCE}: {wrong}"
    assert all_translated(services, wanted), states(services, wanted)
    for article_id, language in wanted:
        translation: Any = services.app.repository.get(translation_id(article_id, language))
        assert translation.engine == "libretranslate", translation.engine
        assert translation.headline.startswith("Hola el gato"), translation.headline


def report(worker: Worker, services: Services, wanted: list[tuple[UUID, str]]) -> Any:
    return lambda: f"states: {states(services, wanted)}\n--- worker log ---\n" + \
        worker.output()[-6000:]


# ---- brokers ----------------------------------------------------------------------


def redis_idle(server: RedisServer) -> bool:
    """No message waiting in the translation queue, none delivered and unacked."""
    client = server.client()
    return bool(client.llen("translation") == 0 and client.hlen("unacked") == 0)


def sqlite_broker_pending(broker_file: Path) -> int:
    """Messages not yet delivered in the embedded broker (delivered ones stay, hidden)."""
    with sqlite3.connect(broker_file, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM kombu_message WHERE visible = 1")
                   .fetchone()[0])


# ---- 1 and 4: a pool process killed in the middle of a translation ------------------


def lost_tasks(worker: Worker) -> int:
    """How many tasks the worker has seen lose their pool process (and handled)."""
    return worker.output().count("Task handler raised error: WorkerLostError")


def busy_pool_process(worker: Worker, stub: SlowLibreTranslate, exclude: list[int],
                      timeout: float, what: str, on_timeout: Any) -> int:
    found: list[int] = []

    def someone_mid_translation() -> bool:
        found[:] = stub.busy_pids([p for p in all_pool_pids(worker) if p not in exclude])
        return bool(found)

    wait_for(someone_mid_translation, timeout, what, on_timeout)
    return found[0]


def kill_pool_processes_mid_translation(worker: Worker, stub: SlowLibreTranslate, kills: int,
                                        timeout: float, on_timeout: Any) -> list[int]:
    """Each time: waits until a pool process is waiting on the engine in the middle of a
    translation, SIGKILLs it, and waits until the worker has handled the lost task."""
    killed: list[int] = []

    def noticed(n: int) -> bool:
        return lost_tasks(worker) >= n

    for n in range(1, kills + 1):
        victim = busy_pool_process(worker, stub, killed, timeout,
                                   f"a pool process in the middle of a translation (kill {n})",
                                   on_timeout)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        wait_for(partial(noticed, n), timeout, f"the worker to notice the lost task (kill {n})",
                 on_timeout)
    return killed


@pytest.fixture
def slow_engine() -> Iterator[SlowLibreTranslate]:
    with SlowLibreTranslate(delay=0.8) as stub:
        yield stub


def test_redis_pool_process_killed_mid_translation_ten_times(
    tmp_path: Path, slow_engine: SlowLibreTranslate,
) -> None:
    started = time.monotonic()
    with private_redis(tmp_path / "redis") as redis_server:
        env = pipeline_env(tmp_path / "var", redis_server.url, **libretranslate_env(slow_engine))
        services = services_for(env)
        cast = make_cast(services)
        wanted = request_all(services, cast.editor,
                             approved_articles(services, cast.editor, 8))
        worker = start_worker(env, concurrency=2)
        try:
            # The reconciler stays out of it (60 s): redelivery is the broker's doing.
            with running_dispatcher(services):
                killed = kill_pool_processes_mid_translation(
                    worker, slow_engine, 10, 20, report(worker, services, wanted))
                slow_engine.delay = 0.05  # the engine recovers: finish the rest quickly
                wait_for(lambda: all_translated(services, wanted), 45,
                         "every translation after the kills", report(worker, services, wanted))
                wait_for(lambda: redis_idle(redis_server), 20,
                         "the queue to drain (no message left, none unacked)",
                         report(worker, services, wanted))
        finally:
            stop_worker(worker)
            (tmp_path / "worker.log").write_text(worker.output())
        assert len(set(killed)) == 10
        log = worker.output()
        # Each kill hit a process running a task, and Celery saw it die mid-task.
        assert log.count("exited with 'signal 9 (SIGKILL)'") == 10, log[-4000:]
        assert lost_tasks(worker) == 10, log[-4000:]
        assert_recorded_exactly_once(services, wanted)
        services.close()
    assert time.monotonic() - started < 90


# ---- 2: the broker killed and restarted empty ----------------------------------------


def test_redis_broker_killed_and_restarted_empty_loses_no_translation(
    tmp_path: Path, slow_engine: SlowLibreTranslate,
) -> None:
    with private_redis(tmp_path / "redis") as redis_server:
        env = pipeline_env(tmp_path / "var", redis_server.url, **libretranslate_env(slow_engine))
        services = services_for(env)
        cast = make_cast(services)
        articles = approved_articles(services, cast.editor, 6)
        wanted = request_all(services, cast.editor, articles[:4])
        worker = start_worker(env, concurrency=2)
        on_timeout = report(worker, services, wanted)
        try:
            with running_dispatcher(services, reconcile_after=3, reconcile_interval=1):
                busy_pool_process(worker, slow_engine, [], 30, "a translation in flight",
                                  on_timeout)
                redis_server.kill()  # queued, reserved and unacked messages: all gone
                pending_at_crash = states(services, wanted).get("requested", 0)
                # Work requested while the broker is down: the dispatcher cannot enqueue it.
                wanted += request_all(services, cast.editor, articles[4:])
                time.sleep(1.5)
                redis_server.start()  # the same port, empty
                slow_engine.delay = 0.2
                wait_for(lambda: all_translated(services, wanted), 60,
                         "every translation after the broker came back", on_timeout)
                wait_for(lambda: redis_idle(redis_server), 20, "the queue to drain", on_timeout)
        finally:
            stop_worker(worker)
            (tmp_path / "worker.log").write_text(worker.output())
        assert pending_at_crash > 2, "the broker died too late to lose queued work"
        assert "reconcile-" in worker.output()  # what the broker lost came back this way
        assert_recorded_exactly_once(services, wanted)
        services.close()


# ---- 3: the dispatcher killed between enqueueing and saving its position --------------


class DispatcherKilled(BaseException):
    """The process dies here: not an Exception, so nothing on the way catches it."""


def test_dispatcher_killed_after_enqueue_before_saving_position_has_the_effect_once(
    tmp_path: Path,
) -> None:
    from workers.celery_app import make_app
    from workers.dispatcher import Dispatcher, celery_sender

    broker_file = tmp_path / "broker.sqlite"
    with LibreTranslateStub() as engine:
        env = pipeline_env(tmp_path / "var", f"sqla+sqlite:///{broker_file}",
                           **libretranslate_env(engine))
        services = services_for(env)
        cast = make_cast(services)
        wanted = request_all(services, cast.editor, approved_articles(services, cast.editor, 2))
        celery = make_app(services.settings)
        enqueue = celery_sender(celery)
        first: list[str] = []

        def send_then_die(work: Any) -> None:
            enqueue(work)
            first.append(work.task_id)
            if len(first) == len(wanted):  # the whole batch is in the broker ...
                raise DispatcherKilled  # ... and the process dies before save_position

        with pytest.raises(DispatcherKilled):
            Dispatcher(services, send_then_die).dispatch_once()
        assert Dispatcher(services, enqueue).position() == 0  # never saved

        again: list[str] = []

        def send(work: Any) -> None:
            enqueue(work)
            again.append(work.task_id)

        restarted = Dispatcher(services, send)  # a fresh process: same log, same position
        assert restarted.dispatch_once() > 0
        assert restarted.dispatch_once() == 0  # this time the position was saved
        assert sorted(again) == sorted(first) and len(set(first)) == len(wanted)
        assert sqlite_broker_pending(broker_file) == 2 * len(wanted)  # every task twice

        worker = start_worker(env, concurrency=2)
        on_timeout = report(worker, services, wanted)
        try:
            wait_for(lambda: all_translated(services, wanted), 60, "every translation",
                     on_timeout)
            wait_for(lambda: all(worker.output().count(f"[{task_id}] succeeded") == 2
                                 for task_id in first), 30,
                     "both copies of every task to run", on_timeout)
        finally:
            stop_worker(worker)
        assert_recorded_exactly_once(services, wanted)
        services.close()


# ---- 4: the same kills on the embedded SQLite broker -----------------------------------

# Three kills, not ten: without an event loop (kombu's SQLAlchemy transport) Celery runs
# the prefork pool with threads, and billiard's supervisor thread declares a task lost
# only `worker_lost_wait` (10 s) after its process died; until then the task keeps its
# prefetch slot. Each kill costs over 10 s here (concurrency 1, as `newsroom run`
# starts it), so ten would take two minutes.
SQLITE_KILLS = 3


def test_sqlite_broker_pool_process_killed_mid_translation_then_the_whole_worker(
    tmp_path: Path, slow_engine: SlowLibreTranslate,
) -> None:
    broker_file = tmp_path / "broker.sqlite"
    env = pipeline_env(tmp_path / "var", f"sqla+sqlite:///{broker_file}",
                       **libretranslate_env(slow_engine))
    services = services_for(env)
    cast = make_cast(services)
    wanted = request_all(services, cast.editor, approved_articles(services, cast.editor, 2))
    worker = start_worker(env, concurrency=1)
    on_timeout = report(worker, services, wanted)
    try:
        # A pool process killed: the worker's main process survives and requeues the
        # task (after worker_lost_wait). No reconciler yet (60 s): it is not needed.
        with running_dispatcher(services):
            killed = kill_pool_processes_mid_translation(worker, slow_engine, SQLITE_KILLS,
                                                         30, on_timeout)
            assert "requested" in states(services, wanted)
            # Now the whole worker dies mid-translation: nobody is left to requeue what
            # it had taken, and this transport never redelivers an unacknowledged
            # message by itself (it stays in the table, invisible): it is stranded.
            busy_pool_process(worker, slow_engine, killed, 30, "a translation in flight",
                              on_timeout)
            pool = all_pool_pids(worker)
            worker.process.kill()
            for pid in pool:
                os.kill(pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
        stranded = states(services, wanted).get("requested", 0)
        slow_engine.delay = 0.05
        first = worker
        (tmp_path / "worker-killed.log").write_text(first.output())
        worker = start_worker(env, concurrency=1)
        on_timeout = report(worker, services, wanted)
        # The restarted dispatcher, with a short window, re-enqueues what is stranded.
        with running_dispatcher(services, reconcile_after=3, reconcile_interval=1):
            wait_for(lambda: all_translated(services, wanted), 60,
                     "every translation after the kills", on_timeout)
        wait_for(lambda: sqlite_broker_pending(broker_file) == 0, 60, "the queue to drain",
                 on_timeout)
    finally:
        stop_worker(worker)
        (tmp_path / "worker.log").write_text(worker.output())
    assert len(set(killed)) == SQLITE_KILLS and lost_tasks(first) == SQLITE_KILLS
    assert stranded >= 1
    assert "reconcile-" in worker.output()
    assert_recorded_exactly_once(services, wanted)
    services.close()


# ---- 5: engines that are missing, crash, time out or answer garbage --------------------


class Broken:
    """Mixin for a stub: `always` is a fault (as in StubServer.faults: "500", "slow",
    "badjson") replayed on every request, until it is set back to None."""

    always: str | None = None

    def dispatch(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> Answer:
        stub: Any = self
        if self.always is not None:
            with stub._lock:
                stub.faults.append(self.always)
        result: Answer = super().dispatch(method, target, headers, body)  # type: ignore[misc]
        return result


class BrokenApy(Broken, ApyStub):
    pass


class BrokenDeepL(Broken, DeepLStub):
    pass


class BrokenLibreTranslate(Broken, LibreTranslateStub):
    pass


def test_engine_failures_end_failed_with_a_reason_and_a_failed_translation_can_be_redone(
    tmp_path: Path,
) -> None:
    no_apertium = tmp_path / "bin"  # the worker's PATH: no Apertium binary on it
    no_apertium.mkdir()
    with BrokenApy() as apy, BrokenDeepL() as deepl, BrokenLibreTranslate() as libre:
        apy.always, deepl.always, libre.always = "badjson", "slow", "500"
        deepl.slow_seconds = 2.5  # longer than NEWSROOM_ENGINE_TIMEOUT
        env = pipeline_env(
            tmp_path / "var", f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
            NEWSROOM_TRANSLATION_ENGINE="apertium; fr-es=apy; fr-en=deepl; fr-it=libretranslate",
            NEWSROOM_APY_URL=apy.url, NEWSROOM_DEEPL_URL=deepl.url,
            NEWSROOM_DEEPL_KEY="stub-key:fx", NEWSROOM_LIBRETRANSLATE_URL=libre.url,
            NEWSROOM_ENGINE_TIMEOUT="1")
        env["PATH"] = str(no_apertium)
        services = services_for(env)
        cast = make_cast(services)
        app = services.app
        [article_id] = approved_articles(services, cast.editor, 1)
        languages = ("ca", "de", "es", "en", "it")
        wanted = request_all(services, cast.editor, [article_id], languages)
        worker = start_worker(env, concurrency=2)
        on_timeout = report(worker, services, wanted)
        try:
            with running_dispatcher(services):
                wait_for(lambda: states(services, wanted) == {"failed": len(wanted)}, 60,
                         "every translation to fail", on_timeout)
                reasons = {language: app.get_translation(cast.editor, article_id,
                                                         language).failure_reason
                           for language in languages}
                requests = {"apy": len(apy.requests), "deepl": len(deepl.requests),
                            "libretranslate": len(libre.requests)}

                # The engines are healthy again: the failed translations are redone.
                apy.always = deepl.always = libre.always = None
                redo = ["es", "en", "it"]
                app.request_translations(cast.editor, article_id, redo)
                wait_for(lambda: all_translated(services, [(article_id, x) for x in redo]),
                         60, "the re-requested translations", on_timeout)
        finally:
            stop_worker(worker)

    # (a) not installed: the missing binary, and a pair Apertium does not have.
    assert reasons["ca"] == "apertium is not installed: lt-proc not found on PATH"
    assert reasons["de"] is not None
    assert reasons["de"].startswith("unsupported language pair fr-de for Apertium")
    # (b) a crash: HTTP 500 every time, retried three times, then given up.
    assert reasons["it"] is not None
    assert reasons["it"].startswith("gave up after 4 attempts: libretranslate: HTTP 500"), \
        reasons["it"]
    # (c) a timeout every time: retried three times, then given up.
    assert reasons["en"] == "gave up after 4 attempts: deepl: timed out after 1.0 s"
    # (d) garbage: permanent at once, no retry.
    assert reasons["es"] is not None
    assert reasons["es"].startswith("apy: answer is not JSON"), reasons["es"]
    assert requests == {"apy": 1, "deepl": 4, "libretranslate": 4}
    # Each transient failure is on record (AttemptFailed); the redone ones start afresh.
    retried = ["Requested", *["AttemptFailed"] * 3, "Failed"]
    expected = {"ca": ["Requested", "Failed"], "de": ["Requested", "Failed"],
                "es": ["Requested", "Failed", "Rerequested", "MachineTranslated"],
                "en": [*retried, "Rerequested", "MachineTranslated"],
                "it": [*retried, "Rerequested", "MachineTranslated"]}
    assert {x: translation_events(services, article_id, x) for x in languages} == expected
    for language, engine in (("es", "apy"), ("en", "deepl"), ("it", "libretranslate")):
        redone = app.get_translation(cast.editor, article_id, language)
        assert redone.state == "machine_translated" and redone.engine == engine
        assert redone.failure_reason is None and redone.headline == "Hola el gato 0"
    services.close()


# ---- output the newsroom refuses; retry chains and the reconciler -------------------------


class ControlCharacterLibreTranslate(LibreTranslateStub):
    """Answers valid JSON whose text holds a control character (U+000B): engine output
    the body allowlist (newsroom.content.body) refuses."""

    def answer(self, request: Recorded) -> Answer:
        status, headers, payload = super().answer(request)
        document = json.loads(payload)
        document["translatedText"] = document["translatedText"].replace(" ", "\x0b", 1)
        return status, headers, json.dumps(document).encode()


def task_outcomes(worker: Worker) -> int:
    log = worker.output()
    return log.count("] succeeded in ") + log.count("] raised unexpected: ")


def test_engine_output_refused_by_the_body_allowlist_ends_failed_not_stuck_requested(
    tmp_path: Path,
) -> None:
    with ControlCharacterLibreTranslate() as engine:
        env = pipeline_env(tmp_path / "var", f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
                           **libretranslate_env(engine))
        services = services_for(env)
        cast = make_cast(services)
        wanted = request_all(services, cast.editor, approved_articles(services, cast.editor, 1),
                             ("es",))
        worker = start_worker(env, concurrency=1)
        try:
            with running_dispatcher(services):
                wait_for(lambda: task_outcomes(worker) >= 1, 30, "the task to run",
                         report(worker, services, wanted))
                time.sleep(0.5)
        finally:
            stop_worker(worker)
            (tmp_path / "worker.log").write_text(worker.output())
    [(article_id, language)] = wanted
    translation = services.app.get_translation(cast.editor, article_id, language)
    services.close()
    assert translation.state == "failed", (translation.state, worker.output()[-3000:])
    assert translation.failure_reason is not None
    assert translation.failure_reason.startswith("the engine's output was refused: ")
    assert "control character U+000B" in translation.failure_reason


class RateLimitedLibreTranslate(LibreTranslateStub):
    """Always 429 Too Many Requests, asking for `retry_after` seconds of patience."""

    retry_after = 3

    def answer(self, request: Recorded) -> Answer:
        return self.error(429, "Too many requests", {"Retry-After": str(self.retry_after)})


def test_the_reconciler_leaves_a_retry_chain_waiting_out_its_backoff_alone(
    tmp_path: Path,
) -> None:
    with RateLimitedLibreTranslate() as engine:
        env = pipeline_env(tmp_path / "var", f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
                           **libretranslate_env(engine))
        services = services_for(env)
        cast = make_cast(services)
        wanted = request_all(services, cast.editor, approved_articles(services, cast.editor, 1),
                             ("es",))
        worker = start_worker(env, concurrency=1)
        on_timeout = report(worker, services, wanted)
        try:
            # A reconcile window shorter than the retry chain (3 retries x 3 s).
            with running_dispatcher(services, reconcile_after=3, reconcile_interval=1):
                wait_for(lambda: states(services, wanted) == {"failed": 1}, 60,
                         "the translation to fail", on_timeout)
            time.sleep(1)
        finally:
            stop_worker(worker)
            (tmp_path / "worker.log").write_text(worker.output())
    [(article_id, language)] = wanted
    translation = services.app.get_translation(cast.editor, article_id, language)
    events = translation_events(services, article_id, language)
    services.close()
    assert translation.failure_reason is not None
    assert translation.failure_reason.startswith("gave up after 4 attempts: libretranslate: "
                                                 "HTTP 429")
    # One chain: the engine that asked for patience is called 1 + 3 times, not more
    # (before f8bd580 the reconciler started a chain per pass: 15 calls here).
    assert len(engine.requests) == 4, f"{len(engine.requests)} calls to the engine, not 1 + 3"
    assert events == ["Requested", "AttemptFailed", "AttemptFailed", "AttemptFailed", "Failed"]


def test_a_transient_failure_reason_is_cleared_when_the_retry_succeeds(tmp_path: Path) -> None:
    from sqlalchemy import select

    from newsroom.projections.tables import translation_queue

    with LibreTranslateStub() as engine:
        engine.faults.append("500")  # the first request fails, the retry succeeds
        env = pipeline_env(tmp_path / "var", f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
                           **libretranslate_env(engine))
        services = services_for(env)
        cast = make_cast(services)
        wanted = request_all(services, cast.editor, approved_articles(services, cast.editor, 1),
                             ("es",))
        worker = start_worker(env, concurrency=1)
        try:
            with running_dispatcher(services):
                wait_for(lambda: all_translated(services, wanted), 60, "the translation",
                         report(worker, services, wanted))
        finally:
            stop_worker(worker)
    [(article_id, language)] = wanted
    events = translation_events(services, article_id, language)
    translation = services.app.get_translation(cast.editor, article_id, language)
    services.projections.catch_up("translation_queue")
    with services.engine.connect() as conn:
        queued = conn.execute(select(translation_queue.c.failure_reason).where(
            translation_queue.c.id == translation.id)).scalar_one()
    services.close()
    assert events == ["Requested", "AttemptFailed", "MachineTranslated"]
    assert translation.state == "machine_translated"
    assert (translation.failure_reason, queued) == (None, None)
