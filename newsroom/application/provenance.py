"""Provenance of a partner's copy: which of our published versions (article, language,
revision) a republished text came from, and when we delivered it to whom.

The caller names the candidate articles (the full-text read model finds them); here
every published version of each candidate, in every language, is rebuilt from the
log and scored by word-sequence similarity to the partner's text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from uuid import UUID

from newsroom.application.replay import Receipt, ReplayService
from newsroom.domain.article import Article
from newsroom.domain.errors import TooLarge, ValidationFailed
from newsroom.domain.policy import Actor
from newsroom.domain.translation import Translation, translation_id

_WORDS = re.compile(r"\w+", re.UNICODE)
_TAGS = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(p|li|h2|h3|blockquote)>|<br\s*/?>", re.IGNORECASE)
MAX_COPY_CHARS = 200_000
# Full sequence matching is quadratic at worst: only the best few by shared
# vocabulary are scored that way.
SHORTLIST = 8
# Below this, a match is only the closest text we have, not a likely source: stories
# on the same subject share about half their word sequence.
CONFIDENT = 0.7


@dataclass(frozen=True)
class PublishedVersion:
    article_id: UUID
    language: str
    kind: str  # "source" or "translation"
    revision: int
    stream_id: UUID
    stream_version: int
    published_at: datetime
    headline: str
    body: str

    def text(self) -> str:
        """Headline and body as a reader sees them: plain text, paragraphs apart."""
        return f"{self.headline}\n\n{plain(self.body)}"


@dataclass(frozen=True)
class ProvenanceMatch:
    version: PublishedVersion
    score: float  # 0..1, word-sequence similarity
    deliveries: list[Receipt]  # of this language and revision, as they stand now

    @property
    def confident(self) -> bool:
        return self.score >= CONFIDENT


def plain(body: str) -> str:
    text = _BLOCK_END.sub("\n\n", body)
    return unescape(_TAGS.sub("", text)).strip()


def words(text: str) -> list[str]:
    return _WORDS.findall(text.casefold())


def published_versions(article_events: list[Any],
                       translation_events: dict[str, list[Any]]) -> list[PublishedVersion]:
    """Every text that went out: first publication and each correction of the source,
    each publication of a translation."""
    found: list[PublishedVersion] = []
    current: dict[str, str] = {}
    article_id = article_events[0].originator_id
    language = article_events[0].language
    for event in article_events:
        if isinstance(event, Article.Published):
            current = {"headline": event.headline, "body": event.body}
        elif isinstance(event, Article.Corrected) and current:
            current = {**current, **{k: v for k, v in event.changes.items()
                                     if k in ("headline", "body")}}
        else:
            continue
        found.append(PublishedVersion(
            article_id=article_id, language=language, kind="source",
            revision=event.revision, stream_id=article_id,
            stream_version=event.originator_version, published_at=event.timestamp,
            headline=current["headline"], body=current["body"]))
    for lang, events in translation_events.items():
        for event in events:
            if isinstance(event, Translation.Published):
                found.append(PublishedVersion(
                    article_id=article_id, language=lang, kind="translation",
                    revision=event.revision, stream_id=event.originator_id,
                    stream_version=event.originator_version, published_at=event.timestamp,
                    headline=event.headline, body=event.body))
    return found


def similarity(copy_words: list[str], ours: list[str]) -> float:
    matcher = difflib.SequenceMatcher(a=ours, b=copy_words, autojunk=False)
    return matcher.ratio()


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def checked_copy(value: object) -> str:
    """The partner's text, with words in it; over the limit is refused like any
    oversized field (413), since matching gets slower with the square of its length."""
    if not isinstance(value, str):
        raise ValidationFailed("text", "must be a string")
    text = value.replace("\r\n", "\n").strip()
    if not _WORDS.search(text):
        raise ValidationFailed("text", "paste or upload the partner's text")
    if len(text) > MAX_COPY_CHARS:
        raise TooLarge("text", f"{MAX_COPY_CHARS:,} characters")
    return text


class ProvenanceService(ReplayService):
    def trace_copy(self, actor: Actor, copy_text: str, candidates: Iterable[UUID],
                   limit: int = 5) -> list[ProvenanceMatch]:
        """Our published versions most like ``copy_text``, best first."""
        actor.role_for("audit.read")
        copy_words = words(checked_copy(copy_text))
        copy_set = set(copy_words)
        versions: list[PublishedVersion] = []
        for article_id in dict.fromkeys(candidates):
            article_events = list(self.events.get(article_id))
            if not article_events or not isinstance(article_events[0], Article.Created):
                continue
            languages: list[str] = []
            for event in article_events:
                if isinstance(event, Article.TranslationsRequested):
                    languages.extend(x for x in event.languages if x not in languages)
            translations = {lang: list(self.events.get(translation_id(article_id, lang)))
                            for lang in languages}
            versions.extend(published_versions(article_events, translations))
        ranked = sorted(versions, key=lambda v: _overlap(copy_set, set(words(v.text()))),
                        reverse=True)[:SHORTLIST]
        # Equal texts published twice (a republished story): the first publication is
        # where the text first went out, so it ranks first.
        scored = sorted(((round(similarity(copy_words, words(v.text())), 4), v)
                         for v in ranked),
                        key=lambda pair: (-pair[0], pair[1].published_at))[:limit]
        now = datetime.now(UTC)
        matches = []
        for score, version in scored:
            replay = self.public_as_of(actor, version.article_id, now)
            deliveries = [r for r in replay.receipts
                          if r.language == version.language and r.revision == version.revision
                          and r.kind != "kill"]
            matches.append(ProvenanceMatch(version=version, score=score,
                                           deliveries=deliveries))
        return matches
