"""Editorial QA (DESIGN §3): pure checks that return findings with character offsets.

Fields may be plain text or HTML fragments. Checks read the text a reader sees (see
qa_text.TextView) and report offsets in code points into the value exactly as passed,
so a client can highlight `value[start:end]`. Standard library only, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from newsroom.domain import qa_lexicon as lex
from newsroom.domain import qa_text as qt
from newsroom.domain.qa_text import TextView, build_view, excerpt

Severity = Literal["blocking", "warning"]

SEVERITIES: dict[str, Severity] = {
    "empty_list_slot": "blocking",
    "acronym_variants": "blocking",
    "doubled_punctuation": "blocking",
    "unbalanced_quotes": "blocking",
    "wrong_language": "blocking",
    "boilerplate": "blocking",
    "missing_number": "blocking",
    "missing_name": "blocking",
    "time_without_date_or_zone": "warning",
    "whitespace_only_line": "warning",
    "unknown_word": "warning",
}

LANGUAGE_NAMES = {"fr": "French", "en": "English", "es": "Spanish", "ca": "Catalan"}
_FIELD_ORDER = {"headline": 0, "body": 1}


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    field: str
    start: int
    end: int
    severity: Severity

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
        }


def has_blocking(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "blocking" for f in findings)


def check_text(field: str, value: str, language: str) -> list[Finding]:
    view = build_view(value)
    findings = _field_findings(field, view, qt.primary_language(language))
    findings += _acronym_findings([(field, view)])
    return sorted(findings, key=_order)


def check_article(headline: str, body: str, language: str) -> list[Finding]:
    lang = qt.primary_language(language)
    views = [("headline", build_view(headline)), ("body", build_view(body))]
    findings: list[Finding] = []
    for field, view in views:
        findings += _field_findings(field, view, lang)
    # Acronyms are compared across both fields: KNCA in the headline and KCNA in the
    # body is the same defect as both in the body.
    findings += _acronym_findings(views)
    return sorted(findings, key=_order)


def check_translation(
    source_headline: str,
    source_body: str,
    headline: str,
    body: str,
    language: str,
    unknown_words: Sequence[str] = (),
) -> list[Finding]:
    """The article checks on the translation, plus what it lost from the source.

    Missing numbers and names cannot point at text that is not there, so they carry
    start = end = 0 in the translated field and name the token in the message.
    """
    findings = check_article(headline, body, language)
    translated = {"headline": build_view(headline), "body": build_view(body)}
    sources = {"headline": build_view(source_headline), "body": build_view(source_body)}
    for field in ("headline", "body"):
        source, text = sources[field].text, translated[field].text
        for token in qt.missing_numbers(source, text):
            findings.append(Finding(
                "missing_number",
                f"Number “{token}” from the source {field} is missing from the translation.",
                field, 0, 0, "blocking"))
        for name in qt.missing_names(source, text):
            findings.append(Finding(
                "missing_name",
                f"Name “{name}” from the source {field} is missing from the translation.",
                field, 0, 0, "blocking"))
    findings += _unknown_word_findings(unknown_words, translated)
    return sorted(findings, key=_order)


def _order(f: Finding) -> tuple[int, str, int, int, str]:
    return (_FIELD_ORDER.get(f.field, 2), f.field, f.start, f.end, f.kind)


def _finding(kind: str, message: str, field: str, view: TextView, start: int,
             end: int) -> Finding:
    source_start, source_end = view.span(start, end)
    return Finding(kind, message, field, source_start, source_end, SEVERITIES[kind])


def _field_findings(field: str, view: TextView, lang: str) -> list[Finding]:
    text = view.text
    findings = [
        _finding("empty_list_slot",
                 f"A list has an empty slot: “{text[s:e]}”; an item seems to have been "
                 "dropped.", field, view, s, e)
        for s, e in qt.empty_slots(text, lang)
    ]
    findings += [
        _finding("doubled_punctuation",
                 f"Doubled punctuation “{text[s:e]}” after “{excerpt(text, max(0, s - 20), s)}”.",
                 field, view, s, e)
        for s, e in qt.doubled_punctuation(text)
    ]
    findings += [
        _finding("unbalanced_quotes", _quote_message(text, issue), field, view,
                 issue.start, issue.end)
        for issue in qt.quote_issues(text, lang)
    ]
    findings += _line_findings(field, view, lang)
    findings += [
        _finding("time_without_date_or_zone",
                 f"Time “{text[s:e]}” has no date and no time zone in its paragraph: "
                 f"“{excerpt(text, ps, pe)}”.", field, view, s, e)
        for s, e, ps, pe in qt.times_without_context(text)
    ]
    return findings


def _quote_message(text: str, issue: qt.QuoteIssue) -> str:
    around = excerpt(text, issue.start, min(len(text), max(issue.end, issue.start + 40)))
    if issue.problem == "nested":
        return (f"Guillemets {excerpt(text, issue.start, issue.end)} are nested directly "
                "inside another « » quotation; use “ ” for a quotation within a quotation.")
    if issue.problem == "mixed":
        return (f"Curly quotes {excerpt(text, issue.start, issue.end)} are mixed with « » "
                "in this French text; use « » at the outer level.")
    if issue.problem == "unclosed":
        return f"Quotation mark {issue.mark} is never closed in its paragraph: “{around}”."
    if issue.problem == "misnested":
        return (f"Quotation mark {issue.mark} is closed by {issue.closer} instead of its "
                f"own closing mark: “{around}”.")
    before = excerpt(text, max(0, issue.start - 40), issue.end)
    return f"Closing quotation mark {issue.mark} has no opening mark: “{before}”."


def _line_findings(field: str, view: TextView, lang: str) -> list[Finding]:
    text = view.text
    lines = list(qt.iter_lines(text))
    content = [i for i, (s, e) in enumerate(lines) if not qt.is_blank(text[s:e])]
    findings: list[Finding] = []
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if qt.is_blank(line):
            if _is_whitespace_only(line, view.is_html):
                codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in line}))
                findings.append(_finding(
                    "whitespace_only_line",
                    f"A line holds only invisible whitespace ({codes}).", field, view, s, e))
            continue
        ts, te = qt.trim(text, s, e)
        # A brand line counts only above more text: a one-line headline is the story.
        header = i == content[0] and len(content) > 1
        if lex.is_boilerplate(line) or (header and lex.is_site_header(line)):
            findings.append(_finding(
                "boilerplate", f"Syndication boilerplate: “{excerpt(text, ts, te)}”.",
                field, view, ts, te))
            continue
        other = lex.other_language([m.group().lower() for m in qt.words(line)], lang)
        if other:
            findings.append(_finding(
                "wrong_language",
                f"This text looks like {LANGUAGE_NAMES[other]}, not "
                f"{LANGUAGE_NAMES[lang]}: “{excerpt(text, ts, te)}”.", field, view, ts, te))
    return findings


def _is_whitespace_only(line: str, is_html: bool) -> bool:
    if not line:
        return False  # an empty line between paragraphs is normal
    # In HTML, spaces and tabs between tags are layout of the markup, not content;
    # only a no-break or zero-width space is something a reader would get.
    return not is_html or any(c not in " \t\r\f\v" for c in line)


def _acronym_findings(views: Sequence[tuple[str, TextView]]) -> list[Finding]:
    places: dict[str, list[tuple[str, TextView, int, int]]] = {}
    for field, view in views:
        for m in qt.acronyms(view.text):
            places.setdefault(m.group(), []).append((field, view, *m.span()))
    findings: list[Finding] = []
    for cluster in qt.variant_clusters(places):
        # The spelling to keep: a known acronym, else the most frequent, else the one
        # that came first (dict order). Every occurrence of any other one is reported.
        preferred = [s for s in cluster if s in lex.KNOWN_ACRONYMS]
        if not preferred:
            preferred = [max(cluster, key=lambda s: len(places[s]))]
        for spelling in cluster:
            if spelling in preferred:
                continue
            for field, view, start, end in places[spelling]:
                findings.append(_finding(
                    "acronym_variants",
                    f"Acronym “{spelling}” is also spelled “{preferred[0]}” in this "
                    "article; use one spelling.", field, view, start, end))
    return findings


def _unknown_word_findings(unknown: Sequence[str],
                           translated: dict[str, TextView]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for raw in unknown:
        # Apertium marks unknown words with "*" (and "#", "@" for other failures).
        word = raw.strip().lstrip("*#@")
        if not word or word in seen:
            continue
        seen.add(word)
        field, start, end = "body", 0, 0
        for name in ("body", "headline"):
            view = translated[name]
            span = qt.find_word(view.text, word)
            if span:
                field = name
                start, end = view.span(*span)
                break
        findings.append(Finding(
            "unknown_word",
            f"The translation engine did not know “{word}”; check how it was translated.",
            field, start, end, "warning"))
    return findings
