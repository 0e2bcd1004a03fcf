"""The deliveries table (editor's review page, the deliveries page auditors and admins
reach), the admin's resend, and the editor's breaking of an embargo, through the real
Flask app and store. The worker side of both is in test_syndication_release.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from conftest import Cast, csrf_of, ui_login
from flask import Flask
from flask.testing import FlaskClient

from newsroom.bootstrap import Services
from newsroom.domain.delivery import Delivery
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.web.localtime import local_datetime


def published(services: Services, cast: Cast, embargo_until: datetime | None = None) -> UUID:
    app = services.app
    article_id = app.create_article(cast.editor, headline="Le budget est adopté",
                                    body="Le conseil a voté.", language="fr").id
    app.submit(cast.editor, article_id)
    app.approve(cast.editor, article_id)
    app.publish(cast.editor, article_id, embargo_until=embargo_until)
    return article_id


def subscriber(services: Services, cast: Cast, name: str, **extra: Any) -> UUID:
    settings = {"name": name, "transport": "file", "path": name.lower(), "format": "ninjs",
                "languages": ["fr"], **extra}
    return services.app.add_subscriber(cast.admin, settings).id


def plan(services: Services, cast: Cast, article_id: UUID) -> dict[UUID, UUID]:
    """Plans the publication's deliveries; subscriber id -> delivery id."""
    app = services.app
    version = next(e.originator_version for e in app.events.get(article_id)
                   if type(e).__name__ == "Published")
    planned = app.plan_deliveries(article_id, version, {}, datetime.now(UTC))
    return {app.get_delivery(SYSTEM_ACTOR, d).subscriber_id: d for d in planned}


def attempt(services: Services, delivery: UUID, outcome: str, status: int | None,
            ms: int, excerpt: str = "", error: str = "") -> None:
    services.app.record_delivery_attempt(delivery, outcome=outcome, http_status=status,
                                         duration_ms=ms, excerpt=excerpt, error=error,
                                         give_up=False)


def refused_by_wire(services: Services, cast: Cast, error: str) -> tuple[UUID, UUID, UUID]:
    """An article published to one subscriber, Wire, which refused it for good (HTTP
    400): the article's, Wire's and the delivery's ids."""
    article_id = published(services, cast)
    wire = subscriber(services, cast, "Wire")
    delivery = plan(services, cast, article_id)[wire]
    attempt(services, delivery, "permanent", 400, 5, error=error)
    return article_id, wire, delivery


def local(services: Services, value: datetime) -> str:
    settings = services.settings
    return local_datetime(value, "en", settings.timezone, settings.locales)


def logged_in(flask_app: Flask, name: str) -> FlaskClient:
    return ui_login(flask_app.test_client(), name)


def event_times(services: Services, delivery: UUID, kind: type[Any]) -> list[datetime]:
    return [e.timestamp for e in services.app.events.get(delivery)  # type: ignore[attr-defined]
            if isinstance(e, kind)]


# ---- the table ---------------------------------------------------------------------------


def test_the_table_says_who_has_which_version_since_when_and_every_attempt(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    services = sqlite_services
    article_id = published(services, cast)
    good = subscriber(services, cast, "Wire")
    bad = subscriber(services, cast, "Gone")
    planned = plan(services, cast, article_id)
    attempt(services, planned[good], "transient", 503, 41, error="HTTP 503: busy")
    attempt(services, planned[good], "delivered", 200, 17, excerpt='{"ok":"merci"}')
    attempt(services, planned[bad], "permanent", 410, 9, excerpt="gone for good",
            error="HTTP 410: permanent")
    delivered_at = services.app.get_delivery(SYSTEM_ACTOR, planned[good]).delivered_at
    assert delivered_at is not None
    first_try = event_times(services, planned[good], Delivery.Attempted)[0]

    page = logged_in(flask_app, "eddie").get(f"/articles/{article_id}/review")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    table = text[text.index('id="deliveries-title"'):]
    holdings = table[table.index('class="holdings"'):table.index("Every delivery")]
    # What each subscriber has: Wire has revision 1 of fr since its delivery; Gone nothing.
    assert "Wire" in holdings and "Gone" not in holdings
    assert "revision 1" in holdings and local(services, delivered_at) in holdings
    rows = table[table.index('class="delivery-list"'):]
    wire = rows[rows.index(f'id="delivery-{planned[good]}"'):]
    wire = wire[:wire.index("</tr>")]
    assert "delivered" in wire
    assert local(services, first_try) in wire  # attempt times, in the newsroom's zone
    assert "HTTP 503" in wire and "41 ms" in wire and "HTTP 503: busy" in wire
    assert "HTTP 200" in wire and "17 ms" in wire and "{&#34;ok&#34;:&#34;merci&#34;}" in wire
    assert wire.index("HTTP 503") < wire.index("HTTP 200")  # in the order they happened
    gone = rows[rows.index(f'id="delivery-{planned[bad]}"'):]
    gone = gone[:gone.index("</tr>")]
    assert "failed" in gone and "HTTP 410: permanent" in gone and "gone for good" in gone
    assert "Resend" not in table  # editors see it; only admins resend
    assert "America/Toronto" in table


def test_auditors_and_admins_reach_the_deliveries_page_and_only_admins_resend(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    services = sqlite_services
    article_id, _, delivery = refused_by_wire(services, cast, "HTTP 400: bad request")
    auditor = logged_in(flask_app, "audrey")
    trail = auditor.get(f"/audit/articles/{article_id}").get_data(as_text=True)
    assert f'href="/articles/{article_id}/deliveries"' in trail
    seen = auditor.get(f"/articles/{article_id}/deliveries").get_data(as_text=True)
    assert "HTTP 400: bad request" in seen and "Resend" not in seen
    admin = logged_in(flask_app, "adam")
    page = admin.get(f"/articles/{article_id}/deliveries")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Le budget est adopté" in text
    assert f'action="/deliveries/{delivery}/resend"' in text


def test_an_admin_resends_a_failed_delivery_as_an_event(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    services = sqlite_services
    app = services.app
    article_id = published(services, cast)
    wire = subscriber(services, cast, "Wire")
    archive = subscriber(services, cast, "Archive")
    planned = plan(services, cast, article_id)
    attempt(services, planned[wire], "permanent", 400, 5, error="HTTP 400")
    attempt(services, planned[archive], "delivered", None, 3)
    admin = logged_in(flask_app, "adam")
    csrf = csrf_of(admin)
    editor = logged_in(flask_app, "eddie")
    assert editor.post(f"/deliveries/{planned[wire]}/resend",
                       data={"csrf_token": csrf_of(editor)}).status_code == 403
    assert admin.post(f"/deliveries/{planned[wire]}/resend", data={}).status_code == 400
    response = admin.post(f"/deliveries/{planned[wire]}/resend", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/{article_id}/deliveries"
    events = list(app.events.get(planned[wire]))
    resent = events[-1]
    assert type(resent).__name__ == "Resent"
    assert (resent.actor_id, resent.role) == (cast.admin.user_id, "admin")  # type: ignore[attr-defined]
    assert app.get_delivery(SYSTEM_ACTOR, planned[wire]).state == "pending"
    assert "queued to be sent again" in admin.get(response.headers["Location"]).get_data(
        as_text=True)
    # Pending or delivered: nothing to resend, said plainly, nothing written.
    for did in (planned[wire], planned[archive]):
        before = len(list(app.events.get(did)))
        refused = admin.post(f"/deliveries/{did}/resend", data={"csrf_token": csrf})
        assert refused.status_code == 409
        assert "only a failed delivery can be resent" in refused.get_data(as_text=True)
        assert len(list(app.events.get(did))) == before


def test_resending_to_a_suspended_subscriber_asks_to_resume_it_first(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    services = sqlite_services
    _, wire, delivery = refused_by_wire(services, cast, "HTTP 400")
    services.app.suspend_subscriber(cast.admin, wire, "Contract paused.")
    admin = logged_in(flask_app, "adam")
    csrf = csrf_of(admin)
    refused = admin.post(f"/deliveries/{delivery}/resend",
                         data={"csrf_token": csrf, "back": "subscriber"})
    assert refused.status_code == 409
    assert "resume Wire first" in refused.get_data(as_text=True).replace("Resume", "resume")
    services.app.resume_subscriber(cast.admin, wire)
    done = admin.post(f"/deliveries/{delivery}/resend",
                      data={"csrf_token": csrf, "back": "subscriber"})
    assert done.status_code == 302
    assert done.headers["Location"] == f"/admin/subscribers/{wire}"
    page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert "queued to be sent again" in page


# ---- breaking an embargo -----------------------------------------------------------------


def test_the_editor_breaks_an_embargo_with_a_reason_and_the_public_sees_it_at_once(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    services = sqlite_services
    app = services.app
    embargo = datetime.now(UTC) + timedelta(hours=2)
    article_id = published(services, cast, embargo)
    wire = subscriber(services, cast, "Wire")
    early = subscriber(services, cast, "Early", early_embargo=True)
    planned = plan(services, cast, article_id)
    assert app.get_delivery(SYSTEM_ACTOR, planned[wire]).due_at == embargo
    assert app.get_delivery(SYSTEM_ACTOR, planned[early]).due_at is None  # contract: early
    public = flask_app.test_client()
    assert public.get(f"/news/{article_id}").status_code == 404
    assert str(article_id) not in public.get("/feeds/fr.atom").get_data(as_text=True)
    assert str(article_id) not in public.get("/sitemap-news.xml").get_data(as_text=True)

    editor = logged_in(flask_app, "eddie")
    review = editor.get(f"/articles/{article_id}/review").get_data(as_text=True)
    assert "Break the embargo now" in review
    assert "held by the embargo until" in review  # Wire's delivery waits
    version = re.search(r'release-embargo">.*?name="expected_version" value="(\d+)"',
                        review, re.S)
    assert version
    csrf = csrf_of(editor)
    blank = editor.post(f"/articles/{article_id}/release-embargo", data={
        "csrf_token": csrf, "expected_version": version.group(1), "release_reason": "  "})
    assert blank.status_code == 422
    error = re.search(r'id="e-release_reason"[^>]*>(.*?)</p>', blank.get_data(as_text=True))
    assert error and "must not be empty" in error.group(1)
    assert app.get_article(cast.editor, article_id).is_embargoed(datetime.now(UTC))

    done = editor.post(f"/articles/{article_id}/release-embargo", data={
        "csrf_token": csrf, "expected_version": version.group(1),
        "release_reason": "The ministry published the figures at 9."})
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    after = editor.get(done.headers["Location"]).get_data(as_text=True)
    assert "lifted now" in after and "Break the embargo now" not in after
    assert "Embargo lifted early by an editor" in after
    assert "The ministry published the figures at 9." in after

    article = app.get_article(cast.editor, article_id)
    assert not article.is_embargoed(datetime.now(UTC))
    (event,) = [e for e in app.history(cast.auditor, article_id)
                if e.type == "ArticleEmbargoReleased"]
    assert event.role == "editor" and event.actor == "eddie"
    assert event.data["reason"] == "The ministry published the figures at 9."
    # From now on the public page, the feed and the sitemap carry it.
    assert public.get(f"/news/{article_id}").status_code == 200
    assert str(article_id) in public.get("/feeds/fr.atom").get_data(as_text=True)
    assert str(article_id) in public.get("/sitemap-news.xml").get_data(as_text=True)
    # The auditor's trail shows who broke it and why.
    trail = logged_in(flask_app, "audrey").get(f"/audit/articles/{article_id}")
    text = trail.get_data(as_text=True)
    assert "ArticleEmbargoReleased" in text and "The ministry published the figures" in text
    # Once over, there is nothing left to break.
    again = editor.post(f"/articles/{article_id}/release-embargo", data={
        "csrf_token": csrf, "expected_version": str(article.version),
        "release_reason": "again"})
    assert again.status_code == 422
    assert "no embargo running" in again.get_data(as_text=True)


def test_only_editors_may_break_an_embargo(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    article_id = published(sqlite_services, cast, datetime.now(UTC) + timedelta(hours=1))
    version = str(sqlite_services.app.get_article(cast.editor, article_id).version)
    for name in ("jane", "tina", "audrey", "adam"):
        client = logged_in(flask_app, name)
        response = client.post(f"/articles/{article_id}/release-embargo", data={
            "csrf_token": csrf_of(client), "expected_version": version,
            "release_reason": "I want it out"})
        assert response.status_code == 403, name
    assert sqlite_services.app.get_article(cast.editor, article_id).is_embargoed(
        datetime.now(UTC))


def test_partner_supplied_text_is_escaped_everywhere_it_shows(
    flask_app: Flask, sqlite_services: Services, cast: Cast
) -> None:
    """A subscriber's name and a receiver's response are outside text: never markup."""
    services = sqlite_services
    article_id = published(services, cast)
    # Names refuse tags at the door (plain text only); ampersands and quotes remain.
    evil = subscriber(services, cast, 'Tom & Jerry "Wire"')
    planned = plan(services, cast, article_id)
    attempt(services, planned[evil], "permanent", 400, 5,
            excerpt='<img src=x onerror=alert("excerpt")>', error="<b>bold</b> refusal")
    admin = logged_in(flask_app, "adam")
    for path in (f"/articles/{article_id}/deliveries", f"/admin/subscribers/{evil}",
                 "/admin/subscribers"):
        text = admin.get(path).get_data(as_text=True)
        assert "Tom &amp; Jerry &#34;Wire&#34;" in text, path
        assert "<img src=x" not in text and "<b>bold</b>" not in text, path
    page = admin.get(f"/articles/{article_id}/deliveries").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(&#34;excerpt&#34;)&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; refusal" in page
