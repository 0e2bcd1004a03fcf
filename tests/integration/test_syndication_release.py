"""Breaking an embargo and resending a delivery, end to end: the web request records
the event, the dispatcher turns it into work on a real Redis broker, a real worker
sends to local signed-webhook receivers.

- Embargo: a subscriber whose contract allows early delivery gets the story at once,
  marked `embargoedUntil`; the others get nothing until an editor breaks the embargo,
  then within seconds, and never told to hold what is already public. An embargo
  broken before the deliveries were even planned holds nothing either.
- Resend: a delivery refused for good by the partner is failed; the admin's Resend
  sends it again under the same `webhook-id`, and the receiver applies it once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from conftest import Cast, csrf_of, make_cast, ui_login
from lxml import etree
from pipeline import (
    empty_redis_or_skip,
    services_for,
    wait_for,
    webhook_env,
    worker_and_dispatcher,
)
from receivers import WebhookReceiver, status
from unit.test_formats_newsml import newsml_schema

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.web import create_app
from newsroom.webhook_secrets import generate_secret

REDIS_DB_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    empty_redis_or_skip(REDIS_DB_URL)
    return webhook_env(tmp_path / "var", REDIS_DB_URL)


@pytest.fixture
def services(env: dict[str, str]) -> Iterator[Services]:
    services = services_for(env)
    yield services
    services.close()


def subscribe(services: Services, cast: Cast, name: str, receiver: WebhookReceiver,
              secret: str, early: bool = False) -> UUID:
    return services.app.add_subscriber(cast.admin, {
        "name": name, "transport": "webhook", "url": receiver.url, "secret": secret,
        "format": "ninjs", "languages": ["fr"], "early_embargo": early}).id


def publish(services: Services, cast: Cast, headline: str,
            embargo_until: datetime | None = None) -> UUID:
    app = services.app
    article_id = app.create_article(cast.editor, headline=headline, language="fr",
                                    body="Le conseil municipal a adopté le budget.").id
    app.submit(cast.editor, article_id)
    app.approve(cast.editor, article_id)
    app.publish(cast.editor, article_id, embargo_until=embargo_until)
    return article_id


def documents(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [json.loads(body) for body in receiver.deliveries.values()]


def by_article(receiver: WebhookReceiver, article_id: UUID) -> list[dict[str, Any]]:
    return [d for d in documents(receiver) if str(article_id) in d["uri"]]


def arrival(receiver: WebhookReceiver, webhook_id: str, mono0: float,
            wall0: datetime) -> datetime:
    (request,) = [r for r in receiver.requests if r.webhook_id == webhook_id]
    return wall0 + timedelta(seconds=request.at - mono0)


def test_early_contracts_get_it_at_once_and_the_rest_when_the_editor_breaks_the_embargo(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    mono0, wall0 = time.monotonic(), datetime.now(UTC)
    cast = make_cast(services)
    app = services.app
    client = create_app(services).test_client()
    editor_token = app.issue_token("eddie", 1)[0]
    early_secret, held_secret = generate_secret(), generate_secret()
    embargo = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    with WebhookReceiver(early_secret) as early, WebhookReceiver(held_secret) as held:
        subscribe(services, cast, "Early partner", early, early_secret, early=True)
        subscribe(services, cast, "Partner", held, held_secret)
        drop = tmp_path / "early-drop"
        drop.mkdir()
        app.add_subscriber(cast.admin, {"name": "Early archive", "transport": "file",
                                        "path": str(drop), "format": "newsml-g2",
                                        "languages": ["fr"], "early_embargo": True})
        story = publish(services, cast, "Budget adopté", embargo)
        # Broken before any worker ran: its deliveries must not be held at all.
        broken_first = publish(services, cast, "Budget reporté", embargo)
        app.release_embargo(cast.editor, broken_first, "Annoncé en conférence de presse.")

        with worker_and_dispatcher(env, services) as worker:
            wait_for(lambda: len(early.deliveries) == 2 and len(held.deliveries) == 1
                     and len(list(drop.glob("*.xml"))) == 2, 60,
                     "the early partner's two and the partner's already-public one",
                     worker.output)
            time.sleep(1.5)  # time enough for a wrongly released delivery to arrive
            assert by_article(held, story) == [], "delivered before the embargo ended"

            response = client.post(
                f"/api/v1/articles/{story}/release-embargo",
                headers={"Authorization": f"Bearer {editor_token}"},
                json={"reason": "Le ministère a publié les chiffres."})
            assert response.status_code == 200, response.get_json()
            released_at = datetime.now(UTC)
            wait_for(lambda: len(by_article(held, story)) == 1, 30,
                     "the held delivery after the release", worker.output)
        assert early.duplicates == held.duplicates == 0
        assert all(r.signature_ok for r in early.requests + held.requests)

    (early_copy,) = by_article(early, story)
    assert datetime.fromisoformat(early_copy["embargoedUntil"]) == embargo
    # The NewsML-G2 equivalent: itemMeta/embargoed, schema-valid.
    schema = newsml_schema()
    items = [etree.fromstring(path.read_bytes()) for path in drop.glob("*.xml")]
    for item in items:
        schema.assertValid(item)
    (g2_story,) = [i for i in items if str(story) in str(i.get("guid"))]
    (embargoed,) = g2_story.xpath("./*[local-name()='itemMeta']/*[local-name()='embargoed']")
    assert datetime.fromisoformat(str(embargoed.text)) == embargo
    (held_copy,) = by_article(held, story)
    lifted = datetime.fromisoformat(held_copy["embargoedUntil"])
    assert lifted <= released_at, "the partner was told to hold a public story"
    held_id = next(k for k, body in held.deliveries.items()
                   if str(story) in json.loads(body)["uri"])
    delay = (arrival(held, held_id, mono0, wall0) - released_at).total_seconds()
    assert delay < 5, f"held delivery arrived {delay:.1f} s after the release"
    (held_first,) = by_article(held, broken_first)
    assert datetime.fromisoformat(held_first["embargoedUntil"]) < embargo
    # The delivery's own stream says why it went early.
    delivery = app.get_delivery(SYSTEM_ACTOR, UUID(held_id))
    assert delivery.state == "delivered" and delivery.due_at is None
    assert [type(e).__name__ for e in app.events.get(delivery.id)] == [
        "Planned", "Released", "Attempted", "Delivered"]


def test_a_failed_delivery_resent_by_the_admin_arrives_once_under_the_same_id(
    services: Services, env: dict[str, str]
) -> None:
    cast = make_cast(services)
    app = services.app
    flask_app = create_app(services, {"TESTING": True})
    secret = generate_secret()
    with WebhookReceiver(secret) as receiver:
        receiver.script(status(422, b'{"error":"unknown category"}'))
        subscribe(services, cast, "Partner", receiver, secret)
        story = publish(services, cast, "Budget adopté")
        with worker_and_dispatcher(env, services) as worker:
            def failed() -> list[Any]:
                services.projections.catch_up("delivery_list")
                return [d for d in _deliveries(services, story) if d["status"] == "failed"]

            wait_for(lambda: bool(failed()), 60, "the refused delivery", worker.output)
            (row,) = failed()
            assert receiver.deliveries == {}
            admin = ui_login(flask_app.test_client(), "adam")
            page = admin.get(f"/articles/{story}/deliveries").get_data(as_text=True)
            assert "unknown category" in page and "HTTP 422" in page
            assert f'action="/deliveries/{row["id"]}/resend"' in page
            response = admin.post(f"/deliveries/{row['id']}/resend",
                                  data={"csrf_token": csrf_of(admin)})
            assert response.status_code == 302
            wait_for(lambda: len(receiver.deliveries) == 1, 30, "the resent delivery",
                     worker.output)
            wait_for(lambda: app.get_delivery(SYSTEM_ACTOR, row["id"]).state
                     == "delivered", 10, "the delivery recorded as delivered")
    assert [r.webhook_id for r in receiver.requests] == [str(row["id"])] * 2
    assert receiver.duplicates == 0
    kinds = [type(e).__name__ for e in app.events.get(row["id"])]
    assert kinds == ["Planned", "Attempted", "Failed", "Resent", "Attempted", "Delivered"]
    # Its subscriber's failure count was cleared by the success.
    assert app.get_subscriber(cast.admin, row["subscriber_id"]).consecutive_failures == 0


def _deliveries(services: Services, article_id: UUID) -> list[Any]:
    from sqlalchemy import select

    from newsroom.projections.tables import deliveries

    with services.engine.connect() as conn:
        return list(conn.execute(select(deliveries).where(
            deliveries.c.article_id == article_id)).mappings().all())
