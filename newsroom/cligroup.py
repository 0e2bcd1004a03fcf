"""The `newsroom` command group: failures every command shares, reported once here
rather than in each command. A database that cannot be reached is one line naming
it (without its password) and exit status 1, not a traceback."""

from __future__ import annotations

from typing import Any

import click
import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import OperationalError as StoreOperationalError
from sqlalchemy.engine import make_url

from newsroom.config import ConfigError, Settings

UNREACHABLE = (StoreOperationalError, sqlalchemy.exc.OperationalError, psycopg.OperationalError)


class NewsroomGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UNREACHABLE as exc:
            raise click.ClickException(
                f"cannot reach the database {_database_shown()}: {_reason(exc)}") from None


def _database_shown() -> str:
    try:
        url = Settings.from_env().database_url
    except ConfigError:
        return "(see NEWSROOM_DATABASE_URL)"
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sqlalchemy.exc.ArgumentError:
        return "(see NEWSROOM_DATABASE_URL)"


def _reason(exc: Exception) -> str:
    """The driver's own words, first line: SQLAlchemy adds the statement and a link."""
    cause = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
