"""Atom 1.0 (RFC 4287) feeds, one per language.

Written with lxml rather than ``feedgen``: feedgen drops the ``hreflang`` attribute of
links, and the alternates between an article's languages are the point here. Every
entry links to itself and to each translation with ``<link rel="alternate"
type="text/html" hreflang=...>`` (RFC 4287 §4.2.7.2 allows several alternates that
differ by ``hreflang``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from newsroom.formats.model import (
    DEFAULT_PROVIDER,
    PublishedItem,
    canonical_language,
    clean_text,
    iso,
    latest_versions,
)

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MEDIA_TYPE = "application/atom+xml"


def _el(parent: etree._Element, name: str, text: str | None = None, /,
        **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = clean_text(text)
    return element


def _updated(item: PublishedItem) -> datetime:
    # An embargoed entry changes for readers when the embargo ends.
    return max(item.version_created, item.public_since)


def _entry(feed: etree._Element, item: PublishedItem) -> None:
    entry = _el(feed, "entry")
    _el(entry, "id", item.uri)
    _el(entry, "title", item.headline, type="text")
    _el(entry, "updated", iso(_updated(item)))
    _el(entry, "published", iso(item.public_since))
    if item.byline.strip():
        author = _el(entry, "author")
        _el(author, "name", item.byline)
    _el(entry, "link", rel="alternate", type="text/html", hreflang=item.language,
        href=item.uri)
    for language, uri in item.translations.items():
        _el(entry, "link", rel="alternate", type="text/html", hreflang=language, href=uri)
    if item.usable:
        _el(entry, "content", item.body_html(), type="html")
    elif item.edit_note is not None:
        # A retraction: the reason, never the withdrawn text.
        _el(entry, "summary", item.edit_note, type="text")


def atom_feed(entries: Iterable[PublishedItem], language: str, feed_url: str,
              site_url: str, updated: datetime, *, title: str | None = None,
              author: str | None = None, now: datetime | None = None) -> bytes:
    """The Atom feed of ``language``: one entry per article in that language (its
    latest version; items in other languages are left out), newest change first.

    - Items still under embargo at ``now`` (default: ``updated``) are left out; pass
      the real clock as ``now`` when ``updated`` is the time of the latest change.
    - Withheld items are left out; retracted (canceled) ones stay, with the reason
      as their summary and no content.
    - The feed's ``updated`` is ``updated``, or the latest entry's if that is later.
    - ``title`` defaults to the provider's name and the language; ``author`` (the
      feed-level author, which entries without a byline inherit) to the provider.
    """
    lang = canonical_language(language)
    clock = updated if now is None else now
    items = [item for item in latest_versions(entries)
             if item.language == lang and item.pub_status != "withheld"
             and not item.embargoed_at(clock)]
    items.sort(key=lambda item: (_updated(item), item.uri), reverse=True)
    provider = items[0].provider if items else DEFAULT_PROVIDER
    latest = max([updated, *(_updated(item) for item in items)])

    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    feed.set(f"{{{XML_NS}}}lang", lang)
    _el(feed, "id", feed_url)
    _el(feed, "title", title if title is not None else f"{provider} ({lang})", type="text")
    _el(feed, "updated", iso(latest))
    _el(feed, "link", rel="self", type=MEDIA_TYPE, href=feed_url)
    _el(feed, "link", rel="alternate", type="text/html", hreflang=lang, href=site_url)
    feed_author = _el(feed, "author")
    _el(feed_author, "name", author if author is not None else provider)
    for item in items:
        _entry(feed, item)
    body = etree.tostring(feed, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
