"""Integrity benchmark (issue 6): verify throughput, and what chaining costs commands.

Run from the repository root::

    .venv/bin/python bench/audit.py [--source FILE] [--commands N] [--rounds R]
                                    [--skip-verify] [--skip-commands]

1. **Verify throughput** on a store of 1,000,000 events: a copy (SQLite backup API,
   the source is only read) of the web benchmark's store (``bench/web.py`` seeds it
   under ``var/bench/web-100000a-1000000e``), chained once, checkpointed, then
   ``newsroom audit verify``'s code path (``Integrity.verify``) is timed against the
   READ-AND-HASH FLOOR: the same event rows read from the same file in the same order,
   with plain sha256 over each stored state. Each side runs three times, interleaved,
   warm; the best run of each counts (the ratio of each adjacent pair is reported
   too). Target: verify >= 0.5x the floor's events/s.
2. **Chaining overhead on the command path**: commands/s of ``Newsroom.revise`` on a
   fresh SQLite store with and without the chain follower running beside it as its own
   process (the dispatcher's loop: a tick every 0.2 s, chaining and checkpointing),
   in R alternating slices of N commands each (the follower paused between ticks, then
   resumed); total times count. Also the follower's CPU per chained event against a
   command's CPU. Target: cost <= 10%.

Results print as a table and go to ``var/bench/audit.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsroom.bootstrap import Services, build  # noqa: E402
from newsroom.config import Settings  # noqa: E402
from newsroom.domain.policy import SYSTEM_ACTOR, Actor  # noqa: E402
from newsroom.domain.user import User  # noqa: E402
from newsroom.integrity.service import Integrity, Sealer  # noqa: E402

DEFAULT_SOURCE = REPO / "var" / "bench" / "web-100000a-1000000e" / "events.sqlite"
STORE_DIR = REPO / "var" / "bench" / "audit-1000000e"
RESULTS = REPO / "var" / "bench" / "audit.json"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards de "
        "dollars.\n\nLa mairesse s’est dite satisfaite du résultat du vote. " * 6)


def settings_for(var: Path) -> Settings:
    return Settings.from_env({"NEWSROOM_VAR_DIR": str(var)})


def progress_bar(total: int, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="ev", file=sys.stderr, mininterval=2)


# ---- 1. verify throughput --------------------------------------------------------------


def copy_store(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API; the source is opened read-only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=65536)
    finally:
        dst.close()
        src.close()
    partial.replace(target)


def read_and_hash_floor(path: Path) -> tuple[int, float, float]:
    """The same rows verify reads, in the same order, each state hashed: the floor."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sha = hashlib.sha256
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    cursor = conn.execute("SELECT rowid, originator_id, originator_version, topic, state "
                          "FROM stored_events WHERE rowid > ? ORDER BY rowid", (0,))
    while rows := cursor.fetchmany(5000):
        for row in rows:
            sha(row[4]).digest()
        count += len(rows)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return count, elapsed, cpu


def verify_throughput(source: Path) -> dict[str, Any]:
    store_file = STORE_DIR / "events.sqlite"
    if not store_file.exists():
        if not source.exists():
            sys.exit(f"no store to copy at {source}: seed it with bench/web.py first")
        print(f"copying {source} (read-only) to {store_file}", file=sys.stderr)
        copy_store(source, store_file)
    services = build(settings_for(STORE_DIR))
    try:
        integrity = Integrity.of(services)
        total = services.app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        with progress_bar(total, "chain") as bar:
            chained = integrity.catch_up(progress=bar.update)
        chain_seconds = time.perf_counter() - started
        integrity.checkpoint()
        runs: dict[str, list[float]] = {"floor": [], "verify": []}
        cpu: dict[str, list[float]] = {"floor": [], "verify": []}
        events = 0
        for _ in range(3):
            events, seconds, cpu_seconds = read_and_hash_floor(store_file)
            runs["floor"].append(seconds)
            cpu["floor"].append(cpu_seconds)
            started, cpu_started = time.perf_counter(), time.process_time()
            with progress_bar(total, "verify") as bar:
                result = integrity.verify(progress=bar.update)
            runs["verify"].append(time.perf_counter() - started)
            cpu["verify"].append(time.process_time() - cpu_started)
            if not result.ok or result.checked != events:
                sys.exit(f"the benchmark store does not verify: {result.document()}")
    finally:
        services.close()
    floor, verify = min(runs["floor"]), min(runs["verify"])
    return {
        "events": events,
        "state_bytes": store_file.stat().st_size,
        "chained_now": chained,
        "chain_events_per_s": round(chained / chain_seconds) if chained else None,
        "floor_seconds": [round(s, 2) for s in runs["floor"]],
        "verify_seconds": [round(s, 2) for s in runs["verify"]],
        "floor_events_per_s": round(events / floor),
        "verify_events_per_s": round(events / verify),
        "ratio": round(floor / verify, 3),
        # Each verify against the floor run just before it: the machine is shared, and
        # neighbours' load moves both sides of a pair together.
        "pair_ratios": [round(f / v, 3) for f, v in zip(runs["floor"], runs["verify"],
                                                          strict=True)],
        # CPU seconds of this process (the store is in the page cache, so reading is
        # CPU too): what neighbours' load moves least.
        "floor_cpu_seconds": [round(s, 2) for s in cpu["floor"]],
        "verify_cpu_seconds": [round(s, 2) for s in cpu["verify"]],
        "cpu_ratio": round(min(cpu["floor"]) / min(cpu["verify"]), 3),
        "target": ">= 0.5",
    }


# ---- 2. command-path overhead ------------------------------------------------------------


def follower_loop(var: str) -> None:
    """The dispatcher's integrity part alone, as its own process: tick every 0.2 s."""
    services = build(settings_for(Path(var)))
    sealer = Sealer(Integrity.of(services, keep_open=True))
    stop = False

    def halt(*_: object) -> None:
        nonlocal stop
        stop = True

    paused = False
    toggled = False

    def toggle(*_: object) -> None:
        nonlocal toggled
        toggled = True

    signal.signal(signal.SIGTERM, halt)
    signal.signal(signal.SIGUSR1, toggle)
    sealer.tick()
    print("ready", flush=True)  # imports done and caught up: the timed phase may start
    before = time.process_time()
    chained = 0
    while not stop:
        if toggled:
            # Acknowledged between ticks, never inside one: a pause must not hold
            # SQLite's write lock.
            toggled, paused = False, not paused
            print("paused" if paused else "running", flush=True)
        moved = 0 if paused else sealer.tick()
        chained += moved
        if not moved:
            time.sleep(0.02 if paused else 0.2)
    print(f"{time.process_time() - before} {chained}", flush=True)
    services.close()


def commands_per_second(services: Services, actor: Actor, ids: list[Any], n: int,
                        offset: int) -> tuple[float, float]:
    """(commands per second, CPU seconds per command in this process)."""
    app = services.app
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        article_id = ids[i % len(ids)]
        app.revise(actor, article_id, {"headline": f"Budget {offset + i}"}, None)
    return n / (time.perf_counter() - started), (time.process_time() - cpu) / n


def command_overhead(n: int, rounds: int) -> dict[str, Any]:
    """Alternates slices of ``n`` commands with the follower paused and running (it
    toggles on SIGUSR1, between ticks), ``rounds`` times each: fine interleaving, so the neighbours'
    load (this machine is shared) drifts into both sides alike. Events written while
    paused are chained in the next running slice, so that slice also carries the
    paused slice's chaining: the cost measured errs high."""
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        var = Path(tmp) / "var"
        services = build(settings_for(var))
        follower: subprocess.Popen[str] | None = None
        try:
            user = User.register(name="bench", password_hash="x",
                                 actor_id=SYSTEM_ACTOR.user_id, role="system")
            user.grant("journalist", actor_id=SYSTEM_ACTOR.user_id, role="system")
            services.app.save(user)
            actor = services.app.actor_for(user)
            ids = [services.app.create_article(actor, headline=f"Budget {k}", body=BODY,
                                               language="fr").id for k in range(50)]
            follower = subprocess.Popen(
                [sys.executable, __file__, "--follower-for", str(var)],
                stdout=subprocess.PIPE, text=True)
            assert follower.stdout is not None
            follower.stdout.readline()  # started and caught up, as in production
            commands_per_second(services, actor, ids, n, 0)  # warm-up, follower running
            times = {"without": 0.0, "with": 0.0}
            command_cpu: list[float] = []
            offset = n
            for r in range(rounds):
                # Which side goes first alternates, so neither always follows the other.
                for side in (("without", "with") if r % 2 == 0 else ("with", "without")):
                    follower.send_signal(signal.SIGUSR1)
                    state = follower.stdout.readline().strip()
                    if (state == "paused") != (side == "without"):
                        follower.send_signal(signal.SIGUSR1)
                        follower.stdout.readline()
                    rate, cpu = commands_per_second(services, actor, ids, n, offset)
                    offset += n
                    times[side] += n / rate
                    if side == "without":
                        command_cpu.append(cpu)
            follower.send_signal(signal.SIGTERM)
            seconds, count = follower.stdout.readline().split()
            follower.wait(30)
            follower = None
            integrity = Integrity.of(services)
            integrity.catch_up()
            ok = integrity.verify().ok
        finally:
            if follower is not None:
                follower.kill()
            services.close()
    without = rounds * n / times["without"]
    with_chain = rounds * n / times["with"]
    per_command = statistics.median(command_cpu)
    per_event = float(seconds) / max(int(count), 1)
    return {
        "commands_per_slice": n,
        "slices_each": rounds,
        "without_per_s": round(without),
        "with_follower_per_s": round(with_chain),
        "cost": round(1 - with_chain / without, 3),
        # Load-independent view: the follower's CPU per event it chained, against the
        # command's own CPU (one revise writes one event).
        "command_cpu_ms": round(per_command * 1000, 3),
        "follower_cpu_ms_per_event": round(per_event * 1000, 3),
        "cpu_ratio": round(per_event / per_command, 3),
        "target": "<= 0.10",
        "verified_after": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--commands", type=int, default=250, help="commands per slice")
    parser.add_argument("--rounds", type=int, default=20, help="slices of each kind")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--skip-commands", action="store_true")
    parser.add_argument("--follower-for", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.follower_for:
        follower_loop(args.follower_for)
        return
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    }
    if not args.skip_verify:
        results["verify"] = verify_throughput(args.source)
    if not args.skip_commands:
        results["commands"] = command_overhead(args.commands, args.rounds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
