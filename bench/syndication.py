"""Syndication benchmark: publish-to-delivery latency, delivery throughput, and the
formatting rate of ninjs and NewsML-G2 against raw serialization.

Run from the repository root::

    .venv/bin/python bench/syndication.py [--quick] [--formatting-only]

In one run it measures

1. latency from ``publish`` (the editor's command returning) to the signed webhook
   arriving at each of 5 subscribers (local receivers on loopback, checking every
   signature with the reference ``standardwebhooks`` package), one article at a
   time (``--samples``, default 40; ``--quick`` 10), each published after a random
   0-0.5 s pause so that it meets the dispatcher's poll at a random phase: p50, p95,
   max over every (article, subscriber). Target: p50 ≤ 300 ms.
2. deliveries per second with 2 workers (two ``newsroom worker --concurrency 1``
   processes): ``--articles`` (default 100; ``--quick`` 20) articles published back
   to back to the same 5 subscribers, timed from the first publish to the last
   delivery recorded ``delivered``.
3. the formatting rate, items per second, of ``ninjs_bytes`` and ``newsml_bytes``
   over the same items (texts of ``bench/texts.py``, 300-900 words, fixed seed),
   each as a ratio against raw serialization of the same data in the same run:
   ``json.dumps`` of the very ninjs document (built once beforehand), and, with lxml,
   the very ``newsItem`` (its elements, attributes and texts taken out beforehand as
   plain data) written the plain way: ``Element``/``SubElement`` then ``tostring``,
   with no allowlist or clean-up. So the ratio is what our formatting (paragraphs,
   escaping, the HTML allowlist, XML clean-up) costs on top. Also recorded: NewsML-G2
   against ``tostring`` alone of the tree built beforehand. Passes alternate, ours
   then raw, ``--rounds`` times (default 9); the ratio is the median of the rounds'
   ratios (a busy machine slows both sides of a round alike). Target: ≥ 0.5× raw.

Both pipeline phases run on Redis (``--redis-url``, default database 14 of the
local server, flushed before and after) with the dispatcher in a thread of this
process at ``newsroom dispatcher``'s default poll interval (0.2 s). Stores live in a
scratch directory under ``var/bench/``, removed at the end. Results print as a
table and go to ``var/bench/syndication.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from uuid import UUID

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import texts  # noqa: E402
from pipeline import Worker, pipeline_env, services_for, start_worker, stop_worker  # noqa: E402
from receivers import WebhookReceiver  # noqa: E402
from runs import finish, machine  # noqa: E402

from newsroom.bootstrap import Services  # noqa: E402
from newsroom.domain.errors import BlockingFindings  # noqa: E402
from newsroom.domain.policy import Actor  # noqa: E402
from newsroom.formats import PublishedItem, item_uri, newsml_bytes, ninjs_bytes  # noqa: E402
from newsroom.webhook_secrets import generate_secret  # noqa: E402

OUT = REPO / "var" / "bench" / "syndication.json"
FORMATTING_OUT = REPO / "var" / "bench" / "syndication-formatting.json"
SUBSCRIBERS = 5
DISPATCHER_POLL = 0.2  # `newsroom dispatcher` default
LATENCY_TARGET_S = 0.300
FORMAT_TARGET = 0.5
BASE_URL = "https://news.example"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": percentile(values, 0.5), "p95": percentile(values, 0.95),
            "max": max(values), "mean": statistics.fmean(values)}


# --- 3: formatting ---------------------------------------------------------------------

def items(count: int) -> list[PublishedItem]:
    now = datetime.now(UTC)
    out = []
    for n, text in enumerate(texts.articles(count)):
        article_id = UUID(int=n + 1)
        out.append(PublishedItem(
            article_id=article_id, language="fr", revision=1 + n % 3, headline=text.headline,
            body=text.body, dateline="MONTRÉAL", byline="La rédaction",
            first_created=now - timedelta(hours=2), version_created=now,
            first_published_at=now - timedelta(hours=1), base_url=BASE_URL,
            source_language="fr",
            correction_note="Le chiffre a été corrigé." if n % 3 else None,
            translations={lang: item_uri(BASE_URL, article_id, lang) for lang in ("en", "es")}))
    return out


def one_pass(work: Callable[[Any], Any], inputs: list[Any]) -> float:
    started = time.perf_counter()
    for value in inputs:
        work(value)
    return len(inputs) / (time.perf_counter() - started)


def rates(label: str, ours: tuple[Callable[[Any], Any], list[Any]],
          raw: tuple[Callable[[Any], Any], list[Any]], rounds: int) -> dict[str, Any]:
    """Items per second of both sides, passes interleaved (ours, raw, ours, raw...), so
    that a busy machine slows both alike: the ratio is the median of the rounds'
    ratios; the rates are the best passes."""
    ours_rates, raw_rates = [], []
    for _ in tqdm(range(rounds), desc=label, unit="round", leave=False):
        ours_rates.append(one_pass(*ours))
        raw_rates.append(one_pass(*raw))
    ratios = [o / r for o, r in zip(ours_rates, raw_rates, strict=True)]
    ratio = statistics.median(ratios)
    return {"ours_per_s": max(ours_rates), "raw_per_s": max(raw_rates), "ratio": ratio,
            "ratio_min": min(ratios), "ratio_max": max(ratios),
            "met": ratio >= FORMAT_TARGET}


def measure_formatting(count: int, rounds: int) -> dict[str, Any]:
    from lxml import etree

    from newsroom.formats.newsml import newsml_element
    from newsroom.formats.ninjs import to_ninjs

    sample = items(count)
    documents = [to_ninjs(item) for item in sample]
    trees = [newsml_element(item) for item in sample]

    def raw_json(document: dict[str, Any]) -> bytes:
        # The same call ninjs_bytes ends with, on the document built beforehand.
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()

    def as_data(element: Any) -> tuple[Any, ...]:
        return (element.tag, dict(element.attrib), element.nsmap, element.text,
                element.tail, [as_data(child) for child in element])

    def build(data: tuple[Any, ...], parent: Any = None) -> Any:
        tag, attributes, nsmap, text, tail, children = data
        element = (etree.Element(tag, attributes, nsmap=nsmap) if parent is None
                   else etree.SubElement(parent, tag, attributes))
        element.text, element.tail = text, tail
        for child in children:
            build(child, element)
        return element

    def raw_xml(data: tuple[Any, ...]) -> bytes:
        # The same newsItem written the plain lxml way: elements from the data, then
        # tostring; no allowlist, no clean-up, no decisions.
        return bytes(etree.tostring(build(data), encoding="UTF-8", xml_declaration=False,
                                    pretty_print=True))

    def tostring_only(tree: Any) -> bytes:
        return bytes(etree.tostring(tree, encoding="UTF-8", xml_declaration=False,
                                    pretty_print=True))

    for item in sample[:5]:  # warm caches (regexes, lxml) outside the timing
        ninjs_bytes(item)
        newsml_bytes(item)
    result: dict[str, Any] = {"items": count, "rounds": rounds,
                              "bytes_mean": {"ninjs": statistics.fmean(
                                  len(ninjs_bytes(i)) for i in sample),
                                  "newsml": statistics.fmean(len(newsml_bytes(i))
                                                             for i in sample)}}
    data = [as_data(tree) for tree in trees]
    result["ninjs"] = rates("ninjs", (ninjs_bytes, sample), (raw_json, documents), rounds)
    result["newsml-g2"] = rates("newsml-g2", (newsml_bytes, sample), (raw_xml, data), rounds)
    # Stricter still, for the record: against tostring alone of the tree built beforehand.
    strict = rates("newsml-g2 vs tostring", (newsml_bytes, sample), (tostring_only, trees),
                   rounds)
    result["newsml-g2"]["ratio_vs_tostring_only"] = strict["ratio"]
    return result


# --- 1 and 2: the pipeline --------------------------------------------------------------

@contextlib.contextmanager
def dispatcher_thread(services: Services) -> Iterator[None]:
    from workers.celery_app import make_app
    from workers.dispatcher import Dispatcher, celery_sender

    # `newsroom dispatcher` defaults: poll 0.2 s, reconcile after 60 s, every 30 s.
    dispatcher = Dispatcher(services, celery_sender(make_app(services.settings)),
                            reconcile_after=timedelta(seconds=60))
    dispatcher.position()
    stop = threading.Event()
    thread = threading.Thread(target=dispatcher.run, args=(stop,), daemon=True,
                              kwargs={"poll_interval": DISPATCHER_POLL,
                                      "reconcile_interval": 30.0})
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def make_editor(services: Services) -> Actor:
    app = services.app
    user_id = app.add_user("bench-editor", "bench-password-1", ["editor"])
    return app.actor_for(app.get_user(user_id))


def make_admin(services: Services) -> Actor:
    app = services.app
    user_id = app.add_user("bench-admin", "bench-password-1", ["admin"])
    return app.actor_for(app.get_user(user_id))


def approved(services: Services, editor: Actor, text: texts.Text) -> UUID:
    app = services.app
    article_id = app.create_article(editor, headline=text.headline, body=text.body,
                                    language="fr").id
    app.submit(editor, article_id)
    try:
        app.approve(editor, article_id)
    except BlockingFindings:
        app.approve(editor, article_id, override_reason="wire copy, quoted as sent")
    return article_id


def wait(condition: Callable[[], bool], timeout: float, what: str,
         workers: list[Worker]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = "\n".join(w.output()[-2000:] for w in workers)
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")
        time.sleep(0.005)


class Arrivals:
    """Counts the distinct deliveries the receivers took, and when each first came."""

    def __init__(self, receivers: list[WebhookReceiver]) -> None:
        self.receivers = receivers

    def count(self) -> int:
        return sum(len(r.deliveries) for r in self.receivers)

    def first_seen(self) -> dict[str, float]:
        seen: dict[str, float] = {}
        for receiver in self.receivers:
            for request in list(receiver.requests):
                if request.behaviour.accepts and request.signature_ok:
                    seen.setdefault(request.webhook_id, request.at)
        return seen


@contextlib.contextmanager
def newsroom_on_redis(root: Path, redis_url: str, workers: int,
                      concurrency: int) -> Iterator[tuple[Services, Actor, Arrivals,
                                                          list[Worker]]]:
    env = pipeline_env(root / "var", redis_url, NEWSROOM_WEBHOOK_ALLOW_INSECURE="1",
                       NEWSROOM_BASE_URL=BASE_URL)
    services = services_for(env)
    editor, admin = make_editor(services), make_admin(services)
    secret = generate_secret()
    receivers = [WebhookReceiver(secret) for _ in range(SUBSCRIBERS)]
    started: list[Worker] = []
    with contextlib.ExitStack() as stack:
        for n, receiver in enumerate(receivers):
            stack.enter_context(receiver)
            services.app.add_subscriber(admin, {
                "name": f"Partner {n}", "transport": "webhook", "url": receiver.url,
                "secret": secret, "format": "ninjs" if n % 2 else "newsml-g2",
                "languages": ["fr"]})
        try:
            started += [start_worker(env, concurrency=concurrency) for _ in range(workers)]
            with dispatcher_thread(services):
                yield services, editor, Arrivals(receivers), started
        finally:
            for worker in started:
                stop_worker(worker)
            services.close()


def warm_up(services: Services, editor: Actor, arrivals: Arrivals, workers: list[Worker],
            text: texts.Text, articles: int) -> None:
    """Publishes a few articles first: every pool process builds its services."""
    before = arrivals.count()
    for _ in range(articles):
        services.app.publish(editor, approved(services, editor, text))
    wait(lambda: arrivals.count() >= before + articles * SUBSCRIBERS, 60, "the warm-up",
         workers)


def measure_latency(root: Path, redis_url: str, samples: int,
                    rng: random.Random) -> dict[str, Any]:
    text = texts.article_of_words(400)
    with newsroom_on_redis(root / "latency", redis_url, 1, 2) as (services, editor,
                                                                   arrivals, workers):
        warm_up(services, editor, arrivals, workers, text, 4)
        prepared = [approved(services, editor, text) for _ in range(samples)]
        latencies: list[float] = []
        for article_id in tqdm(prepared, desc="latency", unit="article", leave=False):
            time.sleep(rng.uniform(0, 0.5))
            before = arrivals.count()
            services.app.publish(editor, article_id)
            published = time.monotonic()
            wait(lambda b=before: arrivals.count() >= b + SUBSCRIBERS, 30,  # type: ignore[misc]
                 "a publication's deliveries", workers)
            ids = delivery_ids(services, article_id)
            seen = arrivals.first_seen()
            latencies += [seen[i] - published for i in ids]
    return {"samples": samples, "per_delivery_s": summary(latencies),
            "target_p50_s": LATENCY_TARGET_S,
            "met": percentile(latencies, 0.5) <= LATENCY_TARGET_S}


def delivery_ids(services: Services, article_id: UUID) -> list[str]:
    from sqlalchemy import select

    from newsroom.projections.tables import deliveries

    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        return [str(x) for x in conn.execute(select(deliveries.c.id).where(
            deliveries.c.article_id == article_id)).scalars()]


def delivered_count(services: Services) -> int:
    from sqlalchemy import func, select

    from newsroom.projections.tables import deliveries

    services.projections.catch_up("delivery_list")
    with services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries).where(
            deliveries.c.status == "delivered")).scalar_one())


def measure_throughput(root: Path, redis_url: str, count: int) -> dict[str, Any]:
    text = texts.article_of_words(400)
    with newsroom_on_redis(root / "throughput", redis_url, 2, 1) as (services, editor,
                                                                      arrivals, workers):
        warm_up(services, editor, arrivals, workers, text, 4)
        prepared = [approved(services, editor, text)
                    for _ in tqdm(range(count), desc="preparing", unit="article",
                                  leave=False)]
        base = delivered_count(services)
        total = count * SUBSCRIBERS
        started = time.perf_counter()
        for article_id in prepared:
            services.app.publish(editor, article_id)
        published = time.perf_counter() - started
        with tqdm(total=total, desc="deliveries", unit="delivery", leave=False) as bar:
            done = 0
            while done < total:
                now = delivered_count(services) - base
                bar.update(now - done)
                done = now
                if time.perf_counter() - started > 300:
                    raise RuntimeError(f"only {done} of {total} deliveries after 300 s")
                time.sleep(0.05)
        elapsed = time.perf_counter() - started
    return {"articles": count, "deliveries": total, "workers": 2, "concurrency_each": 1,
            "publishing_s": published, "seconds": elapsed,
            "deliveries_per_s": total / elapsed}


# --- the run ---------------------------------------------------------------------------

def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()


def report(result: dict[str, Any]) -> None:
    fmt = result["formatting"]
    print(f"\nSyndication benchmark ({result['command']}), load "
          f"{result['machine']['load_at_start']} -> {result['machine']['load_at_end']}")
    if "latency" in result:
        report_pipeline(result)
    for name in ("ninjs", "newsml-g2"):
        row = fmt[name]
        print(f"  {name}: {row['ours_per_s']:.0f} items/s vs raw {row['raw_per_s']:.0f}/s, "
              f"ratio {row['ratio']:.2f}x (rounds {row['ratio_min']:.2f}-"
              f"{row['ratio_max']:.2f}) (target >= {FORMAT_TARGET}x: "
              f"{'met' if row['met'] else 'MISSED'})")
    print(f"  newsml-g2 vs tostring alone: {fmt['newsml-g2']['ratio_vs_tostring_only']:.2f}x")


def report_pipeline(result: dict[str, Any]) -> None:
    latency = result["latency"]["per_delivery_s"]
    print(f"  latency publish->delivery, {SUBSCRIBERS} subscribers: "
          f"p50 {latency['p50'] * 1000:.0f} ms, p95 {latency['p95'] * 1000:.0f} ms, "
          f"max {latency['max'] * 1000:.0f} ms (target p50 <= "
          f"{LATENCY_TARGET_S * 1000:.0f} ms: "
          f"{'met' if result['latency']['met'] else 'MISSED'})")
    print(f"  throughput, 2 workers: {result['throughput']['deliveries_per_s']:.1f} "
          f"deliveries/s ({result['throughput']['deliveries']} in "
          f"{result['throughput']['seconds']:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--formatting-only", action="store_true",
                        help="phase 3 alone: no Redis, workers or receivers")
    parser.add_argument("--samples", type=int, help="articles timed for latency")
    parser.add_argument("--articles", type=int, help="articles for the throughput phase")
    parser.add_argument("--items", type=int, help="items for the formatting phase")
    parser.add_argument("--rounds", type=int,
                        help="formatting rounds (the ratio is their median)")
    parser.add_argument("--redis-url", default=os.environ.get(
        "NEWSROOM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--out", type=Path,
                        help=f"default {OUT.name}, or {FORMATTING_OUT.name} with "
                             "--formatting-only (so a full run's figures stay)")
    args = parser.parse_args()
    out: Path = args.out or (FORMATTING_OUT if args.formatting_only else OUT)
    samples = args.samples or (10 if args.quick else 40)
    count = args.articles or (20 if args.quick else 100)
    item_count = args.items or (50 if args.quick else 200)
    rounds = args.rounds or (3 if args.quick else 9)

    if not args.formatting_only:
        redis_flush(args.redis_url)
    rng = random.Random(texts.SEED)
    wall = time.perf_counter()
    flags = [flag for flag, given in (("--quick", args.quick),
                                      ("--formatting-only", args.formatting_only)) if given]
    result: dict[str, Any] = {
        "command": " ".join(["python bench/syndication.py", *flags]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": {name: package_version(name)
                     for name in ("celery", "kombu", "redis", "lxml", "eventsourcing")},
        "settings": {"subscribers": SUBSCRIBERS, "dispatcher_poll_s": DISPATCHER_POLL,
                     "redis_url": args.redis_url, "text_seed": texts.SEED},
    }
    (REPO / "var" / "bench").mkdir(parents=True, exist_ok=True)
    result["formatting"] = measure_formatting(item_count, rounds)
    if not args.formatting_only:
        measure_pipeline(result, args.redis_url, samples, count, rng)
    finish(result, out, wall, report)


def measure_pipeline(result: dict[str, Any], redis_url: str, samples: int, count: int,
                     rng: random.Random) -> None:
    root = Path(tempfile.mkdtemp(prefix="syndication-", dir=REPO / "var" / "bench"))
    try:
        result["latency"] = measure_latency(root, redis_url, samples, rng)
        redis_flush(redis_url)
        result["throughput"] = measure_throughput(root, redis_url, count)
    finally:
        with contextlib.suppress(Exception):
            redis_flush(redis_url)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
