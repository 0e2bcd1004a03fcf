"""Translation benchmark: our Celery workers against the raw `apertium` CLI.

Run from the repository root::

    .venv/bin/python bench/translation.py [--quick]

In one run, on 200 French articles (``--quick``: 20) from ``bench/texts.py`` (the
seed article plus generated news texts of 300-900 words, fixed seed), it measures

1. throughput in words per second, fr→es: through our pipeline (a real worker,
   ``python -m newsroom worker --concurrency 2``, on Redis, with the dispatcher in
   this process; timed from the first ``request_translations`` to every translation
   ``machine_translated``) against the raw CLI, ``apertium fr-es`` in text mode, one
   process per article over the same texts (headline and body as one text),
   sequentially and with 2 processes in parallel. Each side runs ``--rounds`` times
   (default 2, ``--quick`` 1), interleaved, and the best run counts. Words are
   whitespace-separated tokens of headline and body. Target: ours ≥ 1.0× the CLI.
2. latency from ``request_translations`` (the editor's approval of the source) to
   ``machine_translated`` for a 600-word article, one article at a time after a
   warm-up, on Redis and on the embedded SQLite broker (``sqla+sqlite``): p50, p95,
   and where the time goes (dispatcher, broker and task, engine, commit). Each
   request waits a random 0-1 s first, so that it meets the pollers on the path
   (dispatcher, SQLite transport) at a random phase. Target: p50 ≤ 1 s on Redis.
3. the worker's memory after the Redis phases: RSS (and PSS, and peak RSS) of the
   worker's main and pool processes from /proc, and of the warm Apertium stages
   the pool processes keep running.

The dispatcher runs as ``newsroom dispatcher`` would (poll interval 0.2 s,
reconciler defaults), in a thread of this process, with a sender that notes when
each task went to the broker. Redis uses its own database (``--redis-url``, default
``redis://127.0.0.1:6379/15``), flushed before and after. Stores live in a scratch
directory under ``var/bench/`` and are removed at the end. Results print as a table
and go to ``var/bench/translation.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from uuid import UUID

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import texts  # noqa: E402
from pipeline import (  # noqa: E402
    pipeline_env,
    running_dispatcher,
    services_for,
    start_worker,
    stop_worker,
)
from runs import finish, load_average, machine  # noqa: E402

from newsroom.bootstrap import Services  # noqa: E402
from newsroom.domain.errors import BlockingFindings  # noqa: E402
from newsroom.domain.policy import Actor  # noqa: E402
from newsroom.domain.translation import translation_id  # noqa: E402
from newsroom.policies import Work  # noqa: E402

OUT = REPO / "var" / "bench" / "translation.json"
SOURCE, TARGET = "fr", "es"
DISPATCHER_POLL = 0.2  # `newsroom dispatcher` default
THROUGHPUT_TARGET = 1.0
LATENCY_TARGET_S = 1.0
LATENCY_WORDS = 600
PHASE_JITTER_S = 1.0  # kombu's virtual transports poll every 1 s (polling_interval)
CONCURRENCY = 2
CLI_ENV = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}


# --- small helpers ---------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95),
            "mean": statistics.fmean(values), "min": min(values), "max": max(values)}


def apertium_version() -> dict[str, str]:
    found = {}
    for package in ("apertium", "apertium-fr-es", "lttoolbox", "apertium-lex-tools"):
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                              capture_output=True, text=True, check=False)
        found[package] = done.stdout.strip() if done.returncode == 0 else "not installed"
    return found


# --- the raw CLI -----------------------------------------------------------------------

def cli_translate(text: texts.Text) -> str:
    done = subprocess.run(["apertium", f"{SOURCE}-{TARGET}"], input=text.as_plain().encode(),
                          capture_output=True, env=CLI_ENV, check=False, timeout=120)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"apertium {SOURCE}-{TARGET} failed ({done.returncode}): "
                           f"{done.stderr.decode(errors='replace')[-300:]}")
    return done.stdout.decode("utf-8", "replace")


def run_cli(articles: list[texts.Text], processes: int, label: str) -> dict[str, Any]:
    words = sum(t.words for t in articles)
    load = load_average()
    started = time.perf_counter()
    with tqdm(total=len(articles), desc=label, unit="art", leave=False) as bar:
        if processes == 1:
            for text in articles:
                cli_translate(text)
                bar.update()
        else:
            with ThreadPoolExecutor(processes) as pool:
                for _ in pool.map(cli_translate, articles):
                    bar.update()
    elapsed = time.perf_counter() - started
    return {"processes": processes, "articles": len(articles), "words": words,
            "seconds": elapsed, "words_per_s": words / elapsed, "load_before": load}


# --- the pipeline ----------------------------------------------------------------------

@dataclass
class Sent:
    """When the dispatcher handed each translation task to the broker."""
    at: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> (start, end)
    reconciled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def noting_sends(sent: Sent) -> Callable[[Callable[[Work], None]], Callable[[Work], None]]:
    """Wraps the dispatcher's send to note when each translation was handed over."""
    def wrap(send: Callable[[Work], None]) -> Callable[[Work], None]:
        def noting(work: Work) -> None:
            start = time.time()
            send(work)
            with sent.lock:
                if work.task_id and work.task_id.startswith("reconcile-"):
                    sent.reconciled += 1
                sent.at.setdefault(str(work.args[0]), (start, time.time()))
        return noting
    return wrap


class Store:
    """Reads the event store's SQLite file directly: a cheap poll for results."""

    def __init__(self, services: Services) -> None:
        path = services.settings.database_url.removeprefix("sqlite:///")
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10,
                                    check_same_thread=False)

    def count(self, kind: str) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic LIKE ?",
            (f"%Translation.{kind}",)).fetchone()
        return int(row[0])

    def has(self, originator: UUID, kind: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM stored_events WHERE originator_id = ? AND topic LIKE ? LIMIT 1",
            (originator.hex, f"%Translation.{kind}")).fetchone()
        return row is not None

    def close(self) -> None:
        self.conn.close()


def make_editor(services: Services) -> Actor:
    app = services.app
    user_id = app.add_user("bench-editor", "bench-password-1", ["editor"])
    return app.actor_for(app.get_user(user_id))


def approved_article(services: Services, editor: Actor, text: texts.Text) -> tuple[UUID, bool]:
    """Creates, submits and approves an article; True when QA had to be overridden
    (the seed quotes a quotation inside a quotation: a blocking finding)."""
    app = services.app
    article_id = app.create_article(editor, headline=text.headline, body=text.body,
                                    language=SOURCE).id
    app.submit(editor, article_id)
    try:
        app.approve(editor, article_id)
        return article_id, False
    except BlockingFindings:
        app.approve(editor, article_id, override_reason="wire copy, quoted as sent")
        return article_id, True


def wait(condition: Callable[[], bool], timeout: float, what: str, worker: Any,
         interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}\n"
                               + worker.output()[-3000:])
        if worker.process.poll() is not None:
            raise RuntimeError(f"the worker exited while waiting for {what}\n"
                               + worker.output()[-3000:])
        time.sleep(interval)


def pool_pids(worker: Any) -> list[int]:
    return [int(p) for p in worker.pool_pids()]


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                found += [int(c) for c in
                          Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return found


def warm_up(services: Services, editor: Actor, store: Store, worker: Any,
            text: texts.Text) -> int:
    """Translates batches of articles until every pool process has its warm Apertium
    stages running; returns how many articles that took."""
    used = 0
    for _ in range(6):
        batch = [approved_article(services, editor, text)[0] for _ in range(2 * CONCURRENCY)]
        for article_id in batch:
            services.app.request_translations(editor, article_id, [TARGET])
        used += len(batch)
        tids = [translation_id(a, TARGET) for a in batch]
        wait(lambda tids=tids: all(store.has(t, "MachineTranslated") for t in tids), 120,
             "the warm-up translations", worker)
        pools = pool_pids(worker)
        if len(pools) == CONCURRENCY and all(children(p) for p in pools):
            return used
    raise RuntimeError("warm-up: not every pool process started its Apertium stages")


def process_memory(pid: int) -> dict[str, float]:
    """MiB: VmRSS, VmHWM (peak RSS) from status, Pss from smaps_rollup."""
    result = {"rss": 0.0, "peak_rss": 0.0, "pss": 0.0}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                result["rss" if key == "VmRSS" else "peak_rss"] = int(value.split()[0]) / 1024
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                result["pss"] = int(line.split()[1]) / 1024
    return result


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def worker_memory(worker: Any) -> dict[str, Any]:
    main = worker.process.pid
    pools = pool_pids(worker)
    stages = [c for p in pools for c in children(p)]
    per = {pid: process_memory(pid) for pid in [main, *pools, *stages]}

    def total(pids: list[int], key: str) -> float:
        return sum(per[p][key] for p in pids)

    python = [main, *pools]
    return {
        "main": {"pid": main, **per[main]},
        "pools": [{"pid": p, **per[p]} for p in pools],
        "apertium_stages": [{"pid": s, "command": command_name(s), **per[s]} for s in stages],
        "worker_rss_mib": total(python, "rss"),
        "worker_pss_mib": total(python, "pss"),
        "stages_rss_mib": total(stages, "rss"),
        "stages_pss_mib": total(stages, "pss"),
        "all_rss_mib": total(python + stages, "rss"),
        "all_pss_mib": total(python + stages, "pss"),
    }


@dataclass
class Pipeline:
    services: Services
    editor: Actor
    store: Store
    worker: Any
    sent: Sent
    warmup_articles: int
    overrides: int = 0


@contextlib.contextmanager
def pipeline(broker: str, root: Path, name: str, warm_text: texts.Text,
             prepare: Callable[[Services, Actor], None] | None = None) -> Iterator[Pipeline]:
    """Fresh stores, a real worker (2 processes) on `broker`, and the dispatcher; the
    worker is warmed up before this yields. `prepare` runs before the worker starts."""
    var_dir = root / name
    env = pipeline_env(var_dir, broker)
    services = services_for(env)
    editor = make_editor(services)
    if prepare is not None:
        prepare(services, editor)
    store = Store(services)
    sent = Sent()
    worker = start_worker(env, concurrency=CONCURRENCY, timeout=120)
    try:
        # The `newsroom dispatcher` defaults: reconcile after 60 s, every 30 s.
        with running_dispatcher(services, poll_interval=DISPATCHER_POLL,
                                wrap_send=noting_sends(sent)) as dispatcher:
            # Let the dispatcher pass the events written so far (articles made above).
            def caught_up() -> bool:
                return not services.app.recorder.select_notifications(
                    start=dispatcher.position(), limit=1, topics=dispatcher.topics,
                    inclusive_of_start=False)

            wait(caught_up, 300, "the dispatcher", worker, interval=0.2)
            used = warm_up(services, editor, store, worker, warm_text)
            yield Pipeline(services, editor, store, worker, sent, used)
    finally:
        stop_worker(worker)
        store.close()
        services.close()


def run_workers(p: Pipeline, batch: list[tuple[UUID, texts.Text]], label: str) -> dict[str, Any]:
    """Requests every translation of the batch, then waits for all of them."""
    app = p.services.app
    words = sum(t.words for _, t in batch)
    base = p.store.count("MachineTranslated")
    load = load_average()
    started = time.perf_counter()
    with tqdm(total=len(batch), desc=label, unit="art", leave=False) as bar:
        for article_id, _ in batch:
            app.request_translations(p.editor, article_id, [TARGET])
        requested = time.perf_counter() - started
        done = 0
        deadline = time.monotonic() + 60 + 2 * len(batch)
        while done < len(batch):
            if p.store.count("Failed"):
                raise RuntimeError("a translation failed:\n" + p.worker.output()[-3000:])
            if time.monotonic() > deadline or p.worker.process.poll() is not None:
                raise RuntimeError(f"{done}/{len(batch)} translations after the deadline\n"
                                   + p.worker.output()[-3000:])
            now = p.store.count("MachineTranslated") - base
            bar.update(now - done)
            done = now
            if done < len(batch):
                time.sleep(0.05)
    elapsed = time.perf_counter() - started
    engine_ms = 0
    for article_id, _ in batch:
        translation = app.get_translation(p.editor, article_id, TARGET)
        if translation.state != "machine_translated" or not translation.body.strip():
            raise RuntimeError(f"translation of {article_id} is {translation.state}")
        if translation.engine != "apertium":
            raise RuntimeError(f"engine {translation.engine}, expected the warm apertium")
        engine_ms += translation.duration_ms or 0
    return {"processes": CONCURRENCY, "articles": len(batch), "words": words,
            "seconds": elapsed, "words_per_s": words / elapsed,
            "request_loop_seconds": requested, "engine_seconds": engine_ms / 1000,
            # Share of the two pool processes' time spent inside the engine.
            "engine_share": engine_ms / 1000 / (CONCURRENCY * elapsed),
            "load_before": load}


def measure_latency(p: Pipeline, text: texts.Text, samples: int, label: str,
                    rng: random.Random) -> dict[str, Any]:
    app = p.services.app
    rows: list[dict[str, float]] = []
    for _ in tqdm(range(samples), desc=label, unit="sample", leave=False):
        article_id, _ = approved_article(p.services, p.editor, text)
        tid = translation_id(article_id, TARGET)
        # A random phase against every poll on the path (the dispatcher's 0.2 s, the
        # SQLite transport's 1 s): without it each sample starts a fixed time after
        # the previous delivery, and the broker wait is the same every time.
        time.sleep(rng.uniform(0, PHASE_JITTER_S))
        wall0, t0 = time.time(), time.perf_counter()
        app.request_translations(p.editor, article_id, [TARGET])
        t_req = time.perf_counter()
        wait(lambda tid=tid: p.store.has(tid, "MachineTranslated"), 120,
             "a latency sample", p.worker, interval=0.005)
        t_seen = time.perf_counter()
        translation = p.services.app.repository.get(tid)
        recorded = translation.modified_on.timestamp()  # the MachineTranslated event
        engine = (translation.duration_ms or 0) / 1000
        with p.sent.lock:
            send_start, send_end = p.sent.at[str(tid)]
        total = t_seen - t0
        rows.append({
            "total": total,
            "request": t_req - t0,
            "dispatcher_wait": send_start - (wall0 + (t_req - t0)),
            "send": send_end - send_start,
            "broker_and_task": recorded - engine - send_end,
            "engine": engine,
            "commit_and_seen": (wall0 + total) - recorded,
        })
    parts = {k: summary([r[k] for r in rows]) for k in rows[0]}
    return {"samples": samples, "words": text.body_words, "total": parts.pop("total"),
            "parts": parts, "raw_total": [r["total"] for r in rows]}


# --- the run ---------------------------------------------------------------------------

def redis_ready(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    client.ping()
    client.flushdb()


def redis_flush(url: str) -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 articles, 5 samples")
    parser.add_argument("--articles", type=int)
    parser.add_argument("--samples", type=int, help="latency samples per broker")
    parser.add_argument("--rounds", type=int, help="throughput rounds (best counts)")
    parser.add_argument("--redis-url", default=os.environ.get(
        "NEWSROOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    count = args.articles or (20 if args.quick else 200)
    samples = args.samples or (5 if args.quick else 20)
    rounds = args.rounds or (1 if args.quick else 2)

    if shutil.which("apertium") is None:
        sys.exit("apertium is not installed (apt-get install apertium apertium-fr-es)")
    redis_ready(args.redis_url)
    articles = texts.articles(count)
    long_text = texts.article_of_words(LATENCY_WORDS)
    rng = random.Random(texts.SEED)
    started = datetime.now(UTC)
    wall = time.perf_counter()
    result: dict[str, Any] = {
        "command": "python bench/translation.py" + (" --quick" if args.quick else ""),
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": {"celery": package_version("celery"), "kombu": package_version("kombu"),
                     "redis-py": package_version("redis"), **apertium_version()},
        "settings": {"pair": f"{SOURCE}-{TARGET}", "worker_concurrency": CONCURRENCY,
                     "dispatcher_poll_s": DISPATCHER_POLL, "rounds": rounds,
                     "redis_url": args.redis_url, "text_seed": texts.SEED},
        "texts": {"articles": count, "words": sum(t.words for t in articles),
                  "body_words_min": min(t.body_words for t in articles),
                  "body_words_max": max(t.body_words for t in articles),
                  "body_words_mean": statistics.fmean(t.body_words for t in articles),
                  "latency_article_words": long_text.body_words},
    }
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="translation-", dir=REPO / "var" / "bench"))
    try:
        cli_translate(articles[0])  # untimed: page cache, dictionaries
        batches: list[list[tuple[UUID, texts.Text]]] = []
        overrides = 0

        def prepare(services: Services, editor: Actor) -> None:
            nonlocal overrides
            for round_no in range(rounds):
                batch = []
                for text in tqdm(articles, desc=f"articles, round {round_no + 1}",
                                 unit="art", leave=False):
                    article_id, overridden = approved_article(services, editor, text)
                    overrides += overridden
                    batch.append((article_id, text))
                batches.append(batch)

        runs: list[dict[str, Any]] = []
        with pipeline(args.redis_url, root, "redis", long_text, prepare) as p:
            for round_no in range(rounds):
                tag = f"round {round_no + 1}/{rounds}"
                run = {"cli_seq": run_cli(articles, 1, f"CLI x1, {tag}"),
                       "cli_par2": run_cli(articles, 2, f"CLI x2, {tag}"),
                       "workers": run_workers(p, batches[round_no], f"workers, {tag}")}
                runs.append(run)
                print(f"{tag}: " + ", ".join(f"{k} {v['words_per_s']:.0f} words/s"
                                             for k, v in run.items()), flush=True)
            redis_latency = measure_latency(p, long_text, samples, "latency, Redis", rng)
            memory = worker_memory(p.worker)
            memory["after"] = (f"{rounds * count + samples + p.warmup_articles} "
                               "translations on Redis")
            redis_sent = {"reconciled": p.sent.reconciled}
        best = {side: max(runs, key=lambda r, s=side: r[s]["words_per_s"])[side]
                for side in ("cli_seq", "cli_par2", "workers")}
        ours = best["workers"]["words_per_s"]
        result["throughput"] = {
            "runs": runs, "best": best,
            "ratio_vs_cli_seq": ours / best["cli_seq"]["words_per_s"],
            "ratio_vs_cli_par2": ours / best["cli_par2"]["words_per_s"],
            "target": THROUGHPUT_TARGET, "qa_overrides": overrides,
            "reconciler_resends": redis_sent["reconciled"],
        }
        result["throughput"]["met"] = {
            "vs_cli_seq": result["throughput"]["ratio_vs_cli_seq"] >= THROUGHPUT_TARGET,
            "vs_cli_par2": result["throughput"]["ratio_vs_cli_par2"] >= THROUGHPUT_TARGET}
        result["memory"] = memory
        redis_flush(args.redis_url)

        sqlite_broker = f"sqla+sqlite:///{root / 'sqlite' / 'broker.sqlite'}"
        with pipeline(sqlite_broker, root, "sqlite", long_text) as p:
            sqlite_latency = measure_latency(p, long_text, samples, "latency, SQLite", rng)
        result["latency"] = {"redis": redis_latency, "sqlite": sqlite_latency,
                             "target_p50_s": LATENCY_TARGET_S,
                             "met": redis_latency["total"]["p50"] <= LATENCY_TARGET_S}
    finally:
        redis_flush(args.redis_url)
        shutil.rmtree(root, ignore_errors=True)
    finish(result, args.out, wall, report)


def report(r: dict[str, Any]) -> None:
    t = r["throughput"]
    print(f"\nTranslation benchmark, {r['texts']['articles']} articles, "
          f"{r['texts']['words']} words, fr→es ({r['wall_seconds']:.0f} s)\n")
    print(f"{'throughput':<34}{'words/s':>10}{'seconds':>10}  runs (words/s)")
    names = {"cli_seq": "raw CLI, 1 process", "cli_par2": "raw CLI, 2 processes",
             "workers": "our workers (2), Redis"}
    for side, name in names.items():
        runs = ", ".join(f"{run[side]['words_per_s']:.0f}" for run in t["runs"])
        print(f"{name:<34}{t['best'][side]['words_per_s']:>10.0f}"
              f"{t['best'][side]['seconds']:>10.1f}  {runs}")
    for key, label in (("vs_cli_seq", "ours / CLI x1"), ("vs_cli_par2", "ours / CLI x2")):
        ratio = t[f"ratio_{key}"]
        print(f"{label:<34}{ratio:>9.2f}×  target ≥ {t['target']:.1f}× "
              f"{'met' if t['met'][key] else 'MISSED'}")
    w = t["best"]["workers"]
    print(f"  (engine busy {100 * w['engine_share']:.0f}% of the 2 pool processes' time; "
          f"request loop {w['request_loop_seconds']:.1f} s)")
    lat = r["latency"]
    print(f"\n{'latency, 600 words, s':<34}{'p50':>8}{'p95':>8}   parts, p50")
    for broker in ("redis", "sqlite"):
        row = lat[broker]
        parts = ", ".join(f"{k} {v['p50']:.3f}" for k, v in row["parts"].items())
        print(f"{broker:<34}{row['total']['p50']:>8.3f}{row['total']['p95']:>8.3f}   {parts}")
    print(f"target p50 ≤ {lat['target_p50_s']:.1f} s on Redis: "
          f"{'met' if lat['met'] else 'MISSED'}")
    m = r["memory"]
    print(f"\nworker memory ({m['after']}), MiB: main {m['main']['rss']:.1f} RSS, pools "
          + ", ".join(f"{p['rss']:.1f}" for p in m["pools"])
          + f"; main + pools {m['worker_rss_mib']:.1f} RSS / {m['worker_pss_mib']:.1f} PSS; "
          f"Apertium stages ({len(m['apertium_stages'])}) {m['stages_rss_mib']:.1f} RSS / "
          f"{m['stages_pss_mib']:.1f} PSS")


if __name__ == "__main__":
    main()
