"""Optimistic concurrency end to end, and followers that never skip a committed event,
on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from uuid import UUID

import psycopg
import pytest
from conftest import make_cast

from newsroom.bootstrap import Services
from newsroom.domain.errors import VersionConflict


def test_eight_writers_on_one_article_lose_no_update(any_services: Services) -> None:
    cast = make_cast(any_services)
    app = any_services.app
    article_id = app.create_article(cast.editor, headline="Base", body="Body.", language="en").id
    barrier = threading.Barrier(8)
    winners: list[int] = []
    losers: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        barrier.wait()
        try:
            app.revise(cast.editor, article_id, {"headline": f"Writer {n}"}, expected_version=1)
        except VersionConflict:
            with lock:
                losers.append(n)
        else:
            with lock:
                winners.append(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Every writer read version 1; exactly one may build on it.
    assert len(winners) == 1
    assert sorted(winners + losers) == list(range(8))
    article = app.get_article(cast.editor, article_id)
    assert article.version == 2
    assert article.headline == f"Writer {winners[0]}"


def test_eight_writers_retrying_on_conflict_all_land(any_services: Services) -> None:
    """Losers that reload and retry all get their change in: none is silently lost."""
    cast = make_cast(any_services)
    app = any_services.app
    article_id = app.create_article(cast.editor, headline="Base", body="Body.", language="en").id
    conflicts = []

    def writer(n: int) -> None:
        for _ in range(200):
            current = app.get_article(cast.editor, article_id)
            try:
                app.revise(cast.editor, article_id, {"dateline": f"W{n}"}, current.version)
                app.comment(cast.editor, article_id, f"writer {n} was here")
                return
            except VersionConflict:
                conflicts.append(n)
        raise AssertionError(f"writer {n} never got through")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    article = app.get_article(cast.editor, article_id)
    assert sorted(c["text"] for c in article.comments) == sorted(
        f"writer {n} was here" for n in range(8)
    )


def test_followers_see_every_committed_event_despite_holes(any_services: Services) -> None:
    """On PostgreSQL a rolled-back insert burns an id; the follower must neither stall
    on the hole nor skip anything committed after it."""
    cast = make_cast(any_services)
    app = any_services.app
    first = app.create_article(cast.editor, headline="One", body="x", language="en").id
    if any_services.settings.is_postgres:
        _burn_ids(any_services, 3)
    second = app.create_article(cast.editor, headline="Two", body="y", language="en").id
    app.revise(cast.editor, first, {"headline": "One again"}, 1)

    seen: list[tuple[UUID, int]] = []
    start = 0
    while batch := app.recorder.select_notifications(start, 2, inclusive_of_start=False):
        seen.extend((UUID(str(n.originator_id)), n.originator_version) for n in batch)
        start = batch[-1].id
    assert (first, 1) in seen
    assert (second, 1) in seen
    assert (first, 2) in seen
    ids = [n.id for n in app.recorder.select_notifications(0, 1000)]
    if any_services.settings.is_postgres:
        assert any(b - a > 1 for a, b in itertools.pairwise(ids)), "expected a hole"
    # The read model, following the same log, has both articles.
    any_services.projections.catch_up()
    from sqlalchemy import select

    from newsroom.projections.tables import article_summaries

    with any_services.engine.connect() as conn:
        headlines = set(conn.execute(select(article_summaries.c.headline)).scalars())
    assert headlines == {"One again", "Two"}


def _burn_ids(services: Services, count: int) -> None:
    recorder = services.app.recorder
    schema = services.app.env.get("POSTGRES_SCHEMA") or "public"
    table = getattr(recorder, "events_table_name")  # noqa: B009
    dsn = services.settings.database_url.split("?")[0]
    with psycopg.connect(dsn) as conn:
        for _ in range(count):
            with pytest.raises(psycopg.errors.Error), conn.transaction():
                conn.execute(
                    f'SELECT nextval(pg_get_serial_sequence(\'"{schema}"."{table}"\', '
                    "'notification_id'))"
                )
                conn.execute("SELECT 1/0")
