"""Public Atom feeds and the news sitemap, from the publications read model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
from conftest import Cast
from flask.testing import FlaskClient
from lxml import etree

from newsroom.bootstrap import Services


def _publish(services: Services, cast: Cast, headline: str, *,
             embargo: datetime | None = None) -> str:
    app = services.app
    article_id = app.create_article(cast.editor, headline=headline, language="fr",
                                    body="La Corée du Nord a répondu jeudi.").id
    app.submit(cast.editor, article_id)
    app.approve(cast.editor, article_id)
    app.request_translations(cast.editor, article_id, ["es"])
    app.record_machine_translation(article_id, "es", headline=headline + " (es)",
                                   body="Corea del Norte respondió el jueves.",
                                   source_version=1, engine="test", engine_version="1",
                                   route=["fr-es"], duration_ms=1, unknown_words=[])
    app.approve_translation(cast.editor, article_id, "es")
    app.publish(cast.editor, article_id, embargo_until=embargo)
    return str(article_id)


def test_atom_feed_per_language_with_hreflang_and_embargo(
    client: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    shown = _publish(sqlite_services, cast, "Séoul répond")
    held = _publish(sqlite_services, cast, "Sous embargo",
                    embargo=datetime.now(UTC) + timedelta(hours=2))
    response = client.get("/feeds/fr.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert titles == ["Séoul répond"]
    links = {link.get("hreflang"): link.href for link in feed.entries[0].links
             if link.get("rel") == "alternate"}
    assert set(links) >= {"es"} and links["es"].endswith(f"/news/{shown}?lang=es")
    spanish = feedparser.parse(client.get("/feeds/es.atom").data)
    assert [e.title for e in spanish.entries] == ["Séoul répond (es)"]
    assert held not in response.get_data(as_text=True)
    assert client.get("/feeds/not_a_language.atom").status_code == 404


def test_news_sitemap_lists_recent_public_items(
    client: FlaskClient, sqlite_services: Services, cast: Cast
) -> None:
    shown = _publish(sqlite_services, cast, "Séoul répond")
    _publish(sqlite_services, cast, "Sous embargo",
             embargo=datetime.now(UTC) + timedelta(hours=2))
    response = client.get("/sitemap-news.xml")
    assert response.status_code == 200
    root = etree.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    locations = root.xpath("//s:loc/text()", namespaces=ns)
    assert sorted(locations) == sorted(
        [f"http://127.0.0.1:8000/news/{shown}?lang=fr", f"http://127.0.0.1:8000/news/{shown}?lang=es"])
    assert sorted(root.xpath("//n:language/text()", namespaces=ns)) == ["es", "fr"]
