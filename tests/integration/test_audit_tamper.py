"""The tamper suite (issue 6): each kind of tampering, at a random position, by direct
SQL against the event store on SQLite and PostgreSQL. Every case must be detected and
the first bad event named exactly; a clean store must verify clean.

The random positions come from one seed per run, printed in every failure message;
NEWSROOM_TAMPER_SEED replays a run.
"""

from __future__ import annotations

import json
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
from newsroom.integrity.verify import Bad

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


def redacted(services: Services, attacker: Attacker, reference: str) -> Row:
    """A real redaction of an article's first version, by the admin's command."""
    from conftest import make_user

    admin = make_user(services, f"admin-{reference}", "admin")
    target = next(r for r in attacker.rows() if r.topic.endswith("Article.Created"))
    services.app.redact(admin, UUID(hex=target.originator_id), target.version,
                        reason="court order", reference=reference)
    return target


def test_a_changed_tombstone_is_tampering(store: Services) -> None:
    integrity, attacker = sealed(store)
    target = redacted(store, attacker, "CO-2026-16")
    assert integrity.verify().ok
    tombstone = next(r for r in attacker.rows() if r.position == target.position)
    attacker.set_state(target.position, tombstone.state + b" ")
    named(first_bad(integrity), target, target.position, "payload changed")


def forged_redaction(real: Row, target: Row, tampered: bytes) -> Row:
    """A copy of a real Redaction.Recorded event, retargeted at ``target`` and vouching
    for ``tampered``: everything an attacker with the database can write."""
    from newsroom.domain.redaction import redaction_id

    data = json.loads(real.state)
    data["target_id"]["_data_"] = target.originator_id
    data["target_version"] = target.version
    data["target_topic"] = target.topic
    data["original_digest"] = payload_digest(target.state)
    data["tombstone_digest"] = payload_digest(tampered)
    rid = redaction_id(UUID(hex=target.originator_id), target.version)
    return Row(0, rid.hex, 1, real.topic, json.dumps(data, separators=(",", ":")).encode())


@pytest.mark.parametrize("chained", [False, True], ids=["past-the-head", "chained"])
def test_a_forged_redaction_record_does_not_excuse_tampering(
        store: Services, rng: random.Random, tmp_path: Path, chained: bool) -> None:
    """The reviewer's repro: a byte changed in a checkpoint-covered event, then a
    forged record appended. Unchained, it is no record; chained (the follower runs on),
    its signature does not verify."""
    integrity, attacker = sealed(store)
    redacted(store, attacker, "CO-2026-19")
    integrity.checkpoint()
    rows = attacker.rows()
    real = next(r for r in rows if r.topic.endswith("Redaction.Recorded"))
    row = middle(rng, [r for r in rows if r.topic.endswith("Article.Revised")])
    at = rng.randrange(90, len(row.state) - 1)
    tampered = row.state[:at] + bytes([row.state[at] ^ 0x01]) + row.state[at + 1:]
    attacker.set_state(row.position, tampered)
    attacker.append(forged_redaction(real, row, tampered))
    if chained:
        integrity.catch_up()
    (tmp_path / "trusted.pub").write_text(
        keys.public_pem(keys.load_key(store.settings.signing_key_file)))
    result = integrity.verify(trusted_key_file=tmp_path / "trusted.pub",
                              checkpoint_files=[store.settings.checkpoints_file])
    assert not result.ok, f"forged redaction accepted (seed {SEED}): {result.document()}"
    assert result.first_bad is not None
    named(result.first_bad, row, row.position, "payload changed")
    assert ("not chained" if not chained else "signature") in result.first_bad.problem
    assert {r["position"] for r in result.redacted} <= {
        r.position for r in rows if r.topic.endswith("Article.Created")}


def test_a_redaction_signed_by_another_key_is_not_trusted(
        store: Services, tmp_path: Path) -> None:
    """Checkpoints' key rules: a record signed by a key other than the pinned one
    excuses nothing, even when its own signature is sound."""
    integrity, attacker = sealed(store)
    target = redacted(store, attacker, "CO-2026-20")
    other = keys.create_key(tmp_path / "other.key")
    (tmp_path / "other.pub").write_text(keys.public_pem(other))
    result = integrity.verify(trusted_key_file=tmp_path / "other.pub")
    assert not result.ok and result.first_bad is not None
    # The checkpoint is named first (also signed by our key); without checkpoints the
    # redaction itself is refused.
    attacker.run_sql("DELETE FROM {checkpoints}")
    store.settings.checkpoints_file.unlink()
    result = integrity.verify(trusted_key_file=tmp_path / "other.pub")
    assert result.first_bad is not None, result.document()
    named(result.first_bad, target, target.position, "payload changed")
    assert "not by the trusted key" in result.first_bad.problem


def test_a_head_record_moved_back_hides_nothing_and_stops_the_follower(
        store: Services, rng: random.Random, caplog: pytest.LogCaptureFixture) -> None:
    from newsroom.integrity.chain import ChainHeadMismatch
    from newsroom.integrity.service import Sealer

    integrity, attacker = sealed(store)
    rows = attacker.rows()
    back_to = rng.randrange(2, len(rows) - 3)
    attacker.move_head_back(back_to)
    bad = first_bad(integrity)
    assert "chain head record altered" in bad.problem, bad
    last = rows[-1]
    assert (bad.article_id, bad.version, bad.position) == (
        last.originator_id, last.version, last.position)
    # Tampering after the moved head is still tampering, not "not chained yet".
    row = rows[rng.randrange(back_to, len(rows))]
    attacker.set_state(row.position, row.state + b" ")
    named(first_bad(integrity), row, row.position, "payload changed")
    # The follower refuses to link on from a head that disagrees with its records.
    populate_more(store)
    with pytest.raises(ChainHeadMismatch):
        integrity.catch_up()
    sealer = Sealer(integrity)
    with caplog.at_level("ERROR"):
        assert sealer.tick() == 0 and sealer.tick() == 0
    stopped = [r for r in caplog.records if "integrity chain stopped" in r.getMessage()]
    assert len(stopped) == 1 and "head record was altered" in stopped[0].getMessage()


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
