"""Subscribers through the JSON API: admins manage, auditors read, secrets never leak,
unsafe webhook targets are refused at subscribe time."""

from __future__ import annotations

from flask.testing import FlaskClient

API = "/api/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_admin_adds_a_webhook_subscriber_and_the_secret_is_shown_once(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    created = client.post(f"{API}/subscribers", headers=auth(tokens["admin"]), json={
        "name": "Partner", "transport": "webhook", "url": "https://93.184.215.14/hook",
        "format": "ninjs", "languages": ["fr", "es"]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    listed = client.get(f"{API}/subscribers", headers=auth(tokens["auditor"])).get_json()
    assert [s["name"] for s in listed] == ["Partner"]
    assert listed[0]["has_secret"] is True and "secret" not in listed[0]
    one = client.get(f"{API}/subscribers/{body['id']}", headers=auth(tokens["admin"]))
    assert one.status_code == 200 and "whsec_" not in one.get_data(as_text=True)


def test_file_drop_subscriber_and_suspend_resume(client: FlaskClient,
                                                 tokens: dict[str, str]) -> None:
    admin = auth(tokens["admin"])
    created = client.post(f"{API}/subscribers", headers=admin, json={
        "name": "Archive", "transport": "file", "path": "/srv/drop", "format": "newsml-g2"})
    sid = created.get_json()["id"]
    assert "secret" not in created.get_json()
    suspended = client.post(f"{API}/subscribers/{sid}/suspend", headers=admin,
                            json={"reason": "contract paused"})
    assert suspended.status_code == 200
    again = client.post(f"{API}/subscribers/{sid}/suspend", headers=admin,
                        json={"reason": "twice"})
    assert again.status_code == 409
    assert client.post(f"{API}/subscribers/{sid}/resume", headers=admin).status_code == 200
    state = client.get(f"{API}/subscribers/{sid}", headers=admin).get_json()
    assert state["state"] == "active" and state["version"] == 3


def test_who_may_do_what(client: FlaskClient, tokens: dict[str, str]) -> None:
    new = {"name": "P", "transport": "file", "path": "/x", "format": "ninjs"}
    for role in ("journalist", "editor", "translator", "auditor"):
        assert client.post(f"{API}/subscribers", headers=auth(tokens[role]),
                           json=new).status_code == 403, role
    for role in ("journalist", "editor", "translator"):
        assert client.get(f"{API}/subscribers", headers=auth(tokens[role])).status_code == 403
    assert client.get(f"{API}/subscribers").status_code == 401
    missing = "00000000-0000-0000-0000-0000000000aa"
    assert client.get(f"{API}/subscribers/{missing}",
                      headers=auth(tokens["admin"])).status_code == 404


def test_unsafe_targets_and_bad_input_are_refused_before_anything_is_stored(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    admin = auth(tokens["admin"])
    for url in ("http://93.184.215.14/hook", "https://127.0.0.1/hook",
                "https://169.254.169.254/latest", "https://[::1]/", "https://10.0.0.7/",
                "https://2130706433/", "https://good.example@127.0.0.1/"):
        refused = client.post(f"{API}/subscribers", headers=admin, json={
            "name": "Bad", "transport": "webhook", "url": url, "format": "ninjs"})
        assert refused.status_code == 422, (url, refused.get_json())
        assert refused.get_json()["error"]["details"]["field"] == "url"
    for bad in ({"name": "X", "transport": "pigeon", "path": "/x", "format": "ninjs"},
                {"name": "X", "transport": "file", "path": "/x", "format": "rss"},
                {"name": "X", "transport": "file", "format": "ninjs"},
                {"name": "X", "transport": "webhook", "url": "https://93.184.215.14/",
                 "format": "ninjs", "secret": "plain-text"},
                {"name": "X", "transport": "file", "path": "/x", "format": "ninjs",
                 "languages": ["klingon!"]}):
        assert client.post(f"{API}/subscribers", headers=admin, json=bad).status_code == 422
    assert client.get(f"{API}/subscribers", headers=admin).get_json() == []
