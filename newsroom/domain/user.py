"""The User aggregate: identity, roles, password hash and API tokens.

Only hashes are stored: the password as an argon2id string, each API token as the
SHA-256 digest of its secret (a token is high-entropy, so a fast digest suffices).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import NotFound, ValidationFailed
from newsroom.domain.policy import ROLES

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:newsroom:user")


def user_id_for(name: str) -> UUID:
    """Names are unique, case-insensitively, because the id is derived from them."""
    return uuid5(_NAMESPACE, name.strip().lower())


def validate_user_name(name: str) -> str:
    clean = name.strip()
    if not (2 <= len(clean) <= 64) or not all(c.isalnum() or c in "._-" for c in clean):
        raise ValidationFailed("name", "2 to 64 letters, digits, '.', '_' or '-'")
    return clean


class User(ContainerCopy, Aggregate):
    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            aggregate.apply_event(self)

    class Registered(Event, Aggregate.Created):
        name: str
        password_hash: str

    class PasswordChanged(Event):
        password_hash: str

    class RoleGranted(Event):
        granted: str

    class RoleRevoked(Event):
        revoked: str

    class TokenIssued(Event):
        token_id: UUID
        digest: str
        expires_at: datetime

    class TokenRevoked(Event):
        token_id: UUID

    def __init__(self, name: str, password_hash: str, actor_id: UUID, role: str) -> None:
        self.name = name
        self.password_hash = password_hash
        self.roles: list[str] = []
        # token id (hex) -> {"digest": ..., "expires_at": ..., "revoked": bool}
        self.tokens: dict[str, dict[str, Any]] = {}

    @classmethod
    def register(
        cls, *, name: str, password_hash: str, actor_id: UUID, role: str
    ) -> User:
        clean = validate_user_name(name)
        return cls._create(
            cls.Registered,
            id=user_id_for(clean),
            name=clean,
            password_hash=password_hash,
            actor_id=actor_id,
            role=role,
        )

    def grant(self, granted: str, *, actor_id: UUID, role: str) -> None:
        if granted not in ROLES:
            raise ValidationFailed("role", f"unknown role '{granted}'; roles: {', '.join(ROLES)}")
        if granted not in self.roles:
            self.trigger_event(self.RoleGranted, granted=granted, actor_id=actor_id, role=role)

    def revoke(self, revoked: str, *, actor_id: UUID, role: str) -> None:
        if revoked in self.roles:
            self.trigger_event(self.RoleRevoked, revoked=revoked, actor_id=actor_id, role=role)

    def change_password(self, password_hash: str, *, actor_id: UUID, role: str) -> None:
        self.trigger_event(
            self.PasswordChanged, password_hash=password_hash, actor_id=actor_id, role=role
        )

    def issue_token(
        self, token_id: UUID, digest: str, expires_at: datetime, *, actor_id: UUID, role: str
    ) -> None:
        self.trigger_event(
            self.TokenIssued,
            token_id=token_id,
            digest=digest,
            expires_at=expires_at,
            actor_id=actor_id,
            role=role,
        )

    def revoke_token(self, token_id: UUID, *, actor_id: UUID, role: str) -> None:
        if token_id.hex not in self.tokens:
            raise NotFound(f"{self.name} has no token {token_id.hex}")
        self.trigger_event(self.TokenRevoked, token_id=token_id, actor_id=actor_id, role=role)

    def token_digest_if_valid(self, token_id: UUID, now: datetime) -> str | None:
        token = self.tokens.get(token_id.hex)
        if token is None or token["revoked"] or token["expires_at"] <= now:
            return None
        return str(token["digest"])

    def apply_event(self, event: User.Event) -> None:
        if isinstance(event, User.PasswordChanged):
            self.password_hash = event.password_hash
        elif isinstance(event, User.RoleGranted):
            self.roles.append(event.granted)
        elif isinstance(event, User.RoleRevoked):
            self.roles.remove(event.revoked)
        elif isinstance(event, User.TokenIssued):
            self.tokens[event.token_id.hex] = {
                "digest": event.digest,
                "expires_at": event.expires_at,
                "revoked": False,
            }
        elif isinstance(event, User.TokenRevoked):
            self.tokens[event.token_id.hex]["revoked"] = True
