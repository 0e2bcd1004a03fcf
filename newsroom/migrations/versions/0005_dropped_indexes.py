"""Where a rebuild keeps the indexes it set aside until it creates them again.

Revision ID: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_dropped_indexes",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("ddl", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_dropped_indexes")
