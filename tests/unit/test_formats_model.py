"""The formatters' shared model (newsroom.formats.model), and the sample items and
standards lookup that the other test_formats_* modules import from here."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

from newsroom.formats.model import (
    PublishedItem,
    allowed_html,
    clean_text,
    item_uri,
    text_direction,
    translation_links,
)

BASE = "https://newsroom.example"
ARTICLE = UUID("0b6f1f5e-8a43-4c1e-9d2a-5f0c6a7e2b11")
CREATED = datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
PUBLISHED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

# Text that breaks naive escaping, in every field: markup and CDATA terminators,
# ampersands and quotes, astral emoji (with ZWJ and skin tone), right-to-left scripts
# with direction marks, combining characters and the Unicode line separators.
HOSTILE = (
    "</script><script>alert('x')</script> ]]> & &amp; \"q\" 'a' <b> "
    "👩🏽‍🚀 🇫🇷 العربية עברית \u200fmark\u200e e\u0301 \u2028line\u2029para ∑ 中文"
)


def standards_dir() -> Path:
    """shared/standards: $NEWSROOM_SHARED_DIR, else the folder beside the repo.

    Skips when absent, but fails when NEWSROOM_REQUIRE_SERVICES names "standards"."""
    configured = os.environ.get("NEWSROOM_SHARED_DIR")
    repo = Path(__file__).resolve().parents[2]
    shared = Path(configured) if configured else repo.parent / "shared"
    folder = shared / "standards"
    if not (folder / "ninjs").is_dir() or not (folder / "newsml-g2").is_dir():
        reason = (f"IPTC standards files not found under {folder} "
                  "(set NEWSROOM_SHARED_DIR to the shared folder)")
        required = {s.strip() for s in os.environ.get("NEWSROOM_REQUIRE_SERVICES", "").split(",")}
        if "standards" in required:
            pytest.fail(f"{reason} (NEWSROOM_REQUIRE_SERVICES requires it)")
        pytest.skip(reason)
    return folder


def fresh_fr() -> PublishedItem:
    return PublishedItem(
        article_id=ARTICLE, language="fr", revision=1,
        headline="Séoul accuse Pyongyang d’avoir tiré un missile",
        body="Premier paragraphe, avec « guillemets » & esperluette.\n\n"
             "Deuxième paragraphe\nsur deux lignes.",
        dateline="SÉOUL", byline="Jeanne Tremblay",
        first_created=CREATED, version_created=PUBLISHED, first_published_at=PUBLISHED,
        base_url=BASE, source_language="fr",
        translations={"es": item_uri(BASE, ARTICLE, "es")},
        provider="Newsroom Wire", copyright_holder="Newsroom Wire Inc.",
    )


def correction() -> PublishedItem:
    return replace(
        fresh_fr(), revision=2, version_created=PUBLISHED + timedelta(hours=3),
        body="<p>Premier paragraphe <strong>corrigé</strong>.</p><p>Deuxième.</p>",
        correction_note="Le nom du ministre a été corrigé.",
    )


def retraction() -> PublishedItem:
    return replace(
        correction(), version_created=PUBLISHED + timedelta(days=1), pub_status="canceled",
        retraction_reason="Article retiré : la source s’est rétractée.",
    )


def embargoed() -> PublishedItem:
    return replace(fresh_fr(), embargo_until=PUBLISHED + timedelta(hours=6))


def translation_es() -> PublishedItem:
    return PublishedItem(
        article_id=ARTICLE, language="es", revision=1,
        headline="Seúl acusa a Pionyang de haber disparado un misil",
        body="<p>Primer párrafo.</p><p>Segundo párrafo.</p>",
        dateline="SÉOUL", byline="Jeanne Tremblay",
        first_created=CREATED, version_created=PUBLISHED + timedelta(hours=1),
        first_published_at=PUBLISHED + timedelta(hours=1),
        base_url=BASE, source_language="fr",
        translations=translation_links(BASE, ARTICLE, ["fr", "en", "es"]),
        provider="Newsroom Wire", copyright_holder="Newsroom Wire Inc.",
    )


def hostile() -> PublishedItem:
    return PublishedItem(
        article_id=ARTICLE, language="ar", revision=1,
        headline=HOSTILE,
        # Plain text (no tags) so the formatter renders it; the HTML case is below.
        body=HOSTILE.replace("<", "‹") + "\n\nسطر ثان ]]> &",
        dateline=HOSTILE, byline=HOSTILE,
        first_created=CREATED, version_created=PUBLISHED, first_published_at=PUBLISHED,
        base_url=BASE, source_language="ar", correction_note=HOSTILE,
        provider="News & <Co> ]]>", copyright_holder="Ünïcødé & Co",
    )


def hostile_html() -> PublishedItem:
    return replace(hostile(), body=(
        "<p>Un &lt;/script&gt; ]]&gt; <a href=\"https://e.example/?a=1&amp;b=2\">lien</a> "
        "👩🏽‍🚀 עברית</p><script>alert(1)</script><p onclick=\"x()\">fin<br>ligne"
        "<img src=x onerror=alert(1)></p><!-- comment --><style>p{}</style>"
    ))


CASES = {
    "fresh": fresh_fr,
    "correction": correction,
    "retraction": retraction,
    "embargoed": embargoed,
    "translation": translation_es,
    "hostile": hostile,
    "hostile_html": hostile_html,
}


# ---- the model itself ------------------------------------------------------------

def test_item_uri_is_stable_per_article_and_language() -> None:
    uri = item_uri(BASE, ARTICLE, "fr")
    assert uri == f"{BASE}/news/{ARTICLE}?lang=fr"
    assert item_uri(BASE + "/", ARTICLE, "FR") == uri
    assert item_uri(BASE, ARTICLE, "en-ca") == f"{BASE}/news/{ARTICLE}?lang=en-CA"
    assert item_uri(BASE, ARTICLE, "es") != uri
    # The revision is not part of the identity: a correction is the same item.
    assert fresh_fr().uri == correction().uri == retraction().uri == uri


@pytest.mark.parametrize("base", ["newsroom.example", "ftp://x.example", "https://",
                                  "https://x.example/a b", "https://x.example/?q=1"])
def test_item_uri_refuses_a_bad_base_url(base: str) -> None:
    with pytest.raises(ValueError):
        item_uri(base, ARTICLE, "fr")


def test_item_uri_refuses_a_bad_language() -> None:
    with pytest.raises(ValueError):
        item_uri(BASE, ARTICLE, "fr?x=1")


def test_item_normalizes_language_base_and_translations() -> None:
    item = replace(fresh_fr(), language="FR", base_url=BASE + "/",
                   translations={"ES": "https://x/es", "fr": "https://x/self"})
    assert item.language == "fr"
    assert item.base_url == BASE
    assert dict(item.translations) == {"es": "https://x/es"}


def test_item_refuses_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(fresh_fr(), version_created=datetime(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError, match="revision"):
        replace(fresh_fr(), revision=0)
    with pytest.raises(ValueError, match="canceled"):
        replace(fresh_fr(), retraction_reason="why")
    with pytest.raises(ValueError, match="pub_status"):
        replace(fresh_fr(), pub_status="deleted")  # type: ignore[arg-type]


def test_public_since_is_the_later_of_publication_and_embargo() -> None:
    assert fresh_fr().public_since == PUBLISHED
    assert embargoed().public_since == PUBLISHED + timedelta(hours=6)
    assert embargoed().embargoed_at(PUBLISHED + timedelta(hours=5, minutes=59))
    assert not embargoed().embargoed_at(PUBLISHED + timedelta(hours=6))
    # Offsets are fine: the instant is what counts.
    toronto = PUBLISHED.astimezone(timezone(timedelta(hours=-5)))
    assert replace(fresh_fr(), first_published_at=toronto).public_since == PUBLISHED


def test_edit_note_is_the_correction_or_the_retraction_reason() -> None:
    assert fresh_fr().edit_note is None
    assert correction().edit_note == "Le nom du ministre a été corrigé."
    assert retraction().edit_note == "Article retiré : la source s’est rétractée."


def test_plain_text_body_becomes_paragraphs() -> None:
    assert fresh_fr().body_html() == (
        "<p>Premier paragraphe, avec « guillemets » &amp; esperluette.</p>"
        "<p>Deuxième paragraphe<br>sur deux lignes.</p>"
    )


def test_html_body_keeps_only_the_allowlist() -> None:
    out = allowed_html(hostile_html().body)
    assert "<script" not in out and "<style" not in out and "<img" not in out
    assert "onclick" not in out and "onerror" not in out and "comment" not in out
    assert "alert" not in out
    assert '<a href="https://e.example/?a=1&amp;b=2">lien</a>' in out
    assert "Un &lt;/script&gt; ]]&gt;" in out
    assert "fin<br>ligne" in out


def test_text_that_xml_cannot_carry_is_dropped() -> None:
    assert clean_text("a\x00b\x0bc\x1fd\ud800e\ufffff\tg\nh") == "abcdef\tg\nh"


@pytest.mark.parametrize(("tag", "direction"), [
    ("ar", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("az-Arab", "rtl"), ("fr", "ltr"),
    ("en-CA", "ltr"), ("zh-Hant-TW", "ltr"),
])
def test_text_direction(tag: str, direction: str) -> None:
    assert text_direction(tag) == direction
