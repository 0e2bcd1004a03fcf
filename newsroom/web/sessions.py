"""Server-side browser sessions and login throttling.

The cookie holds a random token; the database holds only its SHA-256, the user and
the CSRF token. Logging out deletes the row, so a copied cookie dies with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Uuid,
    delete,
    func,
    insert,
    select,
    update,
)

from newsroom.projections.tables import metadata
from newsroom.timefmt import as_utc as _aware

SESSION_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Uuid, nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

login_failures = Table(
    "web_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, index=True),
    Column("address", String(64), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Session:
    user_id: UUID
    csrf_token: str


class SessionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(self, user_id: UUID) -> str:
        token = secrets.token_urlsafe(32)
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(insert(web_sessions).values(
                token_hash=_hash(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                created_at=now, expires_at=now + SESSION_LIFETIME,
            ))
            # Expired rows are swept as a side effect of logins, not by a cron job.
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
        return token

    def get(self, token: str) -> Session | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_sessions.c.user_id, web_sessions.c.csrf_token,
                       web_sessions.c.expires_at)
                .where(web_sessions.c.token_hash == _hash(token))
            ).first()
        if row is None or _aware(row[2]) <= _now():
            return None
        return Session(user_id=row[0], csrf_token=row[1])

    def close(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == _hash(token)))

    def close_all_for(self, user_id: UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))

    def extend(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(web_sessions).where(web_sessions.c.token_hash == _hash(token))
                         .values(expires_at=_now() + SESSION_LIFETIME))

    # ---- throttling -----------------------------------------------------------

    def too_many_failures(self, name: str, address: str) -> bool:
        since = _now() - FAILURE_WINDOW
        with self.engine.connect() as conn:
            by_name = conn.execute(select(func.count()).select_from(login_failures).where(
                login_failures.c.name == name.lower(), login_failures.c.at > since)).scalar_one()
            by_address = conn.execute(select(func.count()).select_from(login_failures).where(
                login_failures.c.address == address, login_failures.c.at > since)).scalar_one()
        return by_name >= MAX_FAILURES_PER_NAME or by_address >= MAX_FAILURES_PER_ADDRESS

    def record_failure(self, name: str, address: str) -> None:
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(insert(login_failures).values(name=name.lower()[:64],
                                                       address=address[:64], at=now))
            conn.execute(delete(login_failures).where(login_failures.c.at < now - FAILURE_WINDOW))

    def clear_failures(self, name: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failures).where(login_failures.c.name == name.lower()))


