"""Admin screens for subscribers through the real Flask app and store: list, add
(webhook with a generated or given secret, file drop), edit, suspend and resume, each
an audited event; validation next to the fields; the SSRF guard's refusal; CSRF;
auditors read only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient
from sqlalchemy import select

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.subscriber import SUSPEND_AFTER
from newsroom.projections.tables import audit_trail
from newsroom.webhook_secrets import generate_secret, parse_secret

# A public address literal: accepted without DNS (CI has none), never contacted here.
PUBLIC_HOOK = "https://93.184.216.34/hook"
SECRET_FIELD = re.compile(r'id="new-secret-text"[^>]*value="([^"]+)"')


def admin(client: FlaskClient) -> str:
    ui_login(client, "adam")
    return csrf_of(client)


def form(csrf: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"csrf_token": csrf, "name": "Agence Partenaire",
                            "transport": "webhook", "url": PUBLIC_HOOK, "secret": "",
                            "path": "", "format": "ninjs", "languages": ["fr", "es"],
                            "other_languages": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def only_subscriber(services: Services) -> Any:
    (subscriber,) = list(services.app.subscribers(SYSTEM_ACTOR))
    return subscriber


def field_error(page: str, name: str) -> str:
    match = re.search(rf'id="e-{name}"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no error shown next to {name}"
    return match.group(1)


def test_webhook_subscriber_with_a_generated_secret_shown_once(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    csrf = admin(client)
    response = client.post("/admin/subscribers", data=form(
        csrf, early_embargo="on", other_languages="pt-BR"))
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    page = response.get_data(as_text=True)
    match = SECRET_FIELD.search(page)
    assert match, "the generated secret is not on the page"
    secret = match.group(1)
    assert len(parse_secret(secret)) == 32
    subscriber = only_subscriber(sqlite_services)
    assert subscriber.secret == secret
    assert (subscriber.transport, subscriber.url, subscriber.format) == (
        "webhook", PUBLIC_HOOK, "ninjs")
    assert subscriber.languages == ["fr", "es", "pt-BR"]
    assert subscriber.early_embargo is True
    # Never again: neither the detail page nor the list shows it.
    detail = client.get(f"/admin/subscribers/{subscriber.id}").get_data(as_text=True)
    assert secret not in detail and secret not in client.get("/admin/subscribers").get_data(
        as_text=True)
    assert "Agence Partenaire" in client.get("/admin/subscribers").get_data(as_text=True)


def test_a_given_secret_and_a_file_drop_redirect_to_the_detail_page(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    csrf = admin(client)
    secret = generate_secret()
    response = client.post("/admin/subscribers", data=form(csrf, secret=secret))
    assert response.status_code == 302
    subscriber = only_subscriber(sqlite_services)
    assert response.headers["Location"] == f"/admin/subscribers/{subscriber.id}"
    assert subscriber.secret == secret and subscriber.early_embargo is False
    drop = client.post("/admin/subscribers", data=form(
        csrf, name="Archive", transport="file", url="", path="archive-drop",
        format="newsml-g2", languages=[]))
    assert drop.status_code == 302
    archive = next(s for s in sqlite_services.app.subscribers(SYSTEM_ACTOR)
                   if s.name == "Archive")
    assert (archive.transport, archive.path, archive.format, archive.languages) == (
        "file", "archive-drop", "newsml-g2", [])
    page = client.get(drop.headers["Location"]).get_data(as_text=True)
    assert "Subscriber Archive added." in page


def test_every_mistake_is_shown_next_to_its_field_and_nothing_is_saved(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    csrf = admin(client)
    response = client.post("/admin/subscribers", data=form(
        csrf, name="  ", url="", secret="not-a-secret", format="rss",
        other_languages="fr_FR!"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "name" in field_error(page, "name").lower()
    assert "https URL" in field_error(page, "url")
    assert "whsec_" in field_error(page, "secret")
    assert "ninjs" in field_error(page, "format")
    assert field_error(page, "languages")
    assert 'aria-invalid="true"' in page
    file_drop = client.post("/admin/subscribers", data=form(csrf, transport="file", url=""))
    assert file_drop.status_code == 422
    assert "directory" in field_error(file_drop.get_data(as_text=True), "path")
    assert list(sqlite_services.app.subscribers(SYSTEM_ACTOR)) == []


def test_the_ssrf_guard_refuses_private_loopback_and_metadata_targets_clearly(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    csrf = admin(client)
    cases = {
        "https://127.0.0.1/hook": "loopback",
        "https://10.1.2.3/hook": "private",
        "https://169.254.169.254/latest/meta-data": "metadata",
        "https://[::1]/hook": "loopback",
        "http://93.184.216.34/hook": "https",
    }
    for url, why in cases.items():
        response = client.post("/admin/subscribers", data=form(csrf, url=url))
        assert response.status_code == 422, url
        page = response.get_data(as_text=True)
        message = field_error(page, "url")
        assert message.startswith("Refused by the SSRF guard"), message
        assert why in message, (url, message)
        assert f'value="{url}"' in page  # kept as typed, to correct it
    assert list(sqlite_services.app.subscribers(SYSTEM_ACTOR)) == []


def test_forms_without_the_csrf_token_are_refused(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    admin(client)
    data = form("")
    del data["csrf_token"]
    assert client.post("/admin/subscribers", data=data).status_code == 400
    sid = sqlite_services.app.add_subscriber(cast.admin, {
        "name": "P", "transport": "file", "path": "p", "format": "ninjs"}).id
    for path in ("", "/suspend", "/resume"):
        assert client.post(f"/admin/subscribers/{sid}{path}",
                           data={"reason": "x", "name": "Q"}).status_code == 400
    assert sqlite_services.app.get_subscriber(cast.admin, sid).version == 1


def test_edit_suspend_and_resume_are_events_in_the_audit_trail(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    csrf = admin(client)
    app = sqlite_services.app
    sid = app.add_subscriber(cast.admin, {
        "name": "Partner", "transport": "webhook", "url": PUBLIC_HOOK,
        "secret": generate_secret(), "format": "ninjs", "languages": ["fr"]}).id
    before = app.get_subscriber(cast.admin, sid)
    edited = client.post(f"/admin/subscribers/{sid}", data=form(
        csrf, name="Partner Inc.", format="newsml-g2", languages=["fr", "en"],
        expected_version=str(before.version)))
    assert edited.status_code == 302, edited.get_data(as_text=True)[:2000]
    after = app.get_subscriber(cast.admin, sid)
    assert (after.name, after.format, after.languages) == ("Partner Inc.", "newsml-g2",
                                                           ["fr", "en"])
    assert after.secret == before.secret  # an empty secret field keeps the secret
    # A stale form (someone saved first) is refused, not silently merged.
    stale = client.post(f"/admin/subscribers/{sid}", data=form(
        csrf, name="Old name", expected_version=str(before.version)))
    assert stale.status_code == 409
    assert "Someone changed this subscriber" in stale.get_data(as_text=True)
    no_reason = client.post(f"/admin/subscribers/{sid}/suspend",
                            data={"csrf_token": csrf, "reason": " "})
    assert no_reason.status_code == 422
    assert field_error(no_reason.get_data(as_text=True), "reason")
    suspended = client.post(f"/admin/subscribers/{sid}/suspend",
                            data={"csrf_token": csrf, "reason": "Invoice unpaid."})
    assert suspended.status_code == 302
    page = client.get(f"/admin/subscribers/{sid}").get_data(as_text=True)
    assert "Suspended:</strong> Invoice unpaid." in page
    resumed = client.post(f"/admin/subscribers/{sid}/resume", data={"csrf_token": csrf})
    assert resumed.status_code == 302
    assert app.get_subscriber(cast.admin, sid).state == "active"
    again = client.post(f"/admin/subscribers/{sid}/resume", data={"csrf_token": csrf})
    assert again.status_code == 409

    sqlite_services.projections.catch_up("audit_trail")
    with sqlite_services.engine.connect() as conn:
        rows = conn.execute(select(audit_trail.c.type, audit_trail.c.actor_id,
                                   audit_trail.c.role, audit_trail.c.data)
                            .where(audit_trail.c.subject_id == sid)
                            .order_by(audit_trail.c.position)).all()
    assert [r.type for r in rows] == ["SubscriberCreated", "SubscriberUpdated",
                                      "SubscriberSuspended", "SubscriberResumed"]
    assert {(r.actor_id, r.role) for r in rows} == {(cast.admin.user_id, "admin")}
    assert rows[1].data["changes"] == {"name": "Partner Inc.", "format": "newsml-g2",
                                       "languages": ["fr", "en"]}
    assert rows[2].data["reason"] == "Invoice unpaid."
    assert all("secret" not in str(r.data) for r in rows)
    # The page's history shows them too, with who did it; the auditor's user trail
    # links each one to the subscriber.
    history = client.get(f"/admin/subscribers/{sid}").get_data(as_text=True)
    for kind in ("SubscriberCreated", "SubscriberUpdated", "SubscriberSuspended",
                 "SubscriberResumed"):
        assert kind in history
    auditor = client.application.test_client()
    ui_login(auditor, "audrey")
    trail = auditor.get(f"/audit/users/{cast.admin.user_id}").get_data(as_text=True)
    assert trail.count(f'href="/admin/subscribers/{sid}"') == 4


def test_a_suspension_after_failures_says_why_with_the_last_failures(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    app = sqlite_services.app
    sid = app.add_subscriber(cast.admin, {"name": "Flaky", "transport": "file",
                                          "path": "flaky", "format": "ninjs"}).id
    for n in range(SUSPEND_AFTER):
        article = app.create_article(cast.editor, headline=f"Dépêche {n}", body="Texte.",
                                     language="fr").id
        app.submit(cast.editor, article)
        app.approve(cast.editor, article)
        app.publish(cast.editor, article)
        version = app.get_article(cast.editor, article).version
        (delivery,) = app.plan_deliveries(article, version, {}, datetime.now(UTC))
        app.record_delivery_attempt(delivery, outcome="permanent", http_status=None,
                                    duration_ms=2, excerpt="", error=f"disk full ({n})",
                                    give_up=False)
    assert app.get_subscriber(cast.admin, sid).state == "suspended"
    admin(client)
    listing = client.get("/admin/subscribers").get_data(as_text=True)
    row = listing[listing.index("Flaky"):]
    row = row[:row.index("</tr>")]
    assert "suspended" in row and "in a row failed permanently" in row and "disk full (4)" in row
    detail = client.get(f"/admin/subscribers/{sid}").get_data(as_text=True)
    failures = detail[detail.index("Latest permanent failures"):detail.index("Latest deliveries")]
    for n in range(SUSPEND_AFTER):
        assert f"disk full ({n})" in failures
        assert f"Dépêche {n}" in failures  # each failure names its story, linked
    assert failures.index("disk full (4)") < failures.index("disk full (0)")  # newest first
    assert "Resume</button>" in detail


def test_auditors_see_subscribers_but_no_form(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    sid: UUID = sqlite_services.app.add_subscriber(cast.admin, {
        "name": "Partner", "transport": "file", "path": "p", "format": "ninjs"}).id
    ui_login(client, "audrey")
    listing = client.get("/admin/subscribers")
    assert listing.status_code == 200
    assert "Partner" in listing.get_data(as_text=True)
    assert "<form method=\"post\" action=\"/admin/subscribers\"" not in listing.get_data(
        as_text=True)
    detail = client.get(f"/admin/subscribers/{sid}").get_data(as_text=True)
    assert "Suspend</button>" not in detail and "Save settings" not in detail
    assert "SubscriberCreated" in detail
