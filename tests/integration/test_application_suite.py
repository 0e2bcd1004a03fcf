"""The application service's story, told once and run against SQLite and the real
PostgreSQL: an article from draft to retraction, with translations, replay and history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import make_cast

from newsroom.application import utcnow
from newsroom.bootstrap import Services
from newsroom.domain.errors import BlockingFindings, InvalidTransition, NotFound, PermissionDenied


def test_article_story_on_each_store(any_services: Services) -> None:
    cast = make_cast(any_services)
    app = any_services.app

    # A journalist drafts a story with a doubled full stop, and revises it once.
    article_id = app.create_article(
        cast.journalist, headline="Budget vote delayed",
        body="The council delayed the vote. .\n\nIt meets again on Monday.", language="en",
    ).id
    app.revise(cast.journalist, article_id, {"byline": "Jane Roe"}, expected_version=1)

    # Submitting runs QA; the editor can only approve over it with a reason.
    app.submit(cast.journalist, article_id)
    kinds = {f["kind"] for f in app.get_article(cast.editor, article_id).qa_findings}
    assert "doubled_punctuation" in kinds
    with pytest.raises(BlockingFindings):
        app.approve(cast.editor, article_id)
    with pytest.raises(PermissionDenied):
        app.approve(cast.journalist, article_id, "I say so")
    app.approve(cast.editor, article_id, "house style allows it here")

    # Translations are requested, filled by the worker path, post-edited and approved.
    app.request_translations(cast.editor, article_id, ["es"])
    article = app.get_article(cast.editor, article_id)
    assert app.record_machine_translation(
        article_id, "es", headline="Votación aplazada", body="El consejo aplazó la votación.",
        source_version=article.content_version, engine="test-engine", engine_version="1",
        route=["en-es"], duration_ms=3, unknown_words=[],
    )
    es = app.get_translation(cast.translator, article_id, "es")
    app.post_edit_translation(cast.translator, article_id, "es",
                              {"headline": "Votación del presupuesto aplazada"}, es.version)
    app.approve_translation(cast.translator, article_id, "es")

    # Publication takes the approved translation with it, each with its own revision.
    app.publish(cast.editor, article_id)
    article = app.get_article(cast.editor, article_id)
    translations = app.translations_of(article)
    assert article.state == "published" and article.revision == 1
    assert translations["es"].state == "published" and translations["es"].revision == 1

    # A correction is a new revision and makes the translation stale.
    app.correct(cast.editor, article_id, {"body": "The council delayed the vote.\n\n"
                                          "It meets again on Tuesday."}, "Corrected the day.")
    article = app.get_article(cast.editor, article_id)
    assert article.revision == 2
    assert app.translations_of(article)["es"].is_stale(article.content_version)

    app.retract(cast.editor, article_id, "Story was superseded")
    with pytest.raises(InvalidTransition, match="retracted"):
        app.correct(cast.editor, article_id, {}, "too late")

    # Auditors can replay any version and moment, and read who did what.
    first = app.get_article(cast.auditor, article_id, version=1)
    assert first.byline == "" and first.state == "draft"
    before = app.get_article(cast.auditor, article_id, at=utcnow())
    assert before.state == "retracted"
    with pytest.raises(NotFound):
        app.get_article(cast.auditor, article_id, at=utcnow() - timedelta(days=1))
    history = app.history(cast.auditor, article_id)
    assert [h.position for h in history] == sorted(h.position or 0 for h in history)
    assert history[0].type == "ArticleCreated" and history[0].actor == "jane"
    assert {"translation:es"} <= {h.stream for h in history}
    assert history[-1].type == "ArticleRetracted" and history[-1].role == "editor"


def test_long_article_loads_from_a_snapshot(any_services: Services) -> None:
    cast = make_cast(any_services)
    app = any_services.app
    article_id = app.create_article(cast.editor, headline="Live blog", body="Start.",
                                    language="en").id
    for n in range(2, 121):
        app.revise(cast.editor, article_id, {"body": f"Update {n}."}, expected_version=n - 1)
    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(article_id))
    assert [s.originator_version for s in snapshots] == list(range(10, 121, 10))
    assert app.get_article(cast.editor, article_id).body == "Update 120."
    assert app.get_article(cast.editor, article_id, version=75).body == "Update 75."
