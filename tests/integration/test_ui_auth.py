"""Login, sessions, CSRF and throttling through the real Flask app."""

from __future__ import annotations

from conftest import Cast, csrf_of, ui_login
from flask.testing import FlaskClient

from newsroom.web.ui import SESSION_COOKIE


def test_login_survives_reloads_and_logout_ends_it_server_side(
    client: FlaskClient, cast: Cast
) -> None:
    assert client.get("/welcome").status_code == 302  # not logged in: to the login page
    ui_login(client, "eddie")
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None and cookie.http_only
    assert client.get("/welcome").status_code == 200
    assert client.get("/welcome").status_code == 200  # a reload keeps the session
    token = csrf_of(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    # The old cookie, replayed, no longer opens anything: the session row is gone.
    client.set_cookie(SESSION_COOKIE, cookie.value)
    assert client.get("/welcome").status_code == 302


def test_forms_without_the_csrf_token_are_refused(client: FlaskClient, cast: Cast) -> None:
    ui_login(client, "eddie")
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/welcome").status_code == 200  # still logged in


def test_wrong_password_is_refused_and_repeated_failures_are_throttled(
    client: FlaskClient, cast: Cast
) -> None:
    for _ in range(5):
        page = client.post("/login", data={"name": "eddie", "password": "nope"})
        assert page.status_code == 401
        assert "wrong password" in page.get_data(as_text=True)
    throttled = client.post("/login", data={"name": "eddie", "password": "nope"})
    assert throttled.status_code == 429
    # Even the right password waits out the window: that is what stops guessing.
    from conftest import PASSWORD

    assert client.post("/login", data={"name": "eddie", "password": PASSWORD}).status_code == 429


def test_login_redirects_only_to_local_paths(client: FlaskClient, cast: Cast) -> None:
    from conftest import PASSWORD

    evil = client.post("/login?next=//evil.example/x", data={"name": "eddie",
                                                             "password": PASSWORD})
    assert evil.headers["Location"] in ("/", "http://localhost/")


def test_secure_cookie_flag_over_https(client: FlaskClient, cast: Cast) -> None:
    from conftest import PASSWORD

    response = client.post("/login", data={"name": "eddie", "password": PASSWORD},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    plain = client.post("/login", data={"name": "jane", "password": PASSWORD})
    assert plain.status_code == 302, plain.get_data(as_text=True)[:2000]
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_error_pages_are_friendly_html_without_traces(client: FlaskClient, cast: Cast) -> None:
    ui_login(client, "jane")
    page = client.get("/admin/users")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "<html" in text and "Traceback" not in text
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Nothing here" in missing.get_data(as_text=True)
