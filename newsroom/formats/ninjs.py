"""IPTC ninjs 3.1 (News in JSON) for one article version in one language.

Validated in the tests against ``standards/ninjs/ninjs-schema_3.1.json`` with format
checking. The schema has ``unevaluatedProperties: false``: only its own property
names may appear (bylines in ``by``, the correction note or retraction reason in
``edNote``).
"""

from __future__ import annotations

import json
from typing import Any

from newsroom.formats.model import PublishedItem, clean_texts, iso

NINJS_VERSION = "3.1"
NINJS_SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#"
MEDIA_TYPE = "application/ninjs+json"


def _association(item: PublishedItem, language: str, uri: str) -> dict[str, Any]:
    # The source is what a translation was translated from; every other language
    # version is a translation of the same article.
    rel = "translatedFrom" if language == item.source_language else "translation"
    return {"name": f"{rel}-{language}", "rel": rel, "uri": uri, "type": "text",
            "language": language}


def to_ninjs(item: PublishedItem) -> dict[str, Any]:
    """The ninjs object, as JSON-ready Python data.

    ``version`` is the revision as a string (the schema types it ``string``);
    ``uri`` is :func:`~newsroom.formats.model.item_uri`, the same for every revision.
    A retraction is ``pubStatus: canceled`` with the reason in ``edNote`` and no body.
    """
    doc: dict[str, Any] = {
        "uri": item.uri,
        "standard": {"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA_URI},
        "type": "text",
        "representationType": "full",
        "version": str(item.revision),
        "firstCreated": iso(item.first_created),
        "versionCreated": iso(item.version_created),
    }
    if item.embargo_until is not None:
        doc["embargoedUntil"] = iso(item.embargo_until)
    doc["pubStatus"] = item.pub_status
    doc["language"] = item.language
    note = item.edit_note
    headline, byline, dateline, edit_note, copyright_holder, provider = clean_texts(
        item.headline, item.byline, item.dateline, note or "", item.copyright_holder,
        item.provider)
    doc["headlines"] = [{"role": "main", "contentType": "text/plain", "value": headline}]
    if item.usable:
        doc["bodies"] = [{"role": "main", "contentType": "text/html",
                          "value": item.body_html()}]
    if item.byline.strip():
        doc["by"] = byline
    if item.dateline.strip():
        doc["located"] = dateline
    if note is not None:
        doc["edNote"] = edit_note
    doc["copyrightHolder"] = copyright_holder
    doc["infoSources"] = [{"name": provider, "uri": item.base_url + "/"}]
    if item.translations:
        doc["associations"] = [_association(item, language, uri)
                               for language, uri in item.translations.items()]
    return doc


def ninjs_bytes(item: PublishedItem) -> bytes:
    """The ninjs document as UTF-8 JSON (non-ASCII kept as is, keys in a fixed order)."""
    return json.dumps(to_ninjs(item), ensure_ascii=False, separators=(",", ":")).encode()
