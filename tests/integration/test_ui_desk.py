"""The journalist's screens through the real Flask app: create, edit, submit, the QA
marks in the text, and the edit conflict page when someone saved first."""

from __future__ import annotations

import re

import pytest
from conftest import SHARED, Cast, csrf_of, ui_login
from flask import Flask
from flask.testing import FlaskClient

SEED = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.txt"


def create(client: FlaskClient, headline: str = "Budget vote tonight",
           body: str = "The council votes on the budget tonight.\n\nDebate starts at noon.",
           language: str = "en") -> str:
    response = client.post("/articles/new", data={
        "csrf_token": csrf_of(client), "headline": headline, "body": body,
        "language": language, "dateline": "OTTAWA", "byline": "Jane"})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"(?:http://localhost)?/articles/([0-9a-f-]{36})",
                         response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def loaded_version(page: str) -> str:
    match = re.search(r'name="expected_version" value="(\d+)"', page)
    assert match, "no version in the form"
    return match.group(1)


def edit_form(client: FlaskClient, article_id: str) -> str:
    page = client.get(f"/articles/{article_id}/edit")
    assert page.status_code == 200, page.get_data(as_text=True)
    return loaded_version(page.get_data(as_text=True))


def save(client: FlaskClient, article_id: str, version: str, **fields: str
         ) -> tuple[int, str]:
    data = {"csrf_token": csrf_of(client), "expected_version": version,
            "headline": "Budget vote tonight", "dateline": "OTTAWA", "byline": "Jane",
            "body": "The council votes on the budget tonight.\n\nDebate starts at noon.",
            **fields}
    response = client.post(f"/articles/{article_id}/edit", data=data)
    return response.status_code, response.get_data(as_text=True)


def submit(client: FlaskClient, article_id: str) -> None:
    page = client.get(f"/articles/{article_id}").get_data(as_text=True)
    response = client.post(f"/articles/{article_id}/submit", data={
        "csrf_token": csrf_of(client), "expected_version": loaded_version(page)})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_journalist_creates_edits_and_lists_their_drafts(client: FlaskClient,
                                                         cast: Cast) -> None:
    ui_login(client, "jane")
    assert client.get("/articles/new").status_code == 200
    first = create(client, headline="Older story")
    second = create(client, headline="Newer story")
    desk = client.get("/desk").get_data(as_text=True)
    assert desk.index("Newer story") < desk.index("Older story")  # newest first
    assert 'class="state draft"' in desk

    status, _ = save(client, second, edit_form(client, second),
                     headline="Newer story, revised", body="Line one.\r\n\r\nLine two.")
    assert status == 302
    page = client.get(f"/articles/{second}").get_data(as_text=True)
    assert "Newer story, revised" in page and "Line one.\n\nLine two." in page
    assert 'class="text-view body"' in page
    # A save with nothing changed records nothing.
    version = edit_form(client, first)
    assert save(client, first, version, headline="Older story")[0] == 302
    assert edit_form(client, first) == version


def test_bad_input_comes_back_with_the_message_next_to_the_field(client: FlaskClient,
                                                                 cast: Cast) -> None:
    ui_login(client, "jane")
    token = csrf_of(client)
    base = {"csrf_token": token, "headline": "Fine", "body": "Text.", "language": "fr"}

    empty = client.post("/articles/new", data={**base, "headline": "  "})
    assert empty.status_code == 422
    assert re.search(r'id="e-headline"[^>]*>must not be empty', empty.get_data(as_text=True))

    script = client.post("/articles/new", data={**base, "headline": "<script>alert(1)</script>"})
    text = script.get_data(as_text=True)
    assert script.status_code == 422
    assert "HTML tags are not allowed" in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text  # kept, escaped

    language = client.post("/articles/new", data={**base, "language": "not a language"})
    assert language.status_code == 422
    assert 'id="e-language"' in language.get_data(as_text=True)

    huge = client.post("/articles/new", data={**base, "body": "x" * (2 * 1024 * 1024 + 1)})
    assert huge.status_code == 413
    assert re.search(r'id="e-body"[^>]*>larger than 2 MB', huge.get_data(as_text=True))
    assert "Fine" not in client.get("/desk").get_data(as_text=True)  # nothing was created


def test_submitted_seed_text_shows_its_findings_marked_in_place(client: FlaskClient,
                                                                cast: Cast) -> None:
    if not SEED.exists():
        pytest.skip(f"seed fixture absent: {SEED}")
    ui_login(client, "jane")
    article_id = create(client, headline="Soutien à la Russie en Ukraine",
                        body=SEED.read_text(encoding="utf-8"), language="fr")
    preview = client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert "A preview of the checks" in preview

    submit(client, article_id)
    page = client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert 'class="state submitted"' in page
    for exact in ("KNCA", ". .", "de la ,", "Related News :"):
        assert re.search(rf'<mark class="qa-blocking" title="[^"]*">{re.escape(exact)}</mark>',
                         page), exact
    assert re.search(r'<mark class="qa-warning" title="[^"]*">17h39</mark>', page)
    assert "acronym variants" in page and "Found when version" in page
    # Submitted: the author no longer edits it, and says so in words.
    refused = client.get(f"/articles/{article_id}/edit")
    assert refused.status_code == 409
    assert "when an editor sends it back" in refused.get_data(as_text=True)


def test_second_save_of_the_same_version_gets_the_conflict_page_then_merges(
    client: FlaskClient, flask_app: Flask, cast: Cast
) -> None:
    ui_login(client, "jane")
    article_id = create(client)
    eddie = ui_login(flask_app.test_client(), "eddie")  # editors may revise drafts too
    jane_version = edit_form(client, article_id)
    eddie_version = edit_form(eddie, article_id)
    assert jane_version == eddie_version

    status, _ = save(client, article_id, jane_version, headline="Budget vote delayed",
                     body="The council votes on the budget on Friday.\n\nDebate starts at noon.")
    assert status == 302
    status, page = save(eddie, article_id, eddie_version,
                        body="The council votes on the budget tonight.\n\nDebate starts at 1 pm.")
    assert status == 409
    assert "Your changes were not saved" in page
    assert "by jane" in page  # who saved first
    # Their change against the current text, word by word.
    assert "<del>on Friday</del><ins>tonight</ins>" in page
    assert "<del>noon</del><ins>1 pm</ins>" in page
    # Their text stays in the form; the headline they left alone takes the current one.
    assert "Debate starts at 1 pm.</textarea>" in page
    assert 'name="headline" type="text" value="Budget vote delayed"' in page
    assert "You had not changed the headline" in page
    current = loaded_version(page)
    assert int(current) == int(eddie_version) + 1

    # A stale resave is refused again; a merge against the current version goes in.
    assert save(eddie, article_id, eddie_version)[0] == 409
    merged = "The council votes on the budget on Friday.\n\nDebate starts at 1 pm."
    status, _ = save(eddie, article_id, current, headline="Budget vote delayed", body=merged)
    assert status == 302
    shown = client.get(f"/articles/{article_id}/edit").get_data(as_text=True)
    assert "Budget vote delayed" in shown and f"{merged}</textarea>" in shown


def test_journalists_cannot_touch_someone_elses_draft(client: FlaskClient, flask_app: Flask,
                                                      cast: Cast) -> None:
    ui_login(client, "jane")
    article_id = create(client)
    joe = ui_login(flask_app.test_client(), "joe")
    assert joe.get(f"/articles/{article_id}").status_code == 200  # reading is allowed
    assert joe.get(f"/articles/{article_id}/edit").status_code == 403
    assert save(joe, article_id, "1", headline="Hijacked")[0] == 403
    refused = joe.post(f"/articles/{article_id}/submit",
                       data={"csrf_token": csrf_of(joe), "expected_version": "1"})
    assert refused.status_code == 403
    assert "Hijacked" not in client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert joe.get("/articles/not-an-id").status_code == 404


def test_forms_without_the_csrf_token_are_refused(client: FlaskClient, cast: Cast) -> None:
    ui_login(client, "jane")
    article_id = create(client)
    assert client.post("/articles/new", data={"headline": "x", "body": "y",
                                              "language": "en"}).status_code == 400
    assert client.post(f"/articles/{article_id}/edit", data={
        "expected_version": "1", "headline": "x", "body": "y"}).status_code == 400
    assert client.post(f"/articles/{article_id}/submit").status_code == 400
    assert 'class="state draft"' in client.get(f"/articles/{article_id}").get_data(as_text=True)


def test_logged_out_visitors_are_sent_to_the_login_page(client: FlaskClient,
                                                        cast: Cast) -> None:
    assert client.get("/desk").status_code == 302
    assert client.get("/articles/new").status_code == 302
