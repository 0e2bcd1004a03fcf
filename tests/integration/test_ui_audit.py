"""Auditor screens through the Flask client: trail (names, local and UTC times), diff,
as-of a version or a moment, the timeline picture, exports, and read-only access."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from uuid import UUID

import pytest
from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from newsroom.bootstrap import Services
from newsroom.web.localtime import local_datetime

ORIGINAL = "Le conseil adopte le budget"
REVISED = "Le conseil municipal adopte le budget"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")
BODY_3 = BODY.replace("mardi", "lundi")
ES_HEADLINE = "El consejo municipal aprueba el presupuesto"
ES_BODY = ("El consejo municipal de Montréal aprobó el lunes un presupuesto de 6,8 mil "
           "millones de dólares.\n\nLa alcaldesa Valérie Plante se dijo satisfecha.")
SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Story:
    id: UUID
    versions: int


@pytest.fixture
def story(sqlite_services: Services, cast: Cast) -> Story:
    """v1 created by jane, v2 headline revised, v3 body revised, v4 submitted,
    v5 approved, v6 translation requested (es, filled by the system), v7 published."""
    app = sqlite_services.app
    aid = app.create_article(cast.journalist, headline=ORIGINAL, body=BODY, language="fr").id
    app.revise(cast.journalist, aid, {"headline": REVISED}, 1)
    app.revise(cast.journalist, aid, {"body": BODY_3}, 2)
    app.submit(cast.journalist, aid)
    app.approve(cast.editor, aid)
    app.request_translations(cast.editor, aid, ["es"])
    assert app.record_machine_translation(
        aid, "es", headline=ES_HEADLINE, body=ES_BODY, source_version=3, engine="test",
        engine_version="1", route=["fr-es"], duration_ms=1, unknown_words=[])
    app.publish(cast.editor, aid)
    return Story(aid, app.get_article(cast.editor, aid).version)


def _ok(response: TestResponse, status: int = 200) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:3000]
    return text


def _trail_json(client: FlaskClient, story: Story) -> dict[str, object]:
    response = client.get(f"/audit/articles/{story.id}?format=json")
    data: dict[str, object] = json.loads(_ok(response))
    return data


def test_index_lists_articles_with_links(client: FlaskClient, story: Story) -> None:
    ui_login(client, "audrey")
    text = _ok(client.get("/audit"))
    assert REVISED in text
    assert f"/audit/articles/{story.id}" in text
    assert 'class="exports"' in text
    assert "No articles yet" in _ok(client.get("/audit?page=99999999999999999999"))


def test_trail_shows_every_event_with_names_roles_and_both_times(
    client: FlaskClient, story: Story, sqlite_services: Services
) -> None:
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/articles/{story.id}"))
    for name in ("jane", "eddie", "system"):
        assert f">{name}</a>" in text
    for event in ("ArticleCreated", "ArticleRevised", "ArticleSubmitted", "ArticleApproved",
                  "TranslationRequested", "TranslationMachineTranslated", "ArticlePublished"):
        assert event in text
    assert "journalist" in text and "editor" in text
    # The changed headline is shown as a word diff.
    assert "Le conseil<ins> municipal</ins> adopte" in text
    assert "<del>mardi</del><ins>lundi</ins>" in text
    events = _trail_json(client, story)["events"]
    assert isinstance(events, list)
    first = events[0]
    at = datetime.fromisoformat(first["at"].replace("Z", "+00:00"))
    settings = sqlite_services.settings
    local = local_datetime(at, "en", settings.timezone, settings.locales)
    assert local in text
    assert at.strftime("%Y-%m-%d %H:%M:%S") + " UTC" in text
    assert f'src="/audit/articles/{story.id}/timeline.svg"' in text


def test_diff_between_versions(client: FlaskClient, story: Story) -> None:
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/articles/{story.id}/diff?from=1&to=3"))
    assert "<del>" in text and "<ins>" in text
    assert "<del>mardi</del><ins>lundi</ins>" in text
    assert 'name="from"' in text and 'name="to"' in text
    bad = _ok(client.get(f"/audit/articles/{story.id}/diff?from=99&to=3"), 422)
    assert 'class="field-error"' in bad and "versions run from 1 to" in bad


def test_as_of_a_version(client: FlaskClient, story: Story) -> None:
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/articles/{story.id}/as-of?version=1"))
    assert ORIGINAL in text.split('class="as-of-headline"')[1].split("</h2>")[0]
    assert "No translations at that point" in text
    # Version 6 requested the translation; it stood machine-translated until v7.
    six = _ok(client.get(f"/audit/articles/{story.id}/as-of?version=6"))
    assert ES_HEADLINE in six and "machine translated" in six
    now = _ok(client.get(f"/audit/articles/{story.id}/as-of"))
    assert REVISED in now and ES_HEADLINE in now
    assert 'type="datetime-local"' in now and "America/Toronto" in now
    bad = _ok(client.get(f"/audit/articles/{story.id}/as-of?version=0"), 422)
    assert "version: versions run from 1 to 7" in bad and "version: version:" not in bad


def test_as_of_a_moment(client: FlaskClient, story: Story, sqlite_services: Services) -> None:
    ui_login(client, "audrey")
    events = _trail_json(client, story)["events"]
    assert isinstance(events, list)
    created = datetime.fromisoformat(events[0]["at"].replace("Z", "+00:00"))
    zone = sqlite_services.settings.zone
    local = created.astimezone(zone).replace(tzinfo=None).isoformat()
    text = _ok(client.get(f"/audit/articles/{story.id}/as-of", query_string={"at": local}))
    headline = text.split('class="as-of-headline"')[1].split("</h2>")[0]
    assert ORIGINAL in headline
    later = (datetime.now(UTC) + timedelta(minutes=5)).astimezone(zone)
    text = _ok(client.get(f"/audit/articles/{story.id}/as-of",
                          query_string={"at": later.strftime("%Y-%m-%dT%H:%M")}))
    assert REVISED in text and ES_HEADLINE in text
    before = (created - timedelta(hours=1)).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    early = _ok(client.get(f"/audit/articles/{story.id}/as-of", query_string={"at": before}),
                422)
    assert "did not exist yet" in early
    garbage = _ok(client.get(f"/audit/articles/{story.id}/as-of?at=yesterday"), 422)
    assert "is not a date and time" in garbage
    _ok(client.get(f"/audit/articles/{story.id}/as-of?at=0001-01-01T00:00"), 422)
    assert "out of range" in _ok(
        client.get(f"/audit/articles/{story.id}/as-of?at=9999-12-31T23:59"), 422)


def test_timeline_svg_has_one_lane_per_language(client: FlaskClient, story: Story) -> None:
    ui_login(client, "audrey")
    response = client.get(f"/audit/articles/{story.id}/timeline.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.get_data())
    lanes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lane"]
    assert [g.get("data-language") for g in lanes] == ["fr", "es"]
    states = {r.get("data-state") for r in lanes[0].iter(f"{SVG}rect")} - {None}
    assert {"draft", "submitted", "approved", "published"} <= states
    assert {"requested", "machine_translated"} <= (
        {r.get("data-state") for r in lanes[1].iter(f"{SVG}rect")} - {None})


def _csv_rows(response: TestResponse) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _json(response: TestResponse) -> dict[str, object]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data: dict[str, object] = json.loads(response.get_data(as_text=True))
    return data


def test_every_auditor_page_exports_json_and_csv(
    client: FlaskClient, story: Story, cast: Cast
) -> None:
    ui_login(client, "audrey")
    base = f"/audit/articles/{story.id}"
    pages = ["/audit", base, f"{base}/diff?from=1&to=3", f"{base}/as-of?version=1",
             "/audit/users", f"/audit/users/{cast.editor.user_id}"]
    for page in pages:
        html = _ok(client.get(page))
        assert 'class="exports"' in html, page
        links = re.findall(r'<p class="exports">.*?</p>', html, re.DOTALL)[0]
        assert "format=json" in links and "format=csv" in links
        sep = "&" if "?" in page else "?"
        assert _json(client.get(f"{page}{sep}format=json")), page
        assert _csv_rows(client.get(f"{page}{sep}format=csv")), page

    index = _json(client.get("/audit?format=json"))
    assert [a["headline"] for a in index["articles"]] == [REVISED]  # type: ignore[index]
    trail = _json(client.get(f"{base}?format=json"))
    events = trail["events"]
    assert isinstance(events, list) and len(events) >= story.versions
    assert {e["actor"] for e in events} >= {"jane", "eddie", "system"}
    rows = _csv_rows(client.get(f"{base}?format=csv"))
    assert len(rows) == len(events)
    assert rows[0]["type"] == "ArticleCreated" and rows[0]["actor"] == "jane"
    assert rows[0]["at"].endswith("Z") and rows[0]["at_local"]
    diff = _csv_rows(client.get(f"{base}/diff?from=1&to=3&format=csv"))
    assert {r["field"]: r["changed"] for r in diff}["headline"] == "true"
    as_of = _json(client.get(f"{base}/as-of?version=1&format=json"))
    assert as_of["headline"] == ORIGINAL and as_of["version"] == 1
    assert _json(client.get(f"{base}/as-of?version=1&format=json"))
    assert client.get("/audit?format=xml").status_code == 400


def test_csv_exports_defuse_formulas(client: FlaskClient, sqlite_services: Services,
                                     cast: Cast) -> None:
    sqlite_services.app.create_article(cast.journalist, headline="=HYPERLINK(\"x\")",
                                       body="+1 -2 @3", language="fr")
    ui_login(client, "audrey")
    rows = _csv_rows(client.get("/audit?format=csv"))
    assert rows[0]["headline"] == "'=HYPERLINK(\"x\")"
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


def test_user_trail_shows_role_grants(client: FlaskClient, story: Story,
                                      sqlite_services: Services, cast: Cast) -> None:
    sqlite_services.app.set_roles(cast.admin, "joe", ["journalist", "translator"])
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/users/{cast.journalist2.user_id}"))
    assert "UserRoleGranted" in text and "translator" in text
    assert ">adam</a>" in text  # the admin who granted it
    assert "UserRegistered" in text and "(hidden)" in text  # no password hash shown
    mine = _ok(client.get(f"/audit/users/{cast.journalist.user_id}"))
    assert "ArticleCreated" in mine  # what jane did
    data = _json(client.get(f"/audit/users/{cast.journalist2.user_id}?format=json"))
    types = [e["type"] for e in data["account_events"]]  # type: ignore[attr-defined]
    assert "UserRoleGranted" in types
    assert _ok(client.get("/audit/users"))
    assert client.get(f"/audit/users/{UUID(int=5)}").status_code == 404


def test_auditor_pages_have_no_post_forms_and_refuse_posts(
    client: FlaskClient, story: Story, cast: Cast
) -> None:
    ui_login(client, "audrey")
    base = f"/audit/articles/{story.id}"
    token = csrf_of(client)
    for page in ["/audit", base, f"{base}/diff", f"{base}/as-of", "/audit/users",
                 f"/audit/users/{cast.editor.user_id}"]:
        html = _ok(client.get(page))
        forms = re.findall(r"<form[^>]*>", html)
        posts = [f for f in forms if 'method="post"' in f and "/logout" not in f]
        assert posts == [], page
        assert client.post(page, data={"csrf_token": token}).status_code == 405, page
    # Nor can the auditor use the translator's forms.
    assert client.post(f"/articles/{story.id}/translations/es/post-edit", data={
        "csrf_token": token, "version": "2", "headline": "x", "body": "y"}).status_code == 403


@pytest.mark.parametrize("name", ["jane", "tina", "eddie", "adam"])
def test_non_auditors_get_403(client: FlaskClient, story: Story, name: str) -> None:
    ui_login(client, name)
    base = f"/audit/articles/{story.id}"
    for page in ["/audit", base, f"{base}/diff", f"{base}/as-of", f"{base}/timeline.svg",
                 "/audit/users"]:
        assert client.get(page).status_code == 403, page


def test_unknown_article_is_404(client: FlaskClient, cast: Cast) -> None:
    ui_login(client, "audrey")
    assert client.get(f"/audit/articles/{UUID(int=7)}").status_code == 404
    assert client.get("/audit/articles/nope").status_code == 404
    assert client.get(f"/audit/articles/{UUID(int=7)}/timeline.svg").status_code == 404


def test_a_long_trail_is_shown_fifty_events_a_page(
    client: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    app = sqlite_services.app
    article_id = app.create_article(cast.editor, headline="Live", body="v1", language="en").id
    for n in range(2, 81):
        app.revise(cast.editor, article_id, {"body": f"v{n}"}, n - 1)
    ui_login(client, "audrey")
    first = client.get(f"/audit/articles/{article_id}").get_data(as_text=True)
    assert "80 events in all, 50 a page" in first and 'rel="next"' in first
    assert first.count('<tr id="event-') == 50
    second = client.get(f"/audit/articles/{article_id}?page=2").get_data(as_text=True)
    # Revision 80 is the 80th event: on the second page, not the first.
    assert ">v80<" in second.replace("<ins>", ">").replace("</ins>", "<")
    assert "v80" not in first
    assert second.count('<tr id="event-') == 30 and 'rel="next"' not in second
    exported = client.get(f"/audit/articles/{article_id}?format=json").get_json()
    assert len(exported["events"]) == 80  # exports carry the whole trail


def test_a_later_trail_page_diffs_against_the_text_before_it(
    client: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    """Page 2 starts mid-history: its first diffs are against texts set on page 1
    (the body one event earlier, the headline fifty events earlier), exactly as
    when the whole trail is described at once."""
    app = sqlite_services.app
    article_id = app.create_article(cast.editor, headline="Old title", body="v1",
                                    language="en").id
    app.revise(cast.editor, article_id, {"headline": "Middle title"}, 1)
    for n in range(3, 56):
        app.revise(cast.editor, article_id, {"body": f"v{n}"}, n - 1)
    app.revise(cast.editor, article_id, {"headline": "New title"}, 55)
    ui_login(client, "audrey")
    second = client.get(f"/audit/articles/{article_id}?page=2").get_data(as_text=True)
    assert "<del>v50</del><ins>v51</ins>" in second
    assert "<del>Middle</del><ins>New</ins> title" in second
    assert "Old" not in second

    from newsroom.web import audit

    with client.application.test_request_context("/"):
        everything = audit._trail_rows(audit.audit_trail.c.subject_id == article_id)
        whole = audit.describe(everything)[50:]
        page = everything[50:]
        assert audit.describe(page, audit.texts_before(article_id, page)) == whole
        assert audit.describe(page) != whole  # without the texts before, it differs


LONG_BODY = " ".join(f"mot{n}" for n in range(400))


def test_a_trail_row_shows_the_changed_words_in_context_and_links_the_full_diff(
    client: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    """A one-word change in a long body: the row shows that change with twelve
    unchanged words on each side and "…" for the rest; the row's diff link opens
    the whole text of that revision against the one before."""
    app = sqlite_services.app
    article_id = app.create_article(cast.journalist, headline="Long", body=LONG_BODY,
                                    language="fr").id
    app.revise(cast.journalist, article_id,
               {"body": LONG_BODY.replace("mot200 ", "mot200 nouveau ")}, 1)
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/articles/{article_id}"))
    row = text.split('<tr id="event-')[2].split("</tr>")[0]
    assert "<ins>nouveau </ins>" in row or "<ins> nouveau</ins>" in row
    shown = re.sub(r"<[^>]+>", "", row.split('class="diff text-view">')[1].split("</div>")[0])
    words = shown.split()
    assert words[0] == "…" and words[-1] == "…"
    assert words[1:13] == [f"mot{n}" for n in range(189, 201)]
    assert words.index("nouveau") == 13
    assert words[14:26] == [f"mot{n}" for n in range(201, 213)]
    assert "mot188" not in row and "mot213" not in row
    link = f'/audit/articles/{article_id}/diff?from=1&amp;to=2">full diff</a>'
    assert link in row
    full = _ok(client.get(f"/audit/articles/{article_id}/diff?from=1&to=2"))
    assert "mot0 " in full and "mot399" in full and "nouveau" in full


def test_a_translation_post_edit_row_links_the_text_as_it_stood_then(
    client: FlaskClient, story: Story, sqlite_services: Services, cast: Cast
) -> None:
    edited = ES_BODY.replace("lunes", "martes")
    sqlite_services.app.post_edit_translation(cast.translator, story.id, "es",
                                              {"body": edited}, None)
    ui_login(client, "audrey")
    text = _ok(client.get(f"/audit/articles/{story.id}"))
    row = next(r for r in text.split('<tr id="event-') if "TranslationPostEdited" in r)
    assert "<del>lunes</del><ins>martes</ins>" in row and "full diff" not in row
    link = re.search(r'href="([^"]+)">text then</a>', row)
    assert link is not None
    then = _ok(client.get(link.group(1).replace("&amp;", "&")))
    assert "el martes un presupuesto" in then
    # A moment before the post-edit, the translation still read "lunes".
    at = re.search(r"at=([^&\"]+)", link.group(1))
    assert at is not None
    moment = datetime.fromisoformat(unquote(at.group(1))) - timedelta(microseconds=1)
    before = _ok(client.get(f"/audit/articles/{story.id}/as-of",
                            query_string={"at": moment.isoformat()}))
    assert "el lunes un presupuesto" in before and "el martes" not in before
