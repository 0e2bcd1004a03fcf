"""Text shown to people: QA highlights at their offsets, diffs, paragraphs.

Everything user-written is escaped here before any markup is added, so templates
can mark the result safe.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from html import escape, unescape
from typing import Any

from markupsafe import Markup

from newsroom.content import is_html

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
_TAGS = re.compile(r"<[^>]*>")
_BLANK = re.compile(r"\n[ \t\u00a0]*\n")
_BLANK_RUN = re.compile(r"\n{3,}")
_BLOCK_END = re.compile(r"</(p|li|h2|h3|blockquote)>|<br\s*/?>", re.IGNORECASE)


def highlight(value: str, findings: Sequence[dict[str, Any]], field: str) -> Markup:
    """The value exactly as stored, escaped, with each finding of ``field`` wrapped in
    <mark> at its code-point offsets. Overlaps are clipped so marks never nest."""
    spans = sorted(
        (int(f["start"]), int(f["end"]), str(f.get("severity", "warning")),
         str(f.get("message", "")))
        for f in findings if f.get("field") == field
        and 0 <= int(f["start"]) < int(f["end"]) <= len(value)
    )
    out: list[str] = []
    cursor = 0
    for start, end, severity, message in spans:
        start = max(start, cursor)
        if start >= end:
            continue
        out.append(escape(value[cursor:start]))
        out.append(f'<mark class="qa-{escape(severity)}" title="{escape(message)}">'
                   f"{escape(value[start:end])}</mark>")
        cursor = end
    out.append(escape(value[cursor:]))
    return Markup("".join(out))  # noqa: S704 (every piece above is escaped)


@functools.lru_cache(maxsize=256)
def plain_text(value: str) -> str:
    """An HTML or plain body as plain text with paragraphs separated by blank lines.
    Cached: a trail page diffs each text twice (as the new text, then as the old)."""
    if "<" in value:  # a plain body (no tag, no block end) needs no regex pass
        text = _BLOCK_END.sub("\n\n", value)
        text = unescape(_TAGS.sub("", text)) if is_html(value) else text
    else:
        text = value
    # Searching first: the substitution scans slowly even when nothing matches.
    return (_BLANK_RUN.sub("\n\n", text) if "\n\n\n" in text else text).strip()


def paragraphs(value: str) -> list[str]:
    return [p.strip() for p in _BLANK.split(plain_text(value).replace("\r\n", "\n"))
            if p.strip()]


def diff_words(old: str, new: str) -> Markup:
    """Word-level inline diff of two texts: <del> for removed, <ins> for added."""
    out = [_SEGMENT_MARKUP[op].format(escape(text)) for op, text in _diff_segments(old, new)]
    return Markup("".join(out))  # noqa: S704 (every piece above is escaped)


def diff_excerpt(old: str, new: str, context: int = 12) -> Markup:
    """The word diff of ``diff_words`` with only the changed regions and ``context``
    words of unchanged text on each side; each stretch of unchanged text left out is
    marked "…". An audit trail shows one row per revision: a one-word change in a
    3,000-character body was 3,000 characters of HTML, a quarter of a megabyte a
    page (the whole diff stays one click away, on the diff page)."""
    segments = _merged(_diff_segments(old, new))
    out: list[str] = []
    last = len(segments) - 1
    for index, (op, text) in enumerate(segments):
        if op != "equal":
            out.append(_SEGMENT_MARKUP[op].format(escape(text)))
        elif index == 0 and last > 0:
            out.append(_keep_last(text, context))
        elif index == last:
            out.append(_keep_first(text, context))
        else:
            out.append(_keep_ends(text, context))
    return Markup("".join(out))  # noqa: S704 (every piece is escaped)


_SEGMENT_MARKUP = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
ELISION = '<span class="elision" title="unchanged text left out">…</span>'


def _diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    """The word diff of two texts as (op, text) pieces, op "equal", "delete" or
    "insert", in reading order (a replacement is a delete, then an insert).

    The common head and tail are set aside before SequenceMatcher runs: a revision
    usually touches a few words, and matching only the changed middle turned a
    1,000-event audit trail from 13 s into a quarter of a second. The shared text
    is first cut at whitespace in characters (compared in C), so only the changed
    neighbourhood is split into words; the result is the same as splitting it all."""
    a_text, b_text = plain_text(old), plain_text(new)
    shared_head = _common_prefix(a_text, b_text)
    cut = _head_cut(a_text, shared_head)
    shared_tail = _common_suffix(a_text, b_text, min(len(a_text), len(b_text)) - shared_head)
    cut_tail = len(a_text) - _tail_cut(a_text, len(a_text) - shared_tail)
    a = _TOKENS.findall(a_text[cut:len(a_text) - cut_tail])
    b = _TOKENS.findall(b_text[cut:len(b_text) - cut_tail])
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    # One shared token is kept on each side, so the matcher places the change exactly
    # as it would on the whole text (e.g. which side of a space an insertion takes).
    head, tail = max(0, head - 1), max(0, tail - 1)
    middle_a, middle_b = a[head:len(a) - tail], b[head:len(b) - tail]
    out: list[tuple[str, str]] = [("equal", a_text[:cut] + "".join(a[:head]))]
    matcher = difflib.SequenceMatcher(a=middle_a, b=middle_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(middle_a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("delete", "".join(middle_a[i1:i2])))
        if j2 > j1:
            out.append(("insert", "".join(middle_b[j1:j2])))
    out.append(("equal", "".join(a[len(a) - tail:]) + a_text[len(a_text) - cut_tail:]))
    return out


def _merged(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent unchanged pieces joined and empty ones dropped, so each stretch of
    unchanged text is one piece (its words are counted once)."""
    merged: list[tuple[str, str]] = []
    for op, text in segments:
        if not text:
            continue
        if merged and op == "equal" and merged[-1][0] == "equal":
            merged[-1] = ("equal", merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def _keep_last(text: str, words: int) -> str:
    start = _start_of_last_words(text, words)
    return (ELISION + " " if start > 0 else "") + escape(text[start:])


def _keep_first(text: str, words: int) -> str:
    end = _end_of_first_words(text, words)
    return escape(text[:end]) + (" " + ELISION if end < len(text.rstrip()) else "")


def _keep_ends(text: str, words: int) -> str:
    """Unchanged text between two changes: whole, unless leaving out its middle
    (all but ``words`` words on each side) saves at least a few words."""
    end = _end_of_first_words(text, words)
    start = _start_of_last_words(text, words)
    if start - end < 40 or len(text[end:start].split()) < 4:
        return escape(text)
    return escape(text[:end]) + " " + ELISION + " " + escape(text[start:])


# Words are found by str.split in C: a regex scan of the same text took ten times
# as long, for every row of a trail page.
def _start_of_last_words(text: str, words: int) -> int:
    """Where the last ``words`` whitespace-separated words of ``text`` begin (0 if it
    has no more)."""
    if words == 0:
        return len(text)
    parts = text.rsplit(None, words)
    if len(parts) <= words:
        return 0
    # parts[0] is the start of the text up to its last non-space before those words.
    return text.find(parts[1], len(parts[0]))


def _end_of_first_words(text: str, words: int) -> int:
    """Where the first ``words`` words of ``text`` end (its length if it has no more)."""
    if words == 0:
        return 0
    parts = text.split(None, words)
    if len(parts) <= words:
        return len(text)
    # parts[-1] is the end of the text from its first non-space after those words.
    return len(text[:len(text) - len(parts[-1])].rstrip())


# Token boundaries that need no tokenizing: a non-space after a space, and a space
# after a non-space (a run of spaces is one token; no other token holds a space).
_SPACE_THEN_WORD = re.compile(r"(?<=\s)\S")
_WORD_THEN_SPACE = re.compile(r"(?<=\S)\s")
_CUT_WINDOW = 160


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix, by halving (each step compares in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def _head_cut(text: str, shared: int) -> int:
    """A token boundary inside the shared head with one whole shared token after
    it (so the word-level head still finds one to keep), or 0: the start of the
    second-to-last word that starts in the last ``_CUT_WINDOW`` characters."""
    low = max(0, shared - _CUT_WINDOW)
    window = text[low:shared]
    parts = window.rsplit(None, 2)
    if len(parts) == 3:
        # Neither of the last two chunks is the window's first: both are words that
        # start after a space (found by str.split, in C).
        return low + window.find(parts[1], len(parts[0]))
    found = [m.start() for m in _SPACE_THEN_WORD.finditer(text, low, shared)]
    return found[-2] if len(found) >= 2 else 0


def _tail_cut(text: str, first: int) -> int:
    """A token boundary inside the shared tail (which starts at ``first``) with one
    whole shared token before it, or the end of the text: the end of the second
    word that ends (before a space) in the next ``_CUT_WINDOW`` characters."""
    high = min(len(text), first + 1 + _CUT_WINDOW)
    window = text[first:high]
    parts = window.split(None, 2)
    if len(parts) == 3:
        # The first two chunks each end before a space inside the window.
        return first + len(window[:len(window) - len(parts[2])].rstrip())
    found = [m.start() for m in _WORD_THEN_SPACE.finditer(text, first + 1, high)]
    return found[1] if len(found) >= 2 else len(text)


def changed_paragraphs(old: str, new: str) -> list[tuple[str, str]]:
    """(old, new) pairs of paragraphs that differ, for "what changed in the source"."""
    a, b = paragraphs(old), paragraphs(new)
    pairs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            pairs.append(("\n\n".join(a[i1:i2]), "\n\n".join(b[j1:j2])))
    return pairs
