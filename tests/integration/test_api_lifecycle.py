"""The article lifecycle through the HTTP API (DESIGN §6), on a real SQLite store.

One long scenario walks the seed story from draft to retraction, because each step's
assertions (versions, revisions, history positions, past states) depend on the ones
before it; the request-changes flow has its own short test.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

# Same location rule as tests/conftest.py's SHARED (test modules cannot import conftest
# under --import-mode=importlib).
SHARED = Path(os.environ.get("NEWSROOM_SHARED_DIR",
                             Path(__file__).resolve().parents[2].parent / "shared"))
SEED = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.txt"
API = "/api/v1"
# The same instant written with Seoul's offset must select the same past state.
SEOUL = timezone(timedelta(hours=9))


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def ok(response: TestResponse, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def parse_utc(text: str) -> datetime:
    # The contract: responses give UTC in ISO 8601, written with a Z.
    assert text.endswith("Z"), text
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.utcoffset() == timedelta(0)
    return value


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed fixture missing: {SEED}")
    # newline="" keeps the bytes as they are: offsets must index exactly what we send.
    with SEED.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def test_full_lifecycle_of_the_seed_story(client: FlaskClient, tokens: dict[str, str],
                                          seed_text: str) -> None:
    journalist, editor = auth(tokens["journalist"]), auth(tokens["editor"])
    first_headline = "Pyongyang dénonce des « provocations irresponsables »"

    # -- create: 201, Location, ETag "1", body {id, version, state} and nothing else
    created = client.post(f"{API}/articles", headers=journalist, json={
        "headline": first_headline, "body": seed_text, "language": "fr",
    })
    body = ok(created, 201)
    assert set(body) == {"id", "version", "state"}
    article_id = body["id"]
    assert str(UUID(article_id)) == article_id
    assert (body["version"], body["state"]) == (1, "draft")
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"].endswith(f"{API}/articles/{article_id}")
    url = f"{API}/articles/{article_id}"

    # -- read: every field the contract names, with what we sent
    got = client.get(url, headers=journalist)
    doc = ok(got)
    for field in ("id", "version", "state", "language", "headline", "body", "qa_findings",
                  "translations", "publication"):
        assert field in doc, field
    assert got.headers["ETag"] == '"1"'
    assert (doc["id"], doc["version"], doc["state"], doc["language"]) == (
        article_id, 1, "draft", "fr")
    assert doc["headline"] == first_headline
    assert doc["body"] == seed_text  # plain text is kept exactly as typed
    assert (doc["qa_findings"], doc["translations"], doc["publication"]) == ([], {}, {})

    # -- revise with If-Match
    second_headline = "La Corée du Nord rejette les critiques de dix pays et de l’UE"
    patched = client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"1"'}),
                           json={"headline": second_headline})
    assert ok(patched) == {"id": article_id, "version": 2, "state": "draft"}
    assert patched.headers["ETag"] == '"2"'

    # -- submit: QA runs and its findings come back with offsets into the body as sent
    submitted = ok(client.post(f"{url}/submit", headers=journalist))
    assert (submitted["version"], submitted["state"]) == (3, "submitted")
    findings = submitted["qa_findings"]
    texts = {"headline": second_headline, "body": seed_text}
    sliced: dict[str, list[str]] = {}
    for f in findings:
        assert set(f) >= {"kind", "message", "field", "start", "end", "severity"}
        assert f["severity"] in ("blocking", "warning")
        value = texts[f["field"]]
        assert 0 <= f["start"] < f["end"] <= len(value), f
        sliced.setdefault(f["kind"], []).append(value[f["start"]:f["end"]])
    for kind in ("empty_list_slot", "acronym_variants", "doubled_punctuation", "boilerplate"):
        assert kind in sliced, f"{kind} missing from {sorted(sliced)}"
        assert all(f["severity"] == "blocking" for f in findings if f["kind"] == kind)
    # The defects of DESIGN §1, each located exactly (code points, not bytes: the text
    # holds é and ’ before each of them, so byte offsets would land elsewhere).
    slot_phrase = "du Canada, de la , de l’Allemagne"
    slot_at = seed_text.index(slot_phrase)
    assert any("," in s and s.strip(" ,") and s in slot_phrase for s in sliced["empty_list_slot"])
    assert all(slot_at <= f["start"] and f["end"] <= slot_at + len(slot_phrase)
               for f in findings if f["kind"] == "empty_list_slot")
    assert set(sliced["acronym_variants"]) <= {"KNCA", "KCNA"}
    assert ". ." in sliced["doubled_punctuation"]
    boilerplate = " | ".join(sliced["boilerplate"]).replace("\u00a0", " ")
    assert "For Latest Updates Follow us on Google News" in boilerplate
    assert "Related News" in boilerplate
    # "Publié à 17h39" has no date and no zone: a warning, not a blocker.
    assert any(f["severity"] == "warning" and "17h39" in texts[f["field"]][f["start"]:f["end"]]
               for f in findings)
    assert ok(client.get(url, headers=editor))["qa_findings"] == findings

    # -- approve: refused while blocking findings stand and no reason is given
    refused = client.post(f"{url}/approve", headers=editor)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "blocking_findings"
    blocking = [f for f in findings if f["severity"] == "blocking"]
    assert error["details"]["qa_findings"] == blocking
    assert ok(client.get(url, headers=editor))["version"] == 3  # nothing was recorded

    approved = ok(client.post(f"{url}/approve", headers=editor,
                              json={"override_reason": "Corrigé au pupitre avant diffusion"}))
    # Two events: the override (itself audited) and the approval.
    assert (approved["version"], approved["state"]) == (5, "approved")

    # -- publish: revision 1 of the source language, times in UTC with a Z
    before = datetime.now().astimezone()
    published = ok(client.post(f"{url}/publish", headers=editor))
    after = datetime.now().astimezone()
    assert (published["version"], published["state"]) == (6, "published")
    doc = ok(client.get(url, headers=editor))
    fr = doc["publication"]["fr"]
    assert fr["revision"] == 1
    first_published = parse_utc(fr["first_published_at"])
    assert before <= first_published <= after
    assert fr["updated_at"] == fr["first_published_at"]

    # -- correct: revision 2, first publication time kept, update time moves
    fixed_body = seed_text.replace("(KNCA)", "(KCNA)")
    corrected = ok(client.post(f"{url}/corrections", headers=editor, json={
        "body": fixed_body, "note": "Le sigle de l’agence a été corrigé.",
    }))
    assert (corrected["version"], corrected["state"]) == (7, "published")
    doc = ok(client.get(url, headers=editor))
    fr = doc["publication"]["fr"]
    assert fr["revision"] == 2
    assert parse_utc(fr["first_published_at"]) == first_published
    assert parse_utc(fr["updated_at"]) > first_published
    assert doc["body"] == fixed_body
    assert [c["note"] for c in doc["corrections"]] == ["Le sigle de l’agence a été corrigé."]

    # -- retract
    retracted = ok(client.post(f"{url}/retract", headers=editor,
                               json={"reason": "Doublon d’une dépêche déjà publiée"}))
    assert (retracted["version"], retracted["state"]) == (8, "retracted")
    doc = ok(client.get(url, headers=editor))
    assert doc["state"] == "retracted"
    assert doc["retraction_reason"] == "Doublon d’une dépêche déjà publiée"
    assert doc["allowed_actions"] == ["comment"]

    # -- history: every event, in log order, with who (by name), as what, when, what
    history = ok(client.get(f"{url}/history", headers=auth(tokens["auditor"])))
    kinds = ["Created", "Revised", "Submitted", "QAOverridden", "Approved", "Published",
             "Corrected", "Retracted"]
    assert len(history) == len(kinds)
    for entry, kind in zip(history, kinds, strict=True):
        assert entry["type"].endswith(kind), (entry["type"], kind)
        assert entry["stream"] == "article"
    assert [e["version"] for e in history] == list(range(1, 9))
    positions = [e["position"] for e in history]
    assert all(isinstance(p, int) for p in positions)
    assert positions == sorted(set(positions)), positions  # strictly increasing
    assert [(e["actor"], e["role"]) for e in history] == (
        [("jane", "journalist")] * 3 + [("eddie", "editor")] * 5)
    stamps = [parse_utc(e["at"]) for e in history]
    assert stamps == sorted(stamps)
    assert history[0]["data"]["headline"] == first_headline
    assert history[1]["data"]["changes"] == {"headline": second_headline}
    assert history[2]["data"]["qa_findings"] == findings
    assert history[3]["data"]["reason"] == "Corrigé au pupitre avant diffusion"
    assert history[6]["data"]["note"] == "Le sigle de l’agence a été corrigé."
    assert history[7]["data"]["reason"] == "Doublon d’une dépêche déjà publiée"

    # -- past states by version
    v1 = client.get(url, headers=editor, query_string={"version": "1"})
    old = ok(v1)
    assert (old["version"], old["state"], old["headline"]) == (1, "draft", first_headline)
    assert old["body"] == seed_text
    assert v1.headers["ETag"] == '"1"'
    v6 = ok(client.get(url, headers=editor, query_string={"version": "6"}))
    assert (v6["state"], v6["publication"]["fr"]["revision"]) == ("published", 1)
    assert v6["body"] == seed_text

    # -- past states by moment: between the revision (v2) and the submission (v3)
    t2, t3 = stamps[1], stamps[2]
    assert t2 < t3
    between = t2 + (t3 - t2) / 2
    for moment in (between, t2, between.astimezone(SEOUL)):
        at_doc = ok(client.get(url, headers=editor,
                               query_string={"at": moment.isoformat()}))
        assert (at_doc["version"], at_doc["state"], at_doc["headline"]) == (
            2, "draft", second_headline), moment
    # Just before the first event the article did not exist yet.
    before_creation = client.get(url, headers=editor,
                                 query_string={"at": (stamps[0] - timedelta(seconds=1))
                                               .isoformat()})
    assert before_creation.status_code == 404

    # -- bad past-state queries
    naive = client.get(url, headers=editor,
                       query_string={"at": between.replace(tzinfo=None).isoformat()})
    assert naive.status_code == 422
    assert naive.get_json()["error"]["details"]["field"] == "at"
    missing = client.get(url, headers=editor, query_string={"version": "999"})
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    for bad in ({"version": "0"}, {"version": "two"}, {"version": "1", "at": t2.isoformat()}):
        assert client.get(url, headers=editor, query_string=bad).status_code == 422, bad


CLEAN_HEADLINE = "Montréal adopte un budget de 6,8 milliards"
CLEAN_BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
              "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")


def test_request_changes_sends_the_draft_back_with_the_comment(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    journalist, editor = auth(tokens["journalist"]), auth(tokens["editor"])
    article_id = ok(client.post(f"{API}/articles", headers=journalist, json={
        "headline": CLEAN_HEADLINE, "body": CLEAN_BODY, "language": "fr",
    }), 201)["id"]
    url = f"{API}/articles/{article_id}"
    submitted = ok(client.post(f"{url}/submit", headers=journalist))
    assert submitted["qa_findings"] == []  # a clean text: nothing to override

    # An empty comment is input the domain refuses (422), and nothing is recorded.
    empty = client.post(f"{url}/request-changes", headers=editor, json={"comment": "  "})
    assert empty.status_code == 422
    assert ok(client.get(url, headers=editor))["version"] == 2

    comment = "Précisez la source du chiffre de 6,8 milliards."
    back = ok(client.post(f"{url}/request-changes", headers=editor, json={"comment": comment}))
    assert (back["version"], back["state"]) == (3, "draft")

    # The author sees the comment and may work on the draft again.
    doc = ok(client.get(url, headers=journalist))
    assert doc["state"] == "draft"
    assert doc["changes_requested_comment"] == comment
    assert doc["allowed_actions"] == ["comment", "revise", "submit"]
    history = ok(client.get(f"{url}/history", headers=journalist))
    assert history[-1]["type"].endswith("ChangesRequested")
    assert (history[-1]["actor"], history[-1]["role"]) == ("eddie", "editor")
    assert history[-1]["data"] == {"comment": comment}

    # Requesting changes again on a draft is a state error (409), not a silent no-op.
    again = client.post(f"{url}/request-changes", headers=editor, json={"comment": comment})
    assert again.status_code == 409
    assert again.get_json()["error"]["details"]["state"] == "draft"

    revised = client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"3"'}),
                           json={"body": CLEAN_BODY + "\n\nSource : rapport du conseil."})
    assert ok(revised)["version"] == 4
    resubmitted = ok(client.post(f"{url}/submit", headers=journalist))
    assert (resubmitted["version"], resubmitted["state"]) == (5, "submitted")


def test_scheduled_publication_and_embargo_times(client: FlaskClient,
                                                 tokens: dict[str, str]) -> None:
    journalist, editor = auth(tokens["journalist"]), auth(tokens["editor"])
    article_id = ok(client.post(f"{API}/articles", headers=journalist, json={
        "headline": CLEAN_HEADLINE, "body": CLEAN_BODY, "language": "fr",
    }), 201)["id"]
    url = f"{API}/articles/{article_id}"
    ok(client.post(f"{url}/submit", headers=journalist))
    ok(client.post(f"{url}/approve", headers=editor))

    # Times in requests need an offset: a naive time is refused, nothing is scheduled.
    naive = client.post(f"{url}/publish", headers=editor, json={"at": "2030-01-01T09:00:00"})
    assert naive.status_code == 422
    assert naive.get_json()["error"]["details"]["field"] == "at"
    # An embargo that ends before the publication time is refused.
    early = client.post(f"{url}/publish", headers=editor, json={
        "at": "2030-01-01T09:00:00+05:00", "embargo_until": "2030-01-01T03:59:59Z"})
    assert early.status_code == 422
    assert early.get_json()["error"]["details"]["field"] == "embargo_until"
    assert ok(client.get(url, headers=editor))["version"] == 3

    # A future time schedules; the response shows it in UTC.
    scheduled = ok(client.post(f"{url}/publish", headers=editor,
                               json={"at": "2030-01-01T09:00:00+05:00"}))
    assert (scheduled["state"], scheduled["version"]) == ("approved", 4)
    doc = ok(client.get(url, headers=editor))
    assert doc["scheduled_at"] == "2030-01-01T04:00:00Z"
    assert doc["publication"] == {}

    # Publishing now under an embargo: the embargo is kept, in UTC.
    ok(client.post(f"{url}/publish", headers=editor,
                   json={"embargo_until": "2030-01-01T12:00:00+01:00"}))
    doc = ok(client.get(url, headers=editor))
    assert doc["state"] == "published"
    assert doc["scheduled_at"] is None
    fr = doc["publication"]["fr"]
    assert (fr["revision"], fr["embargo_until"]) == (1, "2030-01-01T11:00:00Z")
