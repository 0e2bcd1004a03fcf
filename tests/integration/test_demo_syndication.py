"""The demo's syndication partners: seeded through the subscriber service, idempotent,
and the demo receiver stores exactly what carries a valid Standard Webhooks
signature (signed here with the reference `standardwebhooks` package)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from standardwebhooks import Webhook

from newsroom import demo
from newsroom.bootstrap import Services
from newsroom.demo.receiver import DemoReceiver
from newsroom.demo.session import DemoSession
from newsroom.demo.syndication import FILEDROP_NAME, WEBHOOK_NAME, DemoTargets
from newsroom.domain.subscriber import Subscriber
from newsroom.projections.topics import topic
from newsroom.webhook_secrets import generate_secret


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _subscribers(services: Services) -> dict[str, Subscriber]:
    admin = services.app.actor_for(services.app.find_user("admin"))
    return {s.name: s for s in services.app.subscribers(admin)}


def _subscriber_events(services: Services) -> int:
    return len(services.app.recorder.select_notifications(
        start=0, limit=1000, topics=[topic(Subscriber.Created), topic(Subscriber.Updated)]))


def test_demo_subscribers_are_seeded_once_and_follow_a_moved_receiver(
        sqlite_services: Services, tmp_path: Path) -> None:
    app = sqlite_services.app
    targets = DemoTargets(tmp_path / "drop", "http://127.0.0.1:8001/webhook")
    assert demo.seed(app, targets) is True
    subscribers = _subscribers(sqlite_services)
    drop, hook = subscribers[FILEDROP_NAME], subscribers[WEBHOOK_NAME]
    assert (drop.transport, drop.format, drop.languages) == ("file", "newsml-g2", ["fr", "es"])
    assert Path(drop.path) == (tmp_path / "drop").resolve() and Path(drop.path).is_dir()
    assert (hook.transport, hook.format, hook.url) == ("webhook", "ninjs", targets.webhook_url)
    assert hook.secret.startswith("whsec_")

    position = app.recorder.max_notification_id()
    assert demo.seed(app, targets) is False
    assert app.recorder.max_notification_id() == position

    moved = DemoTargets(targets.filedrop_dir, "http://127.0.0.1:8002/webhook")
    assert demo.seed(app, moved) is True
    assert _subscribers(sqlite_services)[WEBHOOK_NAME].url == moved.webhook_url
    assert _subscriber_events(sqlite_services) == 3  # two created, one updated
    assert _subscribers(sqlite_services)[WEBHOOK_NAME].secret == hook.secret


def test_receiver_stores_only_verified_payloads(tmp_path: Path) -> None:
    secret = generate_secret()
    receiver = DemoReceiver(tmp_path / "hook", [0])
    receiver.start(secret)
    try:
        body = json.dumps({"uri": "x", "headlines": [{"value": "é"}]}).encode()
        now = datetime.now(UTC)
        signature = Webhook(secret).sign("msg-1", now, body.decode())
        good = {"webhook-id": "msg-1", "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signature, "Content-Type": "application/json"}
        assert _post(receiver.url, body, good) == 204
        assert (tmp_path / "hook" / "msg-1.json").read_bytes() == body

        assert _post(receiver.url, body + b" ", {**good, "webhook-id": "msg-1b"}) == 401
        other = Webhook(generate_secret()).sign("msg-2", now, body.decode())
        assert _post(receiver.url, body, {**good, "webhook-id": "msg-2",
                                          "webhook-signature": other}) == 401
        old = now - timedelta(minutes=10)
        stale = {**good, "webhook-id": "msg-3",
                 "webhook-timestamp": str(int(old.timestamp())),
                 "webhook-signature": Webhook(secret).sign("msg-3", old, body.decode())}
        assert _post(receiver.url, body, stale) == 401
        escape = {**good, "webhook-id": "../escape",
                  "webhook-signature": Webhook(secret).sign("../escape", now, body.decode())}
        assert _post(receiver.url, body, escape) == 401
        assert _post(receiver.url.replace("/webhook", "/other"), body, good) == 404
        xml = b"<newsItem/>"
        signed = Webhook(secret).sign("msg-4", now, xml.decode())
        assert _post(receiver.url, xml, {**good, "webhook-id": "msg-4",
                                         "webhook-signature": signed,
                                         "Content-Type": "application/xml"}) == 204
        assert sorted(p.name for p in (tmp_path / "hook").iterdir()) == [
            "msg-1.json", "msg-4.xml"]
        assert not (tmp_path / "escape.json").exists()
    finally:
        receiver.stop()


def test_receiver_listens_on_loopback_only_and_takes_the_next_port_when_busy(
        tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        receiver = DemoReceiver(tmp_path, [taken])
        try:
            assert receiver.port != taken
            assert receiver.url.startswith("http://127.0.0.1:")
        finally:
            receiver.stop()


def test_a_restarted_demo_keeps_its_receiver_port_and_adds_nothing(
        sqlite_services: Services) -> None:
    first = DemoSession(sqlite_services, web_port=0)
    port = first.receiver.port
    first.stop()
    position = sqlite_services.app.recorder.max_notification_id()
    second = DemoSession(sqlite_services, web_port=0)
    try:
        assert second.receiver.port == port
        assert sqlite_services.app.recorder.max_notification_id() == position
        assert any("demo/filedrop/" in line for line in second.describe())
    finally:
        second.stop()
