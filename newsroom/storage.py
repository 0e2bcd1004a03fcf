"""Turns our settings into the environment the eventsourcing library reads, and
names where the read models live. SQLite gets one file per store (DESIGN §7: the
library's SQLite tables have fixed names, so two stores must not share a file)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from newsroom.config import ConfigError, Settings


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def event_store_env(settings: Settings) -> dict[str, str]:
    env = {
        "CREATE_TABLE": "y" if settings.create_tables else "n",
        # Hot articles are appended to often; a cache saves re-reading their stream.
        "AGGREGATE_CACHE_MAXSIZE": "1000",
        # A redaction is signed with the checkpoint key (newsroom.application.redaction).
        "NEWSROOM_SIGNING_KEY_FILE": str(settings.signing_key_file),
    }
    if settings.is_postgres:
        parts = urlsplit(settings.database_url)
        if not parts.path.strip("/"):
            raise ConfigError("NEWSROOM_DATABASE_URL: name the database after the host")
        query = parse_qs(parts.query)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=unquote(parts.path.strip("/")),
            POSTGRES_HOST=parts.hostname or "localhost",
            POSTGRES_PORT=str(parts.port or 5432),
            POSTGRES_USER=unquote(parts.username or "postgres"),
            POSTGRES_PASSWORD=unquote(parts.password or ""),
            POSTGRES_SCHEMA=query.get("schema", ["public"])[0],
            POSTGRES_CONNECT_TIMEOUT="5",
            POSTGRES_POOL_SIZE="5",
            POSTGRES_MAX_OVERFLOW="10",
            POSTGRES_PRE_PING="y",
            POSTGRES_LOCK_TIMEOUT="5",
        )
    else:
        path = sqlite_path(settings.database_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(path),
            SQLITE_LOCK_TIMEOUT="10",
        )
    return env


def read_model_url(settings: Settings) -> str:
    """SQLAlchemy URL of the read-model database."""
    if settings.is_postgres:
        parts = urlsplit(settings.database_url)
        base = settings.database_url.split("?", 1)[0]
        base = base.replace("postgres://", "postgresql://", 1)
        base = base.replace("postgresql://", "postgresql+psycopg://", 1)
        schema = parse_qs(parts.query).get("schema", [""])[0]
        return f"{base}?options=-csearch_path%3D{schema}" if schema else base
    path = sqlite_path(settings.database_url)
    return f"sqlite:///{path.with_name(path.stem + '.readmodels.sqlite')}"
