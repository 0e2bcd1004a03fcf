"""The two admin/editor syndication actions through the JSON API: an admin resends a
failed delivery (`POST /deliveries/{id}/resend`), an editor breaks an embargo early
(`POST /articles/{id}/release-embargo`). Order of checks: authentication, permission,
existence, input, state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from conftest import Cast
from flask.testing import FlaskClient

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR

API = "/api/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def published(services: Services, cast: Cast, embargo_until: datetime | None = None) -> UUID:
    app = services.app
    article_id = app.create_article(cast.editor, headline="Titre", body="Texte.",
                                    language="fr").id
    app.submit(cast.editor, article_id)
    app.approve(cast.editor, article_id)
    app.publish(cast.editor, article_id, embargo_until=embargo_until)
    return article_id


def failed_delivery(services: Services, cast: Cast) -> UUID:
    app = services.app
    app.add_subscriber(cast.admin, {"name": "Wire", "transport": "file", "path": "wire",
                                    "format": "ninjs"})
    article_id = published(services, cast)
    version = app.get_article(cast.editor, article_id).version
    (delivery,) = app.plan_deliveries(article_id, version, {}, datetime.now(UTC))
    app.record_delivery_attempt(delivery, outcome="permanent", http_status=404,
                                duration_ms=3, excerpt="", error="HTTP 404", give_up=False)
    return delivery


def test_an_admin_resends_a_failed_delivery(
    client: FlaskClient, tokens: dict[str, str], sqlite_services: Services, cast: Cast
) -> None:
    delivery = failed_delivery(sqlite_services, cast)
    path = f"{API}/deliveries/{delivery}/resend"
    assert client.post(path).status_code == 401
    for role in ("journalist", "editor", "translator", "auditor"):
        assert client.post(path, headers=auth(tokens[role])).status_code == 403, role
    assert client.post(f"{API}/deliveries/{uuid4()}/resend",
                       headers=auth(tokens["admin"])).status_code == 404
    assert client.post(f"{API}/deliveries/not-an-id/resend",
                       headers=auth(tokens["admin"])).status_code == 404
    response = client.post(path, headers=auth(tokens["admin"]))
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["id"] == str(delivery) and body["state"] == "pending"
    events = list(sqlite_services.app.events.get(delivery))
    assert type(events[-1]).__name__ == "Resent"
    assert events[-1].role == "admin"  # type: ignore[attr-defined]
    again = client.post(path, headers=auth(tokens["admin"]))
    assert again.status_code == 409
    assert again.get_json()["error"]["details"]["state"] == "pending"


def test_an_editor_breaks_an_embargo_with_a_reason(
    client: FlaskClient, tokens: dict[str, str], sqlite_services: Services, cast: Cast
) -> None:
    embargo = datetime.now(UTC) + timedelta(hours=1)
    article_id = published(sqlite_services, cast, embargo)
    path = f"{API}/articles/{article_id}/release-embargo"
    reason = {"reason": "Announced by the ministry."}
    assert client.post(path, json=reason).status_code == 401
    for role in ("journalist", "translator", "auditor", "admin"):
        assert client.post(path, headers=auth(tokens[role]), json=reason).status_code == 403
    editor = auth(tokens["editor"])
    assert client.post(f"{API}/articles/{uuid4()}/release-embargo", headers=editor,
                       json=reason).status_code == 404
    missing = client.post(path, headers=editor, json={})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["details"]["fields"] == ["reason"]
    assert client.post(path, headers=editor, json={"reason": "  "}).status_code == 422
    before = client.get(f"{API}/articles/{article_id}", headers=editor).get_json()
    assert before["publication"]["fr"]["embargo_until"] == embargo.isoformat().replace(
        "+00:00", "Z")
    stale = client.post(path, headers={**editor, "If-Match": '"1"'}, json=reason)
    assert stale.status_code == 412
    response = client.post(path, headers=editor, json=reason)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "published"
    after = client.get(f"{API}/articles/{article_id}", headers=editor).get_json()
    lifted = datetime.fromisoformat(after["publication"]["fr"]["embargo_until"])
    assert lifted <= datetime.now(UTC)  # the embargo ended at the release
    history = client.get(f"{API}/articles/{article_id}/history",
                         headers=auth(tokens["auditor"])).get_json()
    (event,) = [e for e in history if e["type"] == "ArticleEmbargoReleased"]
    assert event["actor"] == "eddie" and event["role"] == "editor"
    assert event["data"]["reason"] == "Announced by the ministry."
    again = client.post(path, headers=editor, json=reason)
    assert again.status_code == 409
    assert "no embargo running" in again.get_json()["error"]["message"]
    assert client.get(f"/news/{article_id}").status_code == 200


def test_an_article_without_an_embargo_has_nothing_to_release(
    client: FlaskClient, tokens: dict[str, str], sqlite_services: Services, cast: Cast
) -> None:
    article_id = published(sqlite_services, cast)
    response = client.post(f"{API}/articles/{article_id}/release-embargo",
                           headers=auth(tokens["editor"]), json={"reason": "why not"})
    assert response.status_code == 409
    assert sqlite_services.app.get_article(SYSTEM_ACTOR, article_id).embargo_released_at is None


def test_held_deliveries_are_released_and_the_read_models_rebuild_the_same(
    any_services: Services
) -> None:
    """On both stores: the release makes the held deliveries due (one save, idempotent),
    leaves the early one alone, and the read models it touches rebuild to the same rows."""
    from conftest import make_cast
    from sqlalchemy import select

    from newsroom.projections.tables import article_summaries, deliveries, publications

    services = any_services
    cast = make_cast(services)
    app = services.app
    for name, early in (("Wire", False), ("Early", True)):
        app.add_subscriber(cast.admin, {"name": name, "transport": "file", "path": name,
                                        "format": "ninjs", "early_embargo": early})
    article_id = published(services, cast, datetime.now(UTC) + timedelta(hours=1))
    version = app.get_article(cast.editor, article_id).version
    planned = app.plan_deliveries(article_id, version, {}, datetime.now(UTC))
    held = [d for d in planned if app.get_delivery(SYSTEM_ACTOR, d).due_at is not None]
    assert len(planned) == 2 and len(held) == 1
    # Still embargoed: nothing is released, whoever asks.
    assert app.release_held_deliveries(article_id, planned, datetime.now(UTC)) == []
    app.release_embargo(cast.editor, article_id, "Out elsewhere.")
    assert app.release_held_deliveries(article_id, planned, datetime.now(UTC)) == held
    assert app.release_held_deliveries(article_id, planned, datetime.now(UTC)) == []
    assert app.get_delivery(SYSTEM_ACTOR, held[0]).due_at is None

    def rows() -> list[Any]:
        found = []
        with services.engine.connect() as conn:
            for table in (deliveries, publications, article_summaries):
                found.append(sorted(tuple(r) for r in conn.execute(select(table)).all()))
        return found

    for name in ("delivery_list", "publications", "article_list"):
        services.projections.catch_up(name)
    live = rows()
    with services.engine.connect() as conn:
        (due,) = conn.execute(select(deliveries.c.due_at)
                              .where(deliveries.c.id == held[0])).scalars().all()
        (embargo,) = conn.execute(select(publications.c.embargo_until)
                                  .where(publications.c.article_id == article_id)).scalars().all()
        (listed,) = conn.execute(select(article_summaries.c.embargo_until)
                                 .where(article_summaries.c.id == article_id)).scalars().all()
    assert due is None
    # The public rows and the desk list both say the embargo ended at the release.
    assert embargo is not None and embargo.replace(tzinfo=UTC) <= datetime.now(UTC)
    assert listed is not None and listed.replace(tzinfo=UTC) == embargo.replace(tzinfo=UTC)
    for name in ("delivery_list", "publications", "article_list"):
        services.projections.rebuild(name)
    assert rows() == live
