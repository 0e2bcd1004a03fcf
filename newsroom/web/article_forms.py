"""What the desk and editor screens share: reading article forms, turning domain
errors into messages next to fields, local times, and the article as shown (text
with its QA findings marked at their offsets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import request
from markupsafe import Markup

from newsroom.application import HistoryEntry
from newsroom.content import body_as_html, is_html
from newsroom.domain import qa
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    TooLarge,
    ValidationFailed,
)
from newsroom.timefmt import as_utc, within_range
from newsroom.web.context import newsroom
from newsroom.web.textviews import highlight

ARTICLE_FIELDS = ("headline", "body", "language", "dateline", "byline")
CONTENT_FIELDS = ("headline", "body", "dateline", "byline")
Errors = dict[str, str]



def author_name(user_id: UUID) -> str:
    try:
        return newsroom().get_user(user_id).name
    except NotFound:
        return str(user_id)


def form_text(name: str) -> str:
    """A form field as typed; browsers send textarea line breaks as CRLF, stored as LF
    so QA offsets and diffs do not count invisible carriage returns."""
    return request.form.get(name, "").replace("\r\n", "\n")


def form_fields(names: Sequence[str]) -> dict[str, str]:
    return {name: form_text(name) for name in names}


def changed_fields(values: dict[str, str], article: Article) -> dict[str, str]:
    """Only what differs from the stored article, so re-sanitizing an untouched HTML
    body never shows up as a change."""
    return {k: v for k, v in values.items() if getattr(article, k) != v}


def expected_version() -> int:
    text = request.form.get("expected_version", "")
    if not text.isdigit() or int(text) < 1:
        raise ValidationFailed("expected_version",
                               "the form lost the version it was loaded at; reload the page")
    return int(text)


def errors_of(exc: DomainError) -> tuple[int, Errors]:
    """The status and the message for the field a ValidationFailed or TooLarge names."""
    if isinstance(exc, TooLarge):
        return 413, {exc.field: str(exc).partition(": ")[2] or str(exc)}
    if isinstance(exc, ValidationFailed):
        prefix = f"{exc.field}: "
        message = str(exc)
        return 422, {exc.field: message[len(prefix):] if message.startswith(prefix) else message}
    raise exc


_DONE = {"approve": "approved", "publish": "published", "schedule_publication": "scheduled",
         "correct": "corrected", "retract": "retracted", "request_changes": "sent back",
         "revise": "edited", "submit": "submitted", "comment": "commented on",
         "request_translations": "sent for translation"}


def friendly(exc: InvalidTransition) -> str:
    """An InvalidTransition in words a desk uses."""
    done = _DONE.get(exc.action, exc.action.replace("_", " "))
    now = ", ".join(_DONE.get(a, a.replace("_", " ")) for a in exc.allowed) or "nothing"
    return (f"This article is {exc.state}, so it cannot be {done} now. "
            f"In this state it can be: {now}.")




def local_to_utc(name: str, text: str, timezone: str) -> datetime | None:
    """A datetime-local value, read in the newsroom's time zone, as UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(name, f"{text!r} is not a date and time "
                               "(YYYY-MM-DD HH:MM)") from None
    if naive.tzinfo is not None:
        raise ValidationFailed(name, f"give the local time in {timezone}, without an offset")
    zone = ZoneInfo(timezone)
    moment = within_range(name, naive.replace(tzinfo=zone), text)
    if moment.astimezone(zone).replace(tzinfo=None) != naive:
        raise ValidationFailed(name, f"{text} does not exist in {timezone}: "
                               "the clocks skip that hour")
    return moment


def age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - as_utc(then)).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def versions_of(history: Sequence[HistoryEntry], event_type: str) -> list[int]:
    return [e.version for e in history if e.stream == "article" and e.type == event_type]


@dataclass(frozen=True)
class ArticleView:
    """The article's text as shown, with QA findings marked where they stand."""

    headline: Markup
    body: Markup
    body_is_plain: bool
    findings: list[dict[str, Any]] = field(default_factory=list)
    findings_note: str = ""

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "blocking"]


def findings_to_show(article: Article, history: Sequence[HistoryEntry]
                     ) -> tuple[list[dict[str, Any]], str]:
    """The findings recorded at submission while the text is the one submitted;
    otherwise a fresh run of the same pure checks, so offsets fit the current text."""
    submitted = versions_of(history, "ArticleSubmitted")
    if submitted and article.content_version <= submitted[-1]:
        return list(article.qa_findings), f"Found when version {submitted[-1]} was submitted."
    live = [f.to_dict() for f in qa.check_article(article.headline, article.body,
                                                  article.language)]
    if submitted:
        return live, "The text changed after the last submission: this is a check of the " \
                     "current text."
    return live, "A preview of the checks that run when the article is submitted."


def article_view(article: Article, history: Sequence[HistoryEntry]) -> ArticleView:
    findings, note = findings_to_show(article, history)
    body_findings = [f for f in findings if f.get("field") == "body"]
    plain = not is_html(article.body)
    if plain or body_findings:
        # Marks sit at code-point offsets into the stored value: show it as stored.
        body = highlight(article.body, findings, "body")
    else:
        body = Markup(body_as_html(article.body))  # noqa: S704 (sanitized on the way in)
    return ArticleView(
        headline=highlight(article.headline, findings, "headline"),
        body=body,
        body_is_plain=plain or bool(body_findings),
        findings=findings,
        findings_note=note,
    )
