"""Public pages: the published article with localized timestamps and corrections.

The page reads only ``rm_publications``, the public read model: drafts, comments and
unpublished translations are never in reach. It is cacheable by shared caches, so it
is rendered with its own layout that carries nothing of the visitor's session (no
name, no CSRF token, no flash messages).

Status codes:
- unknown id, unknown or unpublished language, or an embargo still running: 404, the
  same page in every case, so an embargo cannot be detected from outside;
- retracted: 410 Gone with the retraction notice and its reason, and without the
  retracted text. 410 tells search engines and caches that the text was withdrawn
  on purpose, while people still read why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import nh3
from babel import Locale, UnknownLocaleError
from flask import Blueprint, Response, g, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from newsroom import content
from newsroom.domain.errors import ValidationFailed
from newsroom.projections.tables import publications
from newsroom.timefmt import as_utc as _utc
from newsroom.timefmt import iso_utc
from newsroom.web.context import services
from newsroom.web.localtime import local_datetime, primary, published_line, updated_line
from newsroom.web.ui import PUBLIC, requires

bp = Blueprint("public", __name__)

MAX_AGE = 60  # seconds: corrections and retractions reach readers within a minute

# The page's own words, per language; English for the others.
_LABELS: dict[str, dict[str, str]] = {
    "en": {"languages": "Also available in", "corrections": "Corrections",
           "source_corrections": "Corrections to the original",
           "revision": "Revision", "retracted": "This article has been retracted.",
           "reason": "Reason", "retracted_at": "Retracted {}", "not_found": "Article not found",
           "not_found_text": "There is no published article at this address.",
           "source_note": "Correction notes are written in the original language."},
    "fr": {"languages": "Aussi en", "corrections": "Corrections", "revision": "Révision",
           "source_corrections": "Corrections de l’original",
           "retracted": "Cet article a été retiré.", "reason": "Motif",
           "retracted_at": "Retiré le {}", "not_found": "Article introuvable",
           "not_found_text": "Aucun article publié à cette adresse.",
           "source_note": "Les notes de correction sont rédigées dans la langue d’origine."},
    "es": {"languages": "También en", "corrections": "Correcciones", "revision": "Revisión",
           "source_corrections": "Correcciones del original",
           "retracted": "Este artículo ha sido retirado.", "reason": "Motivo",
           "retracted_at": "Retirado el {}", "not_found": "Artículo no encontrado",
           "not_found_text": "No hay ningún artículo publicado en esta dirección.",
           "source_note": "Las notas de corrección están en el idioma original."},
    "ca": {"languages": "També en", "corrections": "Correccions", "revision": "Revisió",
           "source_corrections": "Correccions de l’original",
           "retracted": "Aquest article ha estat retirat.", "reason": "Motiu",
           "retracted_at": "Retirat el {}", "not_found": "Article no trobat",
           "not_found_text": "No hi ha cap article publicat en aquesta adreça.",
           "source_note": "Les notes de correcció són en la llengua original."},
}


def labels(language: str) -> dict[str, str]:
    return _LABELS.get(primary(language), _LABELS["en"])




def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return _utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def language_name(language: str) -> str:
    """The language's name in itself ("français", "español"), else the tag."""
    try:
        name = Locale.parse(language, sep="-").get_display_name()
    except (UnknownLocaleError, ValueError, TypeError):
        return language
    return (name[:1].upper() + name[1:]) if name else language


def safe_body(body: str) -> Markup:
    """The stored body as HTML. Input bodies were sanitized on the way in; machine
    translations come from an engine, so the public page cleans again (idempotent)."""
    clean = nh3.clean(
        content.body_as_html(body), tags=content.ALLOWED_TAGS,
        attributes=content.ALLOWED_ATTRIBUTES, url_schemes=content.ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (nh3-sanitized against the body allowlist)


@dataclass(frozen=True)
class Edition:
    """One published language of the article, as the public sees it."""

    language: str
    is_source: bool
    revision: int
    headline: str
    body: str
    dateline: str
    byline: str
    first_published_at: datetime
    updated_at: datetime
    embargo_until: datetime | None
    retracted: bool
    retraction_reason: str | None
    corrections: list[dict[str, Any]]

    @property
    def published_iso(self) -> str:
        return iso_utc(self.first_published_at) or ""

    @property
    def updated_iso(self) -> str:
        return iso_utc(self.updated_at) or ""

    def visible(self, now: datetime) -> bool:
        return self.embargo_until is None or self.embargo_until <= now

    def published_line(self) -> str:
        settings = services().settings
        return published_line(self.first_published_at, self.language, settings.timezone,
                              settings.locales)

    def updated_line(self) -> str | None:
        """Shown once the text changed after first publication (a correction or a
        re-published translation); a retraction has its own line."""
        if self.revision <= 1:
            return None
        settings = services().settings
        return updated_line(self.updated_at, self.language, settings.timezone,
                            settings.locales)


def _edition(row: Any) -> Edition:
    return Edition(
        language=row["language"], is_source=bool(row["is_source"]), revision=row["revision"],
        headline=row["headline"], body=row["body"], dateline=row["dateline"] or "",
        byline=row["byline"] or "", first_published_at=_utc(row["first_published_at"]),
        updated_at=_utc(row["updated_at"]),
        embargo_until=_utc(row["embargo_until"]) if row["embargo_until"] else None,
        retracted=bool(row["retracted"]), retraction_reason=row["retraction_reason"],
        corrections=list(row["corrections"] or []),
    )


def _editions(article_id: UUID) -> list[Edition]:
    services().projections.catch_up()
    with services().engine.connect() as conn:
        rows = conn.execute(
            select(publications).where(publications.c.article_id == article_id)
            .order_by(publications.c.is_source.desc(), publications.c.language)
        ).mappings().all()
    return [_edition(r) for r in rows]


def _cache_for(seconds: int) -> None:
    g.public_max_age = max(0, min(MAX_AGE, seconds))


def _not_found(language: str = "en", max_age: int = MAX_AGE) -> tuple[str, int]:
    _cache_for(max_age)
    words = labels(language)
    return render_template("public/not_found.html", lang=language, words=words,
                           actor=None, csrf_token=""), 404


@bp.after_request
def _public_cache(response: Response) -> Response:
    age = g.get("public_max_age")
    if age is not None and response.status_code in (200, 404, 410):
        response.headers["Cache-Control"] = f"public, max-age={age}"
    elif request.blueprint == "public":
        # Anything else (an error page rendered with the site layout) stays private.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/news/<article_id>")
@requires(*PUBLIC)
def article(article_id: str) -> tuple[str, int]:
    asked = (request.args.get("lang") or "").strip()
    try:
        key = UUID(article_id)
    except ValueError:
        return _not_found()
    try:
        language = content.language(asked) if asked else None
    except ValidationFailed:  # a malformed tag is simply not a published language
        return _not_found()
    now = datetime.now(UTC)
    editions = _editions(key)
    source = next((e for e in editions if e.is_source), None)
    if source is None or not source.visible(now):
        # Embargoed: exactly as if absent, but let caches expire when it lifts.
        lift = source.embargo_until if source and source.embargo_until else None
        seconds = int((lift - now).total_seconds()) + 1 if lift else MAX_AGE
        return _not_found(language or "en", seconds)
    visible = [e for e in editions if e.visible(now)]
    wanted = language or source.language
    edition = next((e for e in visible if e.language.lower() == wanted.lower()), None)
    if edition is None:
        return _not_found(wanted)
    settings = services().settings
    corrections = []
    for item in source.corrections:
        at = _parse_time(item.get("at"))
        corrections.append({
            "revision": item.get("revision"), "note": item.get("note", ""),
            "iso": iso_utc(at) or "",
            "at": local_datetime(at, edition.language, settings.timezone, settings.locales)
            if at else "",
        })
    others = [
        {"language": e.language, "name": language_name(e.language), "headline": e.headline,
         "published": e.published_line(), "updated": e.updated_line()}
        for e in visible if e is not edition
    ]
    retracted_line = None
    if edition.retracted:
        retracted_line = labels(edition.language)["retracted_at"].format(local_datetime(
            edition.updated_at, edition.language, settings.timezone, settings.locales))
    # Translations carry no dateline or byline of their own: the source's apply.
    dateline = edition.dateline or source.dateline
    byline = edition.byline or source.byline
    next_change = [e.embargo_until for e in editions
                   if e.embargo_until is not None and e.embargo_until > now]
    seconds = int((min(next_change) - now).total_seconds()) + 1 if next_change else MAX_AGE
    _cache_for(seconds)
    page = render_template(
        "public/article.html", edition=edition, source=source, words=labels(edition.language),
        body=None if edition.retracted else safe_body(edition.body),
        corrections=corrections, others=others, retracted_line=retracted_line,
        dateline=dateline, byline=byline, article_id=key,
        # The public page is shared through caches: nothing of the visitor's session.
        actor=None, csrf_token="",
    )
    return page, 410 if edition.retracted else 200
