"""Users with their roles and token metadata, for the admin screens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from newsroom.domain.user import User
from newsroom.projections.batch import Batch
from newsroom.projections.tables import users
from newsroom.projections.topics import topics_of

NAME = "user_list"
TOPICS = topics_of(User)
TABLES = (users.name,)


def apply(conn: Connection, batch: Batch) -> None:
    # Few events, and some values depend on the stored row: one at a time.
    for event, _position in batch:
        _apply_one(conn, event)


def _apply_one(conn: Connection, event: Any) -> None:
    if isinstance(event, User.Registered):
        conn.execute(insert(users).values(id=event.originator_id, name=event.name, roles=[],
                                          created_at=event.timestamp, tokens=[]))
        return
    row = conn.execute(select(users.c.roles, users.c.tokens)
                       .where(users.c.id == event.originator_id)).one()
    roles, tokens = list(row[0]), list(row[1])
    if isinstance(event, User.RoleGranted):
        roles.append(event.granted)
    elif isinstance(event, User.RoleRevoked):
        roles = [r for r in roles if r != event.revoked]
    elif isinstance(event, User.TokenIssued):
        tokens.append({"id": event.token_id.hex, "issued_at": event.timestamp.isoformat(),
                       "expires_at": event.expires_at.isoformat(), "revoked": False})
    elif isinstance(event, User.TokenRevoked):
        tokens = [dict(t, revoked=True) if t["id"] == event.token_id.hex else t
                  for t in tokens]
    conn.execute(update(users).where(users.c.id == event.originator_id)
                 .values(roles=roles, tokens=tokens))


def clear(conn: Connection) -> None:
    conn.execute(delete(users))
