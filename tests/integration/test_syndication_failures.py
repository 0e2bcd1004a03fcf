"""Failures syndication must survive (issue 5), with a Redis broker of the test's own,
real Celery worker processes and signed webhook receivers on loopback:

1. flaky receivers (30 % of answers are 500s, timeouts, 429s with Retry-After and
   dropped connections) beside a healthy one: 200 deliveries, none lost, each one
   effect at a receiver that de-duplicates by webhook-id, and the healthy receiver is
   served promptly whatever the others' retries do;
2. the pool process doing the send killed with SIGKILL ten times, then the whole
   worker mid-send: every delivery completes and is recorded delivered once (what
   the dead worker held comes back through the reconciler);
3. a correction and a retraction issued right after publication, under the same
   faults: every receiver gets publication, correction and kill notice, in that
   order, each once in effect;
4. 1,000 fuzzed subscriber configurations through the API and receivers answering at
   random: no 500, and every delivery ends recorded (delivered, or failed with a
   reason);
5. 40 SSRF URLs (the corpus of tests/unit/test_transmit_ssrf.py): refused by the API
   and, stored anyway, refused by the worker before any socket is opened, including
   a name that rebinds to loopback between subscribe time and send time.

The embargo ("nothing before embargo_until, everything within 5 s after") is covered
by tests/integration/test_syndication_pipeline.py::
test_scheduled_publication_fires_and_embargoed_deliveries_wait.

CI has no DNS: names resolve through a table. In this process `socket.getaddrinfo`
is replaced for the test (the API's subscribe-time check); in the worker a
`sitecustomize` module does the same and also logs every outgoing connect(), and
refuses those that would leave the machine, so "before a socket is opened" is
observed where the send happens. Nothing of ours is patched.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import make_cast
from integration.test_pipeline_failures import lost_tasks
from integration.test_transmit_fuzz import (
    SECRET,
    closed_port,
    random_behaviour,
    random_secret,
    random_text,
    random_url,
)
from pipeline import (
    RedisServer,
    Worker,
    pids_owning,
    private_redis,
    services_for,
    tcp_socket_inodes,
    wait_for,
    webhook_env,
    worker_and_dispatcher,
)
from receivers import DROP, OK, Behaviour, WebhookReceiver, rate_limited, slow, status
from sqlalchemy import select
from unit.test_transmit_ssrf import DNS, PUBLIC_V4, REFUSED_BY_DNS, REFUSED_LITERALLY

from newsroom.bootstrap import Services
from newsroom.domain.article import Article
from newsroom.domain.delivery import delivery_id
from newsroom.domain.policy import Actor
from newsroom.projections.tables import deliveries
from newsroom.web import create_app
from workers.celery_config import REDIS_VISIBILITY_TIMEOUT

BODY = "Le conseil municipal a voté le budget.\n\nLa séance a duré trois heures."

# 30 % of answers fail, spread over the four kinds the issue names. A "timeout" is a
# receiver that takes the delivery and answers after the sender stopped waiting.
FLAKY_MIX: list[tuple[Behaviour, float]] = [
    (OK, 70), (status(500, b"oops"), 7.5), (slow(1.2), 7.5), (rate_limited("1"), 7.5),
    (DROP, 7.5)]


def syndication_env(var_dir: Path, redis: RedisServer, **extra: str) -> dict[str, str]:
    settings = {
        # A short retry schedule: 0.05 s doubling, jittered; many retries, since a
        # delivery may meet several faults in a row.
        "NEWSROOM_DELIVERY_BACKOFF": "0.05",
        "NEWSROOM_DELIVERY_MAX_RETRIES": "20",
        "NEWSROOM_WEBHOOK_CONNECT_TIMEOUT": "0.5",
        "NEWSROOM_WEBHOOK_READ_TIMEOUT": "0.5",
        "NEWSROOM_WEBHOOK_TOTAL_TIMEOUT": "1",
    }
    settings.update(extra)
    return webhook_env(var_dir, redis.url, **settings)


@contextmanager
def listening(receivers: list[WebhookReceiver]) -> Iterator[None]:
    """Every receiver serving for the block."""
    with ExitStack() as stack:
        for receiver in receivers:
            stack.enter_context(receiver)
        yield


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    with private_redis(tmp_path / "redis") as server:
        yield server


# ---- the newsroom side ---------------------------------------------------------------


def webhook_subscribers(services: Services, admin: Actor,
                        receivers: list[WebhookReceiver], secret: str) -> list[UUID]:
    return [services.app.add_subscriber(admin, {
        "name": f"Partner {n}", "transport": "webhook", "url": receiver.url,
        "secret": secret, "format": "ninjs", "languages": ["fr"]}).id
        for n, receiver in enumerate(receivers)]


def approved_articles(services: Services, editor: Actor, count: int) -> list[UUID]:
    ids = []
    for n in range(count):
        article_id = services.app.create_article(editor, headline=f"Budget voté {n}",
                                                 body=BODY, language="fr").id
        services.app.submit(editor, article_id)
        services.app.approve(editor, article_id)
        ids.append(article_id)
    return ids


def event_version(services: Services, article_id: UUID, kind: type[Any]) -> int:
    """The version of the (last) event of this class in the article's stream."""
    versions = [e.originator_version for e in services.app.events.get(article_id)
                if isinstance(e, kind)]
    assert versions, f"no {kind.__qualname__} in {article_id}"
    return int(versions[-1])


def delivery_rows(services: Services, article_ids: list[UUID]) -> list[Any]:
    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        return list(conn.execute(select(deliveries).where(
            deliveries.c.article_id.in_(article_ids))).all())


def settled(services: Services, article_ids: list[UUID], expected: int) -> bool:
    rows = delivery_rows(services, article_ids)
    return len(rows) == expected and all(row.status != "pending" for row in rows)


def delivery_events(services: Services, delivery: UUID) -> list[str]:
    return [type(e).__name__ for e in services.app.events.get(delivery)]


def assert_delivered_once(services: Services, ids: set[UUID]) -> None:
    """Each delivery has exactly one Delivered event, after its attempts, and none
    failed: the aggregate and the read model agree."""
    wrong = {}
    for did in ids:
        names = delivery_events(services, did)
        if names.count("Delivered") != 1 or "Failed" in names or names[-1] != "Delivered":
            wrong[did] = names
    assert not wrong, f"deliveries not recorded delivered exactly once: {wrong}"
    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.id, deliveries.c.status).where(
            deliveries.c.id.in_(ids))).all()
    assert sorted(rows) == sorted((did, "delivered") for did in ids)


def progress(worker: Worker, services: Services, article_ids: list[UUID]) -> Callable[[], str]:
    def describe() -> str:
        counts: dict[str, int] = {}
        for row in delivery_rows(services, article_ids):
            counts[row.status] = counts.get(row.status, 0) + 1
        return f"deliveries: {counts}\n--- worker log ---\n{worker.output()[-6000:]}"
    return describe


def ids_of(receiver: WebhookReceiver) -> set[str]:
    return set(receiver.deliveries)


# ---- 1: flaky receivers beside a healthy one ------------------------------------------


def test_flaky_receivers_lose_nothing_duplicate_nothing_and_do_not_delay_the_healthy_one(
    tmp_path: Path, redis_server: RedisServer,
) -> None:
    env = syndication_env(tmp_path / "var", redis_server)
    services = services_for(env)
    cast = make_cast(services)
    secret = SECRET
    flaky = [WebhookReceiver(secret, seed=seed, mix=FLAKY_MIX) for seed in (1, 2, 3)]
    healthy = WebhookReceiver(secret)
    receivers = [*flaky, healthy]
    with listening(receivers):
        subscribers = webhook_subscribers(services, cast.admin, receivers, secret)
        articles = approved_articles(services, cast.editor, 50)
        published: dict[UUID, float] = {}
        with worker_and_dispatcher(env, services, log=tmp_path / "worker.log") as worker:
            on_timeout = progress(worker, services, articles)
            for article_id in articles:
                services.app.publish(cast.editor, article_id)
                published[article_id] = time.monotonic()
                time.sleep(0.02)
            wait_for(lambda: settled(services, articles, 200), 60,
                     "all 200 deliveries to settle", on_timeout)

    expected = {receiver: {str(delivery_id(a, event_version(services, a, Article.Published),
                                           "fr", sid)) for a in articles}
                for receiver, sid in zip(receivers, subscribers, strict=True)}
    # Zero lost, zero duplicate effects: each receiver took each of its 50 deliveries once.
    for receiver in receivers:
        assert ids_of(receiver) == expected[receiver]
        assert all(r.signature_ok for r in receiver.requests)
    assert_delivered_once(services, {UUID(x) for ids in expected.values() for x in ids})
    # The faults did happen (so the test can fail): retries, timeouts taken as effects.
    failing = [r for receiver in flaky for r in receiver.requests if not r.behaviour.accepts
               or r.behaviour.kind == "slow"]
    assert len(failing) >= 20, len(failing)
    assert sum(receiver.duplicates for receiver in flaky) >= 1
    # The healthy receiver: one request per delivery, none waited for the others.
    assert len(healthy.requests) == 50 and healthy.duplicates == 0
    by_id = {r.webhook_id: r.at for r in healthy.requests}
    waits = [by_id[str(delivery_id(a, event_version(services, a, Article.Published), "fr",
                                   subscribers[-1]))] - published[a] for a in articles]
    flaky_last = max(r.at for receiver in flaky for r in receiver.requests)
    # Generous: the machine may be busy; a healthy receiver served behind the others'
    # retry chains (Retry-After 1 s, timeouts, backoff) would wait far longer.
    assert max(waits) < 10.0, f"healthy receiver waited up to {max(waits):.2f} s"
    assert statistics.median(waits) < 3.0, f"healthy median {statistics.median(waits):.2f} s"
    assert max(by_id.values()) < flaky_last  # the flaky ones were still being retried
    services.close()


# ---- 2: the pool process doing the send killed, ten times ------------------------------


class TrackingReceiver(WebhookReceiver):
    """Takes each delivery, then waits `delay` seconds before answering, and knows
    which client connections are waiting on it (to find, and kill, the sender)."""

    def __init__(self, secret: str, delay: float) -> None:
        super().__init__(secret)
        self.delay = delay
        self.waiting: set[int] = set()

    def answer(self, handler: Any, behaviour: Behaviour) -> None:
        port = int(handler.client_address[1])
        with self._lock:
            self.waiting.add(port)
        try:
            time.sleep(self.delay)
            super().answer(handler, behaviour)
        finally:
            with self._lock:
                self.waiting.discard(port)

    def busy_pids(self, candidates: list[int]) -> list[int]:
        with self._lock:
            ports = set(self.waiting)
        if not ports:
            return []
        return pids_owning(set(tcp_socket_inodes(ports, remote_port=self.port)), candidates)


def kill_senders(worker: Worker, receiver: TrackingReceiver, kills: int, timeout: float,
                 on_timeout: Callable[[], str]) -> list[int]:
    """Each round: waits until a pool process is in the middle of a send, SIGKILLs every
    pool process then mid-send (up to `kills` in all), and waits until the worker has
    handled each lost task. Rounds, not one kill at a time: the worker reaps a dead
    pool process on a 5 s timer, so killing both together halves the test's time."""
    killed: list[int] = []
    busy: list[int] = []

    def someone_mid_send() -> bool:
        busy[:] = receiver.busy_pids([p for p in worker.pool_pids() if p not in killed])
        return bool(busy)

    while len(killed) < kills:
        wait_for(someone_mid_send, timeout, f"a pool process mid-send (kill {len(killed) + 1})",
                 on_timeout)
        for pid in busy[:kills - len(killed)]:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        wait_for(lambda: lost_tasks(worker) >= len(killed), timeout,
                 f"the worker to notice {len(killed)} lost task(s)", on_timeout)
    return killed


def test_the_sending_pool_process_killed_ten_times_every_delivery_recorded_once(
    tmp_path: Path, redis_server: RedisServer,
) -> None:
    env = syndication_env(tmp_path / "var", redis_server,
                          NEWSROOM_WEBHOOK_READ_TIMEOUT="5", NEWSROOM_WEBHOOK_TOTAL_TIMEOUT="5")
    services = services_for(env)
    cast = make_cast(services)
    with TrackingReceiver(SECRET, delay=0.8) as receiver:
        [subscriber] = webhook_subscribers(services, cast.admin, [receiver], SECRET)
        articles = approved_articles(services, cast.editor, 40)
        for article_id in articles:
            services.app.publish(cast.editor, article_id)
        with worker_and_dispatcher(env, services, log=tmp_path / "worker.log") as worker:
            on_timeout = progress(worker, services, articles)
            killed = kill_senders(worker, receiver, 10, 20, on_timeout)
            receiver.delay = 0.0
            wait_for(lambda: settled(services, articles, 40), 45,
                     "every delivery after the kills", on_timeout)
            wait_for(lambda: redis_server.client().hlen("unacked") == 0, 20,
                     "no unacknowledged message left", on_timeout)
        log, lost = worker.output(), lost_tasks(worker)

        # Then the whole worker, main process and pool, mid-send: nobody is left to
        # requeue what it held (Redis hands it out again only after minutes); the
        # reconciler of a restarted dispatcher sends it again.
        receiver.delay = 0.8
        later = approved_articles(services, cast.editor, 4)
        for article_id in later:
            services.app.publish(cast.editor, article_id)
        with worker_and_dispatcher(env, services) as worker:
            on_timeout = progress(worker, services, later)
            busy: list[int] = []
            wait_for(lambda: bool(busy.extend(receiver.busy_pids(worker.pool_pids()))
                                  or busy), 20, "a send in flight", on_timeout)
            pool = worker.pool_pids()
            worker.process.kill()
            for pid in pool:
                os.kill(pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
        stranded = [row for row in delivery_rows(services, later) if row.status == "pending"]
        receiver.delay = 0.0
        with worker_and_dispatcher(env, services, log=tmp_path / "worker-restarted.log",
                                   reconcile_after=2, reconcile_interval=1) as restarted:
            on_timeout = progress(restarted, services, later)
            wait_for(lambda: settled(services, later, 4), 30,
                     "every delivery after the worker died", on_timeout)
    assert len(set(killed)) == 10
    assert log.count("exited with 'signal 9 (SIGKILL)'") == 10, log[-4000:]
    assert lost == 10, log[-4000:]  # each kill hit a running task, and Celery saw it
    assert stranded, "the worker died too late to strand a delivery"
    assert "reconcile-" in restarted.output()
    wanted = {delivery_id(a, event_version(services, a, Article.Published), "fr", subscriber)
              for a in [*articles, *later]}
    assert ids_of(receiver) == {str(x) for x in wanted}
    # Each killed send had reached the receiver: it saw it again and took it once.
    assert receiver.duplicates >= 10 - 2, receiver.duplicates
    assert_delivered_once(services, wanted)
    services.close()


# ---- 3: a correction and a retraction right after publication, under faults -----------


def test_correction_then_retraction_reach_every_receiver_in_order_once_under_faults(
    tmp_path: Path, redis_server: RedisServer,
) -> None:
    env = syndication_env(tmp_path / "var", redis_server)
    services = services_for(env)
    cast = make_cast(services)
    app = services.app
    receivers = [WebhookReceiver(SECRET, seed=seed, mix=FLAKY_MIX) for seed in (4, 5, 6)]
    receivers.append(WebhookReceiver(SECRET))
    with listening(receivers):
        subscribers = webhook_subscribers(services, cast.admin, receivers, SECRET)
        articles = approved_articles(services, cast.editor, 4)
        with worker_and_dispatcher(env, services, log=tmp_path / "worker.log") as worker:
            on_timeout = progress(worker, services, articles)
            for n, article_id in enumerate(articles):
                app.publish(cast.editor, article_id)
                # The editor acts at once, while the first deliveries are retried.
                time.sleep(0.1 * n)
                app.correct(cast.editor, article_id, {"body": BODY + " Corrigé."},
                            "La durée de la séance a été précisée.")
                time.sleep(0.1 * n)
                app.retract(cast.editor, article_id, "Dépêche retirée.")
            wait_for(lambda: settled(services, articles, 3 * 4 * len(articles)), 60,
                     "publication, correction and kill to every receiver", on_timeout)

    everything: set[UUID] = set()
    for receiver, subscriber in zip(receivers, subscribers, strict=True):
        order = list(receiver.deliveries)  # first acceptance of each webhook-id
        for article_id in articles:
            sequence = [delivery_id(article_id, event_version(services, article_id, kind),
                                    "fr", subscriber)
                        for kind in (Article.Published, Article.Corrected, Article.Retracted)]
            everything.update(sequence)
            positions = [order.index(str(x)) if str(x) in order else -1 for x in sequence]
            assert -1 not in positions, (receiver.url, positions)
            assert positions == sorted(positions), f"out of order at {receiver.url}: {positions}"
            statuses = [json.loads(receiver.deliveries[str(x)])["pubStatus"] for x in sequence]
            assert statuses == ["usable", "usable", "canceled"]
        assert len(order) == 3 * len(articles)  # nothing else, nothing twice
    assert_delivered_once(services, everything)
    assert sum(len(r.requests) for r in receivers[:3]) > 3 * 3 * len(articles)  # faults hit
    services.close()


def test_the_reconciler_leaves_a_delivery_waiting_out_its_retry_after_alone(
    tmp_path: Path, redis_server: RedisServer,
) -> None:
    """A receiver that asks for patience (429, Retry-After 3 s) with a reconciler far
    more impatient (1 s): one chain of sends, 1 + 1 retry, not one more per pass."""
    env = syndication_env(tmp_path / "var", redis_server, NEWSROOM_DELIVERY_MAX_RETRIES="1")
    services = services_for(env)
    cast = make_cast(services)
    with WebhookReceiver(SECRET, mix=[(rate_limited("3"), 1)]) as receiver:
        webhook_subscribers(services, cast.admin, [receiver], SECRET)
        [article_id] = approved_articles(services, cast.editor, 1)
        with worker_and_dispatcher(env, services, reconcile_after=1,
                                   reconcile_interval=0.3) as worker:
            on_timeout = progress(worker, services, [article_id])
            services.app.publish(cast.editor, article_id)
            wait_for(lambda: settled(services, [article_id], 1), 30,
                     "the delivery to give up", on_timeout)
            time.sleep(1.5)  # a few more reconciler passes
    [row] = delivery_rows(services, [article_id])
    assert row.status == "failed" and "Retry-After 3 s" in (row.last_error or "")
    assert len(receiver.requests) == 2, [r.at for r in receiver.requests]
    assert receiver.requests[1].at - receiver.requests[0].at >= 2.9
    services.close()


# ---- 4 and 5: fuzzed configurations, SSRF; names resolved through a table ---------------


SITECUSTOMIZE = '''\
"""Test only (tests/integration/test_syndication_failures.py): names resolve through
a table instead of DNS, and every outgoing connect() is logged; those that would
leave the machine are refused after being logged."""
import ipaddress
import json
import os
import socket

_TABLE = json.loads(open(os.environ["SYNDICATION_TEST_DNS"]).read())
_LOG = os.environ["SYNDICATION_TEST_CONNECTS"]
_getaddrinfo = socket.getaddrinfo


def _numeric(host):
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name in _TABLE:
        out = []
        for address in _TABLE[name]:
            if ":" in address:
                out.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0)))
            else:
                out.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0)))
        return out
    if name is None or name == "localhost" or _numeric(name):
        return _getaddrinfo(host, port, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


class _LoggedSocket(socket.socket):
    def connect(self, address):
        if isinstance(address, tuple):
            with open(_LOG, "a") as log:
                log.write(json.dumps([os.getpid(), str(address[0]), int(address[1])]) + "\\n")
            if not ipaddress.ip_address(str(address[0]).split("%", 1)[0]).is_loopback:
                raise ConnectionRefusedError("test: nothing leaves this machine")
        return super().connect(address)


socket.getaddrinfo = getaddrinfo
socket.socket = _LoggedSocket
'''


@dataclass
class NameTable:
    """The worker's DNS table and connect log (through `sitecustomize`)."""

    directory: Path

    def env(self, table: dict[str, list[str]]) -> dict[str, str]:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "sitecustomize.py").write_text(SITECUSTOMIZE)
        (self.directory / "dns.json").write_text(json.dumps(table))
        return {"PYTHONPATH": str(self.directory),
                "SYNDICATION_TEST_DNS": str(self.directory / "dns.json"),
                "SYNDICATION_TEST_CONNECTS": str(self.connect_log)}

    @property
    def connect_log(self) -> Path:
        return self.directory / "connects.jsonl"

    def connects(self) -> list[tuple[int, str, int]]:
        if not self.connect_log.exists():
            return []
        return [tuple(json.loads(line)) for line in self.connect_log.read_text().splitlines()]


def resolve_here(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> None:
    """This process's resolver (the API's subscribe-time check) answers from `table`."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6,
                     "", (a, port or 0)) for a in table[name]]
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in str(name) else socket.AF_INET,
                             str(name))
        except OSError:
            if name not in (None, "localhost"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def api(services: Services) -> Callable[[Any], Any]:
    client = create_app(services, {"TESTING": True}).test_client()
    token = services.app.issue_token("adam", 1)[0]

    def post(body: Any) -> Any:
        if isinstance(body, bytes):
            return client.post("/api/v1/subscribers", data=body,
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json"})
        return client.post("/api/v1/subscribers", json=body,
                           headers={"Authorization": f"Bearer {token}"})
    return post


FUZZ_SEED = 5_0501
FUZZ_RUNS = 1000
FUZZ_DNS = {"hooks.fuzz.test": ["127.0.0.1"], "rebind.fuzz.test": ["127.0.0.1"]}
FUZZ_DNS_AT_SEND = {"hooks.fuzz.test": ["127.0.0.1"], "rebind.fuzz.test": ["169.254.169.254"]}


def wild_subscriber(rng: random.Random, receiver: WebhookReceiver, dead_port: int,
                    drops: Path) -> dict[str, Any]:
    """Every setting drawn at random, most of them wrong in some way."""
    document: dict[str, Any] = {}
    if rng.random() < 0.95:
        document["name"] = rng.choice([
            "Partner " + random_text(rng, 8), random_text(rng, rng.randrange(0, 40)), "",
            "x" * 3000, 12, None, ["a"], "Ag\u00e9nce \u202eevil", "\x00\x07"])
    transport = rng.choice(["webhook"] * 6 + ["file"] * 2 + ["ftp", "", 3, None])
    if rng.random() < 0.97:
        document["transport"] = transport
    if transport == "file" or rng.random() < 0.05:
        document["path"] = rng.choice([
            str(drops / "ok"), str(drops / "missing" / random_text(rng, 5, "abc")),
            str(drops / "a-file"), str(drops / "read-only"), random_text(rng, 20), "", 5])
    if transport == "webhook" or rng.random() < 0.05:
        document["url"] = (random_url(rng, receiver, dead_port) if rng.random() < 0.95
                           else rng.choice([None, 443, ["http://x"], {"u": 1}]))
    if rng.random() < 0.85:
        secret = random_secret(rng)
        document["secret"] = (secret.decode("latin-1") if isinstance(secret, bytes)
                              else secret)
    if rng.random() < 0.97:
        document["format"] = rng.choice(["ninjs"] * 4 + ["newsml-g2"] * 3
                                        + ["NINJS", "", "json", 3, None])
    if rng.random() < 0.9:
        document["languages"] = rng.choice([
            ["fr"], ["fr"], ["fr", "es"], ["es"], [], "fr", [1], ["fr", "fr"], None,
            [random_text(rng, 4)], ["FR"], ["fr-CA"]])
    if rng.random() < 0.3:
        document["early_embargo"] = rng.choice([True, False, "yes", 1, None])
    if rng.random() < 0.05:
        document[random_text(rng, 6)] = random_text(rng, 6)
    return document


def fuzzed_subscriber(rng: random.Random, receiver: WebhookReceiver, dead_port: int,
                      drops: Path) -> Any:
    """A body for POST /subscribers: garbage now and then, else a sound configuration
    with up to three settings taken from a wild one (so that many reach the sender)."""
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([b"", b"{", b"[]", b"null", b'"x"', b"\xff\xfe", b"{}" * 1000])
    if roll < 0.04:
        return rng.choice([[], None, 7, "subscriber", [{"name": "x"}]])
    wild = wild_subscriber(rng, receiver, dead_port, drops)
    if roll < 0.3:
        return wild
    host = rng.choice(["127.0.0.1", "hooks.fuzz.test", "localhost"])
    sound: dict[str, Any] = {
        "name": f"Partner {rng.randrange(10_000)}", "transport": "webhook",
        "url": f"http://{host}:{receiver.port}/hook/{rng.randrange(100)}",
        "secret": SECRET, "format": rng.choice(["ninjs", "newsml-g2"]),
        # Only some take French, the language published: fewer, slower sends suffice.
        "languages": [rng.choice(["fr", "fr", "es", "en", "ca"])]}
    if rng.random() < 0.15:
        sound.update(transport="file", path=str(drops / "ok"), url="", secret="")
    for key in rng.sample(sorted(wild), min(len(wild), rng.randrange(0, 4))):
        sound[key] = wild[key]
    return sound


def ended(row: Any) -> bool:
    """Delivered or failed; or waiting out a receiver's Retry-After longer than this
    test, with that attempt on record (honouring it is the point)."""
    if row.status != "pending":
        return True
    match = re.search(r"Retry-After ([0-9.]+) s", row.last_error or "")
    return row.attempts >= 1 and match is not None and float(match.group(1)) > 30


def held_messages(redis_server: RedisServer) -> list[dict[str, Any]]:
    """The headers of the task messages in the syndication queue or held by a worker."""
    client = redis_server.client()
    raw = [json.loads(x)[0] for x in client.hvals("unacked")]
    raw += [json.loads(x) for x in client.lrange("syndication", 0, -1)]
    return [message["headers"] for message in raw]


def test_fuzzed_subscribers_and_answers_never_500_and_every_delivery_ends_recorded(
    tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(FUZZ_SEED)
    names = NameTable(tmp_path / "site")
    env = syndication_env(tmp_path / "var", redis_server, NEWSROOM_DELIVERY_MAX_RETRIES="1",
                          NEWSROOM_WEBHOOK_READ_TIMEOUT="0.3",
                          NEWSROOM_WEBHOOK_TOTAL_TIMEOUT="0.6", **names.env(FUZZ_DNS_AT_SEND))
    resolve_here(monkeypatch, FUZZ_DNS)
    services = services_for(env)
    cast = make_cast(services)
    drops = tmp_path / "drops"
    (drops / "ok").mkdir(parents=True)
    (drops / "read-only").mkdir()
    (drops / "read-only").chmod(0o555)
    (drops / "a-file").write_text("not a directory")
    behaviours = [random_behaviour(rng) for _ in range(300)]
    post = api(services)
    answers: dict[int, int] = {}
    with WebhookReceiver(SECRET, seed=FUZZ_SEED,
                         mix=[(b, 1.0) for b in behaviours]) as receiver:
        dead_port = closed_port()
        for _ in range(FUZZ_RUNS):
            response = post(fuzzed_subscriber(rng, receiver, dead_port, drops))
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            assert response.status_code < 500, response.get_data(as_text=True)[:500]
            if response.status_code >= 400:
                error = response.get_json()["error"]
                assert error["code"] and error["message"], error
        assert answers.get(201, 0) >= 100, answers  # enough reach the delivery path
        [article_id] = approved_articles(services, cast.editor, 1)
        try:
            with worker_and_dispatcher(env, services, log=tmp_path / "worker.log") as worker:
                on_timeout = progress(worker, services, [article_id])
                services.app.publish(cast.editor, article_id)
                wait_for(lambda: bool(delivery_rows(services, [article_id])) and all(
                    ended(row) for row in delivery_rows(services, [article_id])),
                    60, "every fuzzed delivery to end", on_timeout)
                waits = [h for h in held_messages(redis_server) if h.get("eta")]
        finally:
            (drops / "read-only").chmod(0o755)
    rows = delivery_rows(services, [article_id])
    outcomes = {row.status for row in rows}
    assert {"delivered", "failed"} <= outcomes <= {"delivered", "failed", "pending"}, outcomes
    unexplained = [row for row in rows if row.status == "failed" and not row.last_error]
    assert not unexplained, unexplained
    log = worker.output()
    assert "raised unexpected" not in log and "Traceback" not in log, log[-4000:]
    assert len(rows) >= 50, len(rows)
    # Retry-Afters of up to a day are waited out in short hops: a message held in a
    # worker past Redis's visibility timeout would come back,
    # again and again, each copy a send at the same moment.
    latest = max(datetime.fromisoformat(h["eta"]) for h in waits)
    assert latest - datetime.now(UTC) < timedelta(seconds=REDIS_VISIBILITY_TIMEOUT), latest
    assert any("not_before" in h.get("kwargsrepr", "") for h in waits), waits
    services.close()


# The 40: IPv6, decimal, hex and octal spellings, names resolving to loopback, private
# and metadata addresses, and a name that rebinds between subscribe and send time.
SSRF_LITERAL = [url for url in REFUSED_LITERALLY
                if url.startswith("https://") and url.isascii() and url.isprintable()
                and " " not in url][:23]
REBINDING = "https://rebind.example.com/hook"
SSRF_URLS = [*SSRF_LITERAL, *REFUSED_BY_DNS, REBINDING]
CONTROL = "https://public.example.com/hook"  # allowed: shows a send does reach a socket


def test_forty_ssrf_urls_are_refused_by_the_api_and_by_the_worker_before_any_socket(
    tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(SSRF_URLS) == 40
    assert any("[" in url for url in SSRF_URLS) and "https://2130706433/" in SSRF_URLS
    names = NameTable(tmp_path / "site")
    at_send = {**DNS, "rebind.example.com": ["127.0.0.1"]}
    env = syndication_env(tmp_path / "var", redis_server, NEWSROOM_WEBHOOK_ALLOW_INSECURE="",
                          NEWSROOM_DELIVERY_MAX_RETRIES="1", **names.env(at_send))
    resolve_here(monkeypatch, {**DNS, "rebind.example.com": [PUBLIC_V4]})
    services = services_for(env)
    cast = make_cast(services)
    post = api(services)
    refused = {}
    for url in [*SSRF_URLS, CONTROL]:
        response = post({"name": "Partner", "transport": "webhook", "url": url,
                         "secret": SECRET, "format": "ninjs", "languages": ["fr"]})
        refused[url] = response.status_code
    # At subscribe time: all refused with a reason, but the rebinding name (public then).
    assert {u: c for u, c in refused.items() if c != 422} == {REBINDING: 201, CONTROL: 201}
    # Stored anyway (as if DNS had changed since, for all of them): the sender refuses.
    for url in SSRF_URLS[:-1]:
        services.app.add_subscriber(cast.admin, {
            "name": "Stored earlier", "transport": "webhook", "url": url, "secret": SECRET,
            "format": "ninjs", "languages": ["fr"]})
    [article_id] = approved_articles(services, cast.editor, 1)
    with worker_and_dispatcher(env, services, log=tmp_path / "worker.log") as worker:
        on_timeout = progress(worker, services, [article_id])
        services.app.publish(cast.editor, article_id)
        wait_for(lambda: settled(services, [article_id], 41), 30,
                 "every delivery to end", on_timeout)
    urls = {sub.id: sub.url for sub in services.app.subscribers(cast.admin)}
    rows = {urls[row.subscriber_id]: row for row in delivery_rows(services, [article_id])}
    assert set(rows) == {*SSRF_URLS, CONTROL}
    for url in SSRF_URLS:
        assert rows[url].status == "failed", url
        assert (rows[url].last_error or "").startswith("webhook URL:"), (url, rows[url].last_error)
        assert rows[url].attempts == 1, url  # permanent: never retried
    assert "127.0.0.1 is loopback" in (rows[REBINDING].last_error or "")
    # The connect log of the worker's processes: the broker, and the control only.
    outside = {(host, port) for _pid, host, port in names.connects()
               if (host, port) != ("127.0.0.1", redis_server.port)}
    assert outside == {(PUBLIC_V4, 443)}, outside
    assert rows[CONTROL].status == "failed" and "refused" in (rows[CONTROL].last_error or "")
    services.close()
