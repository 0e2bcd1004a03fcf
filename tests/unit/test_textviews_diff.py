"""The word diff cuts the shared text at whitespace before splitting words; its
markup must stay exactly what splitting the whole texts gives. The trail's excerpt of
it keeps every change, with a fixed number of unchanged words around each."""

from __future__ import annotations

import difflib
import random
import re
from html import escape, unescape

from markupsafe import Markup

from newsroom.content import is_html
from newsroom.web.textviews import _TOKENS, ELISION, diff_excerpt, diff_words, plain_text


def whole_text_diff(old: str, new: str) -> str:
    """The diff as it was computed before the cut: every word of both texts."""
    a, b = _TOKENS.findall(plain_text(old)), _TOKENS.findall(plain_text(new))
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    head, tail = max(0, head - 1), max(0, tail - 1)
    middle_a, middle_b = a[head:len(a) - tail], b[head:len(b) - tail]
    out = [escape("".join(a[:head]))]
    matcher = difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(middle_a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(middle_a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(middle_b[j1:j2]))}</ins>")
    out.append(escape("".join(a[len(a) - tail:])))
    return "".join(out)


WORDS = ["le", "la", "Corée", "x", "  ", "\n\n", ",", ".", "a_b", "«", "»", "don't", "1,5",
         "\t", "é", "<p>", "</p>", "&amp;", "\u00a0", "\u2003", "<br>", "<b>x</b>"]


def _edited(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(0, 4)):
        at = rng.randint(0, len(chars))
        roll = rng.random()
        if roll < 0.4:
            chars[at:at] = list(rng.choice([*WORDS, " ", "q", "zz"]))
        elif roll < 0.8 and chars:
            del chars[at:at + rng.randint(1, 5)]
        elif chars:
            chars[min(at, len(chars) - 1)] = rng.choice(" \n\tab.,é_-\u00a0")
    return "".join(chars)


def test_a_one_word_change_in_a_long_text() -> None:
    body = " ".join(f"word{n}" for n in range(600))
    changed = body.replace("word300 ", "word300 new ")
    diff = diff_words(body, changed)
    assert isinstance(diff, Markup)
    assert str(diff) == whole_text_diff(body, changed)
    assert "<ins>new </ins>" in diff or "<ins> new</ins>" in diff
    assert diff.count("<ins>") == 1 and "<del>" not in diff


def test_random_edits_give_the_same_markup_as_the_whole_text_diff() -> None:
    rng = random.Random(20240607)
    for trial in range(1_500):
        if trial % 3 == 0:
            text = "".join(rng.choice(" \n\tab.,é_-\u00a0") for _ in range(rng.randint(0, 40)))
        else:
            text = " ".join(rng.choice(WORDS)
                            for _ in range(rng.randint(0, 700 if trial % 3 == 2 else 60)))
        old, new = (text, _edited(rng, text)) if trial % 2 else (_edited(rng, text), text)
        assert str(diff_words(old, new)) == whole_text_diff(old, new), (old, new)


def _reference_plain_text(value: str) -> str:
    """plain_text as written before its shortcuts for bodies without markup."""
    text = re.sub(r"</(p|li|h2|h3|blockquote)>|<br\s*/?>", "\n\n", value, flags=re.I)
    text = unescape(re.sub(r"<[^>]*>", "", text)) if is_html(value) else text
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def test_plain_text_shortcuts_change_nothing() -> None:
    rng = random.Random(7)
    pieces = [*WORDS, "\n", "\n\n\n", "<", ">", "<br/>", "</li>", "a<b"]
    for _ in range(2_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert plain_text.__wrapped__(text) == _reference_plain_text(text), text


def _changes(markup: str) -> list[str]:
    return re.findall(r"<(?:ins|del)>.*?</(?:ins|del)>", markup, re.DOTALL)


def test_an_excerpt_keeps_every_change_and_leaves_out_only_unchanged_text() -> None:
    rng = random.Random(20240607)
    for trial in range(1_500):
        text = " ".join(rng.choice(WORDS)
                        for _ in range(rng.randint(0, 700 if trial % 3 == 2 else 60)))
        old, new = (text, _edited(rng, text)) if trial % 2 else (_edited(rng, text), text)
        whole, excerpt = str(diff_words(old, new)), str(diff_excerpt(old, new, 5))
        assert _changes(excerpt) == _changes(whole), (old, new)
        if ELISION not in excerpt:
            assert excerpt == whole, (old, new)
        # What is left between the markers is the whole diff's markup, in order.
        at = 0
        for shown in excerpt.split(ELISION):
            shown = shown.removeprefix(" ").removesuffix(" ")
            found = whole.find(shown, at)
            assert found >= 0, (old, new, shown)
            at = found + len(shown)


def test_an_excerpt_shows_the_given_number_of_words_around_each_change() -> None:
    words = [f"w{n}" for n in range(100)]
    old = " ".join(words)
    new = old.replace("w20 ", "w20 X ").replace("w80 ", "w80 Y ")
    excerpt = str(diff_excerpt(old, new, 3))
    gap = f" {ELISION} "
    assert excerpt == (f"{ELISION} w18 w19 w20<ins> X</ins> w21 w22 w23{gap}"
                       f"w78 w79 w80 <ins>Y </ins>w81 w82 w83{gap.rstrip()}")
    # Changes closer together than twice the context keep all the words between.
    near = old.replace("w20 ", "w20 X ").replace("w24 ", "w24 Y ")
    assert "</ins> w21 w22 w23 w24 <ins>" in str(diff_excerpt(old, near, 3))
    # A short text is shown whole, with no marker.
    assert str(diff_excerpt("a b c", "a B c")) == "a <del>b</del><ins>B</ins> c"
    assert str(diff_excerpt("", "new text")) == "<ins>new text</ins>"
    # The markers are the only markup added; the text is escaped.
    assert "x &lt; 1 &amp; " in str(diff_excerpt("x < 1 & y", "x < 1 & z"))
