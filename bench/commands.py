"""Command benchmark: our application service against the library floor.

Run from the repository root::

    .venv/bin/python bench/commands.py [--backend sqlite|postgres|both] [--quick]

Per backend, in one run, it measures

1. throughput of ``Newsroom.revise`` (one event per call, rotating over a set of
   articles so every call loads the aggregate and saves one event) against the
   LIBRARY FLOOR: a bare ``eventsourcing`` ``Aggregate`` with one ``@event`` method on
   a bare ``Application`` on the same kind of store (its own SQLite file or its own
   PostgreSQL schema), doing get + one event + save per command. Same number of
   operations, same number of aggregates, same body payload; each side runs twice,
   interleaved, after an untimed warm-up, and the best run counts. Two floors: the
   library's defaults (no aggregate cache, so every get replays the whole stream), and
   the same plus the aggregate cache size we configure (like for like: what is left
   is our own code). Target: ours/floor >= 0.8.
2. latency (median, p95) of revise, of loading the latest state and of replaying a
   random version, on an article with 10 events against one with 10,000 events.
   Target: 10k/10 <= 1.5.
3. peak memory: tracemalloc's peak over a traced pass (tracing slows allocation-heavy
   code, so the timed phases run untraced) and ``ru_maxrss`` of the whole process.

With ``--backend both`` each backend runs in its own child process, so that
``ru_maxrss`` belongs to that backend alone. Results print as a table and go to
``var/bench/commands-<backend>.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from tqdm import tqdm

from newsroom import storage
from newsroom.application import Newsroom
from newsroom.bootstrap import Services, build
from newsroom.config import Settings
from newsroom.domain.policy import SYSTEM_ACTOR, Actor
from newsroom.domain.user import User

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "var" / "bench"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
SEED = 20240607

THROUGHPUT_TARGET = 0.8
LATENCY_TARGET = 1.5

# Keys of our event-store environment that say WHERE the store is, not how the
# application behaves; the floor gets these and the library's defaults for the rest.
_LOCATION_KEYS = (
    "PERSISTENCE_MODULE",
    "SQLITE_DBNAME",
    "POSTGRES_DBNAME",
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_SCHEMA",
)


# ---- parameters --------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    ops: int  # revise commands per throughput run
    aggregates: int  # commands rotate over this many aggregates
    runs: int  # throughput runs per side, interleaved; best counts
    samples: int  # latency samples per operation per article
    short_events: int
    long_events: int
    body_chars: int

    @classmethod
    def of(cls, quick: bool) -> Params:
        if quick:
            return cls(ops=200, aggregates=50, runs=2, samples=20, short_events=10,
                       long_events=1_000, body_chars=3_000)
        return cls(ops=2_000, aggregates=50, runs=2, samples=200, short_events=10,
                   long_events=10_000, body_chars=3_000)


# ---- the library floor ---------------------------------------------------------------


class FloorDoc(Aggregate):
    """The least an event-sourced document can be: one field, one @event method."""

    def __init__(self, body: str) -> None:
        self.body = body

    @event("Revised")
    def revise(self, body: str) -> None:
        self.body = body


class FloorApp(Application[UUID]):
    name = "BenchFloor"


def floor_env(store_env: dict[str, str], *, cached: bool) -> dict[str, str]:
    """The floor's environment: where the store is, and library defaults otherwise;
    ``cached`` adds the same aggregate cache our application configures."""
    env = {k: v for k, v in store_env.items() if k in _LOCATION_KEYS}
    env["CREATE_TABLE"] = "y"
    if cached:
        env["AGGREGATE_CACHE_MAXSIZE"] = store_env["AGGREGATE_CACHE_MAXSIZE"]
    return env


# ---- text ------------------------------------------------------------------------


_WORDS = (
    "council", "vote", "budget", "city", "harbour", "transit", "minister", "report", "said",
    "week", "residents", "plan", "housing", "water", "school", "hospital", "union", "strike",
    "court", "ruling", "mayor", "province", "federal", "election", "season", "storm", "flood",
    "road", "bridge", "market", "price", "energy", "climate", "festival", "library", "museum",
    "team", "coach", "player", "season", "record", "crowd", "police", "fire",
)


def make_body(rng: random.Random, chars: int) -> str:
    """Plain-text article body, paragraphs of sentences, about ``chars`` long."""
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
            sentences.append(" ".join(words).capitalize() + ".")
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:chars].rstrip() + "."


# ---- stores ----------------------------------------------------------------------


@dataclass
class Stores:
    """Where one backend's stores live: ours and each floor's, kept apart."""

    backend: str
    ours: Settings
    floor: dict[str, str]  # bare Application, library defaults (no aggregate cache)
    floor_cached: dict[str, str]  # the same, plus our AGGREGATE_CACHE_MAXSIZE


def stores_of(backend: str, settings: list[Settings]) -> Stores:
    ours, floor, floor_cached = settings
    return Stores(
        backend,
        ours,
        floor_env(storage.event_store_env(floor), cached=False),
        floor_env(storage.event_store_env(floor_cached), cached=True),
    )


@contextmanager
def stores(backend: str, pg_url: str) -> Iterator[Stores]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="work-", dir=OUT_DIR) as tmp:
        work = Path(tmp)
        names = ("ours", "floor", "floorcached")
        if backend == "sqlite":
            settings = [Settings.from_env({"NEWSROOM_VAR_DIR": str(work / name)})
                        for name in names]
            yield stores_of(backend, settings)
            return
        base = pg_url.split("?", 1)[0]
        tag = uuid.uuid4().hex[:10]
        schemas = [f"bench_{tag}_{name}" for name in names]
        with psycopg.connect(base, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            settings = [
                Settings.from_env({
                    "NEWSROOM_VAR_DIR": str(work / name),
                    "NEWSROOM_DATABASE_URL": f"{base}?schema={schema}",
                })
                for name, schema in zip(names, schemas, strict=True)
            ]
            yield stores_of(backend, settings)
        finally:
            with psycopg.connect(base, autocommit=True) as conn:
                for schema in schemas:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# ---- measuring helpers -------------------------------------------------------------


def bar(total: int, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit="op", mininterval=0.5, leave=False,
                file=sys.stderr, dynamic_ncols=True)


@dataclass(frozen=True)
class Stats:
    median_ms: float
    p95_ms: float
    n: int

    @classmethod
    def of(cls, durations_ns: Sequence[int]) -> Stats:
        ordered = sorted(durations_ns)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
        return cls(statistics.median(ordered) / 1e6, p95 / 1e6, len(ordered))


def timed(call: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


# ---- our side -------------------------------------------------------------------------


class Ours:
    def __init__(self, services: Services, bodies: tuple[str, str],
                 actor: Actor | None = None) -> None:
        self.services = services
        self.app: Newsroom = services.app
        self.bodies = bodies
        if actor is None:
            # The author of every article: a journalist revising their own drafts.
            user = User.register(name="bench-journalist", password_hash="not-a-real-hash",
                                 actor_id=SYSTEM_ACTOR.user_id, role="system")
            user.grant("journalist", actor_id=SYSTEM_ACTOR.user_id, role="system")
            self.app.save(user)
            actor = self.app.actor_for(user)
        self.actor: Actor = actor
        # Per article: the version we last saw and which body it holds now.
        self.version: dict[UUID, int] = {}
        self.holds: dict[UUID, int] = {}

    def create(self, n: int) -> list[UUID]:
        ids = []
        for i in range(n):
            saved = self.app.create_article(
                self.actor, headline=f"Bench article {i}", body=self.bodies[0],
                language="en", dateline="TORONTO", byline="Bench",
            )
            self.version[saved.id] = saved.version
            self.holds[saved.id] = 0
            ids.append(saved.id)
        return ids

    def revise(self, article_id: UUID) -> None:
        """One command, one event: the body flips between the two texts."""
        other = 1 - self.holds[article_id]
        saved = self.app.revise(self.actor, article_id, {"body": self.bodies[other]},
                                expected_version=self.version[article_id])
        assert saved.version == self.version[article_id] + 1
        self.version[article_id] = saved.version
        self.holds[article_id] = other


class Floor:
    def __init__(self, env: dict[str, str], bodies: tuple[str, str]) -> None:
        self.app = FloorApp(env=env)
        self.bodies = bodies
        self.holds: dict[UUID, int] = {}

    def create(self, n: int) -> list[UUID]:
        docs = [FloorDoc(self.bodies[0]) for _ in range(n)]
        self.app.save(*docs)
        for doc in docs:
            self.holds[doc.id] = 0
        return [doc.id for doc in docs]

    def revise(self, doc_id: UUID) -> None:
        other = 1 - self.holds[doc_id]
        doc: FloorDoc = self.app.repository.get(doc_id)
        doc.revise(self.bodies[other])
        self.app.save(doc)
        self.holds[doc_id] = other


# ---- phases ----------------------------------------------------------------------


@dataclass
class Throughput:
    """Commands/s per run, by side: "ours", "floor", "floor_cached"."""

    runs: dict[str, list[float]] = field(default_factory=dict)

    def best(self, side: str) -> float:
        return max(self.runs[side])

    def ratio(self, floor: str) -> float:
        return self.best("ours") / self.best(floor)


def throughput_run(side: Ours | Floor, params: Params, label: str) -> float:
    """Commands/s over ``params.ops`` revises, rotating over fresh aggregates."""
    ids = side.create(params.aggregates)  # untimed
    gc.collect()
    progress = bar(params.ops, label)
    start = time.perf_counter()
    for i in range(params.ops):
        side.revise(ids[i % len(ids)])
        if i % 50 == 49:
            progress.update(50)
    elapsed = time.perf_counter() - start
    progress.close()
    return params.ops / elapsed


def measure_throughput(sides: dict[str, Ours | Floor], params: Params) -> Throughput:
    """Each side ``params.runs`` times, interleaved (ours, floor, floor_cached, ours, ...)."""
    result = Throughput()
    # An untimed warm-up per side first: connections, file growth, caches of the OS.
    warm_up = Params(**{**vars(params), "ops": min(params.ops, 200)})
    for name, side in sides.items():
        throughput_run(side, warm_up, f"warm-up, {name}")
    for run in range(1, params.runs + 1):
        for name, side in sides.items():
            label = f"revise, {name:<12} #{run}"
            result.runs.setdefault(name, []).append(throughput_run(side, params, label))
    return result


def build_article(ours: Ours, events: int, desc: str | None) -> UUID:
    [article_id] = ours.create(1)
    progress = bar(events - 1, desc) if desc else None
    for i in range(events - 1):
        ours.revise(article_id)
        if progress is not None and i % 100 == 99:
            progress.update(100)
    if progress is not None:
        progress.close()
    assert ours.version[article_id] == events
    return article_id


@dataclass
class Latency:
    short: dict[str, Stats] = field(default_factory=dict)
    long: dict[str, Stats] = field(default_factory=dict)


SIDES = {
    "ours": "ours: Newsroom.revise",
    "floor": "floor: bare Application, library defaults",
    "floor_cached": "floor_cached: same + our aggregate cache",
}

OPERATIONS = (
    ("revise", "(a) revise (get + 1 event + save)"),
    ("latest", "(b) get_article, latest"),
    ("latest_uncached", "(b') latest, no aggregate cache"),
    ("replay", "(c) get_article(version=N), random N"),
)


def measure_latency(ours: Ours, params: Params, rng: random.Random) -> Latency:
    app, actor = ours.app, ours.actor
    long_id = build_article(ours, params.long_events,
                            f"building a {params.long_events:,}-event article")
    # One short article per revise sample, so each revise lands on a 10-event article.
    pool = [build_article(ours, params.short_events, None)
            for _ in tqdm(range(params.samples), desc="building 10-event articles",
                          unit="article", leave=False, file=sys.stderr, mininterval=0.5)]
    short_id = pool[0]

    # A second instance without the aggregate cache: what a fresh process pays.
    env = storage.event_store_env(ours.services.settings)
    env.pop("AGGREGATE_CACHE_MAXSIZE")
    env["CREATE_TABLE"] = "n"
    uncached = Newsroom(env=env)

    # Warm the cache (as a running server would have it) for every article touched.
    for article_id in [long_id, *pool]:
        app.get_article(actor, article_id)

    durations: dict[tuple[str, str], list[int]] = {}

    def sample(op: str, which: str, call: Callable[[], object]) -> None:
        durations.setdefault((op, which), []).append(timed(call))

    short_versions = [rng.randint(1, params.short_events) for _ in range(params.samples)]
    long_versions = [rng.randint(1, params.long_events) for _ in range(params.samples)]
    progress = bar(params.samples * 4, "latency samples")
    gc.collect()
    # Interleaved, alternating which goes first, so drift hits both articles alike.
    for i in range(params.samples):
        get = app.get_article
        pairs: list[tuple[str, str, Callable[[], object]]] = [
            ("latest", "short", partial(get, actor, short_id)),
            ("latest", "long", partial(get, actor, long_id)),
            ("latest_uncached", "short", partial(uncached.get_article, actor, short_id)),
            ("latest_uncached", "long", partial(uncached.get_article, actor, long_id)),
            ("replay", "short", partial(get, actor, short_id, version=short_versions[i])),
            ("replay", "long", partial(get, actor, long_id, version=long_versions[i])),
        ]
        for k in range(0, len(pairs), 2):
            first, second = (pairs[k], pairs[k + 1]) if i % 2 == 0 else (pairs[k + 1], pairs[k])
            sample(*first)
            sample(*second)
        progress.update(3)
    # Revises last: they add events. Short: each pool article once (10 -> 11 events);
    # long: the same article every time (10,000 -> 10,000 + samples).
    for i in range(params.samples):
        short_call = partial(ours.revise, pool[i])
        long_call = partial(ours.revise, long_id)
        if i % 2 == 0:
            sample("revise", "short", short_call)
            sample("revise", "long", long_call)
        else:
            sample("revise", "long", long_call)
            sample("revise", "short", short_call)
        progress.update(1)
    progress.close()
    uncached.close()

    result = Latency()
    for (op, which), values in durations.items():
        (result.short if which == "short" else result.long)[op] = Stats.of(values)
    return result


def traced_pass(timed: Ours, floor: Floor, params: Params, rng: random.Random) -> float:
    """tracemalloc's peak (MiB) over a condensed re-run, traced: tracing slows
    allocation-heavy code, so the timed phases run untraced. A second application
    instance on the same store starts cold, like a restarted server; it warms its
    aggregate cache with every article the timed run made, then runs one throughput
    run per side and loads and replays the long article."""
    long_id = max(timed.version, key=lambda k: timed.version[k])
    services = build(timed.services.settings)
    try:
        ours = Ours(services, timed.bodies, actor=timed.actor)
        ours.version, ours.holds = dict(timed.version), dict(timed.holds)
        tracemalloc.start()
        try:
            for article_id in tqdm(list(timed.version), desc="traced pass, warming cache",
                                   leave=False, file=sys.stderr, mininterval=0.5):
                ours.app.get_article(ours.actor, article_id)
            throughput_run(ours, params, "traced pass, ours")
            throughput_run(floor, params, "traced pass, floor")
            latest = ours.version[long_id]
            for _ in range(min(params.samples, 50)):
                ours.app.get_article(ours.actor, long_id)
                ours.app.get_article(ours.actor, long_id, version=rng.randint(1, latest))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        services.close()
    return peak / 2**20


# ---- machine facts and output -----------------------------------------------------


def machine_facts(backend: str, pg_url: str) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": package_version("eventsourcing"),
        "platform": f"{platform.system()} {platform.release()}",
    }
    if backend == "postgres":
        with psycopg.connect(pg_url.split("?", 1)[0]) as conn:
            for name in ("server_version", "fsync", "synchronous_commit"):
                row = conn.execute(f"SHOW {name}").fetchone()
                facts[f"postgres_{name}"] = row[0] if row else None
    return facts


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def stats_json(stats: Stats) -> dict[str, float | int]:
    return {"median_ms": round(stats.median_ms, 4), "p95_ms": round(stats.p95_ms, 4),
            "n": stats.n}


def run_backend(backend: str, quick: bool, pg_url: str) -> dict[str, Any]:
    params = Params.of(quick)
    rng = random.Random(SEED)
    bodies = (make_body(rng, params.body_chars), make_body(rng, params.body_chars))
    started = time.perf_counter()
    with stores(backend, pg_url) as where:
        services = build(where.ours)
        floor = Floor(where.floor, bodies)
        floor_cached = Floor(where.floor_cached, bodies)
        try:
            ours = Ours(services, bodies)
            print(f"[{backend}] throughput: {params.ops} revises x {params.runs} runs per side",
                  file=sys.stderr)
            sides: dict[str, Ours | Floor] = {
                "ours": ours, "floor": floor, "floor_cached": floor_cached,
            }
            throughput = measure_throughput(sides, params)
            print(f"[{backend}] latency: {params.samples} samples per operation",
                  file=sys.stderr)
            latency = measure_latency(ours, params, rng)
            print(f"[{backend}] memory: traced pass", file=sys.stderr)
            peak_mib = traced_pass(ours, floor_cached, params, rng)
        finally:
            floor.app.close()
            floor_cached.app.close()
            services.close()
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    ratios = {}
    for op, _label in OPERATIONS:
        short, long = latency.short[op], latency.long[op]
        ratios[op] = {
            "short": stats_json(short),
            "long": stats_json(long),
            "ratio_median": round(long.median_ms / short.median_ms, 3),
            "ratio_p95": round(long.p95_ms / short.p95_ms, 3),
            "target": LATENCY_TARGET,
            "met": long.median_ms / short.median_ms <= LATENCY_TARGET,
        }
    return {
        "backend": backend,
        "quick": quick,
        "seed": SEED,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine_facts(backend, pg_url),
        "params": vars(params),
        "floor_env_keys": {
            "floor": sorted(k for k in where.floor if k != "POSTGRES_PASSWORD"),
            "floor_cached": sorted(k for k in where.floor_cached if k != "POSTGRES_PASSWORD"),
        },
        "throughput": {
            "unit": "commands/s",
            "runs": {side: [round(x, 1) for x in runs] for side, runs in throughput.runs.items()},
            "best": {side: round(throughput.best(side), 1) for side in throughput.runs},
            "ratio": {
                floor_name: round(throughput.ratio(floor_name), 3)
                for floor_name in ("floor", "floor_cached")
            },
            "target": THROUGHPUT_TARGET,
            "met": {
                floor_name: throughput.ratio(floor_name) >= THROUGHPUT_TARGET
                for floor_name in ("floor", "floor_cached")
            },
        },
        "latency": {
            "short_events": params.short_events,
            "long_events": params.long_events,
            "operations": ratios,
        },
        "memory": {
            "tracemalloc_peak_mib": round(peak_mib, 2),
            "ru_maxrss_mib": round(maxrss_mib, 1),
        },
    }


def table(result: dict[str, Any]) -> str:
    t = result["throughput"]
    lat = result["latency"]
    mem = result["memory"]
    short_n, long_n = lat["short_events"], lat["long_events"]

    def ok(met: bool) -> str:
        return "met" if met else "MISSED"

    lines = [
        f"== {result['backend']}{' (quick)' if result['quick'] else ''} "
        f"== {result['seconds']} s",
        "",
        "Throughput of revise (commands/s, best of "
        f"{len(t['runs']['ours'])}, {result['params']['ops']} ops over "
        f"{result['params']['aggregates']} aggregates)",
        *(f"  {SIDES[side]:<44} {t['best'][side]:>9.1f}   runs {t['runs'][side]}"
          for side in SIDES),
        *(f"  ratio ours / {floor_name:<12} {t['ratio'][floor_name]:.3f}   "
          f"target >= {t['target']}   {ok(t['met'][floor_name])}"
          for floor_name in ("floor", "floor_cached")),
        "",
        f"Latency (ms), {short_n} events vs {long_n:,} events, "
        f"{result['params']['samples']} samples each",
        f"  {'operation':<40} {'med@' + str(short_n):>9} {'p95@' + str(short_n):>9} "
        f"{'med@' + str(long_n):>10} {'p95@' + str(long_n):>10} "
        f"{'ratio med':>9} {'ratio p95':>9}  target <= {LATENCY_TARGET}",
    ]
    for op, label in OPERATIONS:
        r = lat["operations"][op]
        lines.append(
            f"  {label:<40} {r['short']['median_ms']:>9.3f} {r['short']['p95_ms']:>9.3f} "
            f"{r['long']['median_ms']:>10.3f} {r['long']['p95_ms']:>10.3f} "
            f"{r['ratio_median']:>9.2f} {r['ratio_p95']:>9.2f}  {ok(r['met'])}"
        )
    lines += [
        "",
        f"Memory: tracemalloc peak {mem['tracemalloc_peak_mib']:.2f} MiB (traced re-run, "
        f"cold instance); ru_maxrss {mem['ru_maxrss_mib']:.1f} MiB (whole process)",
    ]
    return "\n".join(lines)


def write_json(result: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"commands-{result['backend']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--pg-url", default=os.environ.get("NEWSROOM_BENCH_POSTGRES_URL",
                                                          DEFAULT_PG_URL))
    args = parser.parse_args(argv)

    if args.backend == "both":
        # One child per backend, so each one's ru_maxrss is its own.
        results = []
        for backend in ("sqlite", "postgres"):
            command = [sys.executable, str(Path(__file__).resolve()), "--backend", backend,
                       "--pg-url", args.pg_url, *(["--quick"] if args.quick else [])]
            code = subprocess.call(command)
            if code != 0:
                print(f"{backend}: benchmark failed with exit code {code}", file=sys.stderr)
                return code
            results.append(json.loads((OUT_DIR / f"commands-{backend}.json").read_text()))
        print("\n==== summary ====")
        for result in results:
            t = result["throughput"]
            ops = result["latency"]["operations"]
            best = t["best"]
            print(f"{result['backend']:>8}: revise/s ours {best['ours']:.0f}, floor "
                  f"{best['floor']:.0f}, floor_cached {best['floor_cached']:.0f}; ratios "
                  f"{t['ratio']['floor']:.3f} / {t['ratio']['floor_cached']:.3f}")
            print(" " * 10 + "10k/10 medians: "
                  + ", ".join(f"{op} {ops[op]['ratio_median']:.2f}" for op in ops))
        return 0

    result = run_backend(args.backend, args.quick, args.pg_url)
    print(table(result), flush=True)
    print(f"JSON: {write_json(result).relative_to(REPO)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
