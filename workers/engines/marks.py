"""Apertium's unknown-word marks (pure).

Without `-u`, Apertium writes `*word` for a word it does not know, `@word` for a
word missing from the bilingual dictionary and `#word` for one it could not
generate. `strip_marks` returns the text without them and the marked words, for
the translator's QA warnings.

A mark is a run of those characters at the start of a word. The same characters
can be literal (a hashtag, a handle, a footnote star): every such run in the source
is counted, and that many occurrences of each character in the output are kept as
literal, left to right, so "#paix" giving "##paz" keeps one "#". In HTML only text
is looked at: tags, comments and entities (`&#8217;`) are never touched.
"""

from __future__ import annotations

import re
from collections import Counter

MARK_CHARS = "*#@"
_RUN = re.compile(r"(?<![*#@])[*#@]+(?=\w)")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_MARKUP = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_MARKUP_OR_ENTITY = re.compile(r"<!--.*?-->|<[^>]*>|&#?\w+;", re.DOTALL)


def has_words(text: str, html: bool) -> bool:
    """Whether there is anything to translate (or anything translated): a letter or
    digit outside markup."""
    return bool(re.search(r"\w", _MARKUP_OR_ENTITY.sub(" ", text) if html else text))


def _text_spans(text: str, html: bool) -> list[tuple[int, int]]:
    if not html:
        return [(0, len(text))]
    spans, start = [], 0
    for match in _MARKUP.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _candidates(text: str, html: bool) -> list[tuple[int, int]]:
    """(start, end) of the characters of each run that could be a mark."""
    found = []
    for lo, hi in _text_spans(text, html):
        for match in _RUN.finditer(text, lo, hi):
            start = match.start()
            before = text[start - 1] if start > lo else ""
            if before == "&":
                continue  # an entity such as &#8217;
            if before and (before.isalnum() or before == "_"):
                start += 1  # "user@host": the first character belongs to the word before
            if start < match.end():
                found.append((start, match.end()))
    return found


def literal_budget(source: str, html: bool = False) -> Counter[str]:
    """How many of each mark character the source itself has at the start of words."""
    budget: Counter[str] = Counter()
    for start, end in _candidates(source, html):
        budget.update(source[start:end])
    return budget


def strip_marks(text: str, source: str = "", *, html: bool = False) -> tuple[str, list[str]]:
    """(text without marks, the marked words in order of first appearance)."""
    budget = literal_budget(source, html)
    out: list[str] = []
    unknown: dict[str, None] = {}
    last = 0
    for start, end in _candidates(text, html):
        kept = []
        for char in text[start:end]:
            if budget[char] > 0:
                budget[char] -= 1
                kept.append(char)
        if len(kept) == end - start:
            continue
        out.append(text[last:start])
        out.append("".join(kept))
        last = end
        word = _WORD.match(text, end)
        if word:
            unknown.setdefault(word.group(), None)
    out.append(text[last:])
    return "".join(out), list(unknown)
