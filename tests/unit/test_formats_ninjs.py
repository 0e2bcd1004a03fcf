"""IPTC ninjs 3.1: every case validates against IPTC's schema with format checking."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from lxml import html
from unit.test_formats_model import (
    ARTICLE,
    BASE,
    CASES,
    HOSTILE,
    correction,
    embargoed,
    fresh_fr,
    hostile,
    hostile_html,
    retraction,
    standards_dir,
    translation_es,
)

from newsroom.formats import PublishedItem, item_uri, ninjs_bytes, to_ninjs


def ninjs_validator() -> Draft202012Validator:
    """IPTC's ninjs 3.1 schema, with format checking (the integration tests use it too)."""
    folder = standards_dir() / "ninjs"
    schema = json.loads((folder / "ninjs-schema_3.1.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return ninjs_validator()


def errors(validator: Draft202012Validator, doc: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_validator_really_checks(validator: Draft202012Validator) -> None:
    # IPTC's own example passes...
    example = standards_dir() / "ninjs" / "ninjs-3.1-example-004_simple_text_article.json"
    assert errors(validator, json.loads(example.read_text(encoding="utf-8"))) == []
    # ...and format checking is live (needs jsonschema's format extras installed):
    # without it, a bad uri or date-time would pass silently.
    bad = {"uri": "not a uri", "versionCreated": "yesterday", "byline": "x"}
    found = " ".join(errors(validator, bad))
    assert "'not a uri' is not a 'uri'" in found
    assert "'yesterday' is not a 'date-time'" in found
    assert "byline" in found  # unevaluatedProperties: false


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_case_is_schema_valid(validator: Draft202012Validator, case: str) -> None:
    item = CASES[case]()
    doc = json.loads(ninjs_bytes(item))
    assert doc == to_ninjs(item)
    assert errors(validator, doc) == []


def test_fresh_article() -> None:
    doc = to_ninjs(fresh_fr())
    assert doc["uri"] == item_uri(BASE, ARTICLE, "fr")
    assert doc["type"] == "text"
    assert doc["version"] == "1"
    assert doc["pubStatus"] == "usable"
    assert doc["language"] == "fr"
    assert doc["firstCreated"] == "2026-03-02T08:15:00Z"
    assert doc["versionCreated"] == "2026-03-02T10:00:00Z"
    assert doc["headlines"] == [{"role": "main", "contentType": "text/plain",
                                 "value": "Séoul accuse Pyongyang d’avoir tiré un missile"}]
    assert doc["bodies"][0]["contentType"] == "text/html"
    assert doc["bodies"][0]["value"].startswith("<p>Premier paragraphe")
    assert doc["by"] == "Jeanne Tremblay"
    assert doc["located"] == "SÉOUL"
    assert doc["copyrightHolder"] == "Newsroom Wire Inc."
    assert "edNote" not in doc and "embargoedUntil" not in doc


def test_correction_carries_version_and_note() -> None:
    doc = to_ninjs(correction())
    assert doc["version"] == "2"
    assert doc["uri"] == to_ninjs(fresh_fr())["uri"]
    assert doc["edNote"] == "Le nom du ministre a été corrigé."
    assert doc["versionCreated"] == "2026-03-02T13:00:00Z"
    assert "<strong>corrigé</strong>" in doc["bodies"][0]["value"]


def test_retraction_is_canceled_with_the_reason_and_no_body() -> None:
    doc = to_ninjs(retraction())
    assert doc["pubStatus"] == "canceled"
    assert doc["edNote"] == "Article retiré : la source s’est rétractée."
    assert "bodies" not in doc
    assert doc["headlines"][0]["value"]  # still identifiable by receiving editors


def test_embargo() -> None:
    assert to_ninjs(embargoed())["embargoedUntil"] == "2026-03-02T16:00:00Z"


def test_translation_associations() -> None:
    doc = to_ninjs(translation_es())
    assert doc["language"] == "es"
    assert doc["uri"] == item_uri(BASE, ARTICLE, "es")
    assert doc["associations"] == [
        {"name": "translation-en", "rel": "translation", "type": "text", "language": "en",
         "uri": item_uri(BASE, ARTICLE, "en")},
        {"name": "translatedFrom-fr", "rel": "translatedFrom", "type": "text",
         "language": "fr", "uri": item_uri(BASE, ARTICLE, "fr")},
    ]
    source = to_ninjs(fresh_fr())
    assert [a["uri"] for a in source["associations"]] == [doc["uri"]]
    assert source["associations"][0]["rel"] == "translation"


@pytest.mark.parametrize("make", [hostile, hostile_html])
def test_hostile_text_round_trips(make: Callable[[], PublishedItem]) -> None:
    raw = ninjs_bytes(make())
    raw.decode("utf-8")  # strict UTF-8, no lone surrogates
    doc = json.loads(raw)
    assert doc["headlines"][0]["value"] == HOSTILE
    assert doc["by"] == HOSTILE
    assert doc["located"] == HOSTILE
    assert doc["edNote"] == HOSTILE
    assert doc["infoSources"][0]["name"] == "News & <Co> ]]>"
    body = html.fragment_fromstring(doc["bodies"][0]["value"], create_parent="div")
    assert body.xpath("//script|//style|//img|//@onclick|//@onerror") == []
    text = body.text_content()
    assert "👩🏽‍🚀" in text and "עברית" in text and "]]>" in text


def test_plain_text_body_is_escaped_not_interpreted() -> None:
    doc = to_ninjs(hostile())
    value = doc["bodies"][0]["value"]
    assert "]]&gt; &amp;" in value
    assert value.count("<p>") == 2
