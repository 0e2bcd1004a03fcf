"""Translations through the HTTP API (DESIGN §3, §6): request, the worker's result,
the translator's post-edit with its own version, approval, publication and staleness.

The machine translation is recorded with `Newsroom.record_machine_translation`, the
path the worker takes (system actor), so no engine is needed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from newsroom.bootstrap import Services

API = "/api/v1"
HEADLINE = "Montréal adopte un budget de 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")
ES_HEADLINE = "Montréal aprueba un presupuesto de 6,8 mil millones"
ES_BODY = ("El consejo municipal de Montréal aprobó el martes un presupuesto de 6,8 mil "
           "millones de dólares.\n\nLa alcaldesa Valérie Plante se dijo satisfecha.")
EN_HEADLINE = "Montréal adopts a 6.8 billion budget"
EN_BODY = ("Montréal city council adopted a budget of 6,8 billion dollars on Tuesday.\n\n"
           "Mayor Valérie Plante said she was satisfied.")


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert "Traceback" not in text
    err: dict[str, Any] = response.get_json()["error"]
    assert err["message"]
    if code is not None:
        assert err["code"] == code, err
    return err


def record_mt(services: Services, article_id: str, language: str, headline: str, body: str,
              source_version: int) -> bool:
    return services.app.record_machine_translation(
        UUID(article_id), language, headline=headline, body=body,
        source_version=source_version, engine="apertium", engine_version="3.8.3",
        route=["fr-es"] if language == "es" else ["fr-es", "spa-eng"], duration_ms=7,
        unknown_words=[],
    )


@pytest.fixture
def approved(client: FlaskClient, tokens: dict[str, str]) -> str:
    """A clean French article, submitted by jane and approved by eddie."""
    journalist, editor = auth(tokens["journalist"]), auth(tokens["editor"])
    article_id = ok(client.post(f"{API}/articles", headers=journalist, json={
        "headline": HEADLINE, "body": BODY, "language": "fr"}), 201)["id"]
    assert ok(client.post(f"{API}/articles/{article_id}/submit", headers=journalist)
              )["qa_findings"] == []
    assert ok(client.post(f"{API}/articles/{article_id}/approve", headers=editor)
              )["state"] == "approved"
    return str(article_id)


def test_translation_lifecycle(client: FlaskClient, tokens: dict[str, str],
                               sqlite_services: Services, approved: str) -> None:
    editor, translator = auth(tokens["editor"]), auth(tokens["translator"])
    url = f"{API}/articles/{approved}"

    requested = ok(client.post(f"{url}/translations", headers=editor,
                               json={"languages": ["es", "en"]}), 202)
    assert requested["translations"] == ["en", "es"]
    assert requested["version"] == 4  # the request is itself an event on the article

    # Each translation has its own stream and version, starting at 1.
    es_response = client.get(f"{url}/translations/es", headers=translator)
    es = ok(es_response)
    assert (es["language"], es["state"], es["version"]) == ("es", "requested", 1)
    assert es_response.headers["ETag"] == '"1"'
    assert (es["source_version"], es["stale"]) == (1, False)
    doc = ok(client.get(url, headers=translator))
    assert set(doc["translations"]) == {"es", "en"}
    assert doc["translations"]["es"]["state"] == "requested"

    # The worker records the machine output; a redelivered task records nothing.
    assert record_mt(sqlite_services, approved, "es", ES_HEADLINE, ES_BODY, 1) is True
    assert record_mt(sqlite_services, approved, "es", ES_HEADLINE, ES_BODY, 1) is False
    es = ok(client.get(f"{url}/translations/es", headers=translator))
    assert (es["state"], es["version"], es["engine"]) == ("machine_translated", 2, "apertium")
    assert (es["headline"], es["body"]) == (ES_HEADLINE, ES_BODY)
    assert [f for f in es["qa_findings"] if f["severity"] == "blocking"] == []
    # The worker's event is attributed to the system actor in the article's history.
    history = ok(client.get(f"{url}/history", headers=editor))
    mt = [e for e in history if e["type"].endswith("MachineTranslated")]
    assert [(e["stream"], e["actor"], e["role"]) for e in mt] == [
        ("translation:es", "system", "system")]
    positions = [e["position"] for e in history]
    assert positions == sorted(set(positions))

    # Post-edit: If-Match of the translation's own version is required and checked.
    edit = {"headline": "Montreal aprueba un presupuesto de 6,8 mil millones"}
    error(client.patch(f"{url}/translations/es", headers=translator, json=edit),
          428, "precondition_required")
    # The article's version (4) is not the translation's (2): stale for the translation.
    error(client.patch(f"{url}/translations/es",
                       headers=auth(tokens["translator"], **{"If-Match": '"4"'}), json=edit),
          412, "version_conflict")
    assert ok(client.get(f"{url}/translations/es", headers=translator))["version"] == 2
    edited = client.patch(f"{url}/translations/es",
                          headers=auth(tokens["translator"], **{"If-Match": '"2"'}), json=edit)
    assert ok(edited)["version"] == 3
    assert edited.headers["ETag"] == '"3"'
    es = ok(client.get(f"{url}/translations/es", headers=translator))
    assert (es["state"], es["headline"]) == ("in_review", edit["headline"])
    # The article itself did not move.
    assert ok(client.get(url, headers=editor))["version"] == 4

    # Auditors approve nothing, with or without a reason.
    error(client.post(f"{url}/translations/es/approve", headers=auth(tokens["auditor"]),
                      json={"override_reason": "Je confirme"}), 403, "forbidden")
    assert ok(client.get(f"{url}/translations/es", headers=translator))["state"] == "in_review"
    assert ok(client.post(f"{url}/translations/es/approve", headers=translator)
              )["state"] == "approved"

    # A translation cannot go out before its source.
    err = error(client.post(f"{url}/translations/es/publish", headers=editor), 409)
    assert err["details"]["state"] == "approved"  # the article's state
    assert ok(client.get(f"{url}/translations/es", headers=editor))["state"] == "approved"

    # Publishing the article takes the approved translation (es) with it, in one act.
    ok(client.post(f"{url}/publish", headers=editor))
    doc = ok(client.get(url, headers=editor))
    assert doc["publication"]["fr"]["revision"] == 1
    assert doc["publication"]["es"]["revision"] == 1
    assert doc["publication"]["es"]["first_published_at"].endswith("Z")
    assert doc["translations"]["es"]["state"] == "published"
    assert "en" not in doc["publication"]  # still only requested
    # Published already: a second publication of es is a state error.
    error(client.post(f"{url}/translations/es/publish", headers=editor), 409)

    # English arrives after the source went out: approved, then published on its own.
    en_version = ok(client.get(f"{url}/translations/en", headers=editor))["source_version"]
    assert record_mt(sqlite_services, approved, "en", EN_HEADLINE, EN_BODY, en_version)
    en = ok(client.get(f"{url}/translations/en", headers=editor))
    assert [f for f in en["qa_findings"] if f["severity"] == "blocking"] == []
    ok(client.post(f"{url}/translations/en/approve", headers=editor))
    published_en = ok(client.post(f"{url}/translations/en/publish", headers=editor))
    assert published_en["state"] == "published"
    doc = ok(client.get(url, headers=editor))
    assert doc["publication"]["en"]["revision"] == 1
    assert (doc["translations"]["es"]["stale"], doc["translations"]["en"]["stale"]) == (
        False, False)

    # A correction of the source makes both translations stale.
    ok(client.post(f"{url}/corrections", headers=editor, json={
        "body": BODY.replace("mardi", "lundi"), "note": "Le vote a eu lieu lundi."}))
    doc = ok(client.get(url, headers=editor))
    assert doc["publication"]["fr"]["revision"] == 2
    assert doc["translations"]["es"]["stale"] is True
    assert doc["translations"]["en"]["stale"] is True
    assert ok(client.get(f"{url}/translations/es", headers=editor))["stale"] is True
    # Their publication records are untouched by the source's correction.
    assert doc["publication"]["es"]["revision"] == 1

    # Re-requesting a stale translation starts it again from the new source version.
    ok(client.post(f"{url}/translations", headers=editor, json={"languages": ["es"]}), 202)
    es = ok(client.get(f"{url}/translations/es", headers=editor))
    assert (es["state"], es["stale"]) == ("requested", False)
    assert es["source_version"] == doc["version"]


def test_translation_of_a_past_state(client: FlaskClient, tokens: dict[str, str],
                                     sqlite_services: Services, approved: str) -> None:
    editor = auth(tokens["editor"])
    url = f"{API}/articles/{approved}"
    ok(client.post(f"{url}/translations", headers=editor, json={"languages": ["es"]}), 202)
    requested_at = ok(client.get(f"{url}/history", headers=editor))[-1]["at"]
    record_mt(sqlite_services, approved, "es", ES_HEADLINE, ES_BODY, 1)
    now = ok(client.get(url, headers=editor))["translations"]["es"]
    assert now["state"] == "machine_translated"
    then = ok(client.get(url, headers=editor, query_string={"at": requested_at}))
    assert then["translations"]["es"]["state"] == "requested"
    assert then["translations"]["es"]["headline"] == ""


def test_translation_refusals(client: FlaskClient, tokens: dict[str, str],
                              sqlite_services: Services, approved: str) -> None:
    url = f"{API}/articles/{approved}"
    editor = auth(tokens["editor"])
    # Permission: journalists and translators do not request translations.
    for role in ("journalist", "translator", "auditor"):
        error(client.post(f"{url}/translations", headers=auth(tokens[role]),
                          json={"languages": ["es"]}), 403, "forbidden")
    # Input.
    for bad in ({"languages": []}, {"languages": "es"}, {"languages": ["espagnol"]},
                {"languages": ["fr"]}, {"languages": [7]}):
        error(client.post(f"{url}/translations", headers=editor, json=bad), 422)
    error(client.post(f"{url}/translations", headers=editor, json={}), 422, "missing_field")
    # Nothing was requested by all of that.
    doc = ok(client.get(url, headers=editor))
    assert (doc["version"], doc["translations"]) == (3, {})
    # Existence: a language never requested, an unknown article.
    error(client.get(f"{url}/translations/es", headers=editor), 404)
    error(client.post(f"{API}/articles/00000000-0000-4000-8000-000000000000/translations",
                      headers=editor, json={"languages": ["es"]}), 404)

    ok(client.post(f"{url}/translations", headers=editor, json={"languages": ["es"]}), 202)
    # State: nothing to post-edit or approve before the machine output exists.
    error(client.patch(f"{url}/translations/es",
                       headers=auth(tokens["translator"], **{"If-Match": '"1"'}),
                       json={"headline": "Hola"}), 409)
    error(client.post(f"{url}/translations/es/approve", headers=auth(tokens["translator"])),
          409)
    # Translators edit and approve, but do not publish.
    record_mt(sqlite_services, approved, "es", ES_HEADLINE, ES_BODY, 1)
    error(client.post(f"{url}/translations/es/publish", headers=auth(tokens["translator"])),
          403)
    error(client.patch(f"{url}/translations/es",
                       headers=auth(tokens["translator"], **{"If-Match": '"2"'}),
                       json={"language": "en"}), 422, "unknown_field")
    assert ok(client.get(f"{url}/translations/es", headers=editor))["version"] == 2


def test_translation_with_blocking_findings_needs_a_reason(
    client: FlaskClient, tokens: dict[str, str], sqlite_services: Services, approved: str
) -> None:
    url = f"{API}/articles/{approved}"
    editor, translator = auth(tokens["editor"]), auth(tokens["translator"])
    ok(client.post(f"{url}/translations", headers=editor, json={"languages": ["es"]}), 202)
    # The engine dropped the amount: a number of the source is missing (blocking).
    record_mt(sqlite_services, approved, "es", "Montréal aprueba su presupuesto",
              "El consejo municipal de Montréal aprobó el martes su presupuesto.\n\n"
              "La alcaldesa Valérie Plante se dijo satisfecha.", 1)
    es = ok(client.get(f"{url}/translations/es", headers=editor))
    blocking = [f for f in es["qa_findings"] if f["severity"] == "blocking"]
    assert blocking, es["qa_findings"]
    err = error(client.post(f"{url}/translations/es/approve", headers=translator), 409,
                "blocking_findings")
    assert err["details"]["qa_findings"] == blocking
    # Issue 4: the translator's (or an editor's) reason is enough, recorded as an event.
    assert ok(client.get(f"{url}/translations/es", headers=editor))["state"] == \
        "machine_translated"
    before = datetime.now().astimezone()
    ok(client.post(f"{url}/translations/es/approve", headers=translator,
                   json={"override_reason": "Montant retiré à la demande du pupitre"}))
    history = ok(client.get(f"{url}/history", headers=editor))
    overridden = [e for e in history if e["stream"] == "translation:es"
                  and e["type"].endswith("QAOverridden")]
    assert len(overridden) == 1
    assert (overridden[0]["actor"], overridden[0]["role"]) == ("tina", "translator")
    assert overridden[0]["data"]["reason"] == "Montant retiré à la demande du pupitre"
    assert datetime.fromisoformat(overridden[0]["at"].replace("Z", "+00:00")) >= before
