"""The chain follower in the dispatcher: it chains new events and signs checkpoints
every N events or T minutes, appending them to the auditors' file."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

from audit_support import populate
from conftest import settings_for

from newsroom.bootstrap import build
from newsroom.integrity.service import Integrity, Sealer
from newsroom.policies import Work
from workers.dispatcher import Dispatcher


def test_checkpoints_every_n_events_and_every_t_minutes(tmp_path: Path) -> None:
    settings = dataclasses.replace(settings_for(tmp_path / "var"), checkpoint_every=10,
                                   checkpoint_minutes=0.0)
    services = build(settings)
    try:
        integrity = Integrity.of(services)
        sealer = Sealer(integrity)
        populate(services, articles=2)  # 12 user events + 6 article events
        assert sealer.tick() == 18
        assert integrity.last_checkpoint_seq() == 18
        lines = settings.checkpoints_file.read_text("utf-8").splitlines()
        assert [json.loads(line)["seq"] for line in lines] == [18]
        services.app.add_user("one-more", "password-one-more", ["editor"])
        sealer.tick()
        assert integrity.last_checkpoint_seq() == 18  # 2 new events: not due by count

        sealer.interval = 0.05  # T elapsed with something new: due by time
        time.sleep(0.1)
        sealer.tick()
        assert integrity.last_checkpoint_seq() == 20
        sealer.tick()
        assert integrity.last_checkpoint_seq() == 20  # nothing new: nothing to sign
        assert integrity.verify().ok
    finally:
        services.close()


def test_the_dispatcher_runs_the_chain(tmp_path: Path) -> None:
    services = build(settings_for(tmp_path / "var"))
    sent: list[Work] = []
    try:
        populate(services, articles=1)
        stop = threading.Event()
        dispatcher = Dispatcher(services, sent.append)
        thread = threading.Thread(target=dispatcher.run, args=(stop,),
                                  kwargs={"poll_interval": 0.05})
        thread.start()
        integrity = Integrity.of(services)
        deadline = time.monotonic() + 10
        while integrity.store.has_unchained() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        thread.join(10)
        assert not integrity.store.has_unchained()
        assert integrity.store.chained_position()[0] == 15
    finally:
        services.close()
