"""Admin screens through the real Flask app: users, roles (audited events) and API
tokens (shown once, usable, revocable)."""

from __future__ import annotations

import re

from conftest import PASSWORD, Cast, csrf_of, ui_login
from flask.testing import FlaskClient

from newsroom.bootstrap import Services
from newsroom.domain.user import user_id_for

TOKEN = re.compile(r"nr1\.[0-9a-f]{32}\.[0-9a-f]{32}\.[A-Za-z0-9_\-]+")


def admin(client: FlaskClient) -> str:
    ui_login(client, "adam")
    return csrf_of(client)


def event_types(services: Services, name: str) -> list[str]:
    return [type(e).__name__ for e in services.app.events.get(user_id_for(name))]


def test_admin_lists_users_with_roles_and_token_counts(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    sqlite_services.app.issue_token("eddie", 5)
    admin(client)
    page = client.get("/admin/users")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("adam", "audrey", "eddie", "jane", "joe", "tina"):
        assert f'href="/admin/users/{name}"' in text
    row = text[text.index('href="/admin/users/eddie"'):]
    row = row[:row.index("</tr>")]
    assert "editor" in row and "1 / 1" in row


def test_admin_adds_a_user_who_appears_in_the_list_and_can_log_in(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    token = admin(client)
    response = client.post("/admin/users", data={
        "csrf_token": token, "name": "nadia", "password": "long enough pw",
        "roles": ["journalist", "translator"]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users/nadia")
    detail = client.get("/admin/users/nadia").get_data(as_text=True)
    assert "User nadia added with roles journalist, translator." in detail
    listing = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users/nadia"' in listing
    # Every grant is an event on the user's stream, made by the admin, as admin.
    events = list(sqlite_services.app.events.get(user_id_for("nadia")))
    assert [type(e).__name__ for e in events] == ["Registered", "RoleGranted", "RoleGranted"]
    assert {e.actor_id for e in events} == {cast.admin.user_id}  # type: ignore[attr-defined]
    assert {e.role for e in events} == {"admin"}  # type: ignore[attr-defined]
    other = client.application.test_client()
    ui_login(other, "nadia", "long enough pw")


def test_bad_name_and_short_password_are_shown_next_to_the_fields(
    client: FlaskClient, cast: Cast
) -> None:
    token = admin(client)
    page = client.post("/admin/users", data={
        "csrf_token": token, "name": "bad name!", "password": "short", "roles": ["editor"]})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="name-error"' in text and "2 to 64 letters" in text
    assert 'id="password-error"' in text and "At least 8 characters" in text
    assert 'value="bad name!"' in text  # the form keeps what was typed…
    assert 'value="editor" checked' in text
    assert "short" not in re.findall(r'name="password"[^>]*', text)[0]  # …but not the password
    taken = client.post("/admin/users", data={
        "csrf_token": token, "name": "EDDIE", "password": "long enough pw"})
    assert taken.status_code == 422
    assert "already exists" in taken.get_data(as_text=True)
    unknown = client.post("/admin/users", data={
        "csrf_token": token, "name": "zed", "password": "long enough pw", "roles": ["system"]})
    assert unknown.status_code == 422
    assert "Unknown role" in unknown.get_data(as_text=True)


def test_grant_and_revoke_roles_are_events_and_bite_on_the_next_request(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    token = admin(client)
    eddie = client.application.test_client()
    ui_login(eddie, "eddie")
    assert eddie.get("/admin/users").status_code == 403

    granted = client.post("/admin/users/eddie/roles", data={
        "csrf_token": token, "roles": ["editor", "admin"]})
    assert granted.status_code == 302
    assert "granted admin" in client.get("/admin/users/eddie").get_data(as_text=True)
    assert event_types(sqlite_services, "eddie")[-1] == "RoleGranted"
    # Eddie's open session sees the new role at once: roles are read per request.
    assert eddie.get("/admin/users").status_code == 200

    revoked = client.post("/admin/users/eddie/roles", data={
        "csrf_token": token, "roles": ["editor"]})
    assert revoked.status_code == 302
    assert event_types(sqlite_services, "eddie")[-2:] == ["RoleGranted", "RoleRevoked"]
    assert eddie.get("/admin/users").status_code == 403
    page = client.get("/admin/users/eddie").get_data(as_text=True)
    assert "revoked admin" in page
    assert 'value="editor" checked' in page and 'value="admin" checked' not in page

    unchanged = client.post("/admin/users/eddie/roles", data={
        "csrf_token": token, "roles": ["editor"]})
    assert unchanged.status_code == 302
    assert event_types(sqlite_services, "eddie")[-1] == "RoleRevoked"  # nothing new


def test_role_form_refuses_unknown_roles_and_self_lockout(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    token = admin(client)
    before = event_types(sqlite_services, "eddie")
    bad = client.post("/admin/users/eddie/roles", data={
        "csrf_token": token, "roles": ["editor", "emperor"]})
    assert bad.status_code == 422
    assert "unknown role" in bad.get_data(as_text=True).lower()
    assert event_types(sqlite_services, "eddie") == before
    self_demote = client.post("/admin/users/adam/roles", data={
        "csrf_token": token, "roles": ["auditor"]})
    assert self_demote.status_code == 422
    assert "your own admin role" in self_demote.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200
    assert client.post("/admin/users/nobody/roles", data={
        "csrf_token": token, "roles": ["editor"]}).status_code == 404


def test_audit_trail_link_only_for_viewers_who_can_audit(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    link = f'href="/audit/users/{cast.editor.user_id}"'
    admin(client)
    assert link not in client.get("/admin/users/eddie").get_data(as_text=True)
    sqlite_services.app.set_roles(cast.admin, "audrey", ["auditor", "admin"])
    both = client.application.test_client()
    ui_login(both, "audrey")
    assert link in both.get("/admin/users/eddie").get_data(as_text=True)


def test_token_is_shown_once_works_and_stops_working_when_revoked(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    token = admin(client)
    issued = client.post("/admin/users/tina/tokens", data={
        "csrf_token": token, "expires_in": "7"})
    assert issued.status_code == 201
    assert issued.headers["Cache-Control"] == "no-store"
    text = issued.get_data(as_text=True)
    assert "Copy it now" in text
    found = TOKEN.findall(text)
    assert len(set(found)) == 1
    secret = found[0]
    # Not in a cookie, not in a redirect: only in this one response body.
    assert secret not in (issued.headers.get("Set-Cookie") or "")
    assert "Location" not in issued.headers
    again = client.get("/admin/users/tina").get_data(as_text=True)
    assert secret not in again and secret.split(".")[3] not in again
    token_id = secret.split(".")[2]
    assert token_id[:8] in again and "active" in again
    assert event_types(sqlite_services, "tina")[-1] == "TokenIssued"

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["name"] == "tina"

    revoked = client.post(f"/admin/users/tina/tokens/{token_id}/revoke",
                          data={"csrf_token": token})
    assert revoked.status_code == 302
    assert event_types(sqlite_services, "tina")[-1] == "TokenRevoked"
    page = client.get("/admin/users/tina").get_data(as_text=True)
    assert "revoked" in page
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 401
    assert client.post(f"/admin/users/tina/tokens/{'0' * 32}/revoke",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/users/tina/tokens/not-hex/revoke",
                       data={"csrf_token": token}).status_code == 404


def test_token_lifetime_is_validated(client: FlaskClient, cast: Cast) -> None:
    token = admin(client)
    for value, message in (("0", "between 1 and 366"), ("400", "between 1 and 366"),
                           ("soon", "whole number")):
        page = client.post("/admin/users/tina/tokens", data={
            "csrf_token": token, "expires_in": value})
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert message in text.lower() and 'id="expires-error"' in text
        assert not TOKEN.search(text)


def test_non_admins_are_refused(client: FlaskClient, cast: Cast) -> None:
    for name in ("jane", "eddie", "tina", "audrey"):
        browser = client.application.test_client()
        ui_login(browser, name)
        token = csrf_of(browser)
        assert browser.get("/admin/users").status_code == 403
        assert browser.get("/admin/users/jane").status_code == 403
        assert browser.post("/admin/users", data={
            "csrf_token": token, "name": "sneaky", "password": "long enough pw",
            "roles": ["admin"]}).status_code == 403
        assert browser.post("/admin/users/jane/roles", data={
            "csrf_token": token, "roles": ["admin"]}).status_code == 403
        assert browser.post("/admin/users/jane/tokens", data={
            "csrf_token": token}).status_code == 403
    anonymous = client.get("/admin/users")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_forms_without_csrf_are_refused(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    admin(client)
    assert client.post("/admin/users", data={
        "name": "nadia", "password": "long enough pw"}).status_code == 400
    assert client.post("/admin/users/eddie/roles", data={
        "roles": ["admin"], "csrf_token": "forged"}).status_code == 400
    no_csrf = client.post("/admin/users/eddie/tokens", data={})
    assert no_csrf.status_code == 400 and not TOKEN.search(no_csrf.get_data(as_text=True))
    assert event_types(sqlite_services, "eddie") == ["Registered", "RoleGranted"]
    assert 'href="/admin/users/nadia"' not in client.get("/admin/users").get_data(as_text=True)


def test_user_names_are_escaped_and_unknown_users_are_404(
    client: FlaskClient, cast: Cast
) -> None:
    admin(client)
    assert client.get("/admin/users/nobody").status_code == 404
    page = client.get("/admin/users/<script>").get_data(as_text=True)
    assert "<script>" not in page
    # Names are case-insensitive, like logins.
    assert client.get("/admin/users/EDDIE").status_code == 200
    assert PASSWORD not in client.get("/admin/users").get_data(as_text=True)
