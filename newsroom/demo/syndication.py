"""The demo's two syndication partners, created through the normal subscriber service
(so they are events in the audit trail like any partner an admin adds):

- a file drop writing NewsML-G2 2.35 into ``<var>/demo/filedrop/``;
- a webhook sending ninjs 3.1 to the demo receiver on loopback, which stores what
  it verified in ``<var>/demo/webhook/``.

Both take French and Spanish. Subscribers are found by name, so seeding again adds
nothing; when a setting moved (the receiver had to take another port, the var
directory moved) the subscriber is updated, which is an audited event too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsroom.application import Newsroom
from newsroom.domain.subscriber import Subscriber
from newsroom.webhook_secrets import generate_secret

FILEDROP_NAME = "Demo partner (file drop)"
WEBHOOK_NAME = "Demo partner (webhook)"
LANGUAGES = ["fr", "es"]


@dataclass(frozen=True)
class DemoTargets:
    """Where the demo subscribers deliver."""

    filedrop_dir: Path
    webhook_url: str


def payload_dirs(var_dir: Path) -> tuple[Path, Path]:
    """(file drop directory, webhook receiver's directory) under the var directory."""
    base = var_dir / "demo"
    return base / "filedrop", base / "webhook"


def _by_name(app: Newsroom) -> dict[str, Subscriber]:
    admin = app.actor_for(app.find_user("admin"))
    return {s.name: s for s in app.subscribers(admin)}


def webhook_port(app: Newsroom) -> int | None:
    """The port the demo webhook subscriber points at, if it exists: the receiver
    takes it again when it can, so a restart changes nothing."""
    subscriber = _by_name(app).get(WEBHOOK_NAME)
    return urlsplit(subscriber.url).port if subscriber else None


def webhook_secret(app: Newsroom) -> str:
    return _by_name(app)[WEBHOOK_NAME].secret


def seed_subscribers(app: Newsroom, targets: DemoTargets) -> bool:
    """Creates (or brings up to date) both demo subscribers; True when it wrote."""
    admin = app.actor_for(app.find_user("admin"))
    targets.filedrop_dir.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, dict[str, Any]] = {
        FILEDROP_NAME: {"transport": "file", "path": str(targets.filedrop_dir.resolve()),
                        "format": "newsml-g2"},
        WEBHOOK_NAME: {"transport": "webhook", "url": targets.webhook_url,
                       "format": "ninjs"},
    }
    existing = _by_name(app)
    wrote = False
    for name, settings in wanted.items():
        subscriber = existing.get(name)
        if subscriber is None:
            secret = generate_secret() if settings["transport"] == "webhook" else ""
            app.add_subscriber(admin, {"name": name, "languages": LANGUAGES,
                                       "secret": secret, **settings})
            wrote = True
            continue
        changes = {k: v for k, v in settings.items() if getattr(subscriber, k) != v}
        if changes:
            app.update_subscriber(admin, subscriber.id, changes)
            wrote = True
    return wrote
