"""Splitting long texts under a service's limit (pure)."""

from __future__ import annotations

import re

import pytest

from workers.engines.chunking import ChunkingError, split_chunks, utf8_size
from workers.engines.deepl import json_size

PARAGRAPH = ('<p>La Corée du Nord a <em>qualifié</em> jeudi les critiques &amp; les '
             '<a href="https://example.org/a?b=1&amp;c=2" title="Un titre. Avec des mots">liens'
             '</a> l&#8217;Ukraine&nbsp;: « provocations ». Deuxième phrase ici!</p>\n')


def _tags_whole(chunk: str) -> bool:
    return not re.search(r"<[^>]*$|^[^<]*>", chunk) and not re.search(r"&#?\w*$", chunk)


def test_short_text_is_one_chunk_and_empty_is_none() -> None:
    assert split_chunks("Bonjour.", 100, html=False) == ["Bonjour."]
    assert split_chunks("", 100, html=True) == []


def test_html_splits_at_paragraphs_and_keeps_everything() -> None:
    text = PARAGRAPH * 400
    chunks = split_chunks(text, 5000, html=True)
    assert "".join(chunks) == text
    assert all(len(c) <= 5000 for c in chunks)
    assert all(c.endswith("</p>\n") for c in chunks)
    assert len(chunks) == -(-len(text) // (5000 // len(PARAGRAPH) * len(PARAGRAPH)))


def test_long_paragraph_falls_back_to_sentences_then_spaces_never_inside_tags() -> None:
    text = "<p>" + PARAGRAPH[3:-5] * 60 + "</p>"
    chunks = split_chunks(text, 700, html=True)
    assert "".join(chunks) == text
    assert all(len(c) <= 700 and _tags_whole(c) for c in chunks)
    assert sum(c.rstrip().endswith((".", "!", "»")) for c in chunks) >= len(chunks) - 2


def test_a_word_longer_than_the_limit_is_cut_between_characters() -> None:
    text = "court " + "x" * 25 + " fin"
    chunks = split_chunks(text, 10, html=False)
    assert "".join(chunks) == text and all(len(c) <= 10 for c in chunks)


def test_plain_text_splits_at_blank_lines() -> None:
    text = "\n\n".join(f"Paragraphe {i}. " + "mot " * 50 for i in range(40))
    chunks = split_chunks(text, 1000, html=False)
    assert "".join(chunks) == text
    assert all(len(c) <= 1000 for c in chunks)
    assert all(c.endswith("\n\n") for c in chunks[:-1])


def test_an_indivisible_tag_over_the_limit_is_an_error() -> None:
    with pytest.raises(ChunkingError):
        split_chunks('<img src="data:' + "A" * 200 + '">', 100, html=True)


def test_sizes_in_encoded_bytes() -> None:
    text = "Séoul « ok » \"q\"\n" * 2000
    for size, limit in ((utf8_size, 3000), (json_size, 3000)):
        chunks = split_chunks(text, limit, html=False, size=size)
        assert "".join(chunks) == text and all(size(c) <= limit for c in chunks)
    assert json_size('a"é\n') == len('a\\"é\\n'.encode())
