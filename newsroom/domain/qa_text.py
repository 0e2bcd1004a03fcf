"""Text for editorial QA: readable views of a field, and detectors that find spans.

A field arrives as plain text or as an HTML fragment. Checks read the text a reader
sees (tags dropped, entities decoded, block tags turned into line breaks) while every
finding must point into the string exactly as the client sent it. `TextView` keeps,
for each character of the readable text, where it came from.

The detectors below work on that readable text and return spans in it; qa.py turns
them into findings. Each is a single pass (regular expressions or one scan), so a
long body stays linear.
"""

from __future__ import annotations

import html.entities
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from newsroom.domain import qa_lexicon as lex

_TAG_START = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9]*|!--|!)")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_PARAGRAPH_TAGS = frozenset(
    {"p", "div", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
     "table", "tr", "td", "th", "section", "article", "header", "footer", "figure",
     "figcaption", "pre", "hr", "dl", "dt", "dd"}
)
_RAW_TEXT_TAGS = frozenset({"script", "style"})
_HTML_HINT = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>|<!--")
_WORD = re.compile(r"[^\W\d_]+")

# Characters that occupy a line without showing anything (U+00A0, U+202F, zero-width
# spaces). str.isspace() misses the zero-width ones.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def is_blank(chunk: str) -> bool:
    return all(c.isspace() or c in INVISIBLE for c in chunk)


@dataclass(frozen=True)
class TextView:
    """Readable text plus, when it differs from the source, a per-character map."""

    source: str
    text: str
    is_html: bool
    # starts[i]/ends[i]: the source span that produced text[i]. Empty arrays mean the
    # text is the source itself, which keeps plain-text fields (the common case) cheap.
    starts: array[int]
    ends: array[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a text span to the matching source span."""
        if not self.starts:
            return start, end
        if start >= end:
            at = self.starts[start] if start < len(self.starts) else len(self.source)
            return at, at
        return self.starts[start], self.ends[end - 1]


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.starts: array[int] = array("q")
        self.ends: array[int] = array("q")
        # Where the next "</script" (or "</style") is, or -1 once there is none left;
        # without this, a body of unclosed <script> tags would be rescanned per tag.
        self.closers: dict[str, int] = {}

    def emit(self, chars: str, start: int, end: int) -> None:
        self.pieces.append(chars)
        for _ in chars:
            self.starts.append(start)
            self.ends.append(end)

    def copy(self, value: str, start: int, stop: int) -> None:
        # Plain runs are copied in one go; the per-character cost is only the map.
        self.pieces.append(value[start:stop])
        self.starts.extend(range(start, stop))
        self.ends.extend(range(start + 1, stop + 1))


def build_view(value: str) -> TextView:
    if "<" not in value and "&" not in value:
        return TextView(value, value, False, array("q"), array("q"))
    is_html = bool(_HTML_HINT.search(value))
    out = _Builder()
    position = 0
    length = len(value)
    while position < length:
        char = value[position]
        if char == "<" and is_html and _TAG_START.match(value, position):
            position = _skip_tag(value, position, out)
            continue
        if char == "&":
            entity = _ENTITY.match(value, position)
            decoded = _decode_entity(entity.group(1)) if entity else None
            if entity and decoded is not None:
                out.emit(decoded, position, entity.end())
                position = entity.end()
                continue
        stop = _next_special(value, position + 1, is_html)
        out.copy(value, position, stop)
        position = stop
    return TextView(value, "".join(out.pieces), is_html, out.starts, out.ends)


def _next_special(value: str, position: int, is_html: bool) -> int:
    stop = value.find("&", position)
    if is_html:
        lt = value.find("<", position)
        if lt >= 0 and (stop < 0 or lt < stop):
            stop = lt
    return len(value) if stop < 0 else stop


def _skip_tag(value: str, position: int, out: _Builder) -> int:
    if value.startswith("<!--", position):
        close = value.find("-->", position + 4)
        return len(value) if close < 0 else close + 3
    close = value.find(">", position)
    if close < 0:
        # A "<" that never closes is text, not a tag.
        out.copy(value, position, position + 1)
        return position + 1
    end = close + 1
    match = _TAG_NAME.match(value, position)
    name = match.group(1).lower() if match else ""
    if name == "br":
        out.emit("\n", position, end)
    elif name in _PARAGRAPH_TAGS:
        out.emit("\n\n", position, end)
    elif name in _RAW_TEXT_TAGS and not value.startswith("</", position):
        # Script and style bodies are not text a reader sees.
        closing = out.closers.get(name, end - 1)
        if 0 <= closing < end:
            found = re.compile(f"</{name}", re.IGNORECASE).search(value, end)
            closing = found.start() if found else -1
            out.closers[name] = closing
        if closing >= 0:
            final = value.find(">", closing)
            return len(value) if final < 0 else final + 1
    return end


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return html.entities.html5.get(body + ";")
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def iter_lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, without its line break (nor the CR of a CRLF)."""
    start = 0
    length = len(text)
    while start <= length:
        newline = text.find("\n", start)
        stop = length if newline < 0 else newline
        end = stop - 1 if stop > start and text[stop - 1] == "\r" else stop
        yield start, end
        if newline < 0:
            return
        start = newline + 1


def iter_paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Runs of non-blank lines; blank lines (whitespace only) separate paragraphs."""
    first = -1
    last = -1
    for start, end in iter_lines(text):
        if is_blank(text[start:end]):
            if first >= 0:
                yield first, last
                first = -1
            continue
        if first < 0:
            first = start
        last = end
    if first >= 0:
        yield first, last


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a span to exclude surrounding whitespace."""
    while start < end and (text[start].isspace() or text[start] in INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in INVISIBLE):
        end -= 1
    return start, end


def words(text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
    """Letter runs: "l’Ukraine" gives "l" and "Ukraine", "17h39" gives "h"."""
    return _WORD.finditer(text, start, len(text) if end is None else end)


def fold(word: str) -> str:
    """Lowercase without accents, for comparing names across languages."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def primary_language(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


def excerpt(text: str, start: int, end: int, limit: int = 60) -> str:
    """The offending text for a message, shortened and on one line."""
    # Cut before collapsing spaces: a message must not cost a pass over a long span.
    stop = min(end, start + 2 * limit)
    chunk = " ".join(text[start:stop].split())
    if len(chunk) <= limit and stop == end:
        return chunk
    return chunk[: limit - 1] + "…"


# Detectors --------------------------------------------------------------------------

_GAP = r"[ \t\u00a0\u202f]*"


def _empty_slot_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        # an article or preposition directly before a comma: "de la , de l’Allemagne"
        r"(?<![\w’'-])(?:" + "|".join(words) + ")" + _GAP + "[,;]"
        # an article directly before the conjunction: "de la et de l’Italie"
        + r"|(?<![\w’'-])(?:de|à)[ \u00a0\u202f]+(?:la|l[’'])" + _GAP + r"(?:et|y|i)\b"
        # a conjunction with nothing after it: "la France et."
        + r"|(?<![\w’'-])(?:" + "|".join(lex.SLOT_CONJUNCTIONS) + ")" + _GAP
        + r"[.;](?!\.)"
        # two commas with only space between: "du Canada, , de l’Allemagne"
        + r"|,[ \t\u00a0\u202f]+,"
    )


_EMPTY_SLOT = {lang: _empty_slot_pattern(words) for lang, words in lex.SLOT_WORDS.items()}
_EMPTY_SLOT_ANY = _empty_slot_pattern(lex.ALL_SLOT_WORDS)

# Dots are counted as a run: two is a doubled stop, three or more is an ellipsis
# (". . ." included). Commas, semicolons and colons count only when adjacent, since
# ", ," is an empty list slot. "?!" and "!?" are accepted.
_DOUBLED = re.compile(r"\.(?:[ \u00a0\u202f]?\.)+|([,;:])\1+|([!?])(?:[ \u00a0\u202f]?\2)+")


def empty_slots(text: str, language: str = "") -> Iterator[tuple[int, int]]:
    """Languages without their own list use every language's words."""
    pattern = _EMPTY_SLOT.get(language, _EMPTY_SLOT_ANY)
    return (m.span() for m in pattern.finditer(text))


def doubled_punctuation(text: str) -> Iterator[tuple[int, int]]:
    for m in _DOUBLED.finditer(text):
        if not m.group().startswith(".") or m.group().count(".") == 2:
            yield m.span()


QuoteProblem = Literal["nested", "mixed", "unclosed", "misnested", "stray"]


@dataclass(frozen=True)
class QuoteIssue:
    problem: QuoteProblem
    start: int
    end: int
    mark: str
    closer: str = ""


@dataclass
class _Open:
    mark: str
    at: int
    nested: bool = False
    mixed: bool = False


_QUOTES = re.compile("[«»“”‹›\"]")
_OPENER_OF = {"»": "«", "”": "“", "›": "‹"}


def quote_issues(text: str, lang: str) -> list[QuoteIssue]:
    """Quotation marks that do not pair up within their paragraph, or pair up wrongly.

    A quotation may run over several paragraphs when the next one reopens it (English
    “, French « or the French continuation mark »), so that is not reported.
    """
    # French sets quotes in « » and uses “ ” only inside them; curly quotes at the
    # outer level beside guillemets elsewhere mean text pasted from another source.
    check_mix = lang == "fr" and "«" in text
    issues: list[QuoteIssue] = []
    paragraphs = list(iter_paragraphs(text))
    continued = False
    for index, (start, end) in enumerate(paragraphs):
        stack = _Stack()
        first = trim(text, start, end)[0]
        for m in _QUOTES.finditer(text, start, end):
            mark, at = m.group(), m.start()
            if mark == '"':
                if stack.items and stack.items[-1].mark == '"':
                    stack.pop_to(len(stack.items) - 1)
                else:
                    stack.push(_Open(mark, at))
            elif mark in "«“‹":
                nested = mark == "«" and stack.count["«"] > 0
                mixed = check_mix and mark == "“" and not stack.items
                stack.push(_Open(mark, at, nested, mixed))
            elif not (continued and at == first and mark == "»"):
                issues += _close(stack, mark, at)
        following = paragraphs[index + 1][0] if index + 1 < len(paragraphs) else -1
        continued = bool(stack.items) and following >= 0 and text[following] in "«“‹»\""
        for opened in stack.items:
            issues += _pair_issues(opened, opened.at + 1)
            if not continued:
                issues.append(QuoteIssue("unclosed", opened.at, opened.at + 1, opened.mark))
    return issues


class _Stack:
    """Open quotation marks, with a count per mark so a lookup never scans the stack."""

    def __init__(self) -> None:
        self.items: list[_Open] = []
        self.count = {mark: 0 for mark in "«“‹\""}

    def push(self, opened: _Open) -> None:
        self.items.append(opened)
        self.count[opened.mark] += 1

    def pop_to(self, depth: int) -> list[_Open]:
        removed = self.items[depth:]
        del self.items[depth:]
        for opened in removed:
            self.count[opened.mark] -= 1
        return removed


def _close(stack: _Stack, mark: str, at: int) -> list[QuoteIssue]:
    wanted = _OPENER_OF[mark]
    if not stack.count[wanted]:
        return [QuoteIssue("stray", at, at + 1, mark)]
    # The scan below is paid for by the marks it removes, so the whole pass stays linear.
    depth = len(stack.items) - 1
    while stack.items[depth].mark != wanted:
        depth -= 1
    closed, *inner = stack.pop_to(depth)
    # Marks opened after the one this closes were never closed: « a “b » c.
    issues = [QuoteIssue("misnested", o.at, o.at + 1, o.mark, mark) for o in inner]
    return issues + _pair_issues(closed, at + 1)


def _pair_issues(opened: _Open, end: int) -> list[QuoteIssue]:
    if opened.nested:
        return [QuoteIssue("nested", opened.at, end, opened.mark)]
    if opened.mixed:
        return [QuoteIssue("mixed", opened.at, end, opened.mark)]
    return []


_H = r"(?<![\w:.,])"
_TIME = re.compile(
    _H + r"(?:1[0-2]|0?[1-9])(?::[0-5]\d)?[ \u00a0\u202f]?(?:[ap]\.m\.|[ap]m\b|[AP]M\b)"
    + "|" + _H + r"(?:[01]?\d|2[0-3])[.:][0-5]\d[ \u00a0\u202f]?(?:horas|hores|hrs?|h)\b"
    + "|" + _H + r"(?:[01]?\d|2[0-3])[ \u00a0\u202f]?h[ \u00a0\u202f]?[0-5]\d(?!\d)"
    + "|" + _H + r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])"
    + "|" + _H + r"(?:[01]?\d|2[0-3])[ \u00a0\u202f]?h(?!\w)"
)
# A bare "17 h" is a time only after a word that introduces one ("à 17 h"); otherwise
# it is as likely a duration ("48 h").
_BARE_HOUR_INTRO = re.compile(r"(?:à|vers|dès|avant|après|jusqu[’']à)[ \u00a0\u202f]+$")
_BARE_HOUR = re.compile(r"\d[ \u00a0\u202f]?h$")
_NUMERIC_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b"
)


def times_without_context(text: str) -> Iterator[tuple[int, int, int, int]]:
    """(time start, time end, paragraph start, paragraph end) for each time of day in a
    paragraph that gives neither a date nor a time zone."""
    for start, end in iter_paragraphs(text):
        times = [m for m in _TIME.finditer(text, start, end) if _is_time(text, m)]
        if times and not _has_date_or_zone(text, start, end):
            for m in times:
                yield m.start(), m.end(), start, end


def _is_time(text: str, m: re.Match[str]) -> bool:
    if not _BARE_HOUR.search(m.group()):
        return True
    return bool(_BARE_HOUR_INTRO.search(text, max(0, m.start() - 12), m.start()))


def _has_date_or_zone(text: str, start: int, end: int) -> bool:
    for m in words(text, start, end):
        if lex.is_date_word(m.group()) or m.group() in lex.ZONE_ABBREVIATIONS:
            return True
    return lex.has_zone_phrase(text[start:end]) or bool(_NUMERIC_DATE.search(text, start, end))


def acronyms(text: str) -> Iterator[re.Match[str]]:
    """All-capitals words of two letters or more, outside all-capitals lines."""
    for s, e in iter_lines(text):
        tokens = list(words(text, s, e))
        caps = [m for m in tokens if len(m.group()) >= 2 and m.group().isupper()]
        # An all-capitals headline is shouting, not a row of acronyms.
        if len(tokens) >= 3 and len(caps) * 5 >= len(tokens) * 3:
            continue
        yield from caps


def variant_clusters(spellings: Iterable[str]) -> list[list[str]]:
    """Group acronym spellings that are anagrams (KNCA, KCNA) or, from four letters,
    one edit apart (UNICEF, UNICEE). Known acronyms are never grouped together only
    with each other, since ICBM and IRBM are both real. Bucketing by key keeps this
    linear instead of comparing every pair."""
    candidates = [s for s in spellings if len(s) >= 3 and not set(s) <= lex.ROMAN_DIGITS]
    parent = {s: s for s in candidates}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    buckets: dict[str, list[str]] = {}
    for s in candidates:
        buckets.setdefault("A" + "".join(sorted(s)), []).append(s)
        if len(s) >= 4:
            buckets.setdefault("D" + s, []).append(s)
            for i in range(len(s)):
                buckets.setdefault("D" + s[:i] + s[i + 1:], []).append(s)
    for members in buckets.values():
        for other in members[1:]:
            if other != members[0]:
                parent[root(other)] = root(members[0])
    clusters: dict[str, list[str]] = {}
    for s in candidates:
        clusters.setdefault(root(s), []).append(s)
    return [c for c in clusters.values()
            if len(c) > 1 and not all(s in lex.KNOWN_ACRONYMS for s in c)]


_NUMBER = re.compile(r"\d+(?:[.,:hH\u00a0\u202f]\d+)*")
_DIGITS = re.compile(r"\d+")


def _digit_keys(text: str) -> set[str]:
    # Runs of digits, so "1 000", "1,000" and "1.000" or "17h39" and "17:39" agree.
    return {run.lstrip("0") or "0" for run in _DIGITS.findall(text)}


def missing_numbers(source: str, translation: str) -> list[str]:
    """Numbers as written in the source whose digits the translation lacks."""
    present = _digit_keys(translation)
    missing: dict[str, None] = {}  # ordered and O(1) to test
    for m in _NUMBER.finditer(source):
        token = m.group()
        if token in missing or _digit_keys(token) <= present:
            continue
        clock = _clock(source, m)
        if clock and _clock_present(*clock, present):
            continue
        missing[token] = None
    return list(missing)


_CLOCK = re.compile(r"(\d{1,2})[:hH.](\d{2})|([01]\d|2[0-3])([0-5]\d)")
_CLOCK_CONTEXT = re.compile(r"[ \u00a0\u202f]?(?:[ap]\.?m\b|h\b|hrs?\b|hours\b|horas\b|"
                            r"hores\b|heures\b|[A-Z]{2,4}\b)")


def _clock(text: str, m: re.Match[str]) -> tuple[int, int] | None:
    """(hour, minute) when the number is a time of day: 5:39, 17h39, or 0900 GMT."""
    parts = _CLOCK.fullmatch(m.group())
    if not parts:
        return None
    if parts.group(3):
        # Four bare digits are a year as often as a time; only a unit or zone after
        # them ("0900 GMT") makes them a time.
        if not _CLOCK_CONTEXT.match(text, m.end()):
            return None
        return int(parts.group(3)), int(parts.group(4))
    return int(parts.group(1)), int(parts.group(2))


def _clock_present(hour: int, minute: int, present: set[str]) -> bool:
    # Translations move between clocks (17h39, 5:39 p.m., 0900 GMT, 09 h 00).
    hours = {str(hour), str(hour + 12), str(hour - 12)} if hour else {"0", "12", "24"}
    return str(minute) in present and bool(hours & present)


_SENTENCE_END = ".!?…:"
_BEFORE_SENTENCE = " \t\u00a0\u202f«“\"‘(—–-["


def missing_names(source: str, translation: str) -> list[str]:
    """Acronyms and proper names of the source that the translation lacks, in order.

    Acronyms are checked strictly (allowing ONU for UN and the like). Capitalised words
    are checked conservatively: sentence-initial words, words the source also uses in
    lowercase, common words and titles are skipped, and a shared stem or a listed
    equivalent (Allemagne, Germany) counts as present.
    """
    tr_words = {m.group() for m in words(translation)}
    tr_prefixes = {w[:k] for w in map(fold, tr_words) for k in (3, 4, 5) if len(w) >= k}
    lowercase = {m.group() for m in words(source) if m.group().islower()}
    missing: list[str] = []
    seen: set[str] = set()
    tr_folded = {fold(w) for w in tr_words}
    for m in acronyms(source):
        token = m.group()
        if token not in seen and token not in tr_words:
            seen.add(token)
            # A dateline in capitals ("LONDON —") is a name, and may come out as
            # "Londres"; an acronym must survive as itself or a listed equivalent.
            folded = fold(token) if len(token) >= 4 else ""  # not "US" for "us"
            if (not lex.acronym_has_equivalent(token, tr_words) and folded not in tr_folded
                    and not lex.name_present(folded, tr_prefixes, stems_only=True)):
                missing.append(token)
    for m in words(source):
        token = m.group()
        if (token in seen or len(token) < 3 or not token[0].isupper() or token.isupper()
                or token in tr_words):
            continue
        # A sentence-initial word may be any word; judge the name where it recurs.
        if _sentence_initial(source, m.start()):
            continue
        seen.add(token)
        folded = fold(token)
        if token.lower() in lowercase or folded in lex.COMMON_CAPITALISED:
            continue
        if not lex.is_common_word(token) and not lex.name_present(folded, tr_prefixes):
            missing.append(token)
    return missing


def _sentence_initial(text: str, at: int) -> bool:
    i = at - 1
    while i >= 0 and text[i] in _BEFORE_SENTENCE:
        i -= 1
    return i < 0 or text[i] in "\r\n" or text[i] in _SENTENCE_END


def find_word(text: str, word: str) -> tuple[int, int] | None:
    """First whole-word occurrence of `word`, else its first occurrence at all."""
    m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text)
    if m:
        return m.span()
    at = text.find(word)
    return (at, at + len(word)) if at >= 0 else None
