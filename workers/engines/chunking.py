"""Splitting long texts for services with a size limit (pure).

`split_chunks` cuts at the most natural boundary that fits: paragraphs first (a
blank line, or after a block-level closing tag in HTML), then sentences, then
spaces, then between any two characters. It never cuts inside a tag or an entity,
and "".join(chunks) == text. `size` must be additive (size(a + b) == size(a) +
size(b)), such as a character count or an encoded byte count.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

Size = Callable[[str], int]

_PROTECTED = re.compile(r"<!--.*?-->|<[^>]*>|&#?\w+;", re.DOTALL)
_BLOCK_END = (
    r"</(?:p|div|h[1-6]|li|ul|ol|blockquote|table|tr|figure|figcaption|section|article|pre)\s*>"
    r"|<(?:br|hr)\b[^>]*>"
)
_PARAGRAPH_HTML = re.compile(rf"(?:{_BLOCK_END})\s*|\n[ \t]*\n\s*", re.IGNORECASE)
_PARAGRAPH_TEXT = re.compile(r"\n[ \t]*\n\s*|\n")
_SENTENCE = re.compile(r"[.!?…:;»\"”)]\s+")
_SPACE = re.compile(r"\s+")


class ChunkingError(ValueError):
    """One indivisible piece (a tag, an entity) is larger than the limit."""


def _cuts(text: str, pattern: re.Pattern[str] | None, html: bool) -> list[int]:
    """Cut positions (ends of matches, or every character) not inside a protected span."""
    if pattern is None:
        positions = list(range(1, len(text)))
    else:
        positions = [m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)]
    if not html:
        return positions
    inside: set[int] = set()
    for match in _PROTECTED.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    return [p for p in positions if p not in inside]


def _pieces(text: str, pattern: re.Pattern[str] | None, html: bool) -> list[str]:
    bounds = [0, *_cuts(text, pattern, html), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _split(text: str, limit: int, levels: Sequence[re.Pattern[str] | None], html: bool,
           size: Size) -> list[str]:
    if size(text) <= limit:
        return [text]
    if not levels:
        raise ChunkingError(f"an indivisible piece of {size(text)} exceeds the limit {limit}")
    chunks: list[str] = []
    current, current_size = "", 0
    for piece in _pieces(text, levels[0], html):
        piece_size = size(piece)
        if current and current_size + piece_size <= limit:
            current, current_size = current + piece, current_size + piece_size
            continue
        if current:
            chunks.append(current)
        if piece_size <= limit:
            current, current_size = piece, piece_size
        else:
            *done, current = _split(piece, limit, levels[1:], html, size)
            chunks.extend(done)
            current_size = size(current)
    if current:
        chunks.append(current)
    return chunks


def split_chunks(text: str, limit: int, *, html: bool, size: Size = len) -> list[str]:
    """Chunks of at most `limit` (as measured by `size`) whose concatenation is `text`."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    if not text:
        return []
    paragraph = _PARAGRAPH_HTML if html else _PARAGRAPH_TEXT
    return _split(text, limit, (paragraph, _SENTENCE, _SPACE, None), html, size)


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))
