"""Bearer tokens, who-am-I and the public endpoints (DESIGN §6).

Tokens look like ``nr1.<user hex>.<token hex>.<secret>``; the token id used to revoke
one is the third dot-separated part.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.security import new_token, token_digest

API = "/api/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_id(token: str) -> str:
    return token.split(".")[2]


def status(response: TestResponse) -> int:
    assert "Traceback" not in response.get_data(as_text=True)
    return response.status_code


def me(client: FlaskClient, token: str) -> TestResponse:
    return client.get(f"{API}/me", headers=auth(token))


def test_me_names_the_user_and_current_roles(client: FlaskClient, tokens: dict[str, str],
                                             cast: Any) -> None:
    for role, expected_name in (("journalist", "jane"), ("editor", "eddie"),
                                ("auditor", "audrey"), ("admin", "adam")):
        response = me(client, tokens[role])
        assert response.status_code == 200
        body = response.get_json()
        assert (body["name"], body["roles"]) == (expected_name, [role])
        assert body["id"] == str(getattr(cast, role).user_id)


def test_revoked_token_stops_working_at_once(client: FlaskClient, tokens: dict[str, str],
                                             sqlite_services: Services) -> None:
    jane = tokens["journalist"]
    spare, _ = sqlite_services.app.issue_token("jane", 30)
    assert status(me(client, jane)) == 200
    # The owner revokes their own token...
    response = client.delete(f"{API}/users/jane/tokens/{token_id(jane)}", headers=auth(jane))
    assert response.status_code == 200
    assert response.get_json() == {"revoked": token_id(jane)}
    # ...and the very next request with it is refused, everywhere.
    assert status(me(client, jane)) == 401
    assert status(client.get(f"{API}/articles", headers=auth(jane))) == 401
    assert me(client, jane).get_json()["error"]["code"] == "unauthorized"
    # The user's other tokens are not affected.
    assert status(me(client, spare)) == 200
    # Revoking again with the dead token is itself unauthenticated.
    assert status(client.delete(f"{API}/users/jane/tokens/{token_id(jane)}",
                                headers=auth(jane))) == 401


def test_who_may_revoke_whose_token(client: FlaskClient, tokens: dict[str, str]) -> None:
    joe = tokens["journalist2"]
    url = f"{API}/users/joe/tokens/{token_id(joe)}"
    # Another journalist may not revoke Joe's token; neither may an editor.
    for role in ("journalist", "editor"):
        response = client.delete(url, headers=auth(tokens[role]))
        assert status(response) == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert status(me(client, joe)) == 200
    # Nobody revokes without a token.
    assert status(client.delete(url)) == 401
    # An admin may.
    assert status(client.delete(url, headers=auth(tokens["admin"]))) == 200
    assert status(me(client, joe)) == 401
    # Unknown user and a token id that is not an id at all: not found.
    admin = auth(tokens["admin"])
    assert status(client.delete(f"{API}/users/nobody/tokens/{token_id(joe)}",
                                headers=admin)) == 404
    assert status(client.delete(f"{API}/users/joe/tokens/xyz", headers=admin)) == 404


def test_revoking_an_unknown_token_is_404(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.delete(f"{API}/users/joe/tokens/{'0' * 32}",
                             headers=auth(tokens["admin"]))
    assert status(response) == 404


def test_expired_token_is_refused(client: FlaskClient, sqlite_services: Services,
                                  cast: Any) -> None:
    # issue_token only makes tokens of at least a day, so record one that already
    # expired through the same aggregate event the real path uses.
    app = sqlite_services.app
    user = app.find_user("jane")
    text, parts = new_token(user.id)
    user.issue_token(parts.token_id, token_digest(parts.secret),
                     datetime.now(UTC) - timedelta(seconds=1),
                     actor_id=SYSTEM_ACTOR.user_id, role="system")
    fresh_text, fresh = new_token(user.id)
    user.issue_token(fresh.token_id, token_digest(fresh.secret),
                     datetime.now(UTC) + timedelta(minutes=5),
                     actor_id=SYSTEM_ACTOR.user_id, role="system")
    app.save(user)
    assert status(me(client, text)) == 401
    assert status(me(client, fresh_text)) == 200  # control: same path, not expired


def test_tampered_or_malformed_tokens_are_refused(client: FlaskClient,
                                                  sqlite_services: Services,
                                                  cast: Any) -> None:
    good, _ = sqlite_services.app.issue_token("jane", 1)
    prefix, user_hex, tid, secret = good.split(".")
    tampered = [
        f"{prefix}.{user_hex}.{tid}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        f"{prefix}.{user_hex}.{tid}.",
        f"{prefix}.{user_hex}.{tid}",
        f"nr2.{user_hex}.{tid}.{secret}",
        f"{prefix}.{user_hex}.{tid}.{secret}.extra",
        f"{prefix}.{'f' * 32}.{tid}.{secret}",
        good.upper(),
    ]
    assert status(me(client, good)) == 200
    for token in tampered:
        assert status(me(client, token)) == 401, token


def test_role_revocation_bites_on_the_next_request(client: FlaskClient, tokens: dict[str, str],
                                                   sqlite_services: Services,
                                                   cast: Any) -> None:
    jane = tokens["journalist"]
    payload = {"headline": "Titre", "body": "Texte.", "language": "fr"}
    assert status(client.post(f"{API}/articles", headers=auth(jane), json=payload)) == 201
    sqlite_services.app.set_roles(cast.admin, "jane", [])
    # The token still identifies jane, but she may do nothing any more.
    assert me(client, jane).get_json()["roles"] == []
    assert status(client.post(f"{API}/articles", headers=auth(jane), json=payload)) == 403
    assert status(client.get(f"{API}/articles", headers=auth(jane))) == 403


def test_healthz_is_public(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True
    assert all(check["ok"] is True for check in body["checks"].values())


def test_openapi_is_public(client: FlaskClient) -> None:
    exists = resources.files("newsroom.web").joinpath("openapi.json").is_file()
    response = client.get("/api/openapi.json")
    if not exists:
        # Still a JSON error without a stack trace, then a clear expected failure.
        assert "Traceback" not in response.get_data(as_text=True)
        pytest.xfail("newsroom/web/openapi.json is not written yet")
    assert response.status_code == 200
    document = response.get_json()
    assert document == json.loads(
        resources.files("newsroom.web").joinpath("openapi.json").read_text("utf-8"))
    assert str(document["openapi"]).startswith("3.")
    paths = set(document["paths"])
    # The contract's core routes, however the server prefix is written.
    for route in ("/articles", "/articles/{article_id}", "/articles/{article_id}/history",
                  "/articles/{article_id}/translations/{lang}"):
        assert route in paths or f"{API}{route}" in paths, route
