"""Deliveries: which version of which language each subscriber has, and since when.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_deliveries",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("article_id", sa.Uuid, nullable=False, index=True),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subscriber_id", sa.Uuid, nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", TZ, nullable=True),
        sa.Column("planned_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rm_deliveries")
