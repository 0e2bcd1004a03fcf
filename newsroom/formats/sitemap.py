"""Google News sitemap (``http://www.google.com/schemas/sitemap-news/0.9``).

Google's rules, applied here: only articles published in the last two days, at most
1,000 ``<url>`` entries (the newest are kept; a larger site splits its sitemap),
``news:language`` an ISO 639 code (``zh-cn`` and ``zh-tw`` for Chinese),
``news:publication_date`` a W3C datetime, and the article's title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from lxml import etree

from newsroom.formats.model import (
    PublishedItem,
    canonical_language,
    clean_text,
    iso,
    latest_versions,
)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
WINDOW = timedelta(days=2)
MAX_URLS = 1000

_TRADITIONAL_CHINESE_REGIONS = frozenset({"TW", "HK", "MO"})


def google_news_language(tag: str) -> str:
    """The ``news:language`` code for a BCP 47 tag: the lower-case primary subtag
    (``en-CA`` → ``en``), except Chinese: ``zh-tw`` for Traditional (script ``Hant``,
    or region TW, HK or MO without a script), ``zh-cn`` otherwise."""
    primary, *rest = canonical_language(tag).split("-")
    if primary != "zh":
        return primary
    if "Hant" in rest:
        return "zh-tw"
    if "Hans" in rest:
        return "zh-cn"
    return "zh-tw" if _TRADITIONAL_CHINESE_REGIONS.intersection(rest) else "zh-cn"


def _news(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NEWS}}}{name}")
    if text is not None:
        element.text = clean_text(text)
    return element


def news_sitemap(entries: Iterable[PublishedItem], now: datetime, *,
                 publication_name: str | None = None) -> bytes:
    """The sitemap of the articles (per language) that became public in the two days
    up to ``now`` (an embargoed item counts from its embargo's end), newest first, at
    most 1,000.

    Each article and language appears once, judged by its latest version: retracted
    and withheld ones are left out (their pages are gone), as are items still under
    embargo. ``news:name`` is ``publication_name``, or each item's
    ``provider``; it must match the publication's name in Google News.
    """
    since = now - WINDOW
    items = sorted((item for item in latest_versions(entries)
                    if item.usable and since <= item.public_since <= now),
                   key=lambda item: (item.public_since, item.uri), reverse=True)[:MAX_URLS]

    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "news": NEWS})
    for item in items:
        url = etree.SubElement(root, f"{{{SITEMAP}}}url")
        etree.SubElement(url, f"{{{SITEMAP}}}loc").text = item.uri
        news = _news(url, "news")
        publication = _news(news, "publication")
        _news(publication, "name", publication_name or item.provider)
        _news(publication, "language", google_news_language(item.language))
        _news(news, "publication_date", iso(item.public_since))
        _news(news, "title", item.headline)
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
