"""Atom feeds per language: feedparser reads them without complaint (bozo 0), every
entry carries hreflang alternates to its translations, and text is escaped."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import feedparser
from lxml import etree
from unit.test_formats_model import (
    ARTICLE,
    BASE,
    HOSTILE,
    PUBLISHED,
    correction,
    embargoed,
    fresh_fr,
    hostile,
    hostile_html,
    retraction,
    translation_es,
)

from newsroom.formats import PublishedItem, atom_feed, item_uri

ATOM = "http://www.w3.org/2005/Atom"
FEED_FR = f"{BASE}/feeds/fr.atom"
NOW = PUBLISHED + timedelta(days=1)
OTHER = replace(fresh_fr(), article_id=ARTICLE.__class__(int=ARTICLE.int + 1),
                headline="Autre article", translations={},
                first_published_at=PUBLISHED + timedelta(hours=2),
                version_created=PUBLISHED + timedelta(hours=2))


def feed(items: list[PublishedItem], language: str = "fr", **kwargs: Any) -> bytes:
    return atom_feed(items, language, f"{BASE}/feeds/{language}.atom",
                     f"{BASE}/?lang={language}", NOW, **kwargs)


def parsed(raw: bytes) -> Any:
    result = feedparser.parse(raw)
    assert result.bozo == 0, result.get("bozo_exception")
    return result


def strict(raw: bytes) -> etree._Element:
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))


def test_feed_parses_and_has_its_metadata() -> None:
    result = parsed(feed([fresh_fr(), OTHER]))
    assert result.version == "atom10"
    assert result.feed.id == FEED_FR
    assert result.feed.title == "Newsroom Wire (fr)"
    assert result.feed.language == "fr"
    assert result.feed.updated == "2026-03-03T10:00:00Z"
    assert {(link.rel, link.href) for link in result.feed.links} == {
        ("self", FEED_FR), ("alternate", f"{BASE}/?lang=fr")}
    # Newest first.
    assert [e.title for e in result.entries] == ["Autre article", fresh_fr().headline]


def test_entry_fields() -> None:
    entry = parsed(feed([fresh_fr()])).entries[0]
    assert entry.id == item_uri(BASE, ARTICLE, "fr")
    assert entry.title == fresh_fr().headline
    assert entry.published == "2026-03-02T10:00:00Z"
    assert entry.updated == "2026-03-02T10:00:00Z"
    assert entry.author == "Jeanne Tremblay"
    assert entry.content[0].type == "text/html"
    assert entry.content[0].value.startswith("<p>Premier paragraphe, avec")


def test_hreflang_alternates_link_the_translations() -> None:
    fr_entry = parsed(feed([fresh_fr()])).entries[0]
    assert [(link.rel, link.type, link.hreflang, link.href) for link in fr_entry.links] == [
        ("alternate", "text/html", "fr", item_uri(BASE, ARTICLE, "fr")),
        ("alternate", "text/html", "es", item_uri(BASE, ARTICLE, "es")),
    ]
    es_entry = parsed(feed([translation_es()], "es")).entries[0]
    assert {link.hreflang: link.href for link in es_entry.links} == {
        lang: item_uri(BASE, ARTICLE, lang) for lang in ("es", "en", "fr")}
    # RFC 4287 4.1.1: no two alternates with the same type and hreflang.
    root = strict(feed([translation_es()], "es"))
    pairs = [(link.get("type"), link.get("hreflang"))
             for link in root.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}link[@rel='alternate']")]
    assert len(pairs) == len(set(pairs)) == 3


def test_one_entry_per_article_in_the_feed_language() -> None:
    items = [fresh_fr(), correction(), translation_es(), hostile(), OTHER]
    result = parsed(feed(items))
    assert [(e.title, e.id) for e in result.entries] == [
        (fresh_fr().headline, item_uri(BASE, ARTICLE, "fr")),  # the correction, at 13:00
        ("Autre article", OTHER.uri),
    ]
    assert "<strong>corrigé</strong>" in result.entries[0].content[0].value
    assert [e.title for e in parsed(feed(items, "es")).entries] == [translation_es().headline]


def test_retraction_shows_the_reason_not_the_text() -> None:
    entry = parsed(feed([correction(), retraction()])).entries[0]
    assert entry.summary == "Article retiré : la source s’est rétractée."
    assert "content" not in entry
    assert entry.updated == "2026-03-03T10:00:00Z"


def test_embargoed_and_withheld_items_are_held_back() -> None:
    item = embargoed()
    before = PUBLISHED + timedelta(hours=5)
    assert parsed(atom_feed([item], "fr", FEED_FR, BASE, before)).entries == []
    assert parsed(feed([item], now=before)).entries == []
    entry = parsed(atom_feed([item], "fr", FEED_FR, BASE, PUBLISHED + timedelta(hours=6))
                   ).entries[0]
    # Public from the embargo's end.
    assert entry.published == entry.updated == "2026-03-02T16:00:00Z"
    assert parsed(feed([replace(fresh_fr(), pub_status="withheld")])).entries == []


def test_hostile_text_is_escaped_and_round_trips() -> None:
    raw = feed([hostile(), replace(hostile_html(), article_id=OTHER.article_id)], "ar")
    raw.decode("utf-8")
    root = strict(raw)
    titles = [t.text for t in root.iterfind(f"{{{ATOM}}}entry/{{{ATOM}}}title")]
    assert titles == [HOSTILE, HOSTILE]
    result = parsed(raw)
    plain, rich = sorted(result.entries, key=lambda e: e.id != hostile().uri)
    assert plain.title == HOSTILE
    assert plain.author == HOSTILE
    assert "]]&gt; &amp;" in plain.content[0].value
    assert "👩🏽‍🚀" in plain.content[0].value and "العربية" in plain.content[0].value
    assert "<script" not in rich.content[0].value and "alert" not in rich.content[0].value
    assert "Un &lt;/script&gt; ]]&gt;" in rich.content[0].value
    assert result.feed.author == "News & <Co> ]]>"


def test_feed_options() -> None:
    result = parsed(feed([], title="Fil <fr> & co", author="Rédaction"))
    assert result.feed.title == "Fil <fr> & co"
    assert result.feed.author == "Rédaction"
    assert result.entries == []
