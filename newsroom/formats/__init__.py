"""Syndication formatters (DESIGN §5): one published article version in, a payload out.

Pure functions over :class:`PublishedItem`: no database, files, network or clock.

- :func:`to_ninjs` / :func:`ninjs_bytes`: IPTC ninjs 3.1;
- :func:`newsml_bytes`: NewsML-G2 2.35 ``newsItem``;
- :func:`atom_feed`: an Atom feed per language, with ``hreflang`` alternates;
- :func:`news_sitemap`: a Google News sitemap.
"""

from newsroom.formats.atom import atom_feed
from newsroom.formats.model import (
    PublishedItem,
    PubStatus,
    item_uri,
    translation_links,
)
from newsroom.formats.newsml import newsml_bytes
from newsroom.formats.ninjs import ninjs_bytes, to_ninjs
from newsroom.formats.sitemap import google_news_language, news_sitemap

__all__ = [
    "PubStatus",
    "PublishedItem",
    "atom_feed",
    "google_news_language",
    "item_uri",
    "news_sitemap",
    "newsml_bytes",
    "ninjs_bytes",
    "to_ninjs",
    "translation_links",
]
