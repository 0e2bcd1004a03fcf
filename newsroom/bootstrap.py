"""The composition root: the one place that turns settings into wired services."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event

from newsroom import storage
from newsroom.application import Newsroom
from newsroom.config import Settings
from newsroom.integrity.service import Integrity
from newsroom.projections import (
    article_list,
    article_search,
    audit_trail,
    delivery_list,
    publications,
    translation_queue,
    user_list,
)
from newsroom.projections.runner import Projection, ProjectionRunner


@dataclass
class Services:
    settings: Settings
    app: Newsroom
    engine: Engine
    projections: ProjectionRunner

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def read_model_engine(settings: Settings) -> Engine:
    url = storage.read_model_url(settings)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # WAL lets the web process read while a follower writes.
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            # No fsync per commit (it cost ~20 ms a batch): a power cut may lose the
            # last batches, but each batch commits with its position, so the read
            # model stays consistent and the next catch-up applies them again.
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            # A checkpoint (two fsyncs) every 10,000 WAL pages rather than 1,000: at
            # 1,000 it ran every other batch of a rebuild and took a quarter of its
            # time. The WAL grows to about 40 MB between checkpoints.
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=10000")

        return engine
    return create_engine(url, pool_pre_ping=True)


def projections_of() -> list[Projection]:
    return [
        Projection(name=m.NAME, topics=m.TOPICS, apply=m.apply, clear=m.clear,
                   tables=m.TABLES)
        for m in (article_list, article_search, translation_queue, audit_trail,
                  publications, user_list, delivery_list)
    ]


def secret_key(settings: Settings) -> bytes:
    """The key that signs flash messages; created once, kept out of the database."""
    path = settings.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def build(settings: Settings | None = None) -> Services:
    settings = settings or Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app = Newsroom(env=storage.event_store_env(settings))
    engine = read_model_engine(settings)
    runner = ProjectionRunner(engine, app.recorder, app.mapper, projections_of())
    if settings.create_tables:
        runner.create_tables()
        # The chain lives beside the events, not with the read models (integrity/store.py).
        Integrity.for_app(settings, app).create_tables()
    # A redaction record is chained before its tombstone is written (docs/audit.md).
    app.chain_log = Integrity.for_app(settings, app).catch_up
    return Services(settings=settings, app=app, engine=engine, projections=runner)
