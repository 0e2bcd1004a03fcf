"""The auditor's point-in-time screens, provenance of a partner's copy, and redaction
through the admin screen and the API, on the demo data."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from conftest import SHARED, ui_login
from flask import Flask
from flask.testing import FlaskClient

from newsroom import demo
from newsroom.bootstrap import Services
from newsroom.domain.article import Article
from newsroom.integrity.redactions import load_redactions

PARTNER_COPY = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.txt"


@pytest.fixture
def seeded(sqlite_services: Services) -> Services:
    demo.seed(sqlite_services.app)
    sqlite_services.projections.catch_up()
    return sqlite_services


def _login(flask_app: Flask, role: str) -> FlaskClient:
    return ui_login(flask_app.test_client(), role, demo.DEMO_PASSWORD)


def _csrf(client: FlaskClient) -> str:
    page = client.get("/welcome").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _house_published(services: Services) -> Any:
    return next(e for e in services.app.events.get(demo.HOUSE_ARTICLE_ID)
                if type(e) is Article.Published)


def _deliver_house_to_a_partner(services: Services) -> UUID:
    app = services.app
    admin = app.actor_for(app.find_user("admin"))
    partner = app.add_subscriber(admin, {
        "name": "Le Quotidien", "transport": "webhook", "url": "https://q.example/in",
        "format": "ninjs", "languages": ["fr"]}).id
    published = _house_published(services)
    for did in app.plan_deliveries(demo.HOUSE_ARTICLE_ID, published.originator_version, {},
                                   datetime.now(UTC)):
        app.record_delivery_attempt(did, outcome="delivered", http_status=200,
                                    duration_ms=5, excerpt="", error="", give_up=False)
    return partner


# ---- provenance -----------------------------------------------------------------------


def test_the_seed_is_traced_to_the_house_article_with_every_defect(
        seeded: Services) -> None:
    from newsroom.web import create_app

    flask_app = create_app(seeded, {"TESTING": True})
    partner = _deliver_house_to_a_partner(seeded)
    client = _login(flask_app, "auditor")
    copy = PARTNER_COPY.read_text(encoding="utf-8")
    page = client.post("/audit/provenance", data={"csrf_token": _csrf(client), "text": copy})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/audit/articles/{demo.HOUSE_ARTICLE_ID}" in html
    assert "Best match: fr source, revision 1" in html
    assert "Le Quotidien: delivered" in html
    diff = html[html.index('<div class="diff text-view">'):]
    # The typo, the dropped word, the doubled stop and the added boilerplate.
    assert "<del>KCNA</del><ins>KNCA</ins>" in diff
    assert "<del>France</del>" in diff
    assert "indo-pacifique.<ins> .</ins>" in diff
    assert "<ins>News Day FR" in diff
    assert re.search(r"<ins>[^<]*For Latest Updates Follow us on Google", diff)
    assert re.search(r"<ins>[^<]*Related News :", diff)
    # Uploading the same text and exporting it as JSON gives the same answer.
    exported = client.post("/audit/provenance?format=json", data={
        "csrf_token": _csrf(client),
        "file": (io.BytesIO(copy.encode("utf-8")), "copy.txt")},
        content_type="multipart/form-data")
    assert exported.status_code == 200
    best = json.loads(exported.get_data(as_text=True))["best"]
    assert (best["article_id"], best["language"], best["revision"]) == (
        str(demo.HOUSE_ARTICLE_ID), "fr", 1)
    assert best["score"] > 0.9 and best["confident"] is True
    assert [d["subscriber_id"] for d in best["delivered_to"]] == [str(partner)]
    assert best["delivered_to"][0]["delivered_at"]
    csv_page = client.post("/audit/provenance?format=csv",
                           data={"csrf_token": _csrf(client), "text": copy})
    assert csv_page.get_data(as_text=True).splitlines()[1].startswith("1,")
    # A text we never published: at most a weak candidate, flagged as such.
    unrelated = client.post("/audit/provenance", data={
        "csrf_token": _csrf(client),
        "text": "Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards."})
    assert unrelated.status_code == 200
    assert "No confident match" in unrelated.get_data(as_text=True) or \
        "None of our published versions" in unrelated.get_data(as_text=True)
    # The copy is shown back (textarea, diff) escaped.
    hostile = client.post("/audit/provenance", data={
        "csrf_token": _csrf(client),
        "text": copy + "\n<script>alert(1)</script><img src=x onerror=alert(2)>"})
    assert hostile.status_code == 200
    assert "<script>alert" not in hostile.get_data(as_text=True)
    assert "<img src=x" not in hostile.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)" in hostile.get_data(as_text=True)
    # Nothing to trace: a clear message, not a crash.
    empty = client.post("/audit/provenance", data={"csrf_token": _csrf(client), "text": " "})
    assert empty.status_code == 422 and "paste or upload" in empty.get_data(as_text=True)


def test_provenance_api(seeded: Services) -> None:
    from newsroom.web import create_app

    client = create_app(seeded, {"TESTING": True}).test_client()
    token, _ = seeded.app.issue_token("auditor", 1)
    auth = {"Authorization": f"Bearer {token}"}
    copy = PARTNER_COPY.read_text(encoding="utf-8")
    found = client.post("/api/v1/audit/provenance", headers=auth, json={"text": copy})
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["best"]["article_id"] == str(demo.HOUSE_ARTICLE_ID)
    editor, _ = seeded.app.issue_token("editor", 1)
    refused = client.post("/api/v1/audit/provenance",
                          headers={"Authorization": f"Bearer {editor}"}, json={"text": copy})
    assert refused.status_code == 403


# ---- the public page and the desk at a moment ---------------------------------------


def test_public_page_at_a_moment(seeded: Services) -> None:
    from newsroom.web import create_app

    flask_app = create_app(seeded, {"TESTING": True})
    _deliver_house_to_a_partner(seeded)
    client = _login(flask_app, "auditor")
    published = _house_published(seeded)
    at = (published.timestamp + timedelta(seconds=1)).isoformat()
    url = f"/audit/articles/{demo.HOUSE_ARTICLE_ID}/public-at"
    page = client.get(url, query_string={"at": at})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "public, revision 1" in html and "Soutien" in html
    assert "Le Quotidien" in html and " UTC" in html
    document = client.get(url, query_string={"at": at, "format": "json"}).get_json()
    assert document["languages"]["fr"]["status"] == "public"
    assert document["received"][0]["subscriber"] == "Le Quotidien"
    before = client.get(url, query_string={
        "at": (published.timestamp - timedelta(microseconds=1)).isoformat(),
        "format": "json"}).get_json()
    assert before["languages"]["fr"]["status"] == "not_published"
    assert before["languages"]["fr"]["why"] == "not yet published (state: approved)"
    assert client.get(url, query_string={"at": "2000-01-01T00:00"}).status_code == 422
    assert client.get(url, query_string={"at": "yesterday"}).status_code == 422
    csv_text = client.get(url, query_string={"at": at, "format": "csv"}).get_data(as_text=True)
    assert csv_text.startswith("section,language,kind,status")
    # The same through the API.
    token, _ = seeded.app.issue_token("auditor", 1)
    api = flask_app.test_client().get(f"/api/v1/audit/articles/{demo.HOUSE_ARTICLE_ID}/public",
                                      query_string={"at": at},
                                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.get_json()["languages"]["fr"]["revision"] == 1
    naive = flask_app.test_client().get(
        f"/api/v1/audit/articles/{demo.HOUSE_ARTICLE_ID}/public",
        query_string={"at": "2026-01-01T10:00"}, headers={"Authorization": f"Bearer {token}"})
    assert naive.status_code == 422


def test_desk_as_of_a_moment_page(seeded: Services) -> None:
    from newsroom.web import create_app

    flask_app = create_app(seeded, {"TESTING": True})
    client = _login(flask_app, "auditor")
    published = _house_published(seeded)
    at = (published.timestamp - timedelta(microseconds=1)).isoformat()
    document = client.get("/audit/desk-at", query_string={"at": at, "format": "json"}
                          ).get_json()
    states = {a["id"]: a["state"] for a in document["articles"]}
    assert states == {str(demo.SEED_ARTICLE_ID): "draft",
                      str(demo.HOUSE_ARTICLE_ID): "approved"}
    now = client.get("/audit/desk-at", query_string={"format": "json"}).get_json()
    assert {a["id"]: a["state"] for a in now["articles"]}[str(demo.HOUSE_ARTICLE_ID)] == \
        "published"
    page = client.get("/audit/desk-at", query_string={"at": at})
    assert page.status_code == 200 and "approved" in page.get_data(as_text=True)
    assert client.get("/audit/desk-at", query_string={"at": "nope"}).status_code == 422


# ---- redaction --------------------------------------------------------------------------


def test_redaction_through_the_admin_screen_shows_in_the_trail(seeded: Services) -> None:
    from newsroom.web import create_app

    flask_app = create_app(seeded, {"TESTING": True})
    admin = _login(flask_app, "admin")
    listing = admin.get("/admin/redactions", query_string={
        "article_id": str(demo.SEED_ARTICLE_ID)})
    assert listing.status_code == 200 and "Redact version 1" in listing.get_data(as_text=True)
    done = admin.post("/admin/redactions", data={
        "csrf_token": _csrf(admin), "article_id": str(demo.SEED_ARTICLE_ID), "version": "1",
        "reason": "Erasure request of a named person", "reference": "GDPR-2026-0042"},
        follow_redirects=True)
    assert "redacted under GDPR-2026-0042" in done.get_data(as_text=True)
    again = admin.post("/admin/redactions", data={
        "csrf_token": _csrf(admin), "article_id": str(demo.SEED_ARTICLE_ID), "version": "1",
        "reason": "again", "reference": "again"}, follow_redirects=True)
    assert "already redacted under GDPR-2026-0042" in again.get_data(as_text=True)
    records = load_redactions(seeded.app.recorder, seeded.app.mapper)
    assert list(records) == [(demo.SEED_ARTICLE_ID, 1)]
    auditor = _login(flask_app, "auditor")
    trail = auditor.get(f"/audit/articles/{demo.SEED_ARTICLE_ID}").get_data(as_text=True)
    assert "RedactionRecorded" in trail and "GDPR-2026-0042" in trail
    assert "KNCA" not in trail  # the wire copy's text is gone from the trail too
    timeline = auditor.get(f"/audit/articles/{demo.SEED_ARTICLE_ID}/timeline.svg")
    assert timeline.status_code == 200
    public = auditor.get(f"/audit/articles/{demo.SEED_ARTICLE_ID}/public-at").get_data(
        as_text=True)
    assert "GDPR-2026-0042" in public and "by admin (admin)" in public


def test_redaction_api(seeded: Services) -> None:
    from newsroom.web import create_app

    client = create_app(seeded, {"TESTING": True}).test_client()

    def auth(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {seeded.app.issue_token(name, 1)[0]}"}

    body = {"article_id": str(demo.SEED_ARTICLE_ID), "version": 1, "reason": "Court order",
            "reference": "C-77"}
    assert client.post("/api/v1/audit/redactions", json=body).status_code == 401
    assert client.post("/api/v1/audit/redactions", json=body,
                       headers=auth("auditor")).status_code == 403
    missing = client.post("/api/v1/audit/redactions", headers=auth("admin"),
                          json={**body, "article_id": "00000000-0000-0000-0000-000000000099"})
    assert missing.status_code == 404
    bad = client.post("/api/v1/audit/redactions", headers=auth("admin"),
                      json={**body, "version": "one"})
    assert bad.status_code == 422
    created = client.post("/api/v1/audit/redactions", headers=auth("admin"), json=body)
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert (record["version"], record["event"], record["reference"]) == (1, "ArticleCreated",
                                                                         "C-77")
    again = client.post("/api/v1/audit/redactions", headers=auth("admin"),
                        json={**body, "reference": "C-78"})
    assert again.status_code == 200 and again.get_json()["resumed"] is True
    assert again.get_json()["reference"] == "C-77"  # the recorded one stands
    listed = client.get("/api/v1/audit/redactions", headers=auth("auditor"))
    assert [r["id"] for r in listed.get_json()] == [record["id"]]
    # Verify: the store still verifies, the event reported as redacted, not tampered.
    from newsroom.integrity.service import Integrity

    result = Integrity.of(seeded).verify()
    assert result.ok and result.first_bad is None, result.document()
    assert len(result.redacted) == 1 and str(demo.SEED_ARTICLE_ID) in json.dumps(
        result.redacted)
    history = client.get(f"/api/v1/articles/{demo.SEED_ARTICLE_ID}/history",
                         headers=auth("auditor")).get_json()
    assert history[-1]["type"] == "RedactionRecorded"
    assert history[0]["data"]["body"] == "[redacted: C-77]"
