"""Read models follow the log exactly once, and a rebuild equals the live state."""

from __future__ import annotations

from conftest import make_cast
from sqlalchemy import select

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
    any_services.projections.catch_up()
    live = _rows(any_services)
    assert len(live) == 12
    assert {r["state"] for r in live} == {"draft", "submitted"}

    applied = any_services.projections.rebuild("article_list")
    assert applied > 0
    assert _rows(any_services) == live


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
        position = conn.execute(select(positions.c.position)).scalar_one()
    assert position == any_services.app.recorder.max_notification_id()
