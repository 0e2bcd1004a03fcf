"""The tamper suite (issue 6): each kind of tampering, at a random position, by direct
SQL against the event store on SQLite and PostgreSQL. Every case must be detected and
the first bad event named exactly; a clean store must verify clean.

The random positions come from one seed per run, printed in every failure message;
NEWSROOM_TAMPER_SEED replays a run.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from audit_support import Attacker, Row, populate
from conftest import settings_for

from newsroom.bootstrap import Services, build
from newsroom.integrity import keys
from newsroom.integrity.checkpoints import sign_checkpoint, store_checkpoint
from newsroom.integrity.hashing import payload_digest
from newsroom.integrity.service import Integrity
from newsroom.integrity.verify import Bad, VerifyResult

SEED = int(os.environ.get("NEWSROOM_TAMPER_SEED") or random.SystemRandom().randrange(10**6))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    url = request.getfixturevalue("pg_schema_url") if request.param == "postgres" else None
    services = build(settings_for(tmp_path / "var", url))
    populate(services)
    yield services
    services.close()


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    return random.Random(f"{SEED}-{request.node.name}")


def sealed(services: Services) -> tuple[Integrity, Attacker]:
    """Chained and checkpointed, as the dispatcher leaves a store."""
    integrity = Integrity.of(services)
    integrity.checkpoint()
    return integrity, Attacker(integrity)


def first_bad(integrity: Integrity) -> Bad:
    result = integrity.verify()
    assert not result.ok, f"tampering not detected (seed {SEED}): {result.document()}"
    assert result.first_bad is not None
    return result.first_bad


def named(bad: Bad, row: Row | None, position: int | None, word: str) -> None:
    where = f"(seed {SEED}) got {bad}"
    assert word in bad.problem, where
    assert bad.position == position, where
    if row is not None:
        assert (bad.article_id, bad.version) == (row.originator_id, row.version), where


def middle(rng: random.Random, rows: list[Row]) -> Row:
    return rows[rng.randrange(1, len(rows) - 1)]


def test_clean_store_verifies_clean_and_a_postgres_id_hole_is_not_a_deletion(
        store: Services) -> None:
    integrity, attacker = sealed(store)
    attacker.leave_hole()
    populate_more(store)
    integrity.checkpoint()
    result = integrity.verify()
    assert result.ok, result.document()
    assert result.checked == len(attacker.rows())
    assert result.first_bad is None and result.checkpoints == 2


def populate_more(services: Services) -> None:
    from conftest import make_user

    make_user(services, "late-arrival", "editor")


def test_a_changed_byte_in_a_state_is_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    at = rng.randrange(90, len(row.state) - 1)  # past the timestamp (bytes 48-80)
    changed = row.state[:at] + bytes([row.state[at] ^ 0x01]) + row.state[at + 1:]
    attacker.set_state(row.position, changed)
    named(first_bad(integrity), row, row.position, "payload changed")


def test_a_changed_timestamp_is_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    attacker.set_state(row.position, row.state.replace(b'"_data_":"20', b'"_data_":"19', 1))
    named(first_bad(integrity), row, row.position, "timestamp changed")


def test_a_changed_topic_is_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    attacker.set_topic(row.position, "newsroom.domain.article:Article.Retracted")
    named(first_bad(integrity), row, row.position, "topic changed")


def test_an_event_deleted_in_the_middle_is_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    attacker.delete(row.position)
    named(first_bad(integrity), row, row.position, "deleted")


def test_the_last_event_deleted_is_named(store: Services) -> None:
    integrity, attacker = sealed(store)
    row = attacker.rows()[-1]
    attacker.delete(row.position)
    named(first_bad(integrity), row, row.position, "deleted")


def test_an_inserted_event_is_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    target = middle(rng, rows)
    last = max(r.version for r in rows if r.originator_id == target.originator_id)
    forged = Row(target.position, target.originator_id, last + 1, target.topic, target.state)
    attacker.insert_at(target.position, forged)
    named(first_bad(integrity), forged, target.position, "inserted")


def test_two_swapped_events_are_named(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    first, second = sorted(rng.sample(range(len(rows)), 2))
    attacker.swap(rows[first].position, rows[second].position)
    named(first_bad(integrity), rows[second], rows[first].position, "out of order")


def test_truncation_of_events_is_named_from_their_chain_records(
        store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    cut = middle(rng, rows)
    attacker.delete_after(cut.position, with_chain=False)
    following = rows[rows.index(cut) + 1]
    named(first_bad(integrity), following, following.position, "deleted")


def test_truncation_of_events_and_chain_is_caught_by_the_checkpoint(
        store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    cut = middle(rng, rows)
    attacker.delete_after(cut.position, with_chain=True)
    named(first_bad(integrity), None, rows[-1].position, "truncated")


def test_truncation_after_the_last_checkpoint_cannot_be_seen(store: Services) -> None:
    """The documented limit: events written after the last checkpoint, removed with
    their chain records, leave no trace."""
    integrity, attacker = sealed(store)
    populate_more(store)
    integrity.catch_up()
    rows = attacker.rows()
    attacker.delete_after(rows[-3].position, with_chain=True)
    assert integrity.verify().ok


def test_a_rewritten_and_rechained_log_fails_the_signed_checkpoint(
        store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    row = middle(rng, rows)
    attacker.set_state(row.position, row.state + b" ")
    attacker.drop_chain()
    Integrity.of(store).catch_up()  # the attacker re-chains; only the key is missing
    named(first_bad(integrity), rows[-1], rows[-1].position, "does not match")


def test_a_checkpoint_with_an_altered_head_is_forged(store: Services) -> None:
    integrity, attacker = sealed(store)
    attacker.forge_checkpoint_head()
    bad = first_bad(integrity)
    assert "forged checkpoint" in bad.problem and "signature" in bad.problem, bad
    assert bad.position == attacker.rows()[-1].position


def test_a_checkpoint_signed_with_another_key_is_forged(store: Services,
                                                         tmp_path: Path) -> None:
    integrity, _ = sealed(store)
    own_key = keys.create_key(tmp_path / "attacker.key")
    seq, position = integrity.store.chained_position()
    with integrity.store.connect() as conn:
        _, _, head = integrity.store.head(conn.cursor())
    store_checkpoint(integrity.store, sign_checkpoint(own_key, seq, position, head))
    bad = first_bad(integrity)
    assert "not by the trusted key" in bad.problem, bad
    # Pinning the attacker's key does not help them: ours then fails instead.
    pinned = integrity.verify(trusted_key_file=tmp_path / "attacker.key")
    assert not pinned.ok and "not by the trusted key" in str(pinned.first_bad)


def test_a_deleted_checkpoint_still_counts_from_the_auditors_file(store: Services) -> None:
    integrity, attacker = sealed(store)
    rows = attacker.rows()
    attacker.delete_after(rows[len(rows) // 2].position, with_chain=True)
    attacker.run_sql("DELETE FROM {checkpoints}")
    kept = integrity.settings.checkpoints_file
    integrity.settings.checkpoints_file.rename(kept.with_suffix(".kept"))
    assert integrity.verify().ok  # nothing in the store or var/ remembers
    result = integrity.verify(checkpoint_files=[kept.with_suffix(".kept")])
    assert not result.ok and result.first_bad and "truncated" in result.first_bad.problem


def test_a_redacted_payload_verifies_as_redacted(store: Services, rng: random.Random) -> None:
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    tombstone = row.state[:-1] + b', "redacted": true}'
    attacker.set_state(row.position, tombstone)
    records = {(row.originator_id, row.version): {
        "original_digest": payload_digest(row.state),
        "tombstone_digest": payload_digest(tombstone)}}
    result: VerifyResult = integrity.verify(redactions=records)
    assert result.ok, result.document()
    assert result.redacted == [{"article_id": str(UUID(hex=row.originator_id)),
                                "version": row.version, "position": row.position}]
    # A different payload than the recorded tombstone is tampering all the same.
    attacker.set_state(row.position, tombstone + b" ")
    bad = integrity.verify(redactions=records).first_bad
    assert bad is not None and bad.position == row.position


def test_an_altered_head_record_alone_is_named(store: Services) -> None:
    integrity, attacker = sealed(store)
    attacker.run_sql("UPDATE {head} SET head = ?", (b"\x01" * 32,))
    bad = first_bad(integrity)
    assert "chain head record altered" in bad.problem, bad
    assert bad.position == attacker.rows()[-1].position


def test_a_real_redaction_verifies_as_redacted_and_exports_clean(
        store: Services, tmp_path: Path) -> None:
    """The admin's redaction command (newsroom/application/redaction.py) against the
    chain, on both databases: redacted, not tampered; the export imports clean."""
    from conftest import make_user

    from newsroom.integrity.transfer import export_log, import_log

    integrity, attacker = sealed(store)
    admin = make_user(store, "redacting-admin", "admin")
    target = next(r for r in attacker.rows() if r.topic.endswith("Article.Created"))
    store.app.redact(admin, UUID(hex=target.originator_id), target.version,
                     reason="court order", reference="CO-2026-17")
    result = integrity.verify()
    assert result.ok, result.document()
    assert result.redacted == [{"article_id": str(UUID(hex=target.originator_id)),
                                "version": target.version, "position": target.position}]
    export_log(integrity, tmp_path / "log.jsonl")
    other = build(settings_for(tmp_path / "copy"))
    try:
        imported = Integrity.of(other)
        import_log(imported, tmp_path / "log.jsonl")
        copy = imported.verify(checkpoint_files=[tmp_path / "log.jsonl"],
                               trusted_key_file=tmp_path / "log.jsonl")
        assert copy.ok and len(copy.redacted) == 1, copy.document()
    finally:
        other.close()


def test_a_forged_redaction_cache_row_does_not_excuse_tampering(
        store: Services, rng: random.Random) -> None:
    """The follower's redaction cache speeds verify up; it vouches for nothing."""
    integrity, attacker = sealed(store)
    row = middle(rng, attacker.rows())
    changed = row.state + b" "
    attacker.set_state(row.position, changed)
    attacker.run_sql(
        "INSERT INTO {redactions} (target_id, target_version, original, tombstone) "
        "VALUES (?, ?, ?, ?)", (row.originator_id, row.version,
                                bytes.fromhex(payload_digest(row.state)),
                                bytes.fromhex(payload_digest(changed))))
    named(first_bad(integrity), row, row.position, "payload changed")


def test_a_lost_redaction_cache_row_is_not_tampering(store: Services) -> None:
    from conftest import make_user

    integrity, attacker = sealed(store)
    admin = make_user(store, "redacting-admin", "admin")
    target = next(r for r in attacker.rows() if r.topic.endswith("Article.Created"))
    store.app.redact(admin, UUID(hex=target.originator_id), target.version,
                     reason="court order", reference="CO-2026-18")
    integrity.catch_up()
    attacker.run_sql("DELETE FROM {redactions}")
    result = integrity.verify()
    assert result.ok and len(result.redacted) == 1, result.document()
