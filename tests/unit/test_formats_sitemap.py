"""Google News sitemap: the two-day window, the 1,000-URL cap, language codes, and a
well-formed document in the sitemap and news namespaces."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from lxml import etree
from unit.test_formats_model import (
    HOSTILE,
    PUBLISHED,
    correction,
    embargoed,
    fresh_fr,
    hostile,
    retraction,
    translation_es,
)

from newsroom.formats import PublishedItem, google_news_language, news_sitemap
from newsroom.formats.sitemap import MAX_URLS

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SM, "news": NEWS}
NOW = PUBLISHED + timedelta(hours=12)
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def published_at(item: PublishedItem, n: int, at: timedelta) -> PublishedItem:
    """Another article, first published ``at`` before NOW."""
    when = NOW - at
    return replace(item, article_id=UUID(int=n + 1), headline=f"Article {n}", translations={},
                   first_published_at=when, version_created=when)


def parse(raw: bytes) -> etree._Element:
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))
    assert root.tag == f"{{{SM}}}urlset"
    # Google's required shape, in order, for every url.
    for url in root:
        assert [child.tag for child in url] == [f"{{{SM}}}loc", f"{{{NEWS}}}news"]
        news = url[1]
        assert [etree.QName(c).localname for c in news] == [
            "publication", "publication_date", "title"]
        assert [etree.QName(c).localname for c in news[0]] == ["name", "language"]
        assert W3C.match(news[1].text or "")
        assert (news[2].text or "").strip()
    return root


def locs(root: etree._Element) -> list[str]:
    return [str(loc) for loc in root.xpath("sm:url/sm:loc/text()", namespaces=NS)]


def test_entry_fields() -> None:
    root = parse(news_sitemap([fresh_fr(), translation_es()], NOW))
    assert locs(root) == [translation_es().uri, fresh_fr().uri]  # newest first
    url = root.xpath("sm:url[sm:loc=$loc]", loc=fresh_fr().uri, namespaces=NS)[0]
    assert url.xpath("string(news:news/news:publication/news:name)", namespaces=NS) == (
        "Newsroom Wire")
    assert url.xpath("string(news:news/news:publication/news:language)", namespaces=NS) == "fr"
    assert url.xpath("string(news:news/news:publication_date)", namespaces=NS) == (
        "2026-03-02T10:00:00Z")
    assert url.xpath("string(news:news/news:title)", namespaces=NS) == fresh_fr().headline


def test_publication_name_override() -> None:
    root = parse(news_sitemap([fresh_fr()], NOW, publication_name="Le Fil"))
    assert root.xpath("string(//news:name)", namespaces=NS) == "Le Fil"


def test_two_day_window() -> None:
    base = fresh_fr()
    items = [
        published_at(base, 1, timedelta(0)),                       # just now
        published_at(base, 2, timedelta(days=2)),                 # exactly two days
        published_at(base, 3, timedelta(days=2, seconds=1)),      # too old
        published_at(base, 4, timedelta(days=7)),                 # too old
        published_at(base, 5, -timedelta(minutes=1)),             # in the future
    ]
    assert [u.rsplit("/", 1)[-1][:36] for u in locs(parse(news_sitemap(items, NOW)))] == [
        str(UUID(int=2)), str(UUID(int=3))]


def test_embargo_counts_from_its_end() -> None:
    item = embargoed()  # published at 10:00, embargoed until 16:00
    assert locs(parse(news_sitemap([item], PUBLISHED + timedelta(hours=5)))) == []
    root = parse(news_sitemap([item], PUBLISHED + timedelta(hours=6)))
    assert root.xpath("string(//news:publication_date)", namespaces=NS) == (
        "2026-03-02T16:00:00Z")
    # Two days from the embargo's end, not from the publication.
    later = PUBLISHED + timedelta(days=2, hours=3)
    assert locs(parse(news_sitemap([item], later))) == [item.uri]


def test_retracted_and_withheld_are_left_out() -> None:
    assert locs(parse(news_sitemap([fresh_fr(), correction(), retraction()], NOW))) == []
    withheld = replace(fresh_fr(), pub_status="withheld")
    assert locs(parse(news_sitemap([withheld], NOW))) == []
    # A correction is the same URL, once.
    assert locs(parse(news_sitemap([fresh_fr(), correction()], NOW))) == [fresh_fr().uri]


def test_at_most_1000_urls_the_newest_kept() -> None:
    base = fresh_fr()
    items = [published_at(base, n, timedelta(seconds=n * 60)) for n in range(1200)]
    root = parse(news_sitemap(reversed(items), NOW))
    assert MAX_URLS == 1000
    assert locs(root) == [item.uri for item in items[:1000]]


@pytest.mark.parametrize(("tag", "code"), [
    ("fr", "fr"), ("FR", "fr"), ("fr-CA", "fr"), ("en-CA", "en"), ("pt-BR", "pt"),
    ("es-419", "es"), ("ca", "ca"), ("ast", "ast"), ("ar", "ar"),
    ("zh", "zh-cn"), ("zh-CN", "zh-cn"), ("zh-Hans", "zh-cn"), ("zh-SG", "zh-cn"),
    ("zh-TW", "zh-tw"), ("zh-HK", "zh-tw"), ("zh-Hant", "zh-tw"), ("zh-Hant-CN", "zh-tw"),
    ("zh-Hans-TW", "zh-cn"),
])
def test_google_language_codes(tag: str, code: str) -> None:
    assert google_news_language(tag) == code


def test_language_in_the_sitemap() -> None:
    item = replace(fresh_fr(), language="zh-Hant-TW", translations={})
    assert parse(news_sitemap([item], NOW)).xpath(
        "string(//news:language)", namespaces=NS) == "zh-tw"


def test_hostile_text_is_escaped() -> None:
    raw = news_sitemap([hostile()], NOW, publication_name="News & <Co> ]]>")
    raw.decode("utf-8")
    assert b"]]>" not in raw and b"<script" not in raw
    root = parse(raw)
    assert root.xpath("string(//news:title)", namespaces=NS) == HOSTILE
    assert root.xpath("string(//news:name)", namespaces=NS) == "News & <Co> ]]>"
    assert root.xpath("string(//news:language)", namespaces=NS) == "ar"
    assert locs(root) == [hostile().uri]
