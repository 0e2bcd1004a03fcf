"""Public feeds: Atom per language and the Google News sitemap, from the
publications read model. Embargoed items stay out until their embargo passes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, url_for
from sqlalchemy import select

from newsroom.content import language as parse_language
from newsroom.domain.errors import ValidationFailed
from newsroom.formats import PublishedItem, atom_feed, item_uri, news_sitemap
from newsroom.projections.tables import article_summaries, publications
from newsroom.timefmt import as_utc as _utc
from newsroom.web.context import services
from newsroom.web.ui import PUBLIC, requires

bp = Blueprint("feeds", __name__)
MAX_AGE = 60




def _items() -> list[PublishedItem]:
    services().projections.catch_up("publications", "article_list")
    base = services().settings.base_url
    with services().engine.connect() as conn:
        rows = conn.execute(
            select(publications, article_summaries.c.created_at.label("created_at"))
            .join(article_summaries, article_summaries.c.id == publications.c.article_id)
        ).mappings().all()
    languages: dict[Any, list[str]] = {}
    for row in rows:
        languages.setdefault(row["article_id"], []).append(row["language"])
    source = {row["article_id"]: row["language"] for row in rows if row["is_source"]}
    items = []
    for row in rows:
        corrections = row["corrections"] or []
        items.append(PublishedItem(
            article_id=row["article_id"], language=row["language"], revision=row["revision"],
            headline=row["headline"], body=row["body"], dateline=row["dateline"],
            byline=row["byline"], first_created=_utc(row["created_at"]),
            version_created=_utc(row["updated_at"]),
            first_published_at=_utc(row["first_published_at"]), base_url=base,
            source_language=source.get(row["article_id"], row["language"]),
            embargo_until=_utc(row["embargo_until"]) if row["embargo_until"] else None,
            pub_status="canceled" if row["retracted"] else "usable",
            correction_note=str(corrections[-1]["note"]) if corrections else None,
            retraction_reason=row["retraction_reason"] if row["retracted"] else None,
            translations={lang: item_uri(base, row["article_id"], lang)
                          for lang in languages[row["article_id"]]},
        ))
    return items


def _xml(payload: bytes, mimetype: str) -> Response:
    response = Response(payload, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/feeds/<lang>.atom")
@requires(*PUBLIC)
def atom(lang: str) -> Response:
    try:
        language = parse_language(lang)
    except ValidationFailed:
        abort(404)
    now = datetime.now(UTC)
    base = services().settings.base_url
    feed = atom_feed(_items(), language, f"{base}{url_for('feeds.atom', lang=language)}",
                     base, now, now=now)
    return _xml(feed, "application/atom+xml")


@bp.get("/sitemap-news.xml")
@requires(*PUBLIC)
def sitemap() -> Response:
    return _xml(news_sitemap(_items(), datetime.now(UTC)), "application/xml")
