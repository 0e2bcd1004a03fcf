"""Read models follow the log exactly once, and a rebuild equals the live state."""

from __future__ import annotations

import pytest
from conftest import make_cast, read_model_rows
from sqlalchemy import delete, select, text

from newsroom.bootstrap import Services, build
from newsroom.projections.tables import article_summaries, positions


def _rows(services: Services) -> list[dict[str, object]]:
    with services.engine.connect() as conn:
        rows = conn.execute(select(article_summaries).order_by(article_summaries.c.id))
        return [dict(r._mapping) for r in rows]


def test_rebuild_equals_live_state(any_services: Services) -> None:
    cast = make_cast(any_services)
    app = any_services.app
    ids = []
    for n in range(12):
        saved = app.create_article(cast.journalist, headline=f"Story {n}", body="Text.",
                                   language="en" if n % 2 else "fr")
        ids.append(saved.id)
        if n % 3 == 0:
            app.revise(cast.journalist, saved.id, {"headline": f"Story {n} (rev)"}, 1)
            any_services.projections.catch_up()  # interleave live catch-ups with writes
        if n % 4 == 0:
            app.submit(cast.journalist, saved.id)
    # One article goes all the way, so translations and publications have rows too.
    story = app.create_article(cast.editor, headline="Full story", body="Le texte.",
                               language="fr").id
    app.submit(cast.editor, story)
    app.approve(cast.editor, story)
    app.request_translations(cast.editor, story, ["es"])
    app.record_machine_translation(story, "es", headline="Historia", body="El texto.",
                                   source_version=1, engine="e", engine_version="1",
                                   route=["fr-es"], duration_ms=1, unknown_words=[])
    app.approve_translation(cast.translator, story, "es")
    app.publish(cast.editor, story)
    app.correct(cast.editor, story, {"body": "Le texte corrigé."}, "Typo.")
    app.retract(cast.editor, story, "Superseded.")
    any_services.projections.catch_up()
    live = [r for r in _rows(any_services) if r["id"] != story]
    assert len(live) == 12
    assert {r["state"] for r in live} == {"draft", "submitted"}

    everything = read_model_rows(any_services)
    assert len(everything["rm_audit_trail"]) > 12
    applied = any_services.projections.rebuild("article_list")
    assert applied > 0
    assert [r for r in _rows(any_services) if r["id"] != story] == live
    assert len(everything["rm_publications"]) == 2
    assert len(everything["rm_translations"]) == 1
    for name in any_services.projections.projections:
        any_services.projections.rebuild(name)
    assert read_model_rows(any_services) == everything


def test_two_followers_apply_each_event_once(any_services: Services) -> None:
    """A second process (here: a second, independently built runner) racing the first
    must not double-apply: rows and position stay consistent."""
    cast = make_cast(any_services)
    for n in range(30):
        any_services.app.create_article(cast.journalist, headline=f"H{n}", body="b",
                                        language="en")
    other = build(any_services.settings)
    try:
        import threading

        threads = [
            threading.Thread(target=any_services.projections.catch_up),
            threading.Thread(target=other.projections.catch_up),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        other.close()
    assert len(_rows(any_services)) == 30
    with any_services.engine.connect() as conn:
        position = conn.execute(select(positions.c.position)
                                .where(positions.c.projection == "article_list")).scalar_one()
    # The position is that of the last event the projection subscribes to.
    assert position == max(
        n.id for n in any_services.app.recorder.select_notifications(
            0, 10_000, topics=any_services.projections.projections["article_list"].topics))


def _rich_history(services: Services) -> None:
    """Rows created and changed within one batch, changed across batches, changed
    several times per batch: every kind of write a batch folds."""
    cast = make_cast(services)
    app = services.app
    for n in range(6):
        aid = app.create_article(cast.journalist, headline=f"Story {n}", body=f"Text {n}.",
                                 language="en" if n % 2 else "fr").id
        for k in range(n):
            app.revise(cast.journalist, aid, {"body": f"Text {n}, take {k}."}
                       | ({"headline": f"Story {n}.{k}"} if k % 2 else {}), None)
        if n >= 2:
            app.submit(cast.journalist, aid)
            app.request_changes(cast.editor, aid, f"Shorter, please ({n}).")
            app.revise(cast.journalist, aid, {"body": f"Short {n}."}, None)
            app.submit(cast.journalist, aid)
        if n >= 3:
            app.approve(cast.editor, aid)
            app.request_translations(cast.editor, aid, ["es"])
            app.record_machine_translation(aid, "es", headline=f"Historia {n}",
                                           body=f"Texto {n}.", engine="e",
                                           source_version=app.get_article(
                                               cast.editor, aid).content_version,
                                           engine_version="1", route=["x-es"], duration_ms=1,
                                           unknown_words=[])
            app.approve_translation(cast.editor, aid, "es", "Checked by the desk.")
            app.publish(cast.editor, aid)
        if n >= 4:
            app.correct(cast.editor, aid, {"headline": f"Story {n} (corrected)"}, "Name.")
            app.correct(cast.editor, aid, {"body": f"Short {n}, fixed."}, "Typo.")
        if n == 5:
            app.retract(cast.editor, aid, "Wrong.")


def test_batches_apply_exactly_like_one_event_at_a_time(any_services: Services) -> None:
    """A projection folds each batch's writes per row; the result must not depend on
    where the batches start and end, down to batches of one event."""
    _rich_history(any_services)
    runner = any_services.projections
    dumps = []
    for size in (1, 7, 500):
        runner.batch_size = size
        for name in runner.projections:
            runner.rebuild(name)
        dumps.append(read_model_rows(any_services))
    assert dumps[0]["rm_publications"] and dumps[0]["rm_translations"]
    assert dumps[1] == dumps[0]
    assert dumps[2] == dumps[0]


def test_catch_up_of_read_models_already_at_the_head_writes_nothing(
        any_services: Services) -> None:
    """Every page view catches its read models up: when they are there already, it
    costs reads only, and naming several catches up exactly those."""
    from sqlalchemy import event

    cast = make_cast(any_services)
    runner = any_services.projections
    runner.catch_up()
    statements: list[str] = []
    commits: list[object] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement.split()[0].upper())

    def committed(conn: object) -> None:
        commits.append(conn)

    event.listen(any_services.engine, "before_cursor_execute", record)
    event.listen(any_services.engine, "commit", committed)
    try:
        assert runner.catch_up("article_list", "audit_trail", "user_list") == 0
        assert statements and set(statements) == {"SELECT"}
        # One read of the positions for all three, and no transaction committed
        # (each projection's own checked-and-committed batch was the slow path).
        assert len(statements) == 1
        assert commits == []
        statements.clear()
        any_services.app.create_article(cast.journalist, headline="New", body="b",
                                        language="en")
        assert runner.catch_up("article_list", "user_list") == 1
        assert "UPDATE" in statements
        assert commits
    finally:
        event.remove(any_services.engine, "before_cursor_execute", record)
        event.remove(any_services.engine, "commit", committed)
    head = any_services.app.recorder.max_notification_id()
    assert runner.position("article_list") == head
    assert runner.position("audit_trail") < head  # not named, not moved
    assert runner.catch_up("audit_trail") == 1
    with pytest.raises(KeyError):
        runner.catch_up("no_such_read_model")


def _index_ddl(services: Services) -> list[tuple[str, str]]:
    from newsroom.projections import set_aside

    with services.engine.connect() as conn:
        return sorted(
            pair for p in services.projections.projections.values()
            for table in p.tables for pair in set_aside._indexes(conn, table))


def test_rebuild_sets_indexes_aside_and_creates_each_again(any_services: Services) -> None:
    """A rebuild drops each read model's secondary indexes and builds them once at
    the end; the database ends with the same indexes, stopped early or not."""
    cast = make_cast(any_services)
    for n in range(5):
        any_services.app.create_article(cast.journalist, headline=f"H{n}", body="b",
                                        language="en")
    runner = any_services.projections
    runner.catch_up()
    before = _index_ddl(any_services)
    names = {name for name, _ in before}
    assert "ix_rm_audit_trail_subject_id" in names
    assert "ix_rm_article_summaries_author_created" in names  # from a migration only
    seen_during: list[list[tuple[str, str]]] = []

    def look(_count: int) -> None:
        seen_during.append(_index_ddl(any_services))

    for name in runner.projections:
        runner.rebuild(name, progress=look)
    assert _index_ddl(any_services) == before
    # While the audit trail was rebuilt, its index was away.
    assert any("ix_rm_audit_trail_subject_id" not in {n for n, _ in seen}
               for seen in seen_during)

    class Stop(Exception):
        pass

    def stop(_count: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        runner.rebuild("audit_trail", progress=stop)
    assert _index_ddl(any_services) == before


def test_indexes_a_killed_rebuild_dropped_come_back(any_services: Services) -> None:
    """A rebuild killed between dropping and creating leaves the statements in
    rm_dropped_indexes; the next start (migrations) or rebuild creates them again."""
    from newsroom.projections import set_aside
    from newsroom.projections.tables import dropped_indexes

    runner = any_services.projections
    runner.catch_up()
    before = _index_ddl(any_services)
    tables = runner.projections["article_list"].tables
    with any_services.engine.begin() as conn:  # what rebuild() does before it replays
        assert set_aside.set_aside(conn, tables) >= 2
    assert len(_index_ddl(any_services)) < len(before)
    runner.create_tables()
    assert _index_ddl(any_services) == before
    with any_services.engine.begin() as conn:
        set_aside.set_aside(conn, tables)
    runner.rebuild("article_list")
    assert _index_ddl(any_services) == before
    with any_services.engine.connect() as conn:
        assert conn.execute(select(dropped_indexes)).all() == []


def _all_index_names(services: Services, table: str) -> set[str]:
    query = ("SELECT indexname FROM pg_indexes WHERE tablename = :t "
             "AND schemaname = current_schema()" if services.settings.is_postgres else
             "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t")
    with services.engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(text(query), {"t": table})}


def test_restoring_an_index_is_all_or_nothing_and_idempotent(any_services: Services) -> None:
    """Putting indexes back commits each with the deletion of its record or neither
    (a restore that fails part-way leaves every record for the next one), and an
    index already back (another process restored it) is not an error. Unique
    indexes are never set aside."""
    from sqlalchemy import insert
    from sqlalchemy.exc import DBAPIError

    from newsroom.projections import set_aside
    from newsroom.projections.tables import dropped_indexes

    runner = any_services.projections
    runner.catch_up()
    before = _index_ddl(any_services)
    tables = runner.projections["article_list"].tables
    with any_services.engine.begin() as conn:
        conn.execute(text("CREATE UNIQUE INDEX ux_test_summaries ON "
                          "rm_article_summaries (id, version)"))
        dropped = set_aside.set_aside(conn, tables)
    assert dropped >= 2
    names = _all_index_names(any_services, "rm_article_summaries")
    assert "ux_test_summaries" in names
    assert not names & {n for n, _ in before if n.startswith("ix_rm_article_summaries")}
    # A record whose statement fails, sorted after the real ones.
    with any_services.engine.begin() as conn:
        conn.execute(insert(dropped_indexes).values(
            name="zz_broken", table_name="rm_article_summaries",
            ddl="CREATE INDEX zz_broken ON rm_article_summaries (no_such_column)"))
    with pytest.raises(DBAPIError), any_services.engine.begin() as conn:
        set_aside.restore(conn)
    # Rolled back whole: no index created, every record kept.
    assert _all_index_names(any_services, "rm_article_summaries") == names
    with any_services.engine.connect() as conn:
        assert len(conn.execute(select(dropped_indexes)).all()) == dropped + 1
    with any_services.engine.begin() as conn:
        conn.execute(delete(dropped_indexes).where(dropped_indexes.c.name == "zz_broken"))
        # Another process created one again and has not yet deleted its record.
        ddl = conn.execute(select(dropped_indexes.c.ddl).limit(1)).scalar_one()
        conn.execute(text(ddl))
    with any_services.engine.begin() as conn:
        assert set_aside.restore(conn) == dropped
    assert _index_ddl(any_services) == before
    with any_services.engine.connect() as conn:
        assert conn.execute(select(dropped_indexes)).all() == []
