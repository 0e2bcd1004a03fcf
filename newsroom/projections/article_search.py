"""Full-text search documents: SQLite FTS5, PostgreSQL tsvector (see the migration)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, text

from newsroom.domain.article import Article
from newsroom.projections.topics import topic

NAME = "article_search"
TOPICS = tuple(topic(c) for c in (Article.Created, Article.Revised, Article.Corrected))

_TAGS = re.compile(r"<[^>]*>")


def _plain(body: str) -> str:
    return _TAGS.sub(" ", body)


def fold(words: str) -> str:
    """Lower case without diacritics ("Corée" -> "coree"), done in Python so
    PostgreSQL needs no unaccent extension; SQLite's FTS5 tokenizer does the same."""
    decomposed = unicodedata.normalize("NFKD", words.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _upsert(conn: Connection, article_id: str, headline: str, body: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            "INSERT INTO rm_article_search (id, headline, body, document) "
            "VALUES (:id, :h, :b, setweight(to_tsvector('simple', :fh), 'A') || "
            "to_tsvector('simple', :fb)) ON CONFLICT (id) DO UPDATE SET headline = :h, "
            "body = :b, document = EXCLUDED.document"
        ), {"id": article_id, "h": headline, "b": body, "fh": fold(headline),
            "fb": fold(body)})
    else:
        # Looked up by rowid through a keyed table: FTS5 cannot index its id column.
        row = conn.execute(text("SELECT row FROM rm_article_fts_rows WHERE id = :id"),
                           {"id": article_id}).scalar()
        if row is None:
            inserted = conn.execute(text(
                "INSERT INTO rm_article_fts (id, headline, body) VALUES (:id, :h, :b)"
            ), {"id": article_id, "h": headline, "b": body})
            conn.execute(text("INSERT INTO rm_article_fts_rows (id, row) VALUES (:id, :row)"),
                         {"id": article_id, "row": inserted.lastrowid})
        else:
            conn.execute(text("DELETE FROM rm_article_fts WHERE rowid = :row"), {"row": row})
            conn.execute(text(
                "INSERT INTO rm_article_fts (rowid, id, headline, body) "
                "VALUES (:row, :id, :h, :b)"), {"row": row, "id": article_id, "h": headline,
                                                "b": body})


def _current(conn: Connection, article_id: str) -> tuple[str, str]:
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT headline, body FROM rm_article_search WHERE id = :id"),
                             {"id": article_id}).one()
    else:
        found = conn.execute(text(
            "SELECT f.headline, f.body FROM rm_article_fts_rows r "
            "JOIN rm_article_fts f ON f.rowid = r.row WHERE r.id = :id"),
            {"id": article_id}).one()
    return str(found[0]), str(found[1])


def apply(conn: Connection, event: Any, position: int) -> None:
    article_id = str(event.originator_id)
    if isinstance(event, Article.Created):
        _upsert(conn, article_id, event.headline, _plain(event.body))
        return
    headline, body = _current(conn, article_id)
    _upsert(conn, article_id, event.changes.get("headline", headline),
            _plain(event.changes["body"]) if "body" in event.changes else body)


def clear(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DELETE FROM rm_article_search"))
    else:
        conn.execute(text("DELETE FROM rm_article_fts"))
        conn.execute(text("DELETE FROM rm_article_fts_rows"))


def fts_query(words: str) -> str:
    """User words as an FTS5 query of quoted terms (prefix-matched), so no input can
    be FTS syntax."""
    terms = re.findall(r"\w+", words)
    return " ".join(f'"{t}"*' for t in terms)


def matching_ids(conn: Connection, words: str, limit: int) -> list[UUID]:
    """Article ids whose headline or body match the words, best matches first."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text(
            "SELECT id FROM rm_article_search, websearch_to_tsquery('simple', :q) query "
            "WHERE document @@ query ORDER BY ts_rank(document, query) DESC LIMIT :n"
        ), {"q": fold(words), "n": limit}).all()
    else:
        match = fts_query(words)
        if not match:
            return []
        rows = conn.execute(text(
            "SELECT id FROM rm_article_fts WHERE rm_article_fts MATCH :q "
            "ORDER BY rank LIMIT :n"
        ), {"q": match, "n": limit}).all()
    return [UUID(str(row[0])) for row in rows]
