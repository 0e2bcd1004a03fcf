"""Full-text search documents: SQLite FTS5, PostgreSQL tsvector (see the migration)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, text

from newsroom.domain.article import Article
from newsroom.projections.batch import Batch
from newsroom.projections.topics import topic

NAME = "article_search"
TOPICS = tuple(topic(c) for c in (Article.Created, Article.Revised, Article.Corrected))
# PostgreSQL keeps documents in one table; SQLite in an FTS5 table and its row ids.
TABLES = ("rm_article_search", "rm_article_fts", "rm_article_fts_rows")

_TAGS = re.compile(r"<[^>]*>")


def _plain(body: str) -> str:
    return _TAGS.sub(" ", body)


def fold(words: str) -> str:
    """Lower case without diacritics ("Corée" -> "coree"), done in Python so
    PostgreSQL needs no unaccent extension; SQLite's FTS5 tokenizer does the same."""
    decomposed = unicodedata.normalize("NFKD", words.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PG_UPSERT = text(
    "INSERT INTO rm_article_search (id, headline, body, document) "
    "VALUES (:id, :h, :b, setweight(to_tsvector('simple', :fh), 'A') || "
    "to_tsvector('simple', :fb)) ON CONFLICT (id) DO UPDATE SET headline = :h, "
    "body = :b, document = EXCLUDED.document")
_FTS_INSERT = text("INSERT INTO rm_article_fts (rowid, id, headline, body) "
                   "VALUES (:row, :id, :h, :b)")
_FTS_DELETE = text("DELETE FROM rm_article_fts WHERE rowid = :row")
_FTS_ROW_INSERT = text("INSERT INTO rm_article_fts_rows (id, row) VALUES (:id, :row)")
_CHUNK = 500

Texts = dict[str, tuple[str, str]]


def apply(conn: Connection, batch: Batch) -> None:
    """Each article's document is written once per batch, with its last text."""
    created = {str(e.originator_id) for e, _ in batch if isinstance(e, Article.Created)}
    stored, rows = _stored(conn, {str(e.originator_id) for e, _ in batch} - created)
    texts: Texts = {}
    for event, _position in batch:
        article_id = str(event.originator_id)
        if isinstance(event, Article.Created):
            texts[article_id] = (event.headline, _plain(event.body))
            continue
        headline, body = texts[article_id] if article_id in texts else stored[article_id]
        texts[article_id] = (
            event.changes.get("headline", headline),
            _plain(event.changes["body"]) if "body" in event.changes else body)
    if conn.dialect.name == "postgresql":
        if texts:
            conn.execute(_PG_UPSERT, [{"id": i, "h": h, "b": b, "fh": fold(h), "fb": fold(b)}
                                      for i, (h, b) in texts.items()])
    else:
        _write_fts(conn, texts, rows)


def _stored(conn: Connection, ids: set[str]) -> tuple[Texts, dict[str, int]]:
    """The stored documents of ``ids`` (and, on SQLite, their FTS row ids)."""
    wanted = sorted(ids)
    found: Texts = {}
    rows: dict[str, int] = {}
    for chunk in range(0, len(wanted), _CHUNK):
        part = wanted[chunk:chunk + _CHUNK]
        if conn.dialect.name == "postgresql":
            query = text("SELECT id, headline, body, 0 FROM rm_article_search "
                         "WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
            part_ids: list[Any] = [UUID(i) for i in part]
        else:
            # Looked up by rowid through a keyed table: FTS5 cannot index its id column.
            query = text("SELECT r.id, f.headline, f.body, r.row FROM rm_article_fts_rows r "
                         "JOIN rm_article_fts f ON f.rowid = r.row WHERE r.id IN :ids"
                         ).bindparams(bindparam("ids", expanding=True))
            part_ids = part
        for row in conn.execute(query, {"ids": part_ids}):
            found[str(row[0])] = (str(row[1]), str(row[2]))
            rows[str(row[0])] = int(row[3])
    return found, rows


def _write_fts(conn: Connection, texts: Texts, rows: dict[str, int]) -> None:
    """Stored documents are replaced at their row id; new ones get the next ids."""
    replaced = [{"row": rows[i], "id": i, "h": h, "b": b}
                for i, (h, b) in texts.items() if i in rows]
    new = [(i, h, b) for i, (h, b) in texts.items() if i not in rows]
    if replaced:
        conn.execute(_FTS_DELETE, [{"row": r["row"]} for r in replaced])
        conn.execute(_FTS_INSERT, replaced)
    if new:
        # FTS5 walks its rows in rowid order, so this reads one row (max() scans all).
        last = conn.execute(text("SELECT rowid FROM rm_article_fts ORDER BY rowid DESC "
                                 "LIMIT 1")).scalar() or 0
        added = [{"row": int(last) + n, "id": i, "h": h, "b": b}
                 for n, (i, h, b) in enumerate(new, start=1)]
        conn.execute(_FTS_INSERT, added)
        conn.execute(_FTS_ROW_INSERT, [{"id": a["id"], "row": a["row"]} for a in added])


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
