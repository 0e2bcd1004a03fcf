"""The demo's part of `newsroom run`: seed the demo data, start the webhook receiver
the demo subscriber points at, and say where payloads land.

Order matters: the receiver binds its port before the webhook subscriber is seeded
(the subscriber's URL names the port), and starts verifying once the subscriber,
and so its secret, exists.
"""

from __future__ import annotations

from pathlib import Path

from newsroom.bootstrap import Services
from newsroom.demo import seed
from newsroom.demo.receiver import DemoReceiver
from newsroom.demo.syndication import (
    DemoTargets,
    payload_dirs,
    seed_subscribers,
    webhook_port,
    webhook_secret,
)

# Only the demo's own worker gets this: the receiver is on loopback, over http.
# The metadata addresses stay refused even so (newsroom.ssrf).
DEMO_WORKER_ENV = {"NEWSROOM_WEBHOOK_ALLOW_INSECURE": "1"}


class DemoSession:
    """Seeded and listening once constructed; `stop` closes the receiver."""

    def __init__(self, services: Services, web_port: int) -> None:
        seed(services.app)
        self.filedrop_dir, self.webhook_dir = payload_dirs(services.settings.var_dir)
        earlier = webhook_port(services.app)
        # Beside the web port (8001 for 8000) when nothing earlier says otherwise.
        preferred = [p for p in (earlier, web_port + 1 if web_port else None) if p]
        self.receiver = DemoReceiver(self.webhook_dir, preferred)
        seed_subscribers(services.app, DemoTargets(self.filedrop_dir, self.receiver.url))
        self.receiver.start(webhook_secret(services.app))

    def describe(self) -> list[str]:
        """The lines `newsroom run` prints about the demo partners."""
        return [
            "Demo partners (fr and es; they get the seed article once it is published, "
            "corrected or retracted):",
            f"  file drop, NewsML-G2 2.35 -> {_shown(self.filedrop_dir)}/",
            f"  webhook,   ninjs 3.1      -> {self.receiver.url}, a demo receiver that "
            f"checks the signature and stores each payload in {_shown(self.webhook_dir)}/",
        ]

    def stop(self) -> None:
        self.receiver.stop()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path.resolve())
