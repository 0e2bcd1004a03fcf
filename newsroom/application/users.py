"""User commands and authentication."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from newsroom.application.base import ServiceBase, utcnow
from newsroom.domain.errors import (
    NotFound,
    ValidationFailed,
)
from newsroom.domain.policy import (
    SYSTEM_ACTOR,
    Actor,
)
from newsroom.domain.user import User, user_id_for
from newsroom.security import (
    digest_matches,
    hash_password,
    new_token,
    parse_token,
    token_digest,
    verify_password,
)


class UserService(ServiceBase):
    """Users, roles, passwords and API tokens."""

    def add_user(
        self, name: str, password: str, roles: list[str], actor: Actor = SYSTEM_ACTOR
    ) -> UUID:
        if actor is not SYSTEM_ACTOR:
            actor.role_for("user.manage")
        if len(password) < 8:
            raise ValidationFailed("password", "at least 8 characters")
        role = "admin" if actor is not SYSTEM_ACTOR else "system"
        user = User.register(
            name=name, password_hash=hash_password(password), actor_id=actor.user_id, role=role
        )
        for granted in roles:
            user.grant(granted, actor_id=actor.user_id, role=role)
        try:
            self.save(user)
        except IntegrityError:
            raise ValidationFailed("name", f"user '{user.name}' already exists") from None
        return user.id

    def get_user(self, user_id: UUID) -> User:
        return self._load(User, user_id)

    def find_user(self, name: str) -> User:
        return self._load(User, user_id_for(name))

    def actor_for(self, user: User) -> Actor:
        return Actor(user_id=user.id, name=user.name, roles=frozenset(user.roles))

    def set_roles(self, actor: Actor, name: str, roles: list[str]) -> None:
        role = actor.role_for("user.manage")
        user = self.find_user(name)
        for granted in roles:
            user.grant(granted, actor_id=actor.user_id, role=role)
        for revoked in [r for r in user.roles if r not in roles]:
            user.revoke(revoked, actor_id=actor.user_id, role=role)
        self._save(user)

    def login(self, name: str, password: str) -> Actor | None:
        try:
            user = self.find_user(name)
        except (NotFound, ValidationFailed):
            # Hash anyway so response time does not reveal which names exist.
            verify_password(hash_password("x" * 12), password)
            return None
        return self.actor_for(user) if verify_password(user.password_hash, password) else None

    @staticmethod
    def _token_role(actor: Actor, name: str) -> str:
        """Own tokens need `token.issue_own`, anyone else's `user.manage`. Decided from
        the name alone, before any lookup, so a refusal reveals nothing about who exists."""
        if actor is SYSTEM_ACTOR:
            return "system"
        if user_id_for(name) == actor.user_id:
            return actor.role_for("token.issue_own")
        return actor.role_for("user.manage")

    def issue_token(
        self, name: str, days: int, actor: Actor = SYSTEM_ACTOR
    ) -> tuple[str, datetime]:
        role = self._token_role(actor, name)
        if days < 1 or days > 366:
            raise ValidationFailed("expires_in", "between 1 and 366 days")
        user = self.find_user(name)
        text, parts = new_token(user.id)
        expires_at = utcnow() + timedelta(days=days)
        user.issue_token(
            parts.token_id, token_digest(parts.secret), expires_at, actor_id=actor.user_id,
            role=role,
        )
        self._save(user)
        return text, expires_at

    def revoke_token(self, name: str, token_id: UUID, actor: Actor = SYSTEM_ACTOR) -> None:
        role = self._token_role(actor, name)
        user = self.find_user(name)
        user.revoke_token(token_id, actor_id=actor.user_id, role=role)
        self._save(user)

    def authenticate_token(self, text: str) -> Actor | None:
        parts = parse_token(text)
        if parts is None:
            return None
        try:
            user = self.get_user(parts.user_id)
        except NotFound:
            return None
        digest = user.token_digest_if_valid(parts.token_id, utcnow())
        if digest is None or not digest_matches(digest, parts.secret):
            return None
        return self.actor_for(user)
