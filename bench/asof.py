"""Point-in-time benchmark: the desk as of a moment against its read floor, replay and
provenance latencies, on a seeded store.

Run from the repository root::

    .venv/bin/python bench/asof.py [--events 50000] [--articles 5000] [--pg-url URL]

It seeds a fresh store (SQLite under ``var/bench/asof``, or a fresh schema of the
PostgreSQL database given) with ``bench/seed.py``'s articles, then measures, each
best of three after a warm-up:

1. the desk as of now (``desk_as_of`` without its answer cache; a moment in the past
   scans less, up to the moment plus the 15-minute slack) against the FLOOR: reading
   and decoding the same notifications (the article topics) with the library's own
   calls and doing nothing with them. Reported as floor time / our time (1.0 = as
   fast as reading the log can be);
2. the median and p95 latency of ``public_as_of`` (the public page at a moment) on 50
   random articles;
3. the median latency of tracing the seed's partner copy (candidates from the
   full-text read model, then scoring).

Results print and go to ``var/bench/asof-<backend>.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import seed  # noqa: E402
from newsroom.application.desk_asof import article_topics  # noqa: E402
from newsroom.bootstrap import Services, build  # noqa: E402
from newsroom.config import Settings  # noqa: E402
from newsroom.domain.policy import AUDITOR, Actor  # noqa: E402
from newsroom.projections.article_candidates import candidates  # noqa: E402
from newsroom.security import hash_password  # noqa: E402

READER = Actor(user_id=uuid.UUID(int=1), name="bench", roles=frozenset({AUDITOR}))


def best_of(runs: int, work: Callable[[], object]) -> float:
    work()  # warm-up: the store's pages in the OS cache, like a second page view
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def floor_scan(services: Services) -> int:
    recorder, mapper, topics = services.app.recorder, services.app.mapper, article_topics()
    start, count = 0, 0
    while True:
        batch = recorder.select_notifications(start=start, limit=1000, topics=topics,
                                              inclusive_of_start=False)
        for notification in batch:
            mapper.to_domain_event(notification)
        count += len(batch)
        if len(batch) < 1000:
            return count
        start = batch[-1].id


def services_for(args: argparse.Namespace) -> tuple[Services, str, str | None]:
    env = {"NEWSROOM_VAR_DIR": str(REPO / "var" / "bench" / "asof")}
    if args.pg_url:
        schema = f"bench_asof_{uuid.uuid4().hex[:8]}"
        env["NEWSROOM_DATABASE_URL"] = f"{args.pg_url}?schema={schema}"
        import psycopg

        with psycopg.connect(args.pg_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return build(Settings.from_env(env)), "postgres", schema
    directory = Path(env["NEWSROOM_VAR_DIR"])
    for old in directory.glob("events*.sqlite*"):
        old.unlink()
    return build(Settings.from_env(env)), "sqlite", None


def run(args: argparse.Namespace) -> dict[str, Any]:
    services, backend, schema = services_for(args)
    try:
        rng = random.Random(7)
        texts = seed.Texts.make(rng)
        people, user_events = seed.register_users(services.app,
                                                  hash_password(seed.PASSWORD))
        plans = seed.make_plans(args.articles, texts, rng, args.events - user_events)
        seed.save_plans(services.app, plans, texts, people, rng, lambda n: None)
        services.projections.catch_up()
        app = services.app
        head = app.recorder.max_notification_id() or 0
        now = datetime.now(UTC) + timedelta(seconds=1)
        article_events = floor_scan(services)
        floor = best_of(3, lambda: floor_scan(services))
        ours_now = best_of(3, lambda: app._scan_desk(now))
        rows = app.desk_as_of(READER, now).rows
        picks = rng.sample(rows, min(50, len(rows)))
        latencies = []
        for row in picks:
            started = time.perf_counter()
            app.public_as_of(READER, row.article_id, now)
            latencies.append(time.perf_counter() - started)
        copy = (REPO / "newsroom" / "demo" / "seoul-dprk-fr.txt").read_text("utf-8")

        def trace() -> None:
            with services.engine.connect() as conn:
                app.trace_copy(READER, copy, candidates(conn, copy))

        trace_times = []
        for _ in range(10):
            started = time.perf_counter()
            trace()
            trace_times.append(time.perf_counter() - started)
        return {
            "backend": backend, "events": head, "articles": len(rows),
            "article_events": article_events,
            "floor_read_decode_s": round(floor, 3),
            "desk_now_s": round(ours_now, 3), "desk_now_ratio": round(floor / ours_now, 2),
            "public_as_of_median_ms": round(statistics.median(latencies) * 1000, 1),
            "public_as_of_p95_ms": round(
                sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "provenance_median_ms": round(statistics.median(trace_times) * 1000, 1),
        }
    finally:
        services.close()
        if schema is not None:
            import psycopg

            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--pg-url", help="a PostgreSQL database; default: SQLite")
    args = parser.parse_args(argv)
    result = run(args)
    out = REPO / "var" / "bench" / f"asof-{result['backend']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    for key, value in result.items():
        print(f"{key:<26} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
