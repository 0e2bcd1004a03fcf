"""One delivery per (article, version, language, subscriber): a translation approved
before the source is published goes out with it, and must reach each partner once,
not once for the article's publication and again for the translation's."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from conftest import Cast

from newsroom.bootstrap import Services
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.domain.translation import Translation, translation_id


def _published_together(services: Services, cast: Cast) -> UUID:
    app = services.app
    article_id = app.create_article(cast.journalist, headline="Le conseil vote",
                                    body="Le conseil a voté.", language="fr").id
    app.submit(cast.journalist, article_id)
    app.approve(cast.editor, article_id)
    app.request_translations(cast.editor, article_id, ["es"])
    source_version = app.get_article(cast.editor, article_id).content_version
    app.record_machine_translation(
        article_id, "es", headline="El consejo vota", body="El consejo votó.",
        source_version=source_version, engine="test", engine_version="1", route=["fr-es"],
        duration_ms=1, unknown_words=[])
    app.approve_translation(cast.translator, article_id, "es", "checked")
    app.publish(cast.editor, article_id)
    return article_id


def test_a_translation_published_with_its_source_is_delivered_once(
        sqlite_services: Services, cast: Cast) -> None:
    app = sqlite_services.app
    partner = app.add_subscriber(cast.admin, {
        "name": "Partner", "transport": "file", "path": "drop", "format": "ninjs",
        "languages": ["fr", "es"]}).id
    article_id = _published_together(sqlite_services, cast)
    article_events = [e.originator_version for e in app.events.get(article_id)
                      if type(e).__name__ == "Published"]
    tid = translation_id(article_id, "es")
    translation_events = [e.originator_version for e in app.events.get(tid)
                          if isinstance(e, Translation.Published)]
    assert len(article_events) == len(translation_events) == 1

    now = datetime.now(UTC)
    planned = app.plan_deliveries(article_id, article_events[0], {}, now)
    planned += app.plan_deliveries(tid, translation_events[0], {}, now)
    deliveries = [app.get_delivery(SYSTEM_ACTOR, d) for d in planned]
    assert sorted((d.language, d.subscriber_id, d.revision) for d in deliveries) == [
        ("es", partner, 1), ("fr", partner, 1)]
