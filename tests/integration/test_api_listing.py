"""GET /api/v1/articles: the desk list, read from the article_list projection.

The view catches the projection up before it answers, so a client sees its own
write in the very next list (read-your-writes), with no sleeping here.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

API = "/api/v1"


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def create(client: FlaskClient, token: str, headline: str, body: str,
           language: str = "fr") -> str:
    response = client.post(f"{API}/articles", headers=auth(token),
                           json={"headline": headline, "body": body, "language": language})
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["id"])


def listing(client: FlaskClient, token: str, **query: str) -> dict[str, Any]:
    response = client.get(f"{API}/articles", headers=auth(token), query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


@pytest.fixture
def desk(client: FlaskClient, tokens: dict[str, str]) -> dict[str, str]:
    """Three articles, oldest first: two French drafts (one submitted), one English."""
    jane = tokens["journalist"]
    made = {
        "budget": create(client, jane, "Montréal adopte son budget",
                         "Le conseil municipal a voté mardi."),
        "neige": create(client, jane, "Tempête de neige à Québec",
                        "<p>Les écoles sont <strong>fermées</strong> jeudi.</p>"),
        "storm": create(client, tokens["journalist2"], "Snowstorm hits Toronto",
                        "Schools are closed on Thursday.", "en-CA"),
    }
    response = client.post(f"{API}/articles/{made['budget']}/submit", headers=auth(jane))
    assert response.status_code == 200
    return made


def test_pagination(client: FlaskClient, tokens: dict[str, str], desk: dict[str, str]) -> None:
    editor = tokens["editor"]
    everything = listing(client, editor)
    assert everything["total"] == 3
    # Newest first.
    assert ids(everything) == [desk["storm"], desk["neige"], desk["budget"]]
    first = listing(client, editor, limit="2")
    second = listing(client, editor, limit="2", offset="2")
    assert (first["limit"], first["offset"], first["total"]) == (2, 0, 3)
    assert (second["limit"], second["offset"], second["total"]) == (2, 2, 3)
    assert ids(first) + ids(second) == ids(everything)
    assert listing(client, editor, offset="3")["items"] == []
    item = everything["items"][-1]
    assert set(item) >= {"id", "headline", "language", "state", "version"}
    assert (item["headline"], item["language"], item["state"], item["version"]) == (
        "Montréal adopte son budget", "fr", "submitted", 2)
    for bad in ({"limit": "0"}, {"limit": "201"}, {"limit": "ten"}, {"offset": "-1"}):
        response = client.get(f"{API}/articles", headers=auth(editor), query_string=bad)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["code"] == "bad_query"


def test_filters(client: FlaskClient, tokens: dict[str, str], desk: dict[str, str]) -> None:
    editor = tokens["editor"]
    assert ids(listing(client, editor, state="submitted")) == [desk["budget"]]
    assert ids(listing(client, editor, state="draft")) == [desk["storm"], desk["neige"]]
    assert listing(client, editor, state="published")["total"] == 0
    assert ids(listing(client, editor, language="en-CA")) == [desk["storm"]]
    assert ids(listing(client, editor, language="EN-ca")) == [desk["storm"]]  # normalised
    assert ids(listing(client, editor, language="fr")) == [desk["neige"], desk["budget"]]
    # q looks in the headline and in the body's text, case-insensitively.
    assert ids(listing(client, editor, q="toronto")) == [desk["storm"]]
    assert ids(listing(client, editor, q="CONSEIL MUNICIPAL")) == [desk["budget"]]
    assert ids(listing(client, editor, q="fermées")) == [desk["neige"]]
    # Tags are not text: "strong" is markup in the body, not a word of it.
    assert listing(client, editor, q="strong")["total"] == 0
    # Filters combine.
    assert ids(listing(client, editor, q="neige", state="draft", language="fr")) == [
        desk["neige"]]
    assert listing(client, editor, q="neige", state="submitted")["total"] == 0
    bad = client.get(f"{API}/articles", headers=auth(editor), query_string={"language": "french"})
    assert bad.status_code == 422


def test_list_sees_a_write_immediately(client: FlaskClient, tokens: dict[str, str]) -> None:
    jane = tokens["journalist"]
    assert listing(client, jane)["total"] == 0
    article_id = create(client, jane, "Premier titre", "Texte.")
    page = listing(client, jane)
    assert (ids(page), page["items"][0]["version"]) == ([article_id], 1)
    patched = client.patch(f"{API}/articles/{article_id}",
                           headers=auth(jane, **{"If-Match": '"1"'}),
                           json={"headline": "Titre corrigé"})
    assert patched.status_code == 200
    item = listing(client, jane, q="corrigé")["items"][0]
    assert (item["id"], item["headline"], item["version"]) == (article_id, "Titre corrigé", 2)
    assert listing(client, jane, q="Premier")["total"] == 0
    assert client.post(f"{API}/articles/{article_id}/submit", headers=auth(jane)).status_code \
        == 200
    assert ids(listing(client, jane, state="submitted")) == [article_id]


def test_list_needs_read_permission(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get(f"{API}/articles").status_code == 401
    assert client.get(f"{API}/articles", headers=auth(tokens["admin"])).status_code == 403
    for role in ("journalist", "editor", "translator", "auditor"):
        assert client.get(f"{API}/articles", headers=auth(tokens[role])).status_code == 200


def test_q_matches_accented_capitals(client: FlaskClient, tokens: dict[str, str]) -> None:
    jane = tokens["journalist"]
    article_id = create(client, jane, "Élection à l’Île-du-Prince-Édouard",
                        "Les États-Unis observent le scrutin.")
    for q in ("Élection", "élection", "Île", "États-Unis", "états-unis"):
        assert ids(listing(client, jane, q=q)) == [article_id], q


def test_q_percent_and_underscore_are_literal(client: FlaskClient,
                                              tokens: dict[str, str]) -> None:
    jane = tokens["journalist"]
    rate = create(client, jane, "Le taux passe à 5 %", "Hausse annoncée.")
    create(client, jane, "Météo", "Il neige.")
    snake = create(client, jane, "Variable nom_court", "Code.")
    assert ids(listing(client, jane, q="%")) == [rate]
    assert ids(listing(client, jane, q="_")) == [snake]
