"""Read-model schema. Each projection's position lives beside its rows, so one
transaction moves both: a crash can neither double-apply nor skip an event."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

positions = Table(
    "rm_positions",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
)

article_summaries = Table(
    "rm_article_summaries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("headline", String(500), nullable=False),
    # Casefolded copies for search: SQLite's lower() folds ASCII only.
    Column("search_headline", Text, nullable=False),
    Column("search_body", Text, nullable=False),
    Column("language", String(35), nullable=False, index=True),
    Column("state", String(20), nullable=False, index=True),
    Column("author_id", Uuid, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
