"""Faster reads: an index for each journalist's desk, and row ids for SQLite search
documents (FTS5's id column is not indexed, so lookups by it scanned the table).

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rm_article_summaries_author_created", "rm_article_summaries",
                    ["author_id", "created_at"])
    op.create_index("ix_rm_article_summaries_state_submitted", "rm_article_summaries",
                    ["state", "submitted_at"])
    if op.get_bind().dialect.name != "postgresql":
        op.create_table(
            "rm_article_fts_rows",
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("row", sa.Integer, nullable=False),
        )
        op.execute("INSERT INTO rm_article_fts_rows (id, row) SELECT id, rowid FROM rm_article_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_table("rm_article_fts_rows")
    op.drop_index("ix_rm_article_summaries_state_submitted", "rm_article_summaries")
    op.drop_index("ix_rm_article_summaries_author_created", "rm_article_summaries")
