"""Read models: desk lists, search, translation queue, audit trail, publications, users.

Revision ID: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_positions",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "rm_article_summaries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("headline", sa.String(500), nullable=False),
        sa.Column("search_headline", sa.Text, nullable=False),
        sa.Column("search_body", sa.Text, nullable=False),
        sa.Column("language", sa.String(35), nullable=False, index=True),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("author_id", sa.Uuid, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_version", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False, index=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("submitted_at", TZ, nullable=True, index=True),
        sa.Column("scheduled_at", TZ, nullable=True),
        sa.Column("embargo_until", TZ, nullable=True),
        sa.Column("changes_requested_comment", sa.Text, nullable=True),
        sa.Column("blocking_findings", sa.Integer, nullable=False, server_default="0"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "rm_article_search",
            sa.Column("id", sa.Uuid, primary_key=True),
            sa.Column("headline", sa.Text, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR, nullable=False),
        )
        op.create_index("rm_article_search_document", "rm_article_search", ["document"],
                        postgresql_using="gin")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE rm_article_fts USING fts5("
            "id UNINDEXED, headline, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    op.create_table(
        "rm_translations",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("article_id", sa.Uuid, nullable=False, index=True),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("source_language", sa.String(35), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source_version", sa.Integer, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "rm_audit_trail",
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("subject_id", sa.Uuid, nullable=False, index=True),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("stream", sa.String(48), nullable=False),
        sa.Column("originator_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "rm_streams",
        sa.Column("stream_id", sa.Uuid, primary_key=True),
        sa.Column("subject_id", sa.Uuid, nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(48), nullable=False),
    )
    op.create_table(
        "rm_publications",
        sa.Column("article_id", sa.Uuid, primary_key=True),
        sa.Column("language", sa.String(35), primary_key=True),
        sa.Column("is_source", sa.Boolean, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("dateline", sa.Text, nullable=False),
        sa.Column("byline", sa.Text, nullable=False),
        sa.Column("first_published_at", TZ, nullable=False, index=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("embargo_until", TZ, nullable=True),
        sa.Column("retracted", sa.Boolean, nullable=False),
        sa.Column("retraction_reason", sa.Text, nullable=True),
        sa.Column("corrections", sa.JSON, nullable=False),
    )
    op.create_table(
        "rm_users",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("tokens", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("rm_users", "rm_publications", "rm_streams", "rm_audit_trail",
                  "rm_translations", "rm_article_summaries", "rm_positions"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("rm_article_search")
    else:
        op.execute("DROP TABLE rm_article_fts")
