"""GET /api/v1/audit/verify, the auditor's verify screen, and the chain hash in an
article's history: one result, shown the same way everywhere."""

from __future__ import annotations

import json

from audit_support import Attacker
from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient

from newsroom.bootstrap import Services
from newsroom.integrity.service import Integrity
from newsroom.web.integrity import FRESH_FOR


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def story(services: Services, cast: Cast) -> str:
    saved = services.app.create_article(cast.journalist, headline="Budget adopté",
                                        body="Le conseil a voté.", language="fr")
    services.app.revise(cast.journalist, saved.id, {"headline": "Budget adopté mardi"}, None)
    return str(saved.id)


def test_only_auditors_verify(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/audit/verify").status_code == 401
    for role in ("journalist", "editor", "translator", "admin"):
        response = client.get("/api/v1/audit/verify", headers=bearer(tokens[role]))
        assert response.status_code == 403, role
        assert response.get_json()["error"]["code"]


def test_verify_reports_clean_then_names_the_tampered_event(
        client: FlaskClient, tokens: dict[str, str], sqlite_services: Services,
        cast: Cast) -> None:
    story(sqlite_services, cast)
    integrity = Integrity.of(sqlite_services)
    integrity.checkpoint()
    auditor = bearer(tokens["auditor"])
    first = client.get("/api/v1/audit/verify", headers=auditor).get_json()
    assert first["ok"] is True and first["first_bad"] is None
    assert first["checked"] == len(Attacker(integrity).rows()) and first["cached"] is False

    attacker = Attacker(integrity)
    row = attacker.rows()[-1]
    attacker.set_state(row.position, row.state.replace(b"mardi", b"lundi"))
    # A DBA who tampers can also write a reassuring result, dated in the future, or a
    # garbled one: nothing is read back from the database.
    attacker.run_sql("INSERT INTO {verifications} (verified_at, result) VALUES (?, ?)",
                     ("2999-01-01T00:00:00+00:00", json.dumps({**first, "ok": True})))
    attacker.run_sql("INSERT INTO {verifications} (verified_at, result) VALUES (?, ?)",
                     ("garbled", "{}"))
    cached = client.get("/api/v1/audit/verify", headers=auditor).get_json()
    assert cached["cached"] is True and cached["ok"] is True  # this process's, with its age
    assert cached["verified_at"] == first["verified_at"]
    assert isinstance(cached["age_seconds"], int) and 0 <= cached["age_seconds"] < 300

    fresh = client.get("/api/v1/audit/verify?fresh=1", headers=auditor).get_json()
    assert fresh["ok"] is False and fresh["cached"] is False and fresh["age_seconds"] == 0
    assert fresh["first_bad"]["position"] == row.position
    assert fresh["first_bad"]["version"] == row.version
    assert fresh["first_bad"]["article_id"].replace("-", "") == row.originator_id
    assert "payload changed" in fresh["first_bad"]["problem"]
    # Every fresh request runs anew: undoing the tampering shows at once.
    attacker.set_state(row.position, row.state)
    again = client.get("/api/v1/audit/verify?fresh=1", headers=auditor).get_json()
    assert again["ok"] is True and again["cached"] is False
    # Tampered again; once the kept result expires, a plain request runs anew too.
    attacker.set_state(row.position, row.state.replace(b"mardi", b"lundi"))
    assert client.get("/api/v1/audit/verify", headers=auditor).get_json()["ok"] is True
    expire(client)
    expired = client.get("/api/v1/audit/verify", headers=auditor).get_json()
    assert expired["ok"] is False and expired["cached"] is False
    assert "payload changed" in expired["first_bad"]["problem"]


def expire(client: FlaskClient) -> None:
    """Ages this process's kept result past FRESH_FOR (as five minutes would)."""
    kept = client.application.extensions["integrity_verify_cache"].kept
    kept.finished -= FRESH_FOR.total_seconds() + 1


def test_the_auditor_screen_shows_the_same_result(
        client: FlaskClient, sqlite_services: Services, cast: Cast) -> None:
    story(sqlite_services, cast)
    integrity = Integrity.of(sqlite_services)
    integrity.checkpoint()
    ui_login(client, cast.auditor.name)
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "Verified." in page
    attacker = Attacker(integrity)
    row = attacker.rows()[3]
    attacker.delete(row.position)
    response = client.post("/audit/verify", data={"csrf_token": csrf_of(client)})
    assert response.status_code == 302
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "Tampering detected" in page and "deleted" in page
    assert f"<dd>{row.position}</dd>" in page
    assert " s ago" in page


def test_screen_and_api_follow_one_freshness_rule(
        client: FlaskClient, tokens: dict[str, str], sqlite_services: Services,
        cast: Cast) -> None:
    story(sqlite_services, cast)
    integrity = Integrity.of(sqlite_services)
    integrity.checkpoint()
    ui_login(client, cast.auditor.name)
    assert "Verified." in client.get("/audit/verify").get_data(as_text=True)
    attacker = Attacker(integrity)
    row = attacker.rows()[-1]
    attacker.set_state(row.position, row.state + b" ")
    assert "Verified." in client.get("/audit/verify").get_data(as_text=True)
    expire(client)
    page = client.get("/audit/verify").get_data(as_text=True)
    assert "Tampering detected" in page and "payload changed" in page
    api = client.get("/api/v1/audit/verify", headers=bearer(tokens["auditor"])).get_json()
    assert api["cached"] is True and api["ok"] is False


def test_history_carries_each_events_chain_hash(
        client: FlaskClient, tokens: dict[str, str], sqlite_services: Services,
        cast: Cast) -> None:
    article_id = story(sqlite_services, cast)
    url = f"/api/v1/articles/{article_id}/history"
    before = client.get(url, headers=bearer(tokens["auditor"])).get_json()
    assert [entry["hash"] for entry in before] == [None, None]  # not chained yet
    Integrity.of(sqlite_services).catch_up()
    after = client.get(url, headers=bearer(tokens["auditor"])).get_json()
    hashes = [entry["hash"] for entry in after]
    assert all(isinstance(h, str) and len(h) == 64 for h in hashes)
    assert len(set(hashes)) == 2
