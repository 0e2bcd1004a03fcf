"""Shared fixtures: real stores (SQLite files, the real PostgreSQL) and demo actors.

PostgreSQL tests skip with a reason when the server is absent, unless
NEWSROOM_REQUIRE_SERVICES names it (CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsroom.bootstrap import Services, build
from newsroom.config import Settings
from newsroom.domain.policy import SYSTEM_ACTOR, Actor
from newsroom.domain.user import User
from newsroom.security import hash_password
from newsroom.web import create_app

PG_URL = os.environ.get("NEWSROOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]


def required_services() -> set[str]:
    return {s.strip() for s in os.environ.get("NEWSROOM_REQUIRE_SERVICES", "").split(",") if s}


def postgres_or_skip() -> None:
    try:
        with psycopg.connect(PG_URL.split("?")[0], connect_timeout=3):
            return
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at {PG_URL}: {exc}".strip()
        if "postgres" in required_services():
            pytest.fail(f"{reason} (NEWSROOM_REQUIRE_SERVICES requires it)")
        pytest.skip(reason)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL, dropped afterwards."""
    postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = PG_URL.split("?")[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def settings_for(var_dir: Path, database_url: str | None = None) -> Settings:
    env = {"NEWSROOM_VAR_DIR": str(var_dir)}
    if database_url:
        env["NEWSROOM_DATABASE_URL"] = database_url
    return Settings.from_env(env)


@pytest.fixture
def sqlite_services(tmp_path: Path) -> Iterator[Services]:
    services = build(settings_for(tmp_path / "var"))
    yield services
    services.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    """The same test against both stores."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_schema_url")
        services = build(settings_for(tmp_path / "var", url))
    else:
        services = build(settings_for(tmp_path / "var"))
    yield services
    services.close()


_HASH_CACHE: dict[str, str] = {}
PASSWORD = "correct horse battery"


def password_hash() -> str:
    # Real argon2id, computed once: hashing per test would dominate the suite's time.
    if PASSWORD not in _HASH_CACHE:
        _HASH_CACHE[PASSWORD] = hash_password(PASSWORD)
    return _HASH_CACHE[PASSWORD]


@dataclass
class Cast:
    journalist: Actor
    journalist2: Actor
    editor: Actor
    translator: Actor
    auditor: Actor
    admin: Actor

    def all(self) -> dict[str, Actor]:
        return dict(vars(self))


def make_user(services: Services, name: str, *roles: str) -> Actor:
    user = User.register(name=name, password_hash=password_hash(),
                         actor_id=SYSTEM_ACTOR.user_id, role="system")
    for role in roles:
        user.grant(role, actor_id=SYSTEM_ACTOR.user_id, role="system")
    services.app.save(user)
    return services.app.actor_for(user)


def make_cast(services: Services) -> Cast:
    return Cast(
        journalist=make_user(services, "jane", "journalist"),
        journalist2=make_user(services, "joe", "journalist"),
        editor=make_user(services, "eddie", "editor"),
        translator=make_user(services, "tina", "translator"),
        auditor=make_user(services, "audrey", "auditor"),
        admin=make_user(services, "adam", "admin"),
    )


@pytest.fixture
def cast(sqlite_services: Services) -> Cast:
    return make_cast(sqlite_services)


@pytest.fixture
def flask_app(sqlite_services: Services) -> Flask:
    return create_app(sqlite_services, {"TESTING": True})


@pytest.fixture
def client(flask_app: Flask) -> FlaskClient:
    return flask_app.test_client()


@pytest.fixture
def tokens(sqlite_services: Services, cast: Cast) -> dict[str, str]:
    """A bearer token per cast member, issued through the real token path."""
    return {
        role: sqlite_services.app.issue_token(actor.name, 1)[0]
        for role, actor in cast.all().items()
    }


SHARED = Path(os.environ.get("NEWSROOM_SHARED_DIR", REPO.parent / "shared"))


def ui_login(client: FlaskClient, name: str, password: str = PASSWORD) -> FlaskClient:
    """Logs a test client in through the real login form; returns it for chaining."""
    response = client.post("/login", data={"name": name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf_of(client: FlaskClient) -> str:
    """The session's CSRF token, read from a page's logout form."""
    import re

    page = client.get("/welcome").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def read_model_rows(services: Services) -> dict[str, list[tuple[object, ...]]]:
    """Every read-model row in a stable order, full-text documents included: what a
    rebuild must reproduce exactly."""
    from sqlalchemy import select, text

    from newsroom.projections.tables import metadata

    dump: dict[str, list[tuple[object, ...]]] = {}
    with services.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in ("rm_positions", "rm_article_search"):
                continue
            dump[table.name] = sorted((tuple(r) for r in conn.execute(select(table))),
                                      key=repr)
        search = "rm_article_search" if services.settings.is_postgres else "rm_article_fts"
        dump[search] = sorted(
            tuple(r) for r in conn.execute(text(f"SELECT id, headline, body FROM {search}")))
    return dump
