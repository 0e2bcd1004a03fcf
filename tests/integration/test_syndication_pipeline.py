"""Syndication end to end on Redis with a real worker: a published article reaches a
signed webhook receiver (ninjs) and a file drop (NewsML-G2), schema-valid; the
correction and the kill notice follow to both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_cast
from lxml import etree
from pipeline import (
    empty_redis_or_skip,
    services_for,
    wait_for,
    webhook_env,
    worker_and_dispatcher,
)
from receivers import WebhookReceiver
from unit.test_formats_newsml import newsml_schema
from unit.test_formats_ninjs import ninjs_validator

from newsroom.bootstrap import Services
from newsroom.webhook_secrets import generate_secret


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = "redis://127.0.0.1:6379/13"
    empty_redis_or_skip(url)
    return webhook_env(tmp_path / "var", url)


@pytest.fixture
def services(env: dict[str, str]) -> Iterator[Services]:
    services = services_for(env)
    yield services
    services.close()


def test_publication_correction_and_kill_reach_every_subscriber(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    cast = make_cast(services)
    app = services.app
    drop = tmp_path / "drop"
    drop.mkdir()
    secret = generate_secret()
    ninjs_schema, g2_schema = ninjs_validator(), newsml_schema()
    with WebhookReceiver(secret) as receiver:
        app.add_subscriber(cast.admin, {"name": "Webhook partner", "transport": "webhook",
                                        "url": receiver.url, "secret": secret,
                                        "format": "ninjs", "languages": ["fr"]})
        app.add_subscriber(cast.admin, {"name": "Archive", "transport": "file",
                                        "path": str(drop), "format": "newsml-g2"})
        article_id = app.create_article(
            cast.editor, headline="Séoul répond aux critiques", language="fr",
            body="La Corée du Nord a qualifié jeudi les critiques d’irresponsables.").id
        app.submit(cast.editor, article_id)
        app.approve(cast.editor, article_id)
        app.publish(cast.editor, article_id)

        with worker_and_dispatcher(env, services) as worker:
            wait_for(lambda: len(receiver.deliveries) == 1 and len(list(drop.glob("*.xml")))
                     == 1, 60, "the first publication", worker.output)
            app.correct(cast.editor, article_id,
                        {"body": "La Corée du Nord a rejeté jeudi les critiques."},
                        "Le verbe de la première phrase a été corrigé.")
            wait_for(lambda: len(receiver.deliveries) == 2 and len(list(drop.glob("*.xml")))
                     == 2, 60, "the correction", worker.output)
            app.retract(cast.editor, article_id, "Dépêche retirée à la demande de l’agence.")
            wait_for(lambda: len(receiver.deliveries) == 3 and len(list(drop.glob("*.xml")))
                     == 3, 60, "the kill notice", worker.output)

        assert receiver.duplicates == 0
        assert all(r.signature_ok for r in receiver.requests)
        documents: list[dict[str, Any]] = [json.loads(b) for b in receiver.deliveries.values()]
    for document in documents:
        assert not list(ninjs_schema.iter_errors(document)), document
    by_version = {(d["version"], d["pubStatus"]): d for d in documents}
    assert set(by_version) == {("1", "usable"), ("2", "usable"), ("2", "canceled")}
    assert "corrigé" in by_version[("2", "usable")]["edNote"]
    assert "rejeté" in by_version[("2", "usable")]["bodies"][0]["value"]
    assert "retirée" in by_version[("2", "canceled")]["edNote"]
    statuses = []
    for path in drop.glob("*.xml"):
        root = etree.fromstring(path.read_bytes())
        g2_schema.assertValid(root)
        statuses.append(root.find(".//{*}pubStatus").get("qcode"))
    assert sorted(statuses) == ["stat:canceled", "stat:usable", "stat:usable"]
    services.projections.catch_up("delivery_list")
    from sqlalchemy import select

    from newsroom.projections.tables import deliveries

    with services.engine.connect() as conn:
        rows = conn.execute(select(deliveries.c.kind, deliveries.c.status)).all()
    from newsroom.web import create_app

    client = create_app(services).test_client()
    token = app.issue_token("audrey", 1)[0]
    listed = client.get(f"/api/v1/articles/{article_id}/deliveries",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert {(d["subscriber"]["name"], d["kind"], d["status"]) for d in listed} == {
        (name, kind, "delivered") for name in ("Webhook partner", "Archive")
        for kind in ("publication", "correction", "kill")}
    assert all(d["delivered_at"] for d in listed)
    assert sorted(rows) == sorted([("publication", "delivered")] * 2
                                  + [("correction", "delivered")] * 2
                                  + [("kill", "delivered")] * 2)


def test_scheduled_publication_fires_and_embargoed_deliveries_wait(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    """No web request needed: the timer task publishes at the scheduled time, and a
    delivery under embargo arrives only after the embargo, and soon after it."""
    import time
    from datetime import UTC, datetime, timedelta

    # Receipt times are monotonic; map them to wall-clock through one shared instant.
    mono0, wall0 = time.monotonic(), datetime.now(UTC)
    cast = make_cast(services)
    app = services.app
    secret = generate_secret()
    with WebhookReceiver(secret) as receiver:
        app.add_subscriber(cast.admin, {"name": "Partner", "transport": "webhook",
                                        "url": receiver.url, "secret": secret,
                                        "format": "ninjs", "languages": ["fr"]})
        scheduled = app.create_article(cast.editor, headline="Budget à 17 h", language="fr",
                                       body="Le conseil vote le budget.").id
        app.submit(cast.editor, scheduled)
        app.approve(cast.editor, scheduled)
        publish_at = datetime.now(UTC) + timedelta(seconds=3)
        embargo = publish_at + timedelta(seconds=3)
        app.publish(cast.editor, scheduled, at=publish_at, embargo_until=embargo)
        assert app.get_article(cast.editor, scheduled).state == "approved"

        with worker_and_dispatcher(env, services) as worker:
            wait_for(lambda: app.get_article(cast.editor, scheduled).state == "published",
                     20, "the scheduled publication", worker.output)
            published = app.get_article(cast.editor, scheduled)
            assert published.first_published_at is not None
            assert published.first_published_at >= publish_at
            assert published.embargo_until == embargo
            wait_for(lambda: len(receiver.deliveries) == 1, 30, "the embargoed delivery",
                     worker.output)
    arrivals = [wall0 + timedelta(seconds=r.at - mono0) for r in receiver.requests]
    assert min(arrivals) >= embargo, "a request arrived before the embargo passed"
    assert (max(arrivals) - embargo).total_seconds() < 5, "not delivered within 5 s after"
