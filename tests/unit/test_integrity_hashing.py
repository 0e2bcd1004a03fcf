"""The pure parts of the integrity chain: digests, links, timestamps, signatures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsroom.integrity import keys
from newsroom.integrity.checkpoints import sign_checkpoint
from newsroom.integrity.hashing import (
    GENESIS,
    event_timestamp,
    global_link,
    payload_digest,
    stream_link,
)
from newsroom.integrity.verify import checkpoint_problem

STATE = (b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-28T05:24:24.849505+00:00"},'
         b'"headline":"Budget"}')
OID = "6d3ab858bf535fb28e10b9750939a033"


def test_payload_digest_is_sha256_of_the_stored_bytes() -> None:
    assert payload_digest(STATE) == hashlib.sha256(STATE).hexdigest()


def test_the_timestamp_is_read_as_stored_wherever_it_sits() -> None:
    assert event_timestamp(STATE) == b"2026-11-28T05:24:24.849505+00:00"
    moved = b'{"a":1,"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"}}'
    assert event_timestamp(moved) == b"2026-01-01T00:00:00+00:00"
    assert event_timestamp(b'{"no":"time"}') == b""


def link(**change: object) -> bytes:
    fields: dict[str, object] = {"prev": GENESIS, "originator_id": OID, "version": 1,
                                 "topic": "newsroom.domain.article:Article.Created",
                                 "timestamp": b"2026-11-28T05:24:24+00:00",
                                 "digest": hashlib.sha256(STATE).digest()}
    fields.update(change)
    return stream_link(fields["prev"], fields["originator_id"], fields["version"],  # type: ignore[arg-type]
                       fields["topic"], fields["timestamp"], fields["digest"])  # type: ignore[arg-type]


@pytest.mark.parametrize("change", [
    {"prev": b"\x01" * 32}, {"originator_id": "0" * 32}, {"version": 2},
    {"topic": "newsroom.domain.article:Article.Revised"},
    {"timestamp": b"2026-11-28T05:24:25+00:00"}, {"digest": bytes(32)},
])
def test_every_field_changes_the_link(change: dict[str, object]) -> None:
    assert link(**change) != link()


def test_length_prefixes_keep_fields_apart() -> None:
    # The same bytes moved from the topic into the timestamp must not collide.
    assert link(topic="ab", timestamp=b"c") != link(topic="a", timestamp=b"bc")


def test_the_global_link_orders_stream_links() -> None:
    a, b = link(), link(version=2)
    assert global_link(global_link(GENESIS, a), b) != global_link(global_link(GENESIS, b), a)


def test_a_checkpoint_verifies_only_unaltered_and_with_the_trusted_key(tmp_path: Path) -> None:
    key = keys.create_key(tmp_path / "signing.key")
    assert (tmp_path / "signing.key").stat().st_mode & 0o777 == 0o600
    trusted = keys.public_hex(key)
    checkpoint = sign_checkpoint(key, 10, 12, b"\x07" * 32)
    assert checkpoint_problem(checkpoint, trusted) is None
    assert checkpoint_problem(checkpoint, None) is None
    altered = type(checkpoint)(**{**vars(checkpoint), "seq": 11})
    assert "does not verify" in str(checkpoint_problem(altered, trusted))
    other = keys.create_key(tmp_path / "other.key")
    assert "not by the trusted key" in str(checkpoint_problem(checkpoint, keys.public_hex(other)))


def test_trusted_keys_are_read_from_pem_or_hex(tmp_path: Path) -> None:
    key = keys.create_key(tmp_path / "signing.key")
    (tmp_path / "pub.pem").write_text(keys.public_pem(key))
    (tmp_path / "pub.hex").write_text(keys.public_hex(key) + "\n")
    for name in ("pub.pem", "pub.hex", "signing.key"):
        assert keys.read_trusted_key(tmp_path / name) == keys.public_hex(key)
    (tmp_path / "junk").write_text("hello")
    with pytest.raises(keys.SigningKeyError):
        keys.read_trusted_key(tmp_path / "junk")


def test_the_redaction_cache_knows_the_redaction_topic() -> None:
    from newsroom.integrity.redaction_cache import REDACTION_TOPIC
    from newsroom.integrity.redactions import REDACTION_TOPIC as RECORDED

    assert REDACTION_TOPIC == RECORDED
