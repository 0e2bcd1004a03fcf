"""GET /api/v1/audit/verify, the auditor's verify screen, and the chain hash in an
article's history: one result, shown the same way everywhere."""

from __future__ import annotations

from audit_support import Attacker
from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient

from newsroom.bootstrap import Services
from newsroom.integrity.service import Integrity


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
    cached = client.get("/api/v1/audit/verify", headers=auditor).get_json()
    assert cached["cached"] is True and cached["ok"] is True  # the kept result, with its time
    assert cached["verified_at"] == first["verified_at"]

    fresh = client.get("/api/v1/audit/verify?fresh=1", headers=auditor).get_json()
    assert fresh["ok"] is False and fresh["cached"] is False
    assert fresh["first_bad"]["position"] == row.position
    assert fresh["first_bad"]["version"] == row.version
    assert fresh["first_bad"]["article_id"].replace("-", "") == row.originator_id
    assert "payload changed" in fresh["first_bad"]["problem"]
    # The CLI's --json and the API give the same object (the CLI stores its result too).
    assert {"ok", "checked", "first_bad"} <= set(Integrity.of(sqlite_services)
                                                 .last_result().document())  # type: ignore[union-attr]


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
