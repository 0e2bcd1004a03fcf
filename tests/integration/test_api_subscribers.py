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


def test_early_delivery_is_a_contract_flag_off_by_default(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    admin = auth(tokens["admin"])
    base = {"transport": "file", "path": "/srv/drop", "format": "ninjs"}
    plain = client.post(f"{API}/subscribers", headers=admin, json={"name": "Plain", **base})
    early = client.post(f"{API}/subscribers", headers=admin,
                        json={"name": "Early", "early_embargo": True, **base})
    assert plain.status_code == early.status_code == 201
    flags = {s["name"]: s["early_embargo"]
             for s in client.get(f"{API}/subscribers", headers=admin).get_json()}
    assert flags == {"Plain": False, "Early": True}
    wrong = client.post(f"{API}/subscribers", headers=admin,
                        json={"name": "Odd", "early_embargo": "yes", **base})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["details"]["field"] == "early_embargo"


def test_admin_updates_settings_with_if_match_and_the_ssrf_guard(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    admin = auth(tokens["admin"])
    created = client.post(f"{API}/subscribers", headers=admin, json={
        "name": "Archive", "transport": "file", "path": "/srv/drop", "format": "ninjs"})
    sid = created.get_json()["id"]
    path = f"{API}/subscribers/{sid}"
    change = {"name": "Archive (NewsML)", "format": "newsml-g2"}
    assert client.patch(path, json=change).status_code == 401
    assert client.patch(path, headers=auth(tokens["auditor"]), json=change).status_code == 403
    assert client.patch(f"{API}/subscribers/00000000-0000-0000-0000-0000000000aa",
                        headers={**admin, "If-Match": '"1"'}, json=change).status_code == 404
    assert client.patch(path, headers=admin, json=change).status_code == 428
    saved = client.patch(path, headers={**admin, "If-Match": '"1"'}, json=change)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["version"] == 2 and "secret" not in saved.get_json()
    assert client.patch(path, headers={**admin, "If-Match": '"1"'},
                        json={"name": "Late"}).status_code == 412
    # To a webhook: the target is vetted, and a secret is generated (shown once).
    unsafe = client.patch(path, headers={**admin, "If-Match": '"2"'}, json={
        "transport": "webhook", "url": "https://169.254.169.254/latest"})
    assert unsafe.status_code == 422
    assert unsafe.get_json()["error"]["code"] == "unsafe_url"
    blank = client.patch(path, headers={**admin, "If-Match": '"2"'}, json={"secret": ""})
    assert blank.status_code == 422
    hooked = client.patch(path, headers={**admin, "If-Match": '"2"'}, json={
        "transport": "webhook", "url": "https://93.184.215.14/hook", "path": ""})
    assert hooked.status_code == 200, hooked.get_json()
    assert hooked.get_json()["secret"].startswith("whsec_")
    state = client.get(path, headers=admin).get_json()
    assert (state["name"], state["format"], state["transport"], state["has_secret"]) == (
        "Archive (NewsML)", "newsml-g2", "webhook", True)
