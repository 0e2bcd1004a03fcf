"""Input rules for article text (newsroom/content.py, DESIGN §6): plain-text fields,
the HTML allowlist, body size, rendering plain bodies, BCP 47 language tags."""

from __future__ import annotations

import pytest

from newsroom import content
from newsroom.domain.errors import TooLarge, ValidationFailed

# ---- headline -------------------------------------------------------------------------


def test_headline_kept_as_typed() -> None:
    text = "Séoul accuse « Pyongyang » d’un tir : 3 < 5 & l'ONU réagit"
    assert content.headline(text) == text


def test_headline_length_limit_is_500_code_points() -> None:
    assert content.headline("é" * 500) == "é" * 500
    with pytest.raises(ValidationFailed) as caught:
        content.headline("é" * 501)
    assert caught.value.field == "headline"
    assert "at most 500 characters (got 501)" in str(caught.value)


@pytest.mark.parametrize("value", ["", "   ", "\u00a0"])
def test_headline_required(value: str) -> None:
    with pytest.raises(ValidationFailed, match="must not be empty"):
        content.headline(value)


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "Titre <b>gras</b>",
        "Titre<img src=x onerror=alert(1)>",
        "</p>Titre",
        "<!-- commentaire -->Titre",
        "a<svg onload=alert(1)>",
        "<a",
    ],
)
def test_headline_refuses_html(value: str) -> None:
    with pytest.raises(ValidationFailed, match="HTML tags are not allowed") as caught:
        content.headline(value)
    assert caught.value.field == "headline"


@pytest.mark.parametrize(
    ("value", "codepoint", "position"),
    [
        ("Titre\x00", "NUL", 5),
        ("Ti\x07tre", "U+0007", 2),
        ("Ti\x1btre", "U+001B", 2),
        ("Ti\x7ftre", "U+007F", 2),
        ("Ti\x85tre", "U+0085", 2),
        # A headline is one line: newline and tab are control characters here.
        ("Ti\ntre", "U+000A", 2),
        ("Ti\rtre", "U+000D", 2),
        ("Ti\ttre", "U+0009", 2),
        ("Ti\ud800tre", "U+D800", 2),
    ],
)
def test_headline_refuses_nul_and_control_characters(
    value: str, codepoint: str, position: int
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        content.headline(value)
    assert caught.value.field == "headline"
    assert codepoint in str(caught.value)
    assert f"position {position}" in str(caught.value)


def test_headline_must_be_a_string() -> None:
    for value in (None, 42, ["Titre"], b"Titre"):
        with pytest.raises(ValidationFailed, match="must be a string"):
            content.headline(value)


def test_plain_text_fields_allow_newlines_only_when_multiline() -> None:
    assert content.plain_text("note", "ligne 1\nligne 2\r\n\tfin", multiline=True) == (
        "ligne 1\nligne 2\r\n\tfin"
    )
    with pytest.raises(ValidationFailed):
        content.plain_text("dateline", "SÉOUL\nPARIS")
    with pytest.raises(ValidationFailed):
        content.plain_text("note", "a\x00b", multiline=True)
    assert content.plain_text("byline", "") == ""


# ---- body -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Premier paragraphe.\n\nDeuxième paragraphe.",
        "Windows\r\nline\r\n\r\nendings",
        "  espaces  en tête et en fin  \n\n\n",
        "AT&T <3 «citations» & 5 > 3 &amp; déjà échappé",
        "Tab\tinside\nand \u00a0nbsp and emoji 🗞️ and 中文",
        "",
    ],
)
def test_plain_text_body_kept_byte_for_byte(text: str) -> None:
    # QA offsets point into the text exactly as submitted, so not one byte may move.
    cleaned = content.body(text)
    assert cleaned == text
    assert cleaned.encode() == text.encode()


ALLOWED_FRAGMENT = (
    "<h2>Titre</h2><h3>Sous-titre</h3><p>Un <em>mot</em>, <strong>deux</strong>, "
    "<b>trois</b>, <i>quatre</i>.<br>Fin.</p><blockquote>Citation</blockquote>"
    "<ul><li>un</li></ul><ol><li>deux</li></ol>"
)


def test_allowed_tags_are_kept_as_they_are() -> None:
    assert content.body(ALLOWED_FRAGMENT) == ALLOWED_FRAGMENT


@pytest.mark.parametrize("href", ["http://example.org/a?b=1", "https://example.org/",
                                  "mailto:desk@example.org"])
def test_links_with_allowed_schemes_keep_their_href(href: str) -> None:
    cleaned = content.body(f'<p><a href="{href}">lien</a></p>')
    assert cleaned == (
        f'<p><a href="{href.replace("&", "&amp;")}" '
        'rel="noopener noreferrer nofollow">lien</a></p>'
    )


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok</p><script>alert(1)</script>", "<p>ok</p>"),
        ("<p>a<img src=x onerror=alert(1)>b</p>", "<p>ab</p>"),
        ('<p onerror="alert(1)" onclick="x()">p</p>', "<p>p</p>"),
        ('<a href="javascript:alert(1)">x</a>',
         '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="JaVaScRiPt:alert(1)">x</a>',
         '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
         '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="vbscript:msgbox(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ("<svg><script>alert(1)</script></svg><p>t</p>", "<p>t</p>"),
        # HTML that sanitizes down to text stays HTML, so it is not escaped twice.
        ("<svg onload=alert(1)><circle r=1></circle></svg>t", "<p>t</p>"),
        ("<math><mtext><img src=x onerror=alert(1)></mtext></math>t", "<p>t</p>"),
        ("<style>p{color:red}</style><p>q</p>", "<p>q</p>"),
        ('<p style="color:red">q</p>', "<p>q</p>"),
        ('<iframe src="https://evil.example"></iframe><p>q</p>', "<p>q</p>"),
        ("<h1>Gros</h1>", "<p>Gros</p>"),
        ("<div><span>t</span></div>", "<p>t</p>"),
        ('<p title="x" lang="en">t</p>', "<p>t</p>"),
        ('<p><a href="//evil.example/">e</a><a href="/rel">r</a></p>',
         '<p><a rel="noopener noreferrer nofollow">e</a>'
         '<a rel="noopener noreferrer nofollow">r</a></p>'),
        ('<p class="x" id="y">t</p>', "<p>t</p>"),
        ('<a href="https://e.org" target="_blank" onclick="x()">l</a>',
         '<a href="https://e.org" rel="noopener noreferrer nofollow">l</a>'),
    ],
)
def test_html_body_is_sanitized(dirty: str, clean: str) -> None:
    assert content.body(dirty) == clean


def test_sanitized_body_has_no_active_content_left() -> None:
    dirty = (
        "<p>x</p><script>a()</script><img src=x onerror=b()><svg onload=c()></svg>"
        "<math></math><style>*{}</style><a href='javascript:d()'>l</a>"
        "<object data=e></object><embed src=f><form action=g><input></form>"
    )
    cleaned = content.body(dirty).lower()
    for needle in ("<script", "onerror", "onload", "javascript:", "<svg", "<math",
                   "<style", "<img", "<object", "<embed", "<form", "<input"):
        assert needle not in cleaned


def test_body_size_limit_is_2_mib_in_utf8_bytes() -> None:
    limit = 2 * 1024 * 1024
    assert content.body("a" * limit) == "a" * limit
    with pytest.raises(TooLarge) as caught:
        content.body("a" * (limit + 1))
    assert caught.value.field == "body"
    # Counted in bytes, not characters: 'é' is two bytes in UTF-8.
    with pytest.raises(TooLarge):
        content.body("é" * (limit // 2 + 1))


@pytest.mark.parametrize("value", ["Texte\x00suite", "<p>Texte\x00</p>", "a\x0bb", "a\x1fb"])
def test_body_refuses_nul_and_control_characters(value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        content.body(value)
    assert caught.value.field == "body"


def test_body_must_be_a_string() -> None:
    with pytest.raises(ValidationFailed, match="must be a string"):
        content.body(None)


# ---- body_as_html -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "rendered"),
    [
        ("Un.\n\nDeux.", "<p>Un.</p><p>Deux.</p>"),
        ("Un.\r\n\r\nDeux.", "<p>Un.</p><p>Deux.</p>"),
        ("Un.\n  \t\nDeux.", "<p>Un.</p><p>Deux.</p>"),
        ("Un.\n\u00a0\nDeux.", "<p>Un.</p><p>Deux.</p>"),
        ("Ligne 1\nligne 2", "<p>Ligne 1<br>ligne 2</p>"),
        ("\n\nUn.\n\n\n\nDeux.\n\n", "<p>Un.</p><p>Deux.</p>"),
        ("AT&T <3 \"q\" 'a' > b", "<p>AT&amp;T &lt;3 &quot;q&quot; &#x27;a&#x27; &gt; b</p>"),
        ("", ""),
        ("\n \n", ""),
    ],
)
def test_body_as_html_splits_plain_text_and_escapes(stored: str, rendered: str) -> None:
    assert content.body_as_html(stored) == rendered


def test_body_as_html_keeps_stored_html() -> None:
    assert content.body_as_html("<p>Déjà <em>HTML</em></p>") == "<p>Déjà <em>HTML</em></p>"


def test_plain_text_that_looks_like_markup_is_escaped_end_to_end() -> None:
    # An escaped "tag" typed as text stays text: stored as typed, shown escaped.
    typed = "Le code &lt;script&gt; est inoffensif"
    assert content.body(typed) == typed
    assert content.body_as_html(typed) == (
        "<p>Le code &amp;lt;script&amp;gt; est inoffensif</p>"
    )


# ---- language tags --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "normal"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fra", "fra"),
        ("en-CA", "en-CA"),
        ("en-ca", "en-CA"),
        ("EN-ca", "en-CA"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("ca-ES-valencia", "ca-ES-valencia"),
        ("de-CH-1901", "de-CH-1901"),
    ],
)
def test_language_accepts_and_normalises_case(tag: str, normal: str) -> None:
    assert content.language(tag) == normal


@pytest.mark.parametrize("tag", ["zh-hant-tw", "ZH-HANT-TW", "zh-HANT-tw"])
def test_language_normalises_script_subtag_to_title_case(tag: str) -> None:
    assert content.language(tag) == "zh-Hant-TW"


@pytest.mark.parametrize(
    "tag",
    ["", "french", "f", "en_US", "123", "fr-", "-fr", "en--US", "en US", " fr", "fr ",
     "e1", "en-C", "zh-Hant-TW-", "fr;DROP", "ｆｒ", None, 42, ["fr"]],
)
def test_language_rejects(tag: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        content.language(tag)
    assert caught.value.field == "language"
    assert "is not a BCP 47 language tag" in str(caught.value)


def test_language_error_names_the_field_it_came_from() -> None:
    with pytest.raises(ValidationFailed) as caught:
        content.language("xx_YY", "languages")
    assert caught.value.field == "languages"


@pytest.mark.parametrize("tag", ["fr\n", "en-CA\n"])
def test_language_rejects_a_trailing_newline(tag: str) -> None:
    with pytest.raises(ValidationFailed):
        content.language(tag)
