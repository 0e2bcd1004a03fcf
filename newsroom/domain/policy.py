"""Who may do what: one role x action table, deny by default.

Ownership rules that need the article (a journalist revises only their own drafts)
are expressed here too, as pure functions of the actor and the article's facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from uuid import UUID

from newsroom.domain.errors import PermissionDenied

JOURNALIST: Final = "journalist"
EDITOR: Final = "editor"
TRANSLATOR: Final = "translator"
AUDITOR: Final = "auditor"
ADMIN: Final = "admin"
# Workers act as this role; no human can be granted it.
SYSTEM: Final = "system"

ROLES: Final = (JOURNALIST, EDITOR, TRANSLATOR, AUDITOR, ADMIN)

ACTIONS: Final = (
    "article.read",
    "article.create",
    "article.revise",
    "article.submit",
    "article.comment",
    "article.request_changes",
    "article.approve",
    "article.override_qa",
    "article.publish",
    "article.correct",
    "article.retract",
    "article.release_embargo",
    "article.history",
    "translation.request",
    "translation.read",
    "translation.edit",
    "translation.approve",
    "translation.publish",
    "translation.override_qa",
    "translation.record",
    "delivery.plan",
    "article.publish_scheduled",
    "audit.read",
    "audit.verify",
    # Replacing a stored event's text under a court order or an erasure request.
    "audit.redact",
    "subscriber.read",
    "subscriber.manage",
    "user.manage",
    "token.issue_own",
)

_NEWSROOM_READ = {"article.read", "translation.read", "article.history"}

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    JOURNALIST: frozenset(
        _NEWSROOM_READ
        | {
            "article.create",
            "article.revise",
            "article.submit",
            "article.comment",
            "token.issue_own",
        }
    ),
    EDITOR: frozenset(
        _NEWSROOM_READ
        | {
            "article.create",
            "article.revise",
            "article.submit",
            "article.comment",
            "article.request_changes",
            "article.approve",
            "article.override_qa",
            "article.publish",
            "article.correct",
            "article.retract",
            # Breaking an embargo early is the editor's call alone (issue 5).
            "article.release_embargo",
            "translation.request",
            "translation.edit",
            "translation.approve",
            "translation.publish",
            "translation.override_qa",
            "token.issue_own",
        }
    ),
    TRANSLATOR: frozenset(
        _NEWSROOM_READ
        | {
            "article.comment",
            "translation.edit",
            "translation.approve",
            # Issue 4: a translator may approve over blocking findings with a reason.
            "translation.override_qa",
            "token.issue_own",
        }
    ),
    AUDITOR: frozenset(
        _NEWSROOM_READ | {"audit.read", "audit.verify", "subscriber.read", "token.issue_own"}
    ),
    ADMIN: frozenset({"user.manage", "subscriber.read", "subscriber.manage", "token.issue_own",
                      "audit.redact"}),
    SYSTEM: frozenset({"translation.record", "article.read", "translation.read",
                       "delivery.plan", "subscriber.read", "article.publish_scheduled"}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``roles`` are the roles granted now, not at login."""

    user_id: UUID
    name: str
    roles: frozenset[str]

    def role_for(self, action: str) -> str:
        """The role that grants ``action``, recorded on the event; raises if none does."""
        for role in (SYSTEM, ADMIN, EDITOR, TRANSLATOR, JOURNALIST, AUDITOR):
            if role in self.roles and action in PERMISSIONS.get(role, frozenset()):
                return role
        raise PermissionDenied(f"{self.name} may not {action.replace('.', ' ').replace('_', ' ')}")

    def can(self, action: str) -> bool:
        return any(action in PERMISSIONS.get(role, frozenset()) for role in self.roles)


SYSTEM_ACTOR: Final = Actor(
    user_id=UUID("00000000-0000-0000-0000-000000000000"),
    name="system",
    roles=frozenset({SYSTEM}),
)


def role_to_revise(actor: Actor, *, author_id: UUID, state: str) -> str:
    """Journalists revise only their own drafts; editors revise drafts and submissions."""
    role = actor.role_for("article.revise")
    if actor.can("article.approve"):
        return actor.role_for("article.approve")
    if state == "draft" and author_id == actor.user_id:
        return role
    raise PermissionDenied(f"{actor.name} may revise only their own drafts")


def role_to_submit(actor: Actor, *, author_id: UUID) -> str:
    role = actor.role_for("article.submit")
    if actor.can("article.approve") or author_id == actor.user_id:
        return role
    raise PermissionDenied(f"{actor.name} may submit only their own drafts")
