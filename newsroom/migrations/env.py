"""Alembic environment: uses the engine handed over by newsroom.migrations.upgrade."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from newsroom.migrations import VERSION_TABLE

engine: Engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
