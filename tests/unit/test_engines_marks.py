"""Apertium's unknown-word marks: reported, then stripped (pure)."""

from __future__ import annotations

from workers.engines.marks import has_words, literal_budget, strip_marks


def test_unknown_words_are_reported_and_unmarked() -> None:
    text, words = strip_marks("El *Zorglubiste come. El *Qwertzique y *Zorglubiste.")
    assert text == "El Zorglubiste come. El Qwertzique y Zorglubiste."
    assert words == ["Zorglubiste", "Qwertzique"]


def test_transfer_and_generation_marks() -> None:
    text, words = strip_marks("La @casa #grande y los *Nord-Coréens.")
    assert text == "La casa grande y los Nord-Coréens."
    assert words == ["casa", "grande", "Nord-Coréens"]


def test_literal_characters_in_the_source_are_kept() -> None:
    # "#paix" comes out as "##paz": one "#" is the hashtag, the other a mark.
    text, words = strip_marks("El gato ##PAZ y @AFP, 5 * 3.", "Le chat #paix et @AFP, 5 * 3.")
    assert text == "El gato #PAZ y @AFP, 5 * 3."
    assert words == ["PAZ"]
    assert literal_budget("#a #b @c x*y 5 * 3") == {"#": 2, "@": 1}


def test_characters_inside_words_are_not_marks() -> None:
    text, words = strip_marks("escribe a user@example.com o user@*ejemplo, C# y a*b")
    assert text == "escribe a user@example.com o user@ejemplo, C# y a*b"
    assert words == ["ejemplo"]


def test_html_markup_is_never_touched() -> None:
    html = ('<p><a href="#top" title="*x">*Zorg</a> l&#8217;*Ukraine &amp; <em>*Lulu</em>'
            "<!-- *comment --></p>")
    text, words = strip_marks(html, html=True)
    assert text == ('<p><a href="#top" title="*x">Zorg</a> l&#8217;Ukraine &amp; <em>Lulu</em>'
                    "<!-- *comment --></p>")
    assert words == ["Zorg", "Ukraine", "Lulu"]


def test_nothing_to_strip() -> None:
    assert strip_marks("") == ("", [])
    assert strip_marks("Corea del Norte.", "La Corée du Nord.") == ("Corea del Norte.", [])


def test_has_words_looks_outside_markup() -> None:
    assert has_words("Bonjour", html=False)
    assert not has_words(" « » ", html=False)
    assert not has_words('<p class="x"> &nbsp; &#8217;<br/></p>', html=True)
    assert has_words("<p>2024</p>", html=True)
