"""The User aggregate (names, roles, tokens) and newsroom/security.py (argon2id
passwords, the token format, digests)."""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from newsroom.domain.errors import NotFound, ValidationFailed
from newsroom.domain.user import User, user_id_for, validate_user_name
from newsroom.security import (
    TOKEN_PREFIX,
    TokenParts,
    digest_matches,
    hash_password,
    new_token,
    parse_token,
    token_digest,
    verify_password,
)

ADMIN = UUID("44444444-4444-4444-4444-444444444444")
NOW = datetime(2026, 11, 27, 22, 39, tzinfo=UTC)
# A fixed, syntactically valid argon2id string: the aggregate stores the hash as given,
# so these tests need not pay for real hashing.
FAKE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def new_user(name: str = "Jane") -> User:
    user = User.register(name=name, password_hash=FAKE_HASH, actor_id=ADMIN, role="admin")
    user.collect_events()
    return user


# ---- names and ids -------------------------------------------------------------------


def test_user_id_for_is_case_and_whitespace_insensitive() -> None:
    assert user_id_for("Jane") == user_id_for("jane") == user_id_for("  JANE ")
    assert user_id_for("jane") != user_id_for("joe")
    assert user_id_for("jane").version == 5


def test_register_derives_the_id_from_the_cleaned_name() -> None:
    user = User.register(name="  Jane.Doe ", password_hash=FAKE_HASH, actor_id=ADMIN,
                         role="admin")
    assert user.name == "Jane.Doe"
    assert user.id == user_id_for("jane.doe")
    assert user.password_hash == FAKE_HASH
    assert user.roles == []
    assert user.tokens == {}
    (event,) = user.collect_events()
    assert isinstance(event, User.Registered)
    assert event.actor_id == ADMIN
    assert event.role == "admin"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("jane", "jane"),
        ("  jane  ", "jane"),
        ("jo", "jo"),
        ("a" * 64, "a" * 64),
        ("jane.doe_2-x", "jane.doe_2-x"),
        ("Élodie", "Élodie"),
    ],
)
def test_validate_user_name_accepts(raw: str, clean: str) -> None:
    assert validate_user_name(raw) == clean


@pytest.mark.parametrize(
    "name",
    ["", " ", "j", "a" * 65, "jane doe", "jane@example.org", "jane/..", "ja;ne", "ja\x00ne",
     "<jane>"],
)
def test_validate_user_name_refuses(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_user_name(name)
    assert caught.value.field == "name"


def test_register_refuses_an_invalid_name() -> None:
    with pytest.raises(ValidationFailed):
        User.register(name="no spaces please", password_hash=FAKE_HASH, actor_id=ADMIN,
                      role="admin")


# ---- roles --------------------------------------------------------------------------


def test_grant_and_revoke_emit_audited_events() -> None:
    user = new_user()
    user.grant("journalist", actor_id=ADMIN, role="admin")
    user.grant("editor", actor_id=ADMIN, role="admin")
    user.revoke("journalist", actor_id=ADMIN, role="admin")
    events = user.collect_events()
    assert [type(e) for e in events] == [User.RoleGranted, User.RoleGranted, User.RoleRevoked]
    granted, _, revoked = events
    assert isinstance(granted, User.RoleGranted)
    assert granted.granted == "journalist"
    assert isinstance(revoked, User.RoleRevoked)
    assert revoked.revoked == "journalist"
    for event in events:
        # Every role change says who made it and with which role (DESIGN §1).
        assert event.actor_id == ADMIN
        assert event.role == "admin"
        assert event.timestamp.utcoffset() == timedelta(0)
    assert user.roles == ["editor"]


def test_granting_a_held_role_or_revoking_an_absent_one_emits_nothing() -> None:
    user = new_user()
    user.grant("translator", actor_id=ADMIN, role="admin")
    user.collect_events()
    user.grant("translator", actor_id=ADMIN, role="admin")
    user.revoke("auditor", actor_id=ADMIN, role="admin")
    assert user.collect_events() == []
    assert user.roles == ["translator"]


@pytest.mark.parametrize("role", ["system", "superuser", "Editor", "", "editors"])
def test_unknown_role_refused(role: str) -> None:
    # "system" is the workers' role: no human may be granted it.
    user = new_user()
    with pytest.raises(ValidationFailed) as caught:
        user.grant(role, actor_id=ADMIN, role="admin")
    assert caught.value.field == "role"
    assert user.roles == []
    assert user.collect_events() == []


def test_every_human_role_can_be_granted() -> None:
    user = new_user()
    for role in ("journalist", "editor", "translator", "auditor", "admin"):
        user.grant(role, actor_id=ADMIN, role="admin")
    assert user.roles == ["journalist", "editor", "translator", "auditor", "admin"]


# ---- tokens ---------------------------------------------------------------------------


def test_token_valid_until_expiry_then_not() -> None:
    user = new_user()
    token_id = uuid4()
    expires = NOW + timedelta(days=30)
    user.issue_token(token_id, "d1gest", expires, actor_id=user.id, role="journalist")
    (event,) = user.collect_events()
    assert isinstance(event, User.TokenIssued)
    assert event.token_id == token_id
    assert event.digest == "d1gest"
    assert event.expires_at == expires
    assert user.token_digest_if_valid(token_id, NOW) == "d1gest"
    assert user.token_digest_if_valid(token_id, expires - timedelta(microseconds=1)) == "d1gest"
    # At the expiry instant the token is already dead.
    assert user.token_digest_if_valid(token_id, expires) is None
    assert user.token_digest_if_valid(token_id, expires + timedelta(days=1)) is None


def test_revoked_token_is_invalid_and_others_stay_valid() -> None:
    user = new_user()
    first, second = uuid4(), uuid4()
    later = NOW + timedelta(days=1)
    user.issue_token(first, "one", later, actor_id=ADMIN, role="admin")
    user.issue_token(second, "two", later, actor_id=ADMIN, role="admin")
    user.revoke_token(first, actor_id=ADMIN, role="admin")
    assert isinstance(user.collect_events()[-1], User.TokenRevoked)
    assert user.token_digest_if_valid(first, NOW) is None
    assert user.token_digest_if_valid(second, NOW) == "two"


def test_unknown_token_is_invalid_and_cannot_be_revoked() -> None:
    user = new_user()
    assert user.token_digest_if_valid(uuid4(), NOW) is None
    with pytest.raises(NotFound):
        user.revoke_token(uuid4(), actor_id=ADMIN, role="admin")
    assert user.collect_events() == []


def test_user_replay_rebuilds_roles_tokens_and_password() -> None:
    user = User.register(name="jane", password_hash=FAKE_HASH, actor_id=ADMIN, role="admin")
    token = uuid4()
    user.grant("journalist", actor_id=ADMIN, role="admin")
    user.grant("editor", actor_id=ADMIN, role="admin")
    user.revoke("journalist", actor_id=ADMIN, role="admin")
    user.change_password("$argon2id$new", actor_id=user.id, role="editor")
    user.issue_token(token, "dd", NOW + timedelta(days=1), actor_id=user.id, role="editor")
    user.revoke_token(token, actor_id=user.id, role="editor")
    rebuilt = functools.reduce(lambda a, e: e.mutate(a), user.collect_events(), None)
    assert vars(rebuilt) == vars(user)
    assert rebuilt.roles == ["editor"]
    assert rebuilt.password_hash == "$argon2id$new"
    assert rebuilt.tokens == {
        token.hex: {"digest": "dd", "expires_at": NOW + timedelta(days=1), "revoked": True}
    }


# ---- security.py: passwords -------------------------------------------------------------


@pytest.fixture(scope="module")
def hashed() -> str:
    # Real argon2id, once for the module: it is deliberately slow.
    return hash_password("correct horse battery")


def test_password_hash_is_argon2id(hashed: str) -> None:
    assert hashed.startswith("$argon2id$")
    assert "correct horse battery" not in hashed


def test_hashing_is_salted() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_verify_password(hashed: str) -> None:
    assert verify_password(hashed, "correct horse battery") is True
    assert verify_password(hashed, "correct horse batterY") is False
    assert verify_password(hashed, "") is False


@pytest.mark.parametrize("bad_hash", ["", "plaintext", "$argon2id$garbage", FAKE_HASH])
def test_verify_password_against_a_malformed_or_foreign_hash_is_false(bad_hash: str) -> None:
    # A damaged stored hash must mean "no", never an exception that becomes a 500.
    assert verify_password(bad_hash, "correct horse battery") is False


# ---- security.py: tokens ------------------------------------------------------------------


def test_new_token_round_trips_through_parse_token() -> None:
    user_id = uuid4()
    text, parts = new_token(user_id)
    assert text.startswith(f"{TOKEN_PREFIX}.")
    assert TOKEN_PREFIX == "nr1"
    assert text == f"nr1.{user_id.hex}.{parts.token_id.hex}.{parts.secret}"
    assert parts.user_id == user_id
    assert parse_token(text) == parts
    # Headers arrive with stray whitespace; that is not a different token.
    assert parse_token(f"  {text}\n") == parts


def test_new_tokens_are_unique_and_high_entropy() -> None:
    user_id = uuid4()
    (text1, p1), (text2, p2) = new_token(user_id), new_token(user_id)
    assert text1 != text2
    assert p1.token_id != p2.token_id
    assert p1.secret != p2.secret
    # token_urlsafe(32): 32 random bytes, 43 base64url characters.
    assert len(p1.secret) >= 43


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "nr1",
        "Bearer nr1.x.y.z",
        f"nr2.{uuid4().hex}.{uuid4().hex}.secret",
        f"nr1.{uuid4().hex}.{uuid4().hex}",
        f"nr1.{uuid4().hex}.{uuid4().hex}.secret.extra",
        f"nr1.not-hex.{uuid4().hex}.secret",
        f"nr1.{uuid4().hex}.{uuid4().hex[:-1]}.secret",
        f"NR1.{uuid4().hex}.{uuid4().hex}.secret",
        "nr1...",
    ],
)
def test_parse_token_rejects_garbage(garbage: str) -> None:
    assert parse_token(garbage) is None


def test_token_digest_is_sha256_hex_of_the_secret() -> None:
    assert token_digest("s3cret") == hashlib.sha256(b"s3cret").hexdigest()
    assert len(token_digest("s3cret")) == 64


def test_digest_matches() -> None:
    _, parts = new_token(uuid4())
    stored = token_digest(parts.secret)
    assert digest_matches(stored, parts.secret) is True
    assert digest_matches(stored, parts.secret + "x") is False
    assert digest_matches(stored, "") is False
    assert digest_matches("", parts.secret) is False


def test_token_parts_is_immutable() -> None:
    parts = TokenParts(user_id=uuid4(), token_id=uuid4(), secret="s")
    with pytest.raises(AttributeError):
        parts.secret = "other"  # type: ignore[misc]
