"""Translator screens through the Flask client: the queue, the side-by-side page with
QA highlights, post-editing (with version conflicts), approval, staleness and refusals.

Machine translations are recorded as the worker would, with the system actor.
"""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient

from newsroom.bootstrap import Services

HEADLINE = "Montréal adopte un budget de 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")
ES_HEADLINE = "Montréal aprueba un presupuesto de 6,8 mil millones"
ES_BODY = ("El consejo municipal de Montréal aprobó el martes un presupuesto de 6,8 mil "
           "millones de dólares.\n\nLa alcaldesa Valérie Plante se dijo satisfecha.")
# Doubled punctuation: a blocking QA finding in the second paragraph.
ES_BODY_FLAWED = ES_BODY.replace("satisfecha.", "satisfecha. .")


def _approved_article(services: Services, cast: Cast) -> UUID:
    app = services.app
    article_id = app.create_article(cast.journalist, headline=HEADLINE, body=BODY,
                                    language="fr").id
    app.submit(cast.journalist, article_id)
    app.approve(cast.editor, article_id)
    return article_id


def _translate(services: Services, cast: Cast, body: str = ES_BODY) -> UUID:
    article_id = _approved_article(services, cast)
    services.app.request_translations(cast.editor, article_id, ["es"])
    article = services.app.get_article(cast.editor, article_id)
    assert services.app.record_machine_translation(
        article_id, "es", headline=ES_HEADLINE, body=body,
        source_version=article.content_version, engine="test", engine_version="1",
        route=["fr-es"], duration_ms=1, unknown_words=[])
    return article_id


@pytest.fixture
def translated(sqlite_services: Services, cast: Cast) -> UUID:
    return _translate(sqlite_services, cast)


@pytest.fixture
def flawed(sqlite_services: Services, cast: Cast) -> UUID:
    return _translate(sqlite_services, cast, ES_BODY_FLAWED)


def _page(client: FlaskClient, article_id: UUID, status: int = 200) -> str:
    response = client.get(f"/articles/{article_id}/translations/es")
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    return text


def _version(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "no version field"
    return match.group(1)


def test_queue_shows_machine_translated_items(client: FlaskClient, translated: UUID) -> None:
    ui_login(client, "tina")
    response = client.get("/translations")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ES_HEADLINE in text
    assert "machine translated" in text
    assert f"/articles/{translated}/translations/es" in text
    assert "stale" not in text.split("<tbody>")[1]
    filtered = client.get("/translations?state=failed").get_data(as_text=True)
    assert ES_HEADLINE not in filtered
    assert client.get("/translations?page=99999999999999999999").status_code == 200


def test_side_by_side_pairs_paragraphs_and_shows_the_engine(
    client: FlaskClient, translated: UUID
) -> None:
    ui_login(client, "tina")
    text = _page(client, translated)
    rows = re.findall(r'<tr class="paragraph-pair">(.*?)</tr>', text, re.DOTALL)
    assert len(rows) == 2
    assert "Le conseil municipal" in rows[0] and "El consejo municipal" in rows[0]
    assert "La mairesse" in rows[1] and "La alcaldesa" in rows[1]
    assert "test 1" in text  # engine and version
    assert "fr-es" in text
    assert 'name="csrf_token"' in text and "Save post-edit" in text


def test_qa_findings_are_highlighted_in_the_translation(
    client: FlaskClient, flawed: UUID
) -> None:
    ui_login(client, "tina")
    text = _page(client, flawed)
    rows = re.findall(r'<tr class="paragraph-pair">(.*?)</tr>', text, re.DOTALL)
    assert '<mark class="qa-blocking"' in rows[1]
    assert "<mark" not in rows[0]
    assert "Doubled punctuation" in text


def test_post_edit_saves_and_redirects(client: FlaskClient, translated: UUID) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    response = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": _version(page),
        "headline": "Montréal aprueba su presupuesto de 6,8 mil millones", "body": ES_BODY})
    assert response.status_code == 302, response.get_data(as_text=True)
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Post-edit saved" in after
    assert "Montréal aprueba su presupuesto" in after
    assert "in review" in after


def test_post_edit_on_a_stale_version_is_a_409_with_a_diff(
    client: FlaskClient, translated: UUID, sqlite_services: Services, cast: Cast
) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    stale_version = _version(page)
    # Someone else post-edits first.
    sqlite_services.app.post_edit_translation(
        cast.editor, translated, "es", {"headline": "Titular del editor 6,8"}, None)
    response = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": stale_version,
        "headline": "Titular de Tina 6,8", "body": ES_BODY})
    text = response.get_data(as_text=True)
    assert response.status_code == 409, text
    assert "Someone else changed this translation first" in text
    assert "<del>" in text and "<ins>" in text
    assert "Titular de Tina 6,8" in text  # the user's text is kept for them
    current = sqlite_services.app.get_translation(cast.translator, translated, "es")
    assert current.headline == "Titular del editor 6,8"


def test_post_edit_bad_input_is_a_422_next_to_the_field(
    client: FlaskClient, translated: UUID
) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    response = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": _version(page), "headline": "  ",
        "body": ES_BODY})
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text
    assert 'class="field-error"' in text and "must not be empty" in text
    missing = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "headline": ES_HEADLINE, "body": ES_BODY})
    assert missing.status_code == 422
    assert "reload the page" in missing.get_data(as_text=True)


def test_forms_without_csrf_are_refused(client: FlaskClient, translated: UUID) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    response = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "version": _version(page), "headline": "x", "body": ES_BODY})
    assert response.status_code == 400
    assert client.post(f"/articles/{translated}/translations/es/approve",
                       data={"version": _version(page)}).status_code == 400


def test_translator_approves_a_clean_translation(client: FlaskClient, translated: UUID,
                                                 sqlite_services: Services,
                                                 cast: Cast) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    assert 'name="override_reason"' not in page
    response = client.post(f"/articles/{translated}/translations/es/approve", data={
        "csrf_token": csrf_of(client), "version": _version(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert sqlite_services.app.get_translation(cast.translator, translated,
                                               "es").state == "approved"
    assert "Translation approved" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_blocking_findings_need_a_reason_from_the_translator_or_an_editor(
    client: FlaskClient, flawed: UUID, sqlite_services: Services, cast: Cast
) -> None:
    ui_login(client, "tina")
    page = _page(client, flawed)
    assert 'name="override_reason"' in page  # issue 4: translators may override too
    refused = client.post(f"/articles/{flawed}/translations/es/approve", data={
        "csrf_token": csrf_of(client), "version": _version(page), "override_reason": ""})
    assert refused.status_code == 409
    assert "blocking QA finding" in refused.get_data(as_text=True)
    assert 'class="field-error"' in refused.get_data(as_text=True)
    approved = client.post(f"/articles/{flawed}/translations/es/approve", data={
        "csrf_token": csrf_of(client), "version": _version(page),
        "override_reason": "The doubled stop is in the quoted source."})
    assert approved.status_code == 302, approved.get_data(as_text=True)
    assert sqlite_services.app.get_translation(cast.editor, flawed, "es").state == "approved"


def test_stale_translation_is_flagged_with_the_source_changes(
    client: FlaskClient, translated: UUID, sqlite_services: Services, cast: Cast
) -> None:
    app = sqlite_services.app
    app.publish(cast.editor, translated)
    app.correct(cast.editor, translated, {"body": BODY.replace(
        "s’est dite satisfaite", "s’est dite très satisfaite")}, "Précision sur la citation.")
    ui_login(client, "tina")
    queue = client.get("/translations").get_data(as_text=True)
    assert 'class="stale"' in queue
    text = _page(client, translated)
    assert "Stale" in text
    assert "What changed in the source since version 1" in text
    section = text.split('class="card source-changes"')[1].split("</section>")[0]
    # Which side of a space the insertion takes is the matcher's choice.
    assert any(d in section for d in ("<ins>très </ins>", "<ins>très</ins>", "<ins> très</ins>"))
    assert "Le conseil municipal" not in section  # the unchanged paragraph is not shown


def test_journalists_and_auditors_cannot_use_translator_screens(
    client: FlaskClient, translated: UUID
) -> None:
    ui_login(client, "jane")
    assert client.get("/translations").status_code == 403
    token = csrf_of(client)
    assert client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": token, "version": "3", "headline": "x", "body": "y"}).status_code == 403
    assert client.post(f"/articles/{translated}/translations/es/approve", data={
        "csrf_token": token, "version": "3"}).status_code == 403
    # Reading a translation is open to the newsroom ("translation.read"), without forms.
    page = _page(client, translated)
    assert "Save post-edit" not in page and "Approve translation" not in page


def test_auditor_gets_403_on_the_queue(client: FlaskClient, translated: UUID) -> None:
    ui_login(client, "audrey")
    assert client.get("/translations").status_code == 403


def test_unknown_translation_is_404(client: FlaskClient, translated: UUID) -> None:
    ui_login(client, "tina")
    assert client.get(f"/articles/{translated}/translations/ca").status_code == 404
    assert client.get("/articles/not-a-uuid/translations/es").status_code == 404


def test_post_editing_paragraph_by_paragraph_records_one_event_per_save(
    client: FlaskClient, translated: UUID, sqlite_services: Services, cast: Cast
) -> None:
    ui_login(client, "tina")
    page = _page(client, translated)
    assert page.count('name="paragraph_index"') >= 2
    before = sqlite_services.app.get_translation(cast.editor, translated, "es")
    first, second = before.body.split("\n\n")[:2]
    saved = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": _version(page), "paragraph_index": "1",
        "paragraph": second + " (revisado)"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    after = sqlite_services.app.get_translation(cast.editor, translated, "es")
    assert after.body.split("\n\n")[0] == first  # the other paragraph is untouched
    assert after.body.split("\n\n")[1] == second + " (revisado)"
    assert after.version == before.version + 1 and after.state == "in_review"
    # A second save from the same, now stale, page is a conflict, not an overwrite.
    stale = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": _version(page), "paragraph_index": "0",
        "paragraph": "Otro texto."})
    assert stale.status_code == 409
    bad = client.post(f"/articles/{translated}/translations/es/post-edit", data={
        "csrf_token": csrf_of(client), "version": str(after.version),
        "paragraph_index": "99", "paragraph": "x"})
    assert bad.status_code == 422
