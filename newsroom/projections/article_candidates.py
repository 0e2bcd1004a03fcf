"""Candidate articles for a partner's copy, from the read models: the source of a
republished text is then confirmed against the log (application/provenance.py).

A partner's copy has typos, dropped words and boilerplate, so the full-text query is
an OR of its most distinctive words (the longest ones), ranked by the engine. The
full-text index holds source-language text only; a copy of a translation is caught by
the second list: the most recently published articles in every language.
"""

from __future__ import annotations

import re
from uuid import UUID

from sqlalchemy import Connection, func, select, text

from newsroom.projections.article_search import fold
from newsroom.projections.tables import publications

DISTINCTIVE_WORDS = 24
MIN_WORD = 5
RECENT = 50


def distinctive_words(copy_text: str, count: int = DISTINCTIVE_WORDS) -> list[str]:
    found = dict.fromkeys(w for w in re.findall(r"\w+", fold(copy_text))
                          if len(w) >= MIN_WORD and not w.isdigit())
    return sorted(found, key=lambda w: (-len(w), w))[:count]


def full_text_candidates(conn: Connection, copy_text: str, limit: int = 20) -> list[UUID]:
    terms = distinctive_words(copy_text)
    if not terms:
        return []
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT id FROM rm_article_search, to_tsquery('simple', :q) query "
            "WHERE document @@ query ORDER BY ts_rank(document, query) DESC LIMIT :n"
        ), {"q": " | ".join(terms), "n": limit}).all()
    else:
        rows = conn.execute(text(
            "SELECT id FROM rm_article_fts WHERE rm_article_fts MATCH :q "
            "ORDER BY rank LIMIT :n"
        ), {"q": " OR ".join(f'"{t}"' for t in terms), "n": limit}).all()
    return [UUID(str(row[0])) for row in rows]


def recently_published(conn: Connection, limit: int = RECENT) -> list[UUID]:
    latest = func.max(publications.c.updated_at)
    rows = conn.execute(select(publications.c.article_id, latest)
                        .group_by(publications.c.article_id)
                        .order_by(latest.desc()).limit(limit)).all()
    return [UUID(str(r[0])) for r in rows]


def candidates(conn: Connection, copy_text: str) -> list[UUID]:
    """Full-text matches first, then recent publications; no duplicates."""
    return list(dict.fromkeys([*full_text_candidates(conn, copy_text),
                               *recently_published(conn)]))
