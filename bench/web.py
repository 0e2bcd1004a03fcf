"""Web benchmark: the desk lists and the audit trail under load, and projection rebuilds.

Run from the repository root::

    .venv/bin/python bench/web.py [--quick] [--pg-url URL] [--reseed]

In one run it

1. seeds a store (once; reused on later runs, keyed by size): 100,000 articles
   (``--quick``: 5,000) by ten journalists, in every state, with realistic histories
   (revisions, a send-back, comments, approvals over QA findings, translations,
   publications, corrections, retractions), plus one article with exactly 1,000
   events. Events total exactly 1,000,000 (``--quick``: 50,000). Every event is a real
   aggregate event in the real store (``bench/seed.py``: many aggregates per
   ``Newsroom.save``). The read models are then rebuilt from the log by the real
   runner (``services.projections.rebuild``), timed, and kept; a store whose read
   models were built for another layout (``READ_MODEL_SCHEMA``) or ``--rebuild-read-models``
   has them rebuilt. ``--seed-only`` stops there (``--events-only``: before them);
2. serves the store with gunicorn (``newsroom.web.wsgi:create()``, ``CREATE_TABLE=n``)
   the way docs/operations.md deploys it: sync workers, two per core (``--server
   gthread``: 2 workers x 4 threads, the layout of earlier runs, whose keep-alive
   connections can all land on one worker), on 127.0.0.1, and loads it with wrk (2 threads,
   8 connections, 15 s; ``--quick``: 3 s) with a session cookie from ``POST /login``:
   ``/desk`` (the busiest journalist's list), ``/queue`` (the editor's queue),
   ``/audit/articles/<id>`` (the 1,000-event article's trail, its first and its last
   page) and its ``timeline.svg``. Target: p95 <= 100 ms (desk and trail).
   Each page gets a fresh server, so requests a slow page leaves running cannot slow
   the next one; a page that completes fewer than 10 requests is measured again with
   one connection, long enough for about 5;
3. times the parts of each page in-process (catch-up on request, the query, a trail
   page's rows, the texts before it and its descriptions, one localized time) to say
   what limits a miss;
4. rebuilds each projection from the whole log into a scratch read-model database with
   the real ``ProjectionRunner.rebuild`` (``services.projections.rebuild``), against
   reading and deserializing the same events alone (``select_notifications`` in pages
   of 500 with the projection's topics + ``mapper.to_domain_event``). Target: rebuild
   rate / read rate >= 0.25, per projection and in total. A projection still running
   after the budget (``--rebuild-budget``) is stopped and its rate is the rate so far.

``--pages-only`` runs steps 2 and 3 alone, on the existing store.

Results print as a table and go to ``var/bench/web.json`` (PostgreSQL:
``var/bench/web-postgres.json``; ``--pages-only``: ``web-pages.json``; ``--server
gthread`` adds ``-gthread``). Stores live
under ``var/bench/web-*`` (6 GB at full size on SQLite); ``--reseed`` seeds one again.
Needs gunicorn in the venv and wrk.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import json
import os
import platform
import pstats
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import psycopg
from sqlalchemy import Engine, func, select, update
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

import seed

from newsroom.bootstrap import Services, build, projections_of, read_model_engine
from newsroom.config import Settings
from newsroom.projections.runner import ProjectionRunner
from newsroom.projections.tables import article_summaries, audit_trail, positions
from newsroom.security import hash_password
from newsroom.web import create_app
from newsroom.web.audit import TRAIL_PAGE

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "var" / "bench"
VENV_BIN = Path(sys.executable).parent
SEED = 20240607
P95_TARGET_MS = 100.0
REBUILD_TARGET = 0.25
# The read models' layout the store was built for; a store built for another one has
# its read models rebuilt from its log on the next run.
READ_MODEL_SCHEMA = "0004+batched-projections"
SESSION_COOKIE = "newsroom_session"


@dataclass(frozen=True)
class Params:
    articles: int
    events: int
    long_events: int
    duration_s: int
    warmup_s: int
    connections: int
    wrk_threads: int
    server: str  # gunicorn worker class: "sync" or "gthread"
    workers: int
    threads: int
    rebuild_budget_s: float
    profile_events: int
    samples: int  # in-process timings per part

    @classmethod
    def of(cls, quick: bool, budget: float | None, server: str = "sync") -> Params:
        # docs/operations.md: sync workers, two per core (each request holds a core
        # while it renders; the second hides the database and network waits).
        workers, threads = (2 * (os.cpu_count() or 1), 1) if server == "sync" else (2, 4)
        if quick:
            return cls(articles=5_000, events=50_000, long_events=1_000, duration_s=3,
                       warmup_s=1, connections=8, wrk_threads=2, server=server,
                       workers=workers, threads=threads,
                       rebuild_budget_s=budget or 60.0, profile_events=2_000, samples=5)
        return cls(articles=100_000, events=1_000_000, long_events=1_000, duration_s=15,
                   warmup_s=3, connections=8, wrk_threads=2, server=server,
                   workers=workers, threads=threads,
                   rebuild_budget_s=budget or 300.0, profile_events=10_000, samples=7)


def bar(total: int | None, desc: str, unit: str = "ev") -> tqdm:
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return path.name


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


# ---- the store ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    directory: Path
    database_url: str | None  # None: SQLite in the directory
    pg_schema: str | None

    @property
    def marker(self) -> Path:
        return self.directory / "seed.json"

    def env(self, create_tables: bool) -> dict[str, str]:
        env = {"NEWSROOM_VAR_DIR": str(self.directory),
               "CREATE_TABLE": "y" if create_tables else "n"}
        if self.database_url:
            env["NEWSROOM_DATABASE_URL"] = self.database_url
        return env

    def settings(self, create_tables: bool) -> Settings:
        return Settings.from_env(self.env(create_tables))

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None


def store_for(params: Params, pg_url: str | None) -> Store:
    key = f"{params.articles}a-{params.events}e"
    if pg_url is None:
        return Store(OUT_DIR / f"web-{key}", None, None)
    schema = f"bench_web_{key.replace('-', '_')}"
    return Store(OUT_DIR / f"web-pg-{key}", f"{pg_url.split('?')[0]}?schema={schema}", schema)


def wipe(store: Store, pg_url: str | None) -> None:
    shutil.rmtree(store.directory, ignore_errors=True)
    if store.pg_schema and pg_url:
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{store.pg_schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{store.pg_schema}"')


def sqlite_events_path(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def seed_store(store: Store, params: Params) -> dict[str, Any]:
    """Writes the events; returns what the marker keeps. The read models are built
    apart (``build_read_models``), so a changed projection needs no new log."""
    settings = store.settings(create_tables=True)
    services = build(settings)
    try:
        rng = random.Random(SEED)
        texts = seed.Texts.make(rng)
        started = time.perf_counter()
        people, user_events = seed.register_users(services.app, hash_password(seed.PASSWORD))
        plans = seed.make_plans(params.articles, texts, rng,
                                params.events - user_events - params.long_events)
        planned_s = time.perf_counter() - started
        progress = bar(params.events, "seed events")
        progress.update(user_events)
        half = len(plans) // 2
        app = services.app
        seed.save_plans(app, plans[:half], texts, people, rng, progress.update)
        long_id = seed.seed_long_article(app, people, texts, params.long_events, rng,
                                         progress.update)
        seed.save_plans(app, plans[half:], texts, people, rng, progress.update)
        progress.close()
        seeded_s = time.perf_counter() - started
        head = app.recorder.max_notification_id() or 0
        if head != params.events:
            raise AssertionError(f"the log holds {head} events, wanted {params.events}")
        facts = {
            "seed": SEED,
            "articles": params.articles,
            "events": head,
            "user_events": user_events,
            "long_article_id": str(long_id),
            "long_article_events": params.long_events,
            "users": {"busiest_journalist": people.busiest.name, "editor": "editor01",
                      "auditor": "auditor01"},
            "seconds": {"plan": round(planned_s, 1), "write_events": round(seeded_s, 1)},
            "write_rate_eps": round(head / (seeded_s - planned_s)),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    finally:
        services.close()
    store.marker.write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def build_read_models(store: Store, facts: dict[str, Any]) -> dict[str, Any]:
    """Every read model rebuilt from the whole log by the real runner (after the
    migrations), timed; the marker records it, so later runs reuse them."""
    services = build(store.settings(create_tables=True))
    seconds: dict[str, float] = {}
    try:
        for name in services.projections.projections:
            progress = bar(None, f"build read model {name}")
            t0 = time.perf_counter()
            services.projections.rebuild(name, progress.update)
            progress.close()
            seconds[name] = round(time.perf_counter() - t0, 1)
    finally:
        services.close()
    facts = {**facts, "read_models": {"seconds": seconds,
                                      "schema": READ_MODEL_SCHEMA,
                                      "built_at": datetime.now(UTC).isoformat(
                                          timespec="seconds")}}
    store.marker.write_text(json.dumps(facts, indent=2) + "\n")
    return facts


def ensure_store(store: Store, params: Params, pg_url: str | None, reseed: bool,
                 rebuild_read_models: bool, events_only: bool = False
                 ) -> tuple[dict[str, Any], bool]:
    reused = store.marker.exists() and not reseed
    if reused:
        say(f"reusing the seeded log {rel(store.directory)}")
        facts: dict[str, Any] = json.loads(store.marker.read_text())
    else:
        say(f"seeding {rel(store.directory)}: {params.articles:,} articles, "
            f"{params.events:,} events")
        wipe(store, pg_url)
        store.directory.mkdir(parents=True, exist_ok=True)
        facts = seed_store(store, params)
    built = facts.get("read_models", {}).get("schema")
    if not events_only and (rebuild_read_models or built != READ_MODEL_SCHEMA):
        say(f"building the read models (theirs: {built}, wanted: {READ_MODEL_SCHEMA})")
        facts = build_read_models(store, facts)
    return facts, reused


def describe_store(store: Store) -> dict[str, Any]:
    settings = store.settings(create_tables=False)
    engine = read_model_engine(settings)
    t = article_summaries.c
    try:
        with engine.connect() as conn:
            states = dict(conn.execute(select(t.state, func.count()).group_by(t.state)).all())
            by_author = conn.execute(
                select(func.count()).select_from(article_summaries).group_by(t.author_id)
                .order_by(func.count().desc())).scalars().all()
    finally:
        engine.dispose()
    sizes = {}
    if not store.is_postgres:
        events = sqlite_events_path(settings)
        read_models = events.with_name(events.stem + ".readmodels.sqlite")
        sizes = {"events_mib": round(events.stat().st_size / 2**20),
                 "read_models_mib": round(read_models.stat().st_size / 2**20)}
    return {"states": states, "articles_per_author": list(by_author), **sizes}


# ---- serving and loading -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(store: Store, params: Params, log: Path) -> Iterator[int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    env.update(store.env(create_tables=False))
    command = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
               "--workers", str(params.workers), "--threads", str(params.threads),
               "--worker-class", params.server, "--timeout", "300", "--graceful-timeout", "5",
               "--error-logfile", str(log), "newsroom.web.wsgi:create()"]
    process = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                status, _, _ = request(port, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /healthz; see {log}")
            time.sleep(0.2)
        yield port
    finally:
        # Only the server this run started: its own process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def request(port: int, method: str, path: str, body: dict[str, str] | None = None,
            cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {}
    payload = None
    if body is not None:
        payload = urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def login(port: int, name: str) -> str:
    status, headers, _ = request(port, "POST", "/login",
                                 {"name": name, "password": seed.PASSWORD})
    match = re.search(rf"{SESSION_COOKIE}=([^;]+)", headers.get("set-cookie", ""))
    if status != 302 or not match:
        raise RuntimeError(f"login of {name} failed with HTTP {status}")
    return match.group(1)


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,' ..
    '"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,' ..
    '"p75":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def wrk(port: int, path: str, cookie: str, seconds: int, script: Path, *,
        connections: int, threads: int) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
               "--latency", "--timeout", "300s", "-s", str(script),
               "-H", f"Cookie: {SESSION_COOKIE}={cookie}", f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = result["duration_us"] / 1e6
    lat = result.pop("latency_us")
    result["connections"], result["duration_s"] = connections, seconds
    result["latency_ms"] = {k: round(v / 1000, 2) for k, v in lat.items()}
    result["requests_per_s"] = round(result["requests"] / seconds_run, 2)
    result["mean_bytes"] = round(result["bytes"] / max(result["requests"], 1))
    result["wrk_output"] = [x for x in out.splitlines() if not x.startswith("WRKJSON ")]
    return result


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    user: str
    expect: str  # text the page must contain
    row_marker: str  # counts the rows the page lists
    has_target: bool = True  # the issue sets p95 <= 100 ms for the desk and the trail


def pages_of(facts: dict[str, Any]) -> list[Page]:
    users = facts["users"]
    return [
        Page("desk", "/desk", users["busiest_journalist"], "My articles", "<tr>"),
        Page("queue", "/queue", users["editor"], "Submitted articles", "<tr>",
             has_target=False),
        Page("audit", f"/audit/articles/{facts['long_article_id']}", users["auditor"],
             "Audit trail", '<tr id="event-'),
        # The last page: it costs the same as the first (no earlier events described).
        Page("audit-last", f"/audit/articles/{facts['long_article_id']}"
             f"?page={-(-facts['long_article_events'] // TRAIL_PAGE)}", users["auditor"],
             "Audit trail", '<tr id="event-'),
        Page("timeline", f"/audit/articles/{facts['long_article_id']}/timeline.svg",
             users["auditor"], "<svg", "<circle", has_target=False),
    ]


# A page that completes fewer requests than this under load is also measured one
# request at a time, long enough for this many, so its latency is known at all.
MIN_REQUESTS = 10
SEQUENTIAL_MAX_S = 180


def load(store: Store, params: Params, facts: dict[str, Any]) -> dict[str, Any]:
    """Each page on a fresh server, so requests still running when one page's wrk
    stops (a slow page's) cannot slow the next page down."""
    script = store.directory / "wrk-latency.lua"
    script.write_text(WRK_SCRIPT)
    log = store.directory / "gunicorn.log"
    results: dict[str, Any] = {}
    for page in pages_of(facts):
        load_before = round(os.getloadavg()[0], 2)  # other work on the machine
        with gunicorn(store, params, log) as port:
            cookie = login(port, page.user)
            t0 = time.perf_counter()
            status, _, body = request(port, "GET", page.path, cookie=cookie)
            first_s = time.perf_counter() - t0
            html = body.decode("utf-8", "replace")
            if status != 200 or page.expect not in html:
                raise RuntimeError(f"{page.path} as {page.user}: HTTP {status}, "
                                   f"not the expected page")
            rows = html.count(page.row_marker) - (1 if page.row_marker == "<tr>" else 0)
            # Warm every worker and thread up, unless one request already takes a
            # second: then there is nothing left to warm that matters.
            warmup = params.warmup_s if first_s < 1 else 0
            say(f"wrk {page.name}: first request {first_s * 1000:.0f} ms; warm-up "
                f"{warmup} s, then {params.duration_s} s at {params.connections} connections")
            if warmup:
                wrk(port, page.path, cookie, warmup, script,
                    connections=params.connections, threads=params.wrk_threads)
            result = wrk(port, page.path, cookie, params.duration_s, script,
                         connections=params.connections, threads=params.wrk_threads)
        errors = sum(result["errors"].values())
        result.update(
            loadavg_1m_before=load_before,
            path=page.path.replace(facts["long_article_id"], "<id>"),
            user=page.user, rows=rows, bytes=len(body), first_request_ms=round(first_s * 1000),
            warmup_s=warmup, target_p95_ms=P95_TARGET_MS if page.has_target else None,
            met=(result["requests"] >= MIN_REQUESTS and errors == 0
                 and result["latency_ms"]["p95"] <= P95_TARGET_MS) if page.has_target
            else None,
        )
        if result["requests"] < MIN_REQUESTS:
            seconds = int(min(SEQUENTIAL_MAX_S, max(params.duration_s,
                                                    first_s * MIN_REQUESTS / 2 + 1)))
            say(f"wrk {page.name}: only {result['requests']} requests completed; "
                f"one connection for {seconds} s")
            with gunicorn(store, params, log) as port:
                cookie = login(port, page.user)
                result["sequential"] = wrk(port, page.path, cookie, seconds, script,
                                           connections=1, threads=1)
        results[page.name] = result
    return results


# ---- what each page spends its time on (in-process) ----------------------------------------


def timed(call: Callable[[], object], samples: int, budget_s: float = 30.0
          ) -> tuple[float, Any]:
    """Median of ``samples`` calls, or of at least 3 once ``budget_s`` is spent."""
    durations: list[float] = []
    value: Any = None
    while len(durations) < samples and (len(durations) < 3 or sum(durations) < budget_s):
        t0 = time.perf_counter()
        value = call()
        durations.append(time.perf_counter() - t0)
    return median_ms(durations), value


def breakdown(store: Store, params: Params, facts: dict[str, Any]) -> dict[str, Any]:
    """One process, no server, no concurrency: medians of whole pages through the
    Flask test client and of their parts, called the way the views call them."""
    from newsroom.web import audit, editor, ui

    services = build(store.settings(create_tables=False))
    try:
        app = create_app(services)
        result: dict[str, Any] = {"samples": params.samples, "page_ms": {}}
        for page in pages_of(facts):
            client = app.test_client()
            client.post("/login", data={"name": page.user, "password": seed.PASSWORD})
            client.get(page.path)
            ms, response = timed(lambda c=client, p=page: c.get(p.path), params.samples)
            if response.status_code != 200:
                raise RuntimeError(f"in-process {page.path}: HTTP {response.status_code}")
            result["page_ms"][page.name] = ms
        runner = services.projections
        with app.test_request_context("/"):
            result["catch_up_noop_ms"] = {
                name: timed(lambda n=name: runner.catch_up(n), params.samples)[0]
                for name in runner.projections}
            result["behind_by_events"] = {
                name: (services.app.recorder.max_notification_id() or 0) - runner.position(name)
                for name in runner.projections}
            busiest = services.app.find_user(facts["users"]["busiest_journalist"]).id
            t = article_summaries
            c = t.c
            # The desk's own query (desk.my_articles): its shown columns, one page.
            desk_query = (select(c.id, c.headline, c.state, c.language, c.version,
                                 c.updated_at, c.changes_requested_comment,
                                 c.blocking_findings)
                          .where(c.author_id == busiest).order_by(c.created_at.desc())
                          .limit(51))

            def rows_of(query: Any) -> list[Any]:
                with services.engine.connect() as conn:
                    return list(conn.execute(query).mappings().all())

            ms, rows = timed(lambda: rows_of(desk_query), params.samples)
            result["desk_query"] = {"ms": ms, "rows": len(rows),
                                    "plan": query_plan(services.engine, desk_query)}
            queue_query = editor._listing(t.c.state == "submitted").order_by(
                t.c.submitted_at.asc(), t.c.id).limit(51)  # one page, as editor.queue
            ms, rows = timed(lambda: rows_of(queue_query), params.samples)
            result["queue_query"] = {"ms": ms, "rows": len(rows)}
            aid = UUID(facts["long_article_id"])
            result["trail"] = {}
            for number in (1, params.long_events // audit.TRAIL_PAGE):
                where = audit_trail.c.subject_id == aid
                ms, trail = timed(lambda w=where, n=number: audit._trail_rows(
                    w, limit=audit.TRAIL_PAGE, offset=(n - 1) * audit.TRAIL_PAGE),
                    params.samples)
                before_ms, before = timed(lambda r=trail: audit.texts_before(aid, r),
                                          params.samples)
                describe_ms, _ = timed(lambda r=trail, b=before: audit.describe(r, b),
                                       params.samples)
                result["trail"][f"page {number}"] = {
                    "query_ms": ms, "rows": len(trail), "texts_before_ms": before_ms,
                    "describe_ms": describe_ms}
            moment = datetime.now(UTC)
            ms, _ = timed(lambda: [ui.local_time(moment, "en") for _ in range(1000)],
                          params.samples)
            result["local_time_us"] = round(ms, 2)  # ms per 1,000 calls = us per call
    finally:
        services.close()
    return result


def query_plan(engine: Engine, query: Any) -> list[str]:
    if engine.dialect.name != "sqlite":
        return []
    compiled = query.compile(engine)
    # SQLAlchemy stores Uuid as 32 hex digits on SQLite.
    values = tuple(v.hex if isinstance(v, UUID) else v
                   for v in (compiled.params[k] for k in compiled.positiontup or ()))
    with engine.connect() as conn:
        found = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values)
        return [str(row[-1]) for row in found]


# ---- rebuild rate ------------------------------------------------------------------------


class OutOfTime(Exception):
    """The budget for one projection's rebuild ran out."""


@contextlib.contextmanager
def scratch_runner(store: Store, services: Services, pg_url: str | None
                   ) -> Iterator[ProjectionRunner]:
    """The real runner and projections over the seeded log, writing into an empty
    read-model database of their own, so the web store's read models stay intact."""
    scratch = store.directory / "rebuild"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    schema = None
    if store.is_postgres and pg_url:
        schema = f"{store.pg_schema}_rebuild"
        with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{pg_url.split('?')[0]}?schema={schema}"
    else:
        url = f"sqlite:///{scratch / 'events.sqlite'}"
    settings = Settings.from_env({"NEWSROOM_VAR_DIR": str(scratch),
                                  "NEWSROOM_DATABASE_URL": url})
    engine = read_model_engine(settings)
    runner = ProjectionRunner(engine, services.app.recorder, services.app.mapper,
                              projections_of())
    runner.create_tables()
    try:
        yield runner
    finally:
        engine.dispose()
        shutil.rmtree(scratch, ignore_errors=True)
        if schema and pg_url:
            with psycopg.connect(pg_url.split("?")[0], autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def read_log(services: Services, topics: Sequence[str], desc: str,
             total: int | None) -> tuple[int, float]:
    """Reads and deserializes the events of ``topics`` as the runner pages them."""
    recorder, mapper = services.app.recorder, services.app.mapper
    progress = bar(total, desc)
    count, start = 0, 0
    t0 = time.perf_counter()
    while True:
        notifications = recorder.select_notifications(
            start=start, limit=500, topics=topics, inclusive_of_start=False)
        if not notifications:
            break
        for notification in notifications:
            mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id
        progress.update(len(notifications))
    seconds = time.perf_counter() - t0
    progress.close()
    return count, seconds


def rebuild_one(runner: ProjectionRunner, name: str, budget: float, total: int
                ) -> tuple[int, float, bool]:
    applied = 0
    progress = bar(total, f"rebuild {name}")
    t0 = time.perf_counter()

    def step(count: int) -> None:
        nonlocal applied
        applied += count
        progress.update(count)
        if time.perf_counter() - t0 > budget:
            raise OutOfTime(name)

    complete = True
    try:
        runner.rebuild(name, step)
    except OutOfTime:
        complete = False
    seconds = time.perf_counter() - t0
    progress.close()
    return applied, seconds, complete


def profile_rebuild(runner: ProjectionRunner, name: str, events: int) -> dict[str, float]:
    """Where a rebuild's time goes, by module, over its first ``events`` events
    (cProfile's own overhead inflates the Python side; read it as proportions)."""
    profiler = cProfile.Profile()
    applied = 0
    projection = runner.projections[name]
    with runner.engine.begin() as conn:  # what rebuild() does first, kept out of the profile
        projection.clear(conn)
        conn.execute(update(positions).where(positions.c.projection == name)
                     .values(position=0))

    def step(count: int) -> None:
        nonlocal applied
        applied += count
        if applied >= events:
            raise OutOfTime(name)

    profiler.enable()
    with contextlib.suppress(OutOfTime):
        runner.catch_up(name, progress=step)
    profiler.disable()
    buckets: dict[str, float] = {}
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (path, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        buckets[_bucket(path, function)] = buckets.get(_bucket(path, function), 0) + tottime
    whole = sum(buckets.values()) or 1.0
    return {k: round(100 * v / whole, 1)
            for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])}


def _bucket(path: str, function: str) -> str:
    if path == "~":
        if "sqlite3" in function or "psycopg" in function:
            return "database driver (C: execute, fetch, commit)"
        if "json" in function or "loads" in function:
            return "JSON (C)"
        return "builtins"
    for marker, label in (("/sqlalchemy/", "SQLAlchemy Core"),
                          ("/eventsourcing/", "eventsourcing (read, deserialize)"),
                          ("/json/", "JSON"), ("/psycopg/", "database driver"),
                          ("/sqlite3/", "database driver"),
                          ("/newsroom/projections/", "newsroom projections"),
                          ("/newsroom/", "newsroom (other)"), ("/uuid.py", "uuid"),
                          ("/datetime.py", "datetime")):
        if marker in path:
            return label
    return "other Python"


def rebuild(store: Store, params: Params, pg_url: str | None) -> dict[str, Any]:
    services = build(store.settings(create_tables=False))
    load_before = round(os.getloadavg()[0], 2)
    try:
        head = services.app.recorder.max_notification_id() or 0
        with scratch_runner(store, services, pg_url) as runner:
            read_log(services, (), "warm-up: read log", head)
            count, seconds = read_log(services, (), "read whole log", head)
            log_read = {"events": count, "seconds": round(seconds, 2),
                        "eps": round(count / seconds)}
            results: dict[str, Any] = {}
            for name, projection in runner.projections.items():
                count, read_s = read_log(services, projection.topics, f"read {name}", None)
                applied, rebuild_s, complete = rebuild_one(
                    runner, name, params.rebuild_budget_s, count)
                read_eps = count / read_s if count else 0.0
                rebuild_eps = applied / rebuild_s
                results[name] = {
                    "events": count, "applied": applied, "complete": complete,
                    "read_s": round(read_s, 2), "read_eps": round(read_eps),
                    "rebuild_s": round(rebuild_s, 2), "rebuild_eps": round(rebuild_eps),
                    "ratio": round(rebuild_eps / read_eps, 3) if read_eps else None,
                    "met": complete and bool(read_eps)
                    and rebuild_eps / read_eps >= REBUILD_TARGET,
                }
            # Reading time of the events each rebuild applied, over the time it took.
            read_share = sum(r["read_s"] * r["applied"] / r["events"]
                             for r in results.values() if r["events"])
            rebuild_total = sum(r["rebuild_s"] for r in results.values())
            applied_total = sum(r["applied"] for r in results.values())
            total = {
                "applied": applied_total, "rebuild_s": round(rebuild_total, 2),
                "rebuild_eps": round(applied_total / rebuild_total),
                "ratio": round(read_share / rebuild_total, 3),
                "complete": all(r["complete"] for r in results.values()),
                "log_events_per_s_all_projections": round(head / rebuild_total),
            }
            total["met"] = total["complete"] and total["ratio"] >= REBUILD_TARGET
            say(f"profiling each rebuild over its first {params.profile_events:,} events")
            profiles = {name: profile_rebuild(runner, name, params.profile_events)
                        for name in runner.projections}
    finally:
        services.close()
    return {"events": head, "budget_s": params.rebuild_budget_s, "batch_size": 500,
            "loadavg_1m_before": load_before,
            "log_read": log_read, "projections": results, "total": total,
            "target": REBUILD_TARGET, "profile_events": params.profile_events,
            "profile_percent": profiles}


# ---- output ------------------------------------------------------------------------------


def machine_facts(store: Store) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": package_version("eventsourcing"),
        "flask": package_version("flask"),
        "sqlalchemy": package_version("sqlalchemy"),
        "gunicorn": package_version("gunicorn"),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        .stdout.split(" [")[0].strip(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    return facts


def ok(met: bool) -> str:
    return "met" if met else "MISSED"


def table(result: dict[str, Any]) -> str:
    store, load_, parts, rb = (result["store"], result["load"], result["breakdown"],
                               result["rebuild"])
    lines = [
        f"== bench/web.py{' --quick' if result['quick'] else ''} on {result['backend']} "
        f"== {result['seconds']} s",
        f"store: {store['articles']:,} articles, {store['events']:,} events "
        f"({'reused' if store['reused'] else 'seeded now'}); states {store['states']}; "
        f"read models built in {store['read_models']['seconds']} s",
        "",
        f"Pages under load: gunicorn {load_['workers']} {load_['server']} workers x "
        f"{load_['threads']} threads, wrk {load_['connections']} connections, "
        f"{load_['duration_s']} s",
        f"  {'page':<10} {'rows':>5} {'KiB':>7} {'n':>6} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} "
        f"{'p99 ms':>9} {'max ms':>9} {'errors':>6}  target p95 <= {P95_TARGET_MS:.0f} ms",
    ]
    for name, r in load_["pages"].items():
        lat = r["latency_ms"]
        timings = (" ".join(f"{lat[k]:>9.1f}" for k in ("p50", "p95", "p99", "max"))
                   if r["requests"] else " ".join(f"{'-':>9}" for _ in range(4)))
        lines.append(
            f"  {name:<10} {r['rows']:>5} {r['bytes'] / 1024:>7.0f} {r['requests']:>6} "
            f"{r['requests_per_s']:>8.1f} {timings} "
            f"{sum(r['errors'].values()):>6}  "
            f"{ok(r['met']) if r['target_p95_ms'] else '(no target)'}")
        one = r.get("sequential")
        if one:
            lat = one["latency_ms"]
            lines.append(
                f"  {'':<10} {'':>5} {'':>7} {one['requests']:>6} {one['requests_per_s']:>8.2f} "
                f"{lat['p50']:>9.1f} "
                f"{lat['p95']:>9.1f} {lat['p99']:>9.1f} {lat['max']:>9.1f} "
                f"{sum(one['errors'].values()):>6}  one connection, {one['requests']} "
                f"requests in {one['duration_s']} s")
    lines += [
        "",
        "In-process, one request at a time (median ms)",
        "  whole page: " + ", ".join(f"{k} {v:.1f}" for k, v in parts["page_ms"].items()),
        "  catch-up with nothing to apply: "
        + ", ".join(f"{k} {v:.2f}" for k, v in parts["catch_up_noop_ms"].items()),
        f"  desk query {parts['desk_query']['ms']:.1f} ({parts['desk_query']['rows']} rows); "
        f"queue query {parts['queue_query']['ms']:.1f} ({parts['queue_query']['rows']} rows); "
        f"one local_time {parts['local_time_us']:.1f} us",
        "  trail: " + "; ".join(
            f"{k}: query {v['query_ms']:.1f} ({v['rows']} rows), texts before "
            f"{v['texts_before_ms']:.1f}, describe {v['describe_ms']:.1f}"
            for k, v in parts["trail"].items()),
    ]
    if rb is None:  # --pages-only
        return "\n".join(lines)
    lines += [
        "",
        f"Rebuild from {rb['events']:,} events (budget {rb['budget_s']:.0f} s per projection); "
        f"whole log read + deserialized at {rb['log_read']['eps']:,} ev/s",
        f"  {'projection':<18} {'events':>9} {'applied':>9} {'rebuild s':>9} "
        f"{'rebuild/s':>9} {'read/s':>9} {'ratio':>6}  target >= {REBUILD_TARGET}",
    ]
    for name, r in rb["projections"].items():
        if not r.get("events"):
            lines.append(f"  {name:<18} {'no events of its kind in this store':>40}")
            continue
        partial = "" if r["complete"] else " (stopped)"
        lines.append(
            f"  {name:<18} {r['events']:>9,} {r['applied']:>9,} {r['rebuild_s']:>9.1f} "
            f"{r['rebuild_eps']:>9,} {r['read_eps']:>9,} {r['ratio']:>6.3f}  "
            f"{ok(r['met'])}{partial}")
    t = rb["total"]
    lines.append(
        f"  {'total':<18} {'':>9} {t['applied']:>9,} {t['rebuild_s']:>9.1f} "
        f"{t['rebuild_eps']:>9,} {'':>9} {t['ratio']:>6.3f}  {ok(t['met'])}"
        f"{'' if t['complete'] else ' (incomplete)'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="5,000 articles / 50,000 events, 3 s per page")
    parser.add_argument("--pg-url", default=None,
                        help="use PostgreSQL (a bench_web_* schema) instead of SQLite")
    parser.add_argument("--reseed", action="store_true", help="seed the store again")
    parser.add_argument("--rebuild-budget", type=float, default=None,
                        help="seconds per projection rebuild (default 300; --quick 60)")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed the store and build its read models, then stop")
    parser.add_argument("--events-only", action="store_true",
                        help="with --seed-only: write the log but build no read model")
    parser.add_argument("--pages-only", action="store_true",
                        help="load and time the pages only, no rebuilds "
                             "(results in var/bench/web-pages.json)")
    parser.add_argument("--rebuild-read-models", action="store_true",
                        help="rebuild the store's read models from its log first")
    parser.add_argument("--server", choices=("sync", "gthread"), default="sync",
                        help="gunicorn workers: sync, two per core (docs/operations.md; "
                             "the default) or gthread, 2 workers x 4 threads")
    args = parser.parse_args(argv)
    params = Params.of(args.quick, args.rebuild_budget, args.server)
    started = time.perf_counter()
    store = store_for(params, args.pg_url)
    facts, reused = ensure_store(store, params, args.pg_url, args.reseed,
                                 args.rebuild_read_models, args.seed_only and args.events_only)
    if args.seed_only:
        say(f"store ready: {rel(store.directory)}")
        return 0
    say("serving with gunicorn and loading with wrk")
    pages = load(store, params, facts)
    say("timing the parts of each page in-process")
    parts = breakdown(store, params, facts)
    rebuilt: dict[str, Any] | None = None
    if not args.pages_only:
        say("rebuilding each projection")
        rebuilt = rebuild(store, params, args.pg_url)
    result = {
        "quick": args.quick,
        "backend": "postgres" if store.is_postgres else "sqlite",
        "command": "bench/web.py" + (" --quick" if args.quick else "")
        + (" --pg-url ..." if args.pg_url else "") + (" --pages-only" if args.pages_only else "")
        + (f" --server {args.server}" if args.server != "sync" else ""),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine_facts(store),
        "params": vars(params),
        "store": {"directory": rel(store.directory), "reused": reused,
                  **facts, **describe_store(store)},
        "load": {"server": params.server, "workers": params.workers, "threads": params.threads,
                 "connections": params.connections, "wrk_threads": params.wrk_threads,
                 "duration_s": params.duration_s, "warmup_s": params.warmup_s,
                 "pages": pages},
        "breakdown": parts,
        "rebuild": rebuilt,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / (("web-postgres" if store.is_postgres else "web")
                     + ("-pages" if args.pages_only else "")
                     + (f"-{args.server}" if args.server != "sync" else "") + ".json")
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(table(result), flush=True)
    print(f"JSON: {rel(out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
