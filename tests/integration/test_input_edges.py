"""Input at the edges of what Python and the stores can hold: moments at the ends of
the calendar, versions beyond a 64-bit integer, a non-string copy to trace, resending
what was delivered, and a database that cannot be reached. Each is refused with a clear
message (422 in the API, a message by the field on a screen, a usage error from the
CLI), never a 500 or a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from conftest import Cast, csrf_of, ui_login
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from newsroom.application.provenance import MAX_COPY_CHARS
from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR

API = "/api/v1"
# Each overflows a datetime on the way to UTC or on the way back to the newsroom's zone.
EDGE_MOMENTS = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")
HUGE = 99999999999999999999
BAD_VERSIONS = (str(HUGE), str(2**63), "-1", "0")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refused(response: TestResponse, status: int = 422) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert "Traceback" not in text and 'File "' not in text
    return text


@pytest.fixture
def article(sqlite_services: Services, cast: Cast) -> str:
    app = sqlite_services.app
    aid = app.create_article(cast.editor, headline="Le budget est adopté",
                             body="Le conseil municipal a voté le budget mardi.",
                             language="fr").id
    app.submit(cast.editor, aid)
    app.approve(cast.editor, aid)
    app.publish(cast.editor, aid)
    sqlite_services.projections.catch_up()
    return str(aid)


# ---- moments at the ends of the calendar -------------------------------------------------


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
def test_api_moments_at_the_ends_of_the_calendar_are_422(
        client: FlaskClient, tokens: dict[str, str], article: str, moment: str) -> None:
    for path, token in ((f"{API}/audit/articles/{article}/public", tokens["auditor"]),
                        (f"{API}/articles/{article}", tokens["editor"])):
        response = client.get(path, headers=auth(token), query_string={"at": moment})
        refused(response)
        err = response.get_json()["error"]
        assert err["code"] == "invalid_input"
        assert "at" in err["message"] and "out of range" in err["message"]


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
def test_auditor_screens_say_a_moment_is_out_of_range(
        flask_app: Flask, article: str, moment: str) -> None:
    auditor = ui_login(flask_app.test_client(), "audrey")
    for path in (f"/audit/articles/{article}/public-at", f"/audit/articles/{article}/as-of",
                 "/audit/desk-at"):
        page = refused(auditor.get(path, query_string={"at": moment}))
        assert "out of range" in page, path
        for fmt in ("csv", "json"):
            refused(auditor.get(path, query_string={"at": moment, "format": fmt}))


def test_a_moment_just_inside_the_range_still_answers(
        client: FlaskClient, flask_app: Flask, tokens: dict[str, str], article: str) -> None:
    response = client.get(f"{API}/audit/articles/{article}/public",
                          headers=auth(tokens["auditor"]),
                          query_string={"at": "9998-12-31T00:00:00Z"})
    assert response.status_code == 200, response.get_data(as_text=True)
    auditor = ui_login(flask_app.test_client(), "audrey")
    assert auditor.get("/audit/desk-at", query_string={"at": "0002-01-02T00:00:00Z"}
                       ).status_code == 200


def test_publishing_with_an_embargo_at_the_end_of_the_calendar_is_refused(
        client: FlaskClient, flask_app: Flask, tokens: dict[str, str],
        sqlite_services: Services, cast: Cast) -> None:
    app = sqlite_services.app
    aid = app.create_article(cast.editor, headline="Le budget est adopté",
                             body="Le conseil a voté.", language="fr").id
    app.submit(cast.editor, aid)
    app.approve(cast.editor, aid)
    for moment in EDGE_MOMENTS[:2]:
        response = client.post(f"{API}/articles/{aid}/publish",
                               headers=auth(tokens["editor"]),
                               json={"embargo_until": moment})
        refused(response)
        assert "embargo_until" in response.get_json()["error"]["message"]
    eddie = ui_login(flask_app.test_client(), "eddie")
    page = eddie.get(f"/articles/{aid}/review").get_data(as_text=True)
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert version and token
    response = eddie.post(f"/articles/{aid}/publish", data={
        "csrf_token": token.group(1), "expected_version": version.group(1), "when": "now",
        "embargo_until": "9999-12-31T23:59"})
    assert re.search(r'id="e-embargo_until"[^>]*>[^<]*out of range', refused(response))
    assert app.get_article(cast.editor, aid).state == "approved"


# ---- versions beyond what the store can hold ---------------------------------------------


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_api_versions_out_of_range_are_422(
        client: FlaskClient, tokens: dict[str, str], article: str, version: str) -> None:
    response = client.get(f"{API}/articles/{article}", headers=auth(tokens["editor"]),
                          query_string={"version": version})
    refused(response)
    assert "version" in response.get_json()["error"]["message"]
    before = client.get(f"{API}/audit/redactions", headers=auth(tokens["admin"])).get_json()
    for value in (int(version), version):
        response = client.post(f"{API}/audit/redactions", headers=auth(tokens["admin"]),
                               json={"article_id": article, "version": value,
                                     "reason": "court order", "reference": "CO-1"})
        refused(response)
        assert "version" in response.get_json()["error"]["message"]
    after = client.get(f"{API}/audit/redactions", headers=auth(tokens["admin"])).get_json()
    assert after == before


def test_if_match_beyond_any_version_is_400_and_a_large_one_is_stale(
        client: FlaskClient, tokens: dict[str, str], sqlite_services: Services,
        cast: Cast) -> None:
    aid = sqlite_services.app.create_article(cast.journalist, headline="Titre",
                                             body="Un texte.", language="fr").id

    def patch(tag: str) -> TestResponse:
        return client.patch(f"{API}/articles/{aid}",
                            headers={**auth(tokens["journalist"]), "If-Match": f'"{tag}"'},
                            json={"headline": "Autre titre"})

    for tag in (str(HUGE), str(2**63), "9" * 5000):
        response = patch(tag)
        refused(response, 400)
        assert "versions run from 1 to" in response.get_json()["error"]["message"]
    refused(patch(str(2**63 - 1)), 412)
    assert sqlite_services.app.get_article(cast.journalist, aid).headline == "Titre"


@pytest.mark.parametrize("version", (str(HUGE), "-1"))
def test_the_redaction_screen_refuses_a_version_out_of_range(
        flask_app: Flask, article: str, version: str) -> None:
    admin = ui_login(flask_app.test_client(), "adam")
    response = admin.post("/admin/redactions", follow_redirects=True, data={
        "csrf_token": csrf_of(admin), "article_id": article, "version": version,
        "reason": "court order", "reference": "CO-1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Nothing redacted: version:" in text


@pytest.mark.parametrize("version", (str(HUGE), "-1"))
def test_the_auditor_version_pickers_refuse_a_version_out_of_range(
        flask_app: Flask, article: str, version: str) -> None:
    auditor = ui_login(flask_app.test_client(), "audrey")
    for path, name in ((f"/audit/articles/{article}/as-of", "version"),
                       (f"/audit/articles/{article}/diff", "from"),
                       (f"/audit/articles/{article}/diff", "to")):
        page = refused(auditor.get(path, query_string={name: version}))
        assert "versions run from 1 to" in page


# ---- provenance of a copy that is not text -----------------------------------------------


@pytest.mark.parametrize("text", (5, ["a", "b"], {"a": 1}, True, "", "   "))
def test_provenance_needs_a_non_empty_string(
        client: FlaskClient, tokens: dict[str, str], text: Any) -> None:
    response = client.post(f"{API}/audit/provenance", headers=auth(tokens["auditor"]),
                           json={"text": text})
    refused(response)
    message = response.get_json()["error"]["message"]
    assert message.startswith("text: ")
    if not isinstance(text, str):
        assert "must be a string" in message


def test_provenance_copy_over_the_limit_is_413(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.post(f"{API}/audit/provenance", headers=auth(tokens["auditor"]),
                           json={"text": "mot " * (MAX_COPY_CHARS // 4 + 1)})
    refused(response, 413)
    assert response.get_json()["error"]["code"] == "too_large"


# ---- resending what was delivered --------------------------------------------------------


def test_resending_a_delivered_delivery_says_it_was_delivered(
        client: FlaskClient, tokens: dict[str, str], sqlite_services: Services,
        cast: Cast, article: str) -> None:
    app = sqlite_services.app
    app.add_subscriber(cast.admin, {"name": "Wire", "transport": "file", "path": "wire",
                                    "format": "ninjs", "languages": ["fr"]})
    version = next(e.originator_version for e in app.events.get(UUID(article))
                   if type(e).__name__ == "Published")
    [did] = app.plan_deliveries(UUID(article), version, {}, datetime.now(UTC))
    app.record_delivery_attempt(did, outcome="delivered", http_status=None, duration_ms=3,
                                excerpt="", error="", give_up=False)
    assert app.get_delivery(SYSTEM_ACTOR, did).state == "delivered"
    response = client.post(f"{API}/deliveries/{did}/resend", headers=auth(tokens["admin"]))
    message = refused(response, 409)
    assert "already delivered" in message
    assert "wait for it to finish" not in message


# ---- the CLI ------------------------------------------------------------------------------


def cli(cwd: Path, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "newsroom", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("moment", EDGE_MOMENTS[:2])
def test_cli_replay_refuses_a_moment_out_of_range(tmp_path: Path, moment: str) -> None:
    result = cli(tmp_path, "replay", str(uuid4()), "--at", moment)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "--at" in result.stderr and "out of range" in result.stderr


@pytest.mark.parametrize("version", (str(HUGE), "-1", "0"))
def test_cli_replay_refuses_a_version_out_of_range(tmp_path: Path, version: str) -> None:
    result = cli(tmp_path, "replay", str(uuid4()), f"--version={version}")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "--version" in result.stderr


UNREACHABLE = {"NEWSROOM_DATABASE_URL": "postgresql://postgres:secret@127.0.0.1:1/x"}


@pytest.mark.parametrize("args", (("audit", "verify"), ("audit", "import", "export.jsonl"),
                                  ("history", str(uuid4())), ("migrate",),
                                  ("users", "token", "nobody")))
def test_cli_says_plainly_when_the_database_cannot_be_reached(
        tmp_path: Path, args: tuple[str, ...]) -> None:
    (tmp_path / "export.jsonl").write_text("{}\n", encoding="utf-8")
    result = cli(tmp_path, *args, env=UNREACHABLE)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: cannot reach the database postgresql://postgres:***@")
    assert "secret" not in result.stderr
