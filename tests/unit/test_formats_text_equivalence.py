"""The formatters' text helpers take fast paths (a C-level check before the regex, ``in``
before ``replace``, one pass over the joined paragraphs). Their output must stay the very
string of the plain versions below, which they replaced: compared here on random texts
built from the characters every rule is about."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from unit.test_formats_model import fresh_fr

from newsroom import content
from newsroom.formats.model import PublishedItem, clean_text, clean_texts, html_text, iso

# --- the plain versions, as they were -----------------------------------------------

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n")


def plain_clean_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def plain_html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text_paragraphs(value: str) -> list[str]:
    paragraphs = (p.strip() for p in _BLANK_LINES.split(value.replace("\r\n", "\n")))
    return [p for p in paragraphs if p]


def plain_body_html(body: str) -> str:
    text = plain_clean_text(body)
    assert not content.is_html(text)
    return "".join("<p>" + p.replace("\n", "<br>").replace("\r", "\n") + "</p>"
                   for p in plain_text_paragraphs(plain_html_text(text)))


def plain_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- random texts ---------------------------------------------------------------------

# Every character class a rule looks at, and ordinary text around them: C0 controls
# (kept and dropped ones), lone surrogates, the two non-characters, line breaks and the
# blank-line spaces, the three escaped characters, Latin-1, BMP and astral letters.
_SPECIAL = [
    *(chr(c) for c in range(0x20)),
    "\ud800", "\udbff", "\udc00", "\udfff", "\ufffe", "\uffff", "\ufffd", "\u00a0",
    "\u202f", "\u2028", "\u2029", "\u0085", "\u00ad",
    *" \t\n\r\n\n&<>\"'",
]
_ORDINARY = [*"abcdefXYZ ,.;:!?«»’éèçœÿĀ中文ال", "👩🏽‍🚀", "\U0001f600"]


def random_text(rng: random.Random, *, special_share: float) -> str:
    length = rng.choice((0, 1, 2, 5, 40, 300))
    return "".join(rng.choice(_SPECIAL) if rng.random() < special_share
                   else rng.choice(_ORDINARY) for _ in range(length))


def random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = [random_text(rng, special_share=rng.choice((0.0, 0.01, 0.1, 0.5)))
             for _ in range(count)]
    # Real-looking bodies: paragraphs separated by blank lines, some with spaces in them.
    for _ in range(count // 10):
        separators = ("\n\n", "\n \n", "\r\n\r\n", "\n\u00a0\t\n", "\n\n\n", "\n")
        texts.append("".join(random_text(rng, special_share=0.0) + rng.choice(separators)
                             for _ in range(rng.randint(1, 8))))
    return texts


TEXTS = random_texts(20261128, 4000)


def test_the_random_texts_reach_every_branch() -> None:
    """Not vacuous: some texts lose characters, some do not, some are escaped, some
    have blank lines with spaces and carriage returns."""
    assert any(plain_clean_text(t) != t for t in TEXTS)
    assert sum(plain_clean_text(t) == t for t in TEXTS) > 500
    assert any(plain_html_text(t) != t for t in TEXTS)
    assert any(re.search("\n[ \t\u00a0]+\n", t) for t in TEXTS)
    assert any("\r" in t for t in TEXTS)
    assert any(re.search("[\ud800-\udfff]", t) for t in TEXTS)


def test_clean_text_is_the_plain_regex() -> None:
    for text in TEXTS:
        assert clean_text(text) == plain_clean_text(text), repr(text)


def test_clean_texts_cleans_each_like_clean_text() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        group = rng.sample(TEXTS, rng.randint(1, 6))
        assert clean_texts(*group) == tuple(plain_clean_text(t) for t in group), group
    # A lone surrogate at the end of one value and at the start of the next are still
    # two lone surrogates, not a pair: both dropped.
    assert clean_texts("a\ud83d", "\ude00b") == ("a", "b")


def test_html_text_is_the_plain_escape() -> None:
    for text in TEXTS:
        assert html_text(text) == plain_html_text(text), repr(text)


def test_text_paragraphs_are_the_plain_split() -> None:
    for text in TEXTS:
        assert content.text_paragraphs(text) == plain_text_paragraphs(text), repr(text)


def test_a_plain_text_body_renders_as_before() -> None:
    item = fresh_fr()
    checked = 0
    for text in TEXTS:
        if content.is_html(plain_clean_text(text)):
            continue  # the allowlist path, unchanged
        assert replace(item, body=text).body_html() == plain_body_html(text), repr(text)
        checked += 1
    assert checked > 3000


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
    datetime(2026, 3, 2, 8, 15, 0, 120, tzinfo=UTC),
    datetime(2026, 3, 2, 8, 15, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 3, 2, 8, 15, tzinfo=timezone(timedelta(0), "GMT")),
])
def test_iso_is_the_plain_conversion(value: datetime) -> None:
    assert iso(value) == plain_iso(value)


def test_iso_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        iso(datetime(2026, 3, 2, 8, 15))


def test_uri_is_item_uri() -> None:
    from newsroom.formats.model import item_uri

    item: PublishedItem = replace(fresh_fr(), language="EN-ca",
                                  base_url=" https://newsroom.example/wire/ ")
    assert item.uri == item_uri(" https://newsroom.example/wire/", item.article_id, "en-CA")
    assert item.uri == f"https://newsroom.example/wire/news/{item.article_id}?lang=en-CA"
