"""The editor's screens through the real Flask app: the queue, search, the review
page with its diff, and each action from approval to retraction."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from conftest import SHARED, Cast, csrf_of, ui_login
from flask import Flask
from flask.testing import FlaskClient

from newsroom.bootstrap import Services

SEED = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.txt"
CLEAN_BODY = "The council votes on the budget tonight.\n\nDebate starts at noon."


def loaded_version(page: str) -> str:
    match = re.search(r'name="expected_version" value="(\d+)"', page)
    assert match, "no version in the form"
    return match.group(1)


def create(client: FlaskClient, headline: str = "Budget vote tonight",
           body: str = CLEAN_BODY, language: str = "en") -> str:
    response = client.post("/articles/new", data={
        "csrf_token": csrf_of(client), "headline": headline, "body": body,
        "language": language, "dateline": "OTTAWA", "byline": "Jane"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def submit(client: FlaskClient, article_id: str) -> None:
    page = client.get(f"/articles/{article_id}").get_data(as_text=True)
    response = client.post(f"/articles/{article_id}/submit", data={
        "csrf_token": csrf_of(client), "expected_version": loaded_version(page)})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def jane(client: FlaskClient, cast: Cast) -> FlaskClient:
    return ui_login(client, "jane")


@pytest.fixture
def eddie(flask_app: Flask, cast: Cast) -> FlaskClient:
    return ui_login(flask_app.test_client(), "eddie")


def act(client: FlaskClient, article_id: str, action: str, **fields: str
        ) -> tuple[int, str]:
    """Posts one review form the way the page does: its CSRF token and version."""
    page = client.get(f"/articles/{article_id}/review").get_data(as_text=True)
    response = client.post(f"/articles/{article_id}/{action}", data={
        "csrf_token": csrf_of(client), "expected_version": loaded_version(page), **fields})
    return response.status_code, response.get_data(as_text=True)


def review(client: FlaskClient, article_id: str) -> str:
    page = client.get(f"/articles/{article_id}/review")
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_data(as_text=True)


def submitted(jane: FlaskClient, headline: str, body: str = CLEAN_BODY,
              language: str = "en") -> str:
    article_id = create(jane, headline=headline, body=body, language=language)
    submit(jane, article_id)
    return article_id


def test_queue_lists_submissions_oldest_first_with_their_age(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    first_created = create(jane, headline="Written first, submitted last")
    second = submitted(jane, "Submitted first")
    create(jane, headline="Still a draft")
    submit(jane, first_created)
    queue = eddie.get("/queue")
    assert queue.status_code == 200
    page = queue.get_data(as_text=True)
    assert page.index("Submitted first") < page.index("Written first, submitted last")
    assert "Still a draft" not in page
    assert "submitted just now" in page and ">jane<" in page
    assert f"/articles/{second}/review" in page


def test_journalists_cannot_use_the_editor_screens(jane: FlaskClient) -> None:
    article_id = submitted(jane, "Mine")
    assert jane.get("/queue").status_code == 403
    assert jane.get("/search?q=budget").status_code == 403
    assert jane.get(f"/articles/{article_id}/review").status_code == 403
    for action in ("approve", "request-changes", "publish", "correct", "retract"):
        response = jane.post(f"/articles/{article_id}/{action}",
                             data={"csrf_token": csrf_of(jane), "expected_version": "2"})
        assert response.status_code == 403, action


def test_sent_back_with_a_comment_the_journalist_sees_it(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    article_id = submitted(jane, "Budget vote tonight")
    status, page = act(eddie, article_id, "request-changes", comment="   ")
    assert status == 422 and re.search(r'id="e-comment"[^>]*>', page)
    status, _ = act(eddie, article_id, "request-changes",
                    comment="Name the councillors & the 3 < 5 who voted.")
    assert status == 302
    mine = jane.get(f"/articles/{article_id}").get_data(as_text=True)
    assert 'class="changes-requested"' in mine
    assert "Name the councillors &amp; the 3 &lt; 5 who voted." in mine
    assert "Changes requested" in jane.get("/desk").get_data(as_text=True)
    # Revised and resubmitted: the review shows what changed since the last submission.
    page = jane.get(f"/articles/{article_id}/edit").get_data(as_text=True)
    jane.post(f"/articles/{article_id}/edit", data={
        "csrf_token": csrf_of(jane), "expected_version": loaded_version(page),
        "headline": "Budget vote tonight", "dateline": "OTTAWA", "byline": "Jane",
        "body": CLEAN_BODY.replace("tonight.", "tonight; Smith and Roy voted no.")})
    submit(jane, article_id)
    shown = review(eddie, article_id)
    assert "Changes since the previous submission" in shown
    assert "<ins>; Smith and Roy voted no</ins>" in shown or "<ins>;" in shown


def test_approval_over_blocking_findings_needs_a_reason_then_publish_correct_retract(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    if not SEED.exists():
        pytest.skip(f"seed fixture absent: {SEED}")
    article_id = submitted(jane, "Soutien à la Russie en Ukraine",
                           SEED.read_text(encoding="utf-8"), "fr")
    shown = review(eddie, article_id)
    assert re.search(r'<mark class="qa-blocking" title="[^"]*">KNCA</mark>', shown)
    assert 'name="override_reason"' in shown

    status, page = act(eddie, article_id, "approve")
    assert status == 409
    assert re.search(r'id="e-override_reason"[^>]*>\d+ blocking QA finding', page)
    assert "Acronym “KNCA” is also spelled “KCNA”" in page  # the standing findings listed
    status, _ = act(eddie, article_id, "approve", override_reason="Wire copy, fixed at layout.")
    assert status == 302
    assert 'class="state approved"' in review(eddie, article_id)

    status, _ = act(eddie, article_id, "publish", when="now")
    assert status == 302
    published = review(eddie, article_id)
    assert 'class="state published"' in published and "Publish the correction" in published

    status, page = act(eddie, article_id, "correct", note="  ")
    assert status == 422 and re.search(r'id="e-note"[^>]*>must not be empty', page)
    body = SEED.read_text(encoding="utf-8").replace("KNCA", "KCNA")
    status, _ = act(eddie, article_id, "correct", headline="Soutien à la Russie en Ukraine",
                    body=body, note="L’acronyme de l’agence a été corrigé.")
    assert status == 302
    corrected = review(eddie, article_id)
    assert "Revision 2" in corrected and "L’acronyme de l’agence a été corrigé." in corrected

    status, page = act(eddie, article_id, "retract", reason="")
    assert status == 422
    status, _ = act(eddie, article_id, "retract", reason="Sourcing could not be confirmed.")
    assert status == 302
    final = review(eddie, article_id)
    assert 'class="state retracted"' in final and "Sourcing could not be confirmed." in final
    assert 'action="/articles/' not in final.split("</main>")[0].split("<main>")[1]
    version = re.search(r"version (\d+)", final)
    assert version
    response = eddie.post(f"/articles/{article_id}/approve", data={
        "csrf_token": csrf_of(eddie), "expected_version": version.group(1)})
    status, page = response.status_code, response.get_data(as_text=True)
    assert status == 409 and "This article is retracted, so it cannot be approved now" in page


def test_scheduled_publication_shows_the_time_in_the_newsroom_zone(
    jane: FlaskClient, eddie: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    article_id = submitted(jane, "Budget vote tonight")
    assert act(eddie, article_id, "approve")[0] == 302
    zone = ZoneInfo("America/Toronto")
    local = (datetime.now(zone) + timedelta(days=40)).replace(hour=9, minute=30, second=0,
                                                              microsecond=0)
    status, page = act(eddie, article_id, "publish", when="schedule", at="")
    assert status == 422 and 'id="e-at"' in page
    past = (datetime.now(zone) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    status, page = act(eddie, article_id, "publish", when="schedule", at=past)
    assert status == 422 and "use Publish now" in page
    status, page = act(eddie, article_id, "publish", when="schedule",
                       at=local.strftime("%Y-%m-%dT%H:%M"),
                       embargo_until=(local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    assert status == 422 and re.search(r'id="e-embargo_until"[^>]*>ends before', page)
    status, _ = act(eddie, article_id, "publish", when="schedule",
                    at=local.strftime("%Y-%m-%dT%H:%M"))
    assert status == 302
    page = review(eddie, article_id)
    assert "Scheduled to publish" in page and "9:30" in page and "America/Toronto" in page
    assert local.strftime("%B") in page and f"{local.day}, {local.year}" in page
    article = sqlite_services.app.get_article(cast.editor, UUID(article_id))
    assert article.scheduled_at == local.astimezone(UTC)
    assert 'class="state approved"' in page


def test_publishing_now_under_embargo_shows_when_it_lifts(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    article_id = submitted(jane, "Budget vote tonight")
    assert act(eddie, article_id, "approve")[0] == 302
    lifts = (datetime.now(ZoneInfo("America/Toronto")) + timedelta(days=3)).replace(
        hour=6, minute=15, second=0, microsecond=0)
    status, _ = act(eddie, article_id, "publish", when="now",
                    embargo_until=lifts.strftime("%Y-%m-%dT%H:%M"))
    assert status == 302
    page = review(eddie, article_id)
    assert 'class="state published"' in page
    assert re.search(r"Embargoed until <strong>[^<]*6:15[^<]*</strong> "
                     r'<span class="zone">\(America/Toronto\)', page)


def test_times_the_clocks_skip_are_refused(jane: FlaskClient, eddie: FlaskClient) -> None:
    article_id = submitted(jane, "Budget vote tonight")
    assert act(eddie, article_id, "approve")[0] == 302
    year = datetime.now(UTC).year + 1
    march = datetime(year, 3, 8)  # the second Sunday of March: 02:00 → 03:00 in Toronto
    gap = march + timedelta(days=(6 - march.weekday()) % 7)
    status, page = act(eddie, article_id, "publish", when="schedule",
                       at=gap.strftime("%Y-%m-%dT02:30"))
    assert status == 422 and "does not exist in America/Toronto" in page


def test_search_finds_words_across_states_and_accents(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    draft = create(jane, headline="Séoul répond", language="fr",
                   body="La Corée du Nord a qualifié jeudi les critiques d’irresponsables.")
    published = submitted(jane, "Pyongyang et Moscou", language="fr",
                          body="La Corée du Nord et la Russie renforcent leurs liens.")
    assert act(eddie, published, "approve")[0] == 302
    assert act(eddie, published, "publish", when="now")[0] == 302
    create(jane, headline="Budget vote", body=CLEAN_BODY)

    for words in ("Corée", "coree", "CORÉE du nord"):
        page = eddie.get("/search", query_string={"q": words}).get_data(as_text=True)
        assert f"/articles/{draft}/review" in page, words
        assert f"/articles/{published}/review" in page, words
        assert "Budget vote" not in page
    only = eddie.get("/search", query_string={"q": "Corée", "state": "published"})
    text = only.get_data(as_text=True)
    assert f"/articles/{published}/review" in text and f"/articles/{draft}/review" not in text
    assert "Séoul répond" in eddie.get("/search?q=s%C3%A9oul").get_data(as_text=True)
    nothing = eddie.get("/search", query_string={"q": '"*) OR NEAR('}).get_data(as_text=True)
    assert "0 result(s)" in nothing
    assert eddie.get("/search?q=%2A%2A").status_code == 200


def test_actions_without_the_csrf_token_or_on_a_stale_page_are_refused(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    article_id = submitted(jane, "Budget vote tonight")
    assert eddie.post(f"/articles/{article_id}/approve").status_code == 400
    response = eddie.post(f"/articles/{article_id}/approve", data={
        "csrf_token": csrf_of(eddie), "expected_version": "1"})
    assert response.status_code == 409
    assert "changed since you opened this page" in response.get_data(as_text=True)
    assert 'class="state submitted"' in review(eddie, article_id)


def test_approving_a_draft_explains_the_state(jane: FlaskClient, eddie: FlaskClient) -> None:
    article_id = create(jane)
    assert "Approve" not in review(eddie, article_id)  # no form for what the state refuses
    response = eddie.post(f"/articles/{article_id}/approve", data={
        "csrf_token": csrf_of(eddie), "expected_version": "1"})
    status, page = response.status_code, response.get_data(as_text=True)
    assert status == 409
    assert "This article is draft, so it cannot be approved now" in page


def test_search_uses_the_stores_full_text_index(any_services: Services) -> None:
    """FTS5 on SQLite, tsvector on PostgreSQL: the same screen over both."""
    from conftest import make_cast

    from newsroom.web import create_app

    make_cast(any_services)
    app = create_app(any_services, {"TESTING": True})
    jane = ui_login(app.test_client(), "jane")
    eddie = ui_login(app.test_client(), "eddie")
    wanted = create(jane, headline="Séoul répond", language="fr",
                    body="La Corée du Nord a qualifié jeudi les critiques d’irresponsables.")
    other = create(jane, headline="Budget vote", body=CLEAN_BODY)
    for words in ("Corée", "corée du nord", "Séoul"):
        page = eddie.get("/search", query_string={"q": words}).get_data(as_text=True)
        assert f"/articles/{wanted}/review" in page, words
        assert f"/articles/{other}/review" not in page, words
    assert "0 result(s)" in eddie.get("/search?q=%2A%2A").get_data(as_text=True)


def test_editor_requests_translations_from_the_review_page(
    jane: FlaskClient, eddie: FlaskClient
) -> None:
    article_id = submitted(jane, "Budget vote delayed", language="en")
    assert "Request translations" not in review(eddie, article_id)  # not before approval
    assert act(eddie, article_id, "approve")[0] == 302
    page = review(eddie, article_id)
    assert "Request translations" in page and 'value="es"' in page and 'value="en"' not in page
    status, body = act(eddie, article_id, "translations")
    assert status == 422 and "tick at least one language" in body
    status, _ = act(eddie, article_id, "translations", languages="es")
    assert status == 302
    page = review(eddie, article_id)
    assert f"/articles/{article_id}/translations/es" in page and "requested" in page


def test_queue_pages_fifty_at_a_time_oldest_first(
    eddie: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    app = sqlite_services.app
    ids = []
    for n in range(55):
        article_id = app.create_article(cast.journalist, headline=f"Story {n:02d}",
                                        body="Text.", language="en").id
        app.submit(cast.journalist, article_id)
        ids.append(str(article_id))
    first = eddie.get("/queue").get_data(as_text=True)
    assert "55 waiting" in first
    assert sum(f"/articles/{i}/review" in first for i in ids) == 50
    assert f"/articles/{ids[0]}/review" in first and f"/articles/{ids[54]}/review" not in first
    assert 'rel="next"' in first
    second = eddie.get("/queue?page=2").get_data(as_text=True)
    assert [i for i in ids if f"/articles/{i}/review" in second] == ids[50:]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert eddie.get("/queue?page=nonsense").status_code == 200
