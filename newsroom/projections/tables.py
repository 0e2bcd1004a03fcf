"""Read-model schema. Each projection's position lives beside its rows, so one
transaction moves both: a crash can neither double-apply nor skip an event.

The schema is created and changed only by the Alembic migrations in
``newsroom/migrations``; this module describes it for queries.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
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

# Indexes dropped for a rebuild, with the statement that creates each again
# (projections/set_aside.py): kept until they are back, so a crash loses none.
dropped_indexes = Table(
    "rm_dropped_indexes",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("table_name", String(64), nullable=False),
    Column("ddl", Text, nullable=False),
)

article_summaries = Table(
    "rm_article_summaries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("headline", String(500), nullable=False),
    # Casefolded copies for substring search: SQLite's lower() folds ASCII only.
    Column("search_headline", Text, nullable=False),
    Column("search_body", Text, nullable=False),
    Column("language", String(35), nullable=False, index=True),
    Column("state", String(20), nullable=False, index=True),
    Column("author_id", Uuid, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("content_version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=True, index=True),
    Column("scheduled_at", DateTime(timezone=True), nullable=True),
    Column("embargo_until", DateTime(timezone=True), nullable=True),
    Column("changes_requested_comment", Text, nullable=True),
    Column("blocking_findings", Integer, nullable=False, default=0),
)

# Full-text search documents. On SQLite the migration makes this an FTS5 table
# (rm_article_fts); on PostgreSQL a tsvector column with a GIN index.
article_search = Table(
    "rm_article_search",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("headline", Text, nullable=False),
    Column("body", Text, nullable=False),
)

translation_queue = Table(
    "rm_translations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("article_id", Uuid, nullable=False, index=True),
    Column("language", String(35), nullable=False),
    Column("source_language", String(35), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("source_version", Integer, nullable=False),
    Column("headline", Text, nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

audit_trail = Table(
    "rm_audit_trail",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    # The article (for article and translation events) or the user (user events).
    Column("subject_id", Uuid, nullable=False, index=True),
    Column("subject_kind", String(16), nullable=False),
    Column("stream", String(48), nullable=False),
    Column("originator_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor_id", Uuid, nullable=False),
    Column("role", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("data", JSON, nullable=False),
)

# Which article or user each stream belongs to, for the audit projection.
streams = Table(
    "rm_streams",
    metadata,
    Column("stream_id", Uuid, primary_key=True),
    Column("subject_id", Uuid, nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("label", String(48), nullable=False),
)

publications = Table(
    "rm_publications",
    metadata,
    Column("article_id", Uuid, primary_key=True),
    Column("language", String(35), primary_key=True),
    Column("is_source", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("headline", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("dateline", Text, nullable=False),
    Column("byline", Text, nullable=False),
    Column("first_published_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("embargo_until", DateTime(timezone=True), nullable=True),
    Column("retracted", Boolean, nullable=False, default=False),
    Column("retraction_reason", Text, nullable=True),
    Column("corrections", JSON, nullable=False),
)

users = Table(
    "rm_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("roles", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("tokens", JSON, nullable=False),
)

deliveries = Table(
    "rm_deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("article_id", Uuid, nullable=False, index=True),
    Column("language", String(35), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subscriber_id", Uuid, nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=True),
    Column("planned_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)
