"""Refusals through the HTTP API: the order of checks of DESIGN §6
(401 -> 403 -> 404 -> 400/413/422 -> 409 -> 412), the error shape
{error: {code, message, details?}}, and that a refused request changes nothing.
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.user import User

API = "/api/v1"
HEADLINE = "Montréal adopte un budget de 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """Asserts the status and the error shape; returns the inner error object."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == "application/json", response.mimetype
    assert "Traceback" not in text and 'File "' not in text
    payload = response.get_json()
    assert set(payload) == {"error"}
    err: dict[str, Any] = payload["error"]
    assert set(err) <= {"code", "message", "details"}
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    if code is not None:
        assert err["code"] == code, err
    return err


def create(client: FlaskClient, token: str, **fields: Any) -> str:
    payload = {"headline": HEADLINE, "body": BODY, "language": "fr", **fields}
    response = client.post(f"{API}/articles", headers=auth(token), json=payload)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.get_json()["id"])


def snapshot(client: FlaskClient, token: str, article_id: str) -> dict[str, Any]:
    """The parts of the stored article a refused request must not touch."""
    response = client.get(f"{API}/articles/{article_id}", headers=auth(token))
    assert response.status_code == 200
    doc = response.get_json()
    return {k: doc[k] for k in ("version", "state", "headline", "body", "qa_findings")}


def article_count(client: FlaskClient, token: str) -> int:
    response = client.get(f"{API}/articles", headers=auth(token))
    assert response.status_code == 200
    return int(response.get_json()["total"])


@pytest.fixture
def draft(client: FlaskClient, tokens: dict[str, str]) -> str:
    """A draft written by jane (the `journalist`)."""
    return create(client, tokens["journalist"])


@pytest.fixture
def submitted(client: FlaskClient, tokens: dict[str, str], draft: str) -> str:
    response = client.post(f"{API}/articles/{draft}/submit", headers=auth(tokens["journalist"]))
    assert response.status_code == 200
    assert response.get_json()["qa_findings"] == []
    return draft


# ---- 401: authentication comes first --------------------------------------------------

def test_no_or_bad_token_is_401_before_anything_else(
    client: FlaskClient, tokens: dict[str, str], draft: str
) -> None:
    before = snapshot(client, tokens["editor"], draft)
    user_id, token_id, _secret = tokens["journalist"].split(".")[1:]
    other_secret = tokens["editor"].split(".")[3]
    bad_headers: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {tokens['journalist']}"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer nr1.{user_id}.{uuid4().hex}.{_secret}"},  # unknown id
        # jane's user and token id, someone else's secret: a forged token
        {"Authorization": f"Bearer nr1.{user_id}.{token_id}.{other_secret}"},
        {"Authorization": f"Bearer {tokens['journalist']}x"},  # tampered secret
        {"Authorization": f"Bearer nr1.{uuid4().hex}.{token_id}.{_secret}"},  # no such user
    ]
    requests = [
        ("GET", f"{API}/articles", None),
        ("GET", f"{API}/articles/{draft}", None),
        ("GET", f"{API}/articles/not-a-uuid", None),
        ("GET", f"{API}/me", None),
        # Even a malformed body or an unknown article answers 401 first.
        ("POST", f"{API}/articles", b"{not json"),
        ("PATCH", f"{API}/articles/{draft}", '{"headline": "Piraté"}'.encode()),
        ("POST", f"{API}/articles/{uuid4()}/approve", b"{"),
    ]
    for headers in bad_headers:
        for method, url, data in requests:
            response = client.open(url, method=method, data=data,
                                   headers={**headers, "Content-Type": "application/json",
                                            "If-Match": '"1"'})
            error(response, 401, "unauthorized")
    assert snapshot(client, tokens["editor"], draft) == before


# ---- 403: permission before existence and input ------------------------------------------

def test_journalist_may_not_approve_even_what_does_not_exist(
    client: FlaskClient, tokens: dict[str, str], submitted: str
) -> None:
    journalist = auth(tokens["journalist"], **{"Content-Type": "application/json"})
    before = snapshot(client, tokens["editor"], submitted)
    for target in (submitted, str(uuid4()), "not-a-uuid"):
        error(client.post(f"{API}/articles/{target}/approve", headers=journalist), 403,
              "forbidden")
        # A malformed body does not change the answer either: permission comes first.
        error(client.post(f"{API}/articles/{target}/approve", headers=journalist,
                          data=b"{oops"), 403, "forbidden")
    assert snapshot(client, tokens["editor"], submitted) == before


@pytest.mark.parametrize("role", ["translator", "auditor", "admin"])
def test_roles_without_create_are_refused(client: FlaskClient, tokens: dict[str, str],
                                          role: str) -> None:
    response = client.post(f"{API}/articles", headers=auth(tokens[role]),
                           json={"headline": HEADLINE, "body": BODY, "language": "fr"})
    error(response, 403, "forbidden")
    assert article_count(client, tokens["editor"]) == 0


def test_admin_has_no_newsroom_read_access(client: FlaskClient, tokens: dict[str, str],
                                           draft: str) -> None:
    # Deny by default: admins manage users, they do not read the desk.
    admin = auth(tokens["admin"])
    error(client.get(f"{API}/articles/{draft}", headers=admin), 403)
    error(client.get(f"{API}/articles", headers=admin), 403)
    error(client.get(f"{API}/articles/{draft}/history", headers=admin), 403)


def test_journalist_may_not_revise_a_submitted_article(
    client: FlaskClient, tokens: dict[str, str], submitted: str
) -> None:
    before = snapshot(client, tokens["editor"], submitted)
    url = f"{API}/articles/{submitted}"
    # Current version: 403, since only editors revise submissions.
    error(client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"2"'}),
                       json={"headline": "Nouveau titre"}), 403, "forbidden")
    # A stale version as well: 403 still wins over 412 in the order of checks.
    error(client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"1"'}),
                       json={"headline": "Nouveau titre"}), 403, "forbidden")
    assert snapshot(client, tokens["editor"], submitted) == before
    # An editor may revise it (positive control for the refusals above).
    response = client.patch(url, headers=auth(tokens["editor"], **{"If-Match": '"2"'}),
                            json={"headline": "Titre du pupitre"})
    assert response.status_code == 200
    assert snapshot(client, tokens["editor"], submitted)["headline"] == "Titre du pupitre"


def test_journalist_may_not_touch_another_journalists_draft(
    client: FlaskClient, tokens: dict[str, str], draft: str
) -> None:
    before = snapshot(client, tokens["editor"], draft)
    joe = tokens["journalist2"]
    url = f"{API}/articles/{draft}"
    error(client.patch(url, headers=auth(joe, **{"If-Match": '"1"'}),
                       json={"headline": "Réécrit par Joe"}), 403, "forbidden")
    error(client.post(f"{url}/submit", headers=auth(joe)), 403, "forbidden")
    assert snapshot(client, tokens["editor"], draft) == before
    # Joe can still read it (the desk is shared) and comment on it.
    assert client.get(url, headers=auth(joe)).status_code == 200


OWNERSHIP_ORDER_CASES = [
    # (who, article fixture, headers, body): each actor may not edit that article at all
    ("joe_bad_input_on_janes_draft", "journalist2", "draft", {"If-Match": '"1"'},
     {"headline": "<script>x</script>"}),
    ("joe_no_if_match_on_janes_draft", "journalist2", "draft", {}, {"headline": "Réécrit"}),
    ("jane_no_if_match_on_submitted", "journalist", "submitted", {}, {"headline": "Réécrit"}),
]


@pytest.mark.parametrize(("case", "who", "which", "headers", "payload"), OWNERSHIP_ORDER_CASES,
                         ids=[c[0] for c in OWNERSHIP_ORDER_CASES])
def test_ownership_refusal_comes_before_input_and_if_match(
    request: pytest.FixtureRequest, client: FlaskClient, tokens: dict[str, str],
    case: str, who: str, which: str, headers: dict[str, str], payload: dict[str, Any],
) -> None:
    article_id = request.getfixturevalue(which)
    before = snapshot(client, tokens["editor"], article_id)
    response = client.patch(f"{API}/articles/{article_id}", headers=auth(tokens[who], **headers),
                            json=payload)
    assert snapshot(client, tokens["editor"], article_id) == before
    error(response, 403, "forbidden")


# ---- 404: existence before input ---------------------------------------------------------

@pytest.mark.parametrize("target", ["unknown-uuid", "not-a-uuid", "12345", "..%2F..%2Fetc"])
def test_editor_approving_what_does_not_exist_is_404(
    client: FlaskClient, tokens: dict[str, str], target: str
) -> None:
    article_id = str(uuid4()) if target == "unknown-uuid" else target
    editor = auth(tokens["editor"], **{"Content-Type": "application/json"})
    error(client.post(f"{API}/articles/{article_id}/approve", headers=editor), 404, "not_found")
    # 404 before 400: a malformed body on a missing article is still "not found".
    error(client.post(f"{API}/articles/{article_id}/approve", headers=editor,
                      data=b"{oops"), 404, "not_found")
    error(client.get(f"{API}/articles/{article_id}", headers=editor), 404)
    error(client.get(f"{API}/articles/{article_id}/history", headers=editor), 404)
    error(client.patch(f"{API}/articles/{article_id}", headers=editor, json={}), 404)


def test_unknown_route_and_method_answer_in_the_error_shape(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    error(client.get(f"{API}/nothing-here", headers=auth(tokens["editor"])), 404)
    error(client.put(f"{API}/articles", headers=auth(tokens["editor"]), json={}), 405)


# ---- 400 / 413 / 415 / 422: input ---------------------------------------------------------

def _post_raw(client: FlaskClient, token: str, data: bytes,
              content_type: str = "application/json") -> TestResponse:
    return client.post(f"{API}/articles", data=data,
                       headers=auth(token, **{"Content-Type": content_type}))


def test_unreadable_bodies_are_400_or_415(client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["journalist"]
    error(_post_raw(client, token, b'{"headline": "x",'), 400, "malformed_json")
    error(_post_raw(client, token, b'["headline", "body"]'), 400, "malformed_json")
    error(_post_raw(client, token, b"null"), 400, "malformed_json")
    # Invalid UTF-8 inside a JSON string.
    error(_post_raw(client, token,
                    b'{"headline": "Caf\xe9", "body": "x", "language": "fr"}'),
          400, "invalid_utf8")
    good = b'{"headline": "Titre", "body": "Texte.", "language": "fr"}'
    error(_post_raw(client, token, good, "text/plain"), 415, "unsupported_media_type")
    error(_post_raw(client, token, good, "application/x-www-form-urlencoded"), 415)
    # An empty body where one is required is unreadable JSON.
    error(_post_raw(client, token, b""), 400, "malformed_json")
    assert article_count(client, tokens["editor"]) == 0
    # Positive control: the same body with the right media type (and a charset) works.
    assert _post_raw(client, token, good, "application/json; charset=utf-8").status_code == 201


def test_deeply_nested_json_is_400_not_500(client: FlaskClient, tokens: dict[str, str]) -> None:
    depth = 100_000
    data = b'{"headline": ' + b"[" * depth + b"]" * depth + b', "body": "B", "language": "fr"}'
    error(_post_raw(client, tokens["journalist"], data), 400, "malformed_json")


BAD_INPUT: list[tuple[str, dict[str, Any], str]] = [
    ("unknown field", {"headline": "T", "body": "B", "language": "fr", "author": "x"},
     "unknown_field"),
    ("missing body", {"headline": "T", "language": "fr"}, "missing_field"),
    ("missing language", {"headline": "T", "body": "B"}, "missing_field"),
    ("null headline", {"headline": None, "body": "B", "language": "fr"}, "missing_field"),
    ("headline 501 chars", {"headline": "x" * 501, "body": "B", "language": "fr"},
     "invalid_input"),
    ("empty headline", {"headline": "   ", "body": "B", "language": "fr"}, "invalid_input"),
    ("numeric headline", {"headline": 42, "body": "B", "language": "fr"}, "invalid_input"),
    ("body as list", {"headline": "T", "body": ["B"], "language": "fr"}, "invalid_input"),
    ("NUL in headline", {"headline": "Titre\x00caché", "body": "B", "language": "fr"},
     "invalid_input"),
    ("bell in headline", {"headline": "Titre\x07", "body": "B", "language": "fr"},
     "invalid_input"),
    ("newline in headline", {"headline": "Titre\nsuite", "body": "B", "language": "fr"},
     "invalid_input"),
    ("escape in body", {"headline": "T", "body": "a\x1b[31mb", "language": "fr"},
     "invalid_input"),
    ("lone surrogate", {"headline": "T\ud800", "body": "B", "language": "fr"},
     "invalid_input"),
    ("script in headline", {"headline": "<script>alert(1)</script>", "body": "B",
                            "language": "fr"}, "invalid_input"),
    ("html in headline", {"headline": "<b>Urgent</b> Séoul", "body": "B", "language": "fr"},
     "invalid_input"),
    ("html in byline", {"headline": "T", "body": "B", "language": "fr",
                        "byline": "<img src=x onerror=alert(1)>"}, "invalid_input"),
    ("language 'french'", {"headline": "T", "body": "B", "language": "french"},
     "invalid_input"),
    ("language empty", {"headline": "T", "body": "B", "language": ""}, "invalid_input"),
    ("language number", {"headline": "T", "body": "B", "language": 33}, "invalid_input"),
]


@pytest.mark.parametrize(("case", "payload", "code"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_invalid_article_input_is_422(client: FlaskClient, tokens: dict[str, str],
                                      case: str, payload: dict[str, Any], code: str) -> None:
    response = client.post(f"{API}/articles", headers=auth(tokens["journalist"]), json=payload)
    err = error(response, 422, code)
    if code == "invalid_input":
        assert err["details"]["field"] in payload, err
    assert article_count(client, tokens["editor"]) == 0


def test_size_limits(client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["journalist"]
    limit = 2 * 1024 * 1024
    # Exactly at the limits is accepted.
    at_limit = client.post(f"{API}/articles", headers=auth(token), json={
        "headline": "é" * 500, "body": "a" * limit, "language": "fr"})
    assert at_limit.status_code == 201
    # One byte over the body limit: 413, not 422.
    over = client.post(f"{API}/articles", headers=auth(token), json={
        "headline": "T", "body": "a" * (limit + 1), "language": "fr"})
    assert error(over, 413, "too_large")["details"]["field"] == "body"
    # The limit is in bytes of UTF-8: 1.1 M characters of "é" are 2.2 MB.
    multibyte = client.post(f"{API}/articles", headers=auth(token), json={
        "headline": "T", "body": "é" * 1_100_000, "language": "fr"})
    error(multibyte, 413, "too_large")
    # A request far over any limit is cut off before it is parsed, still as JSON.
    huge = _post_raw(client, token, b'{"body": "' + b"a" * (9 * 1024 * 1024) + b'"}')
    error(huge, 413)
    assert article_count(client, tokens["editor"]) == 1


def test_body_html_is_sanitized_not_refused(client: FlaskClient, tokens: dict[str, str]) -> None:
    body = ('<p>Texte <strong>gras</strong> et <a href="javascript:alert(1)">lien</a>.</p>'
            '<script>alert("x")</script><p onclick="steal()">Suite</p>')
    article_id = create(client, tokens["journalist"], body=body)
    stored = snapshot(client, tokens["editor"], article_id)["body"]
    assert "<strong>gras</strong>" in stored
    for dangerous in ("<script", "alert(", "javascript:", "onclick"):
        assert dangerous not in stored, stored


# ---- 409: state, after input ---------------------------------------------------------------

def test_approving_a_draft_is_409_with_allowed_actions(
    client: FlaskClient, tokens: dict[str, str], draft: str
) -> None:
    before = snapshot(client, tokens["editor"], draft)
    err = error(client.post(f"{API}/articles/{draft}/approve", headers=auth(tokens["editor"])),
                409, "invalid_transition")
    assert err["details"]["state"] == "draft"
    assert err["details"]["allowed_actions"] == ["comment", "revise", "submit"]
    # With a stale If-Match the state error still wins (409 before 412).
    err = error(client.post(f"{API}/articles/{draft}/approve",
                            headers=auth(tokens["editor"], **{"If-Match": '"7"'})), 409)
    # Other transitions that the draft state does not allow.
    error(client.post(f"{API}/articles/{draft}/publish", headers=auth(tokens["editor"])), 409)
    error(client.post(f"{API}/articles/{draft}/retract", headers=auth(tokens["editor"]),
                      json={"reason": "Erreur"}), 409)
    error(client.post(f"{API}/articles/{draft}/corrections", headers=auth(tokens["editor"]),
                      json={"note": "Erreur", "headline": "Autre"}), 409)
    assert snapshot(client, tokens["editor"], draft) == before


def test_input_errors_come_before_state_errors(
    client: FlaskClient, tokens: dict[str, str], draft: str
) -> None:
    editor = auth(tokens["editor"])
    # request-changes is not allowed on a draft (409), but a missing comment is 422 first.
    error(client.post(f"{API}/articles/{draft}/request-changes", headers=editor, json={}),
          422, "missing_field")
    error(client.post(f"{API}/articles/{draft}/retract", headers=editor,
                      json={"reason": "x", "extra": 1}), 422, "unknown_field")
    error(client.post(f"{API}/articles/{draft}/publish", headers=editor,
                      json={"at": "2030-01-01T09:00:00"}), 422)  # a time without an offset
    error(client.post(f"{API}/articles/{draft}/request-changes", headers=editor,
                      json={"comment": "Revoir"}), 409)


# ---- 428 / 412: versions ---------------------------------------------------------------------

def test_patch_needs_a_current_if_match(client: FlaskClient, tokens: dict[str, str],
                                        draft: str) -> None:
    before = snapshot(client, tokens["editor"], draft)
    url = f"{API}/articles/{draft}"
    change = {"headline": "Titre révisé"}
    error(client.patch(url, headers=auth(tokens["journalist"]), json=change),
          428, "precondition_required")
    err = error(client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"0"'}),
                             json=change), 412, "version_conflict")
    assert (err["details"]["expected"], err["details"]["current"]) == (0, 1)
    error(client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": '"2"'}),
                       json=change), 412)
    error(client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": "latest"}),
                       json=change), 400, "bad_if_match")
    assert snapshot(client, tokens["editor"], draft) == before

    # Accepted forms of the current version: quoted, weak, bare.
    for n, tag in enumerate(['"1"', 'W/"2"', "3"], start=1):
        response = client.patch(url, headers=auth(tokens["journalist"], **{"If-Match": tag}),
                                json={"headline": f"Titre {n}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["version"] == n + 1
        assert response.headers["ETag"] == f'"{n + 1}"'


def test_transition_checks_if_match_when_given(client: FlaskClient, tokens: dict[str, str],
                                               draft: str) -> None:
    url = f"{API}/articles/{draft}/submit"
    error(client.post(url, headers=auth(tokens["journalist"], **{"If-Match": '"5"'})),
          412, "version_conflict")
    assert snapshot(client, tokens["editor"], draft)["state"] == "draft"
    ok = client.post(url, headers=auth(tokens["journalist"], **{"If-Match": '"1"'}))
    assert ok.status_code == 200
    assert ok.get_json()["state"] == "submitted"


# ---- concurrency: no lost update ----------------------------------------------------------

def _second_editor(services: Services, name: str) -> str:
    user = User.register(name=name, password_hash="unused",
                         actor_id=SYSTEM_ACTOR.user_id, role="system")
    user.grant("editor", actor_id=SYSTEM_ACTOR.user_id, role="system")
    services.app.save(user)
    return services.app.issue_token(name, 1)[0]


def test_two_editors_same_version_one_wins(client: FlaskClient, tokens: dict[str, str],
                                           sqlite_services: Services, draft: str) -> None:
    other = _second_editor(sqlite_services, "edna")
    url = f"{API}/articles/{draft}"
    # Both read version 1...
    assert client.get(url, headers=auth(tokens["editor"])).headers["ETag"] == '"1"'
    assert client.get(url, headers=auth(other)).headers["ETag"] == '"1"'
    # ...both write against it: the first wins, the second is told, not overwritten.
    first = client.patch(url, headers=auth(tokens["editor"], **{"If-Match": '"1"'}),
                         json={"headline": "Version d’Eddie"})
    assert first.status_code == 200
    second = client.patch(url, headers=auth(other, **{"If-Match": '"1"'}),
                          json={"headline": "Version d’Edna"})
    err = error(second, 412, "version_conflict")
    assert err["details"] == {"expected": 1, "current": 2}
    final = snapshot(client, tokens["editor"], draft)
    assert (final["version"], final["headline"]) == (2, "Version d’Eddie")
    history = client.get(f"{url}/history", headers=auth(tokens["editor"])).get_json()
    assert [e["actor"] for e in history] == ["jane", "eddie"]


def test_racing_editors_one_wins_no_lost_update(
    flask_app: Flask, client: FlaskClient, tokens: dict[str, str],
    sqlite_services: Services, draft: str
) -> None:
    # Real threads hitting the app at once: the store's optimistic concurrency, not the
    # view's version check, must be what lets exactly one through.
    racers = [_second_editor(sqlite_services, f"editor{i}") for i in range(4)]
    barrier = threading.Barrier(len(racers))
    results: dict[int, TestResponse] = {}

    def race(i: int) -> None:
        own_client = flask_app.test_client()
        barrier.wait()
        results[i] = own_client.patch(
            f"{API}/articles/{draft}", json={"headline": f"Titre {i}"},
            headers=auth(racers[i], **{"If-Match": '"1"'}))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 412, 412, 412], statuses
    winner = next(i for i, r in results.items() if r.status_code == 200)
    for i, response in results.items():
        if i != winner:
            error(response, 412, "version_conflict")
    final = snapshot(client, tokens["editor"], draft)
    assert (final["version"], final["headline"]) == (2, f"Titre {winner}")
