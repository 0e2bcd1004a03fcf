"""Who may do what (newsroom/domain/policy.py): the whole role x action table, deny by
default, ownership rules, and the application service checking permission before
anything else (DESIGN §6: 403 before 404, 422, 409 and 412)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from newsroom.bootstrap import Services
from newsroom.domain.errors import PermissionDenied
from newsroom.domain.policy import (
    ACTIONS,
    ROLES,
    SYSTEM,
    SYSTEM_ACTOR,
    Actor,
    role_to_revise,
    role_to_submit,
)

# ---- the table, written out by hand ------------------------------------------------
#
# Read from DESIGN §1: journalists write and submit; editors edit, send back, approve,
# ask for translations, publish, correct, retract; translators post-edit and approve
# translations; auditors read everything and verify; admins manage users; workers
# ("system") only record translation results. "x" = allowed, "." = denied.
# Deliberately NOT derived from PERMISSIONS: a change there must change this too.

MATRIX = """
action                   journalist editor translator auditor admin system
article.read                 x        x        x         x      .      x
article.create               x        x        .         .      .      .
article.revise               x        x        .         .      .      .
article.submit               x        x        .         .      .      .
article.comment              x        x        x         .      .      .
article.request_changes      .        x        .         .      .      .
article.approve              .        x        .         .      .      .
article.override_qa          .        x        .         .      .      .
article.publish              .        x        .         .      .      .
article.correct              .        x        .         .      .      .
article.retract              .        x        .         .      .      .
article.release_embargo      .        x        .         .      .      .
article.history              x        x        x         x      .      .
translation.request          .        x        .         .      .      .
translation.read             x        x        x         x      .      x
translation.edit             .        x        x         .      .      .
translation.approve          .        x        x         .      .      .
translation.publish          .        x        .         .      .      .
translation.override_qa      .        x        x         .      .      .
translation.record           .        .        .         .      .      x
delivery.plan                .        .        .         .      .      x
article.publish_scheduled    .        .        .         .      .      x
audit.read                   .        .        .         x      .      .
audit.verify                 .        .        .         x      .      .
audit.redact                 .        .        .         .      x      .
subscriber.read              .        .        .         x      x      x
subscriber.manage            .        .        .         .      x      .
user.manage                  .        .        .         .      x      .
token.issue_own              x        x        x         x      x      .
"""


def parse_matrix() -> dict[tuple[str, str], bool]:
    header, *rows = MATRIX.strip().splitlines()
    roles = header.split()[1:]
    table: dict[tuple[str, str], bool] = {}
    for row in rows:
        action, *marks = row.split()
        assert len(marks) == len(roles), row
        for role, mark in zip(roles, marks, strict=True):
            assert mark in "x.", row
            table[(role, action)] = mark == "x"
    return table


EXPECTED = parse_matrix()
ALL_ROLES = (*ROLES, SYSTEM)


def actor_with(*roles: str, name: str = "someone") -> Actor:
    return Actor(user_id=uuid4(), name=name, roles=frozenset(roles))


def test_matrix_covers_exactly_every_role_and_action() -> None:
    assert {role for role, _ in EXPECTED} == set(ALL_ROLES)
    assert {action for _, action in EXPECTED} == set(ACTIONS)
    assert len(EXPECTED) == 6 * 29
    assert ROLES == ("journalist", "editor", "translator", "auditor", "admin")
    assert SYSTEM == "system"


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_table(role: str, action: str) -> None:
    actor = actor_with(role, name=f"a-{role}")
    allowed = EXPECTED[(role, action)]
    assert actor.can(action) is allowed
    if allowed:
        # The role recorded on the event is the single role that grants it.
        assert actor.role_for(action) == role
    else:
        with pytest.raises(PermissionDenied) as caught:
            actor.role_for(action)
        assert f"a-{role} may not" in str(caught.value)


def test_allowed_counts_per_role() -> None:
    # A second, coarse pin on the table: how much each role may do.
    counts = {role: sum(EXPECTED[(role, a)] for a in ACTIONS) for role in ALL_ROLES}
    assert counts == {"journalist": 8, "editor": 20, "translator": 8, "auditor": 7,
                      "admin": 5, "system": 6}


def test_denied_message_is_readable() -> None:
    with pytest.raises(PermissionDenied, match=r"^jane may not article request changes$"):
        actor_with("journalist", name="jane").role_for("article.request_changes")


# ---- deny by default ---------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_actor_without_roles_can_do_nothing(action: str) -> None:
    nobody = actor_with()
    assert nobody.can(action) is False
    with pytest.raises(PermissionDenied):
        nobody.role_for(action)


@pytest.mark.parametrize(
    "action", ["article.delete", "user.impersonate", "", "ARTICLE.READ", "article.read ",
               "article", "*"],
)
def test_unknown_action_is_denied_even_to_every_role_at_once(action: str) -> None:
    everyone = actor_with(*ALL_ROLES)
    assert everyone.can(action) is False
    with pytest.raises(PermissionDenied):
        everyone.role_for(action)


def test_unknown_role_grants_nothing() -> None:
    # A role name that is not in the table (a typo, a stale role) is not a wildcard.
    ghost = actor_with("superuser", "Editor", "root")
    assert not any(ghost.can(action) for action in ACTIONS)


def test_auditor_can_change_nothing() -> None:
    auditor = actor_with("auditor")
    permitted = {a for a in ACTIONS if auditor.can(a)}
    read_only = {
        a for a in permitted
        if a.endswith((".read", ".history")) or a.startswith("audit.") or a == "token.issue_own"
    }
    assert permitted == read_only
    assert permitted == {"article.read", "translation.read", "article.history", "audit.read",
                         "audit.verify", "subscriber.read", "token.issue_own"}


def test_multiple_roles_record_the_most_specific_granting_role() -> None:
    both = actor_with("journalist", "editor")
    # An editor who is also a journalist creates as editor; the event says so.
    assert both.role_for("article.create") == "editor"
    assert actor_with("journalist", "auditor").role_for("article.read") == "journalist"
    assert actor_with("translator", "journalist").role_for("article.comment") == "translator"
    assert actor_with("admin", "auditor").role_for("token.issue_own") == "admin"
    assert actor_with("auditor", "journalist").role_for("audit.verify") == "auditor"


def test_system_actor() -> None:
    assert SYSTEM_ACTOR.user_id == UUID(int=0)
    assert SYSTEM_ACTOR.role_for("translation.record") == "system"
    assert not SYSTEM_ACTOR.can("article.approve")
    assert not SYSTEM_ACTOR.can("user.manage")


# ---- ownership rules -----------------------------------------------------------------


def test_journalist_revises_own_draft_only() -> None:
    jane = actor_with("journalist", name="jane")
    assert role_to_revise(jane, author_id=jane.user_id, state="draft") == "journalist"
    with pytest.raises(PermissionDenied, match="only their own drafts"):
        role_to_revise(jane, author_id=uuid4(), state="draft")
    with pytest.raises(PermissionDenied):
        role_to_revise(jane, author_id=jane.user_id, state="submitted")
    with pytest.raises(PermissionDenied):
        role_to_revise(jane, author_id=jane.user_id, state="published")


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_editor_revises_drafts_and_submissions_of_anyone(state: str) -> None:
    eddie = actor_with("editor", name="eddie")
    assert role_to_revise(eddie, author_id=uuid4(), state=state) == "editor"
    assert role_to_revise(eddie, author_id=eddie.user_id, state=state) == "editor"


def test_editor_who_is_also_journalist_revises_as_editor() -> None:
    both = actor_with("journalist", "editor")
    assert role_to_revise(both, author_id=uuid4(), state="submitted") == "editor"


@pytest.mark.parametrize("role", ["translator", "auditor", "admin", "system"])
def test_others_cannot_revise_even_their_own(role: str) -> None:
    actor = actor_with(role)
    with pytest.raises(PermissionDenied):
        role_to_revise(actor, author_id=actor.user_id, state="draft")


def test_role_to_submit() -> None:
    jane = actor_with("journalist", name="jane")
    eddie = actor_with("editor", name="eddie")
    assert role_to_submit(jane, author_id=jane.user_id) == "journalist"
    with pytest.raises(PermissionDenied, match="only their own drafts"):
        role_to_submit(jane, author_id=uuid4())
    # Editors submit on anyone's behalf.
    assert role_to_submit(eddie, author_id=uuid4()) == "editor"
    for role in ("translator", "auditor", "admin", "system"):
        other = actor_with(role)
        with pytest.raises(PermissionDenied):
            role_to_submit(other, author_id=other.user_id)


# ---- through the application service -------------------------------------------------


def log_position(services: Services) -> int:
    return int(services.app.recorder.max_notification_id() or 0)


def test_journalist_approving_gets_permission_denied_even_in_draft(
    sqlite_services: Services, cast: Any
) -> None:
    app = sqlite_services.app
    draft = app.create_article(cast.journalist, headline="Titre", body="Texte.",
                               language="fr")
    assert draft.state == "draft"
    # Approving a draft is also a state error; permission must answer first (403 not 409).
    with pytest.raises(PermissionDenied):
        app.approve(cast.journalist, draft.id)
    with pytest.raises(PermissionDenied):
        app.approve(cast.journalist, draft.id, override_reason="because")
    # Even on an article that does not exist: 403 before 404.
    with pytest.raises(PermissionDenied):
        app.approve(cast.journalist, uuid4())
    # And once submitted, still no.
    app.submit(cast.journalist, draft.id)
    with pytest.raises(PermissionDenied):
        app.approve(cast.journalist, draft.id)
    assert app.get_article(cast.editor, draft.id).state == "submitted"


def test_journalist_cannot_revise_or_submit_a_colleagues_draft(
    sqlite_services: Services, cast: Any
) -> None:
    app = sqlite_services.app
    saved = app.create_article(cast.journalist, headline="Titre", body="Texte.", language="fr")
    with pytest.raises(PermissionDenied):
        app.revise(cast.journalist2, saved.id, {"headline": "Volé"}, expected_version=None)
    with pytest.raises(PermissionDenied):
        app.submit(cast.journalist2, saved.id)
    article = app.get_article(cast.editor, saved.id)
    assert article.headline == "Titre"
    assert article.version == 1


def test_translator_cannot_override_article_qa(sqlite_services: Services, cast: Any) -> None:
    # Issue 4: translators may override findings on a translation, never on an article.
    app = sqlite_services.app
    saved = app.create_article(cast.editor, headline="Titre", body="Texte.", language="fr")
    app.submit(cast.editor, saved.id)
    with pytest.raises(PermissionDenied):
        app.approve(cast.translator, saved.id, override_reason="trust me")


def auditor_commands(app: Any, auditor: Actor, article_id: UUID
                     ) -> dict[str, Callable[[], object]]:
    later = datetime.now(UTC) + timedelta(days=1)
    return {
        "create_article": lambda: app.create_article(
            auditor, headline="T", body="B", language="fr"),
        "revise": lambda: app.revise(auditor, article_id, {"headline": "X"}, None),
        "submit": lambda: app.submit(auditor, article_id),
        "authorize_revision": lambda: app.authorize_revision(auditor, article_id),
        "authorize_submission": lambda: app.authorize_submission(auditor, article_id),
        "request_changes": lambda: app.request_changes(auditor, article_id, "fix"),
        "approve": lambda: app.approve(auditor, article_id),
        "approve_override": lambda: app.approve(auditor, article_id, "reason"),
        "publish": lambda: app.publish(auditor, article_id),
        "schedule": lambda: app.publish(auditor, article_id, at=later),
        "correct": lambda: app.correct(auditor, article_id, {"body": "X"}, "note"),
        "retract": lambda: app.retract(auditor, article_id, "reason"),
        "comment": lambda: app.comment(auditor, article_id, "hello"),
        "request_translations": lambda: app.request_translations(auditor, article_id, ["es"]),
        "post_edit_translation": lambda: app.post_edit_translation(
            auditor, article_id, "es", {"body": "X"}, None),
        "approve_translation": lambda: app.approve_translation(auditor, article_id, "es"),
        "publish_translation": lambda: app.publish_translation(auditor, article_id, "es"),
        "record_machine_translation": lambda: app.record_machine_translation(
            article_id, "es", headline="T", body="B", source_version=1, engine="e",
            engine_version="1", route=["fr-es"], duration_ms=1, unknown_words=[],
            actor=auditor),
        "add_subscriber": lambda: app.add_subscriber(auditor, {
            "name": "P", "transport": "file", "path": "/tmp/x", "format": "ninjs"}),
        "update_subscriber": lambda: app.update_subscriber(auditor, article_id, {"name": "Q"}),
        "suspend_subscriber": lambda: app.suspend_subscriber(auditor, article_id, "why"),
        "resume_subscriber": lambda: app.resume_subscriber(auditor, article_id),
        "publish_scheduled": lambda: app.publish_scheduled(article_id, actor=auditor),
        "resend_delivery": lambda: app.resend_delivery(auditor, article_id),
        "release_embargo": lambda: app.release_embargo(auditor, article_id, "early"),
        "release_held_deliveries": lambda: app.release_held_deliveries(
            article_id, [article_id], later, actor=auditor),
        "record_translation_attempt_failure": lambda: app.record_translation_attempt_failure(
            article_id, "es", "busy", 1, 1, actor=auditor),
        "plan_deliveries": lambda: app.plan_deliveries(article_id, 1, {}, later,
                                                       actor=auditor),
        "record_delivery_attempt": lambda: app.record_delivery_attempt(
            article_id, outcome="delivered", http_status=200, duration_ms=1, excerpt="",
            error="", give_up=False, actor=auditor),
        "record_translation_failure": lambda: app.record_translation_failure(
            article_id, "es", "down", 1, actor=auditor),
        "add_user": lambda: app.add_user("mallory", "long enough pw", ["admin"], auditor),
        "set_roles": lambda: app.set_roles(auditor, "audrey", ["admin"]),
        "issue_token_for_other": lambda: app.issue_token("jane", 30, auditor),
        "revoke_token_of_other": lambda: app.revoke_token("jane", uuid4(), auditor),
        "redact": lambda: app.redact(auditor, article_id, 1, reason="court order",
                                     reference="C-1"),
    }


COMMAND_NAMES = sorted(auditor_commands(None, SYSTEM_ACTOR, UUID(int=1)))


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_auditor_calling_any_command_gets_permission_denied(
    sqlite_services: Services, cast: Any, command: str
) -> None:
    app = sqlite_services.app
    # A submitted article with a requested translation, so that every command has
    # something real to act on and only permission can stop it.
    saved = app.create_article(cast.journalist, headline="Titre", body="Texte.", language="fr")
    app.submit(cast.journalist, saved.id)
    before = log_position(sqlite_services)
    with pytest.raises(PermissionDenied):
        auditor_commands(app, cast.auditor, saved.id)[command]()
    # Nothing was written, not even part of it.
    assert log_position(sqlite_services) == before
    assert app.find_user("audrey").roles == ["auditor"]


def test_auditor_commands_cover_the_application_surface() -> None:
    # If a new command appears on the application, the auditor sweep above must grow
    # with it (and a new query must be listed here), or the sweep silently tests less.
    from eventsourcing.application import Application

    from newsroom.application import Newsroom

    commands = {
        "create_article", "revise", "submit", "request_changes", "approve", "publish",
        "correct", "retract", "comment", "request_translations", "post_edit_translation",
        "approve_translation", "publish_translation", "record_machine_translation",
        "record_translation_failure", "add_user", "set_roles", "issue_token",
        "revoke_token", "add_subscriber", "update_subscriber", "suspend_subscriber",
        "resume_subscriber", "plan_deliveries", "record_delivery_attempt",
        "publish_scheduled", "resend_delivery", "record_translation_attempt_failure",
        "release_embargo", "release_held_deliveries", "redact",
    }
    queries = {
        "get_user", "find_user", "actor_for", "login", "authenticate_token", "get_article",
        "translations_of", "get_translation", "history", "iter_article_ids",
        "authorize_revision", "authorize_submission", "get_translation_by_id",
        "get_subscriber", "subscribers", "publication_of", "get_delivery",
        "redaction_of", "public_as_of", "desk_as_of", "trace_copy",
    }
    public = {
        name for name in set(dir(Newsroom)) - set(dir(Application))
        if callable(getattr(Newsroom, name)) and not name.startswith("_")
    }
    assert public == commands | queries


def test_auditor_may_read_and_issue_their_own_token(
    sqlite_services: Services, cast: Any
) -> None:
    app = sqlite_services.app
    saved = app.create_article(cast.journalist, headline="Titre", body="Texte.", language="fr")
    assert app.get_article(cast.auditor, saved.id).headline == "Titre"
    assert [e.type for e in app.history(cast.auditor, saved.id)] == ["ArticleCreated"]
    text, _ = app.issue_token("audrey", 1, cast.auditor)
    assert app.authenticate_token(text) == cast.auditor


def test_issuing_a_token_for_someone_else_is_denied_before_existence_is_revealed(
    sqlite_services: Services, cast: Any
) -> None:
    with pytest.raises(PermissionDenied):
        sqlite_services.app.issue_token("no-such-user", 30, cast.auditor)


def test_revoking_someone_elses_token_is_denied_before_existence_is_revealed(
    sqlite_services: Services, cast: Any
) -> None:
    with pytest.raises(PermissionDenied):
        sqlite_services.app.revoke_token("no-such-user", uuid4(), cast.journalist)


def test_issuing_a_token_checks_permission_before_input(
    sqlite_services: Services, cast: Any
) -> None:
    with pytest.raises(PermissionDenied):
        sqlite_services.app.issue_token("jane", 0, cast.auditor)
