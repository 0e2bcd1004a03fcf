"""The hashes the integrity chain is made of. Pure functions: no I/O."""

from __future__ import annotations

import hashlib


def payload_digest(state: bytes) -> str:
    """Hex SHA-256 of a stored event's state bytes, exactly as stored.

    The chains cover this digest rather than the payload itself, so a court-ordered
    redaction can replace the payload with a tombstone and the chain still links.
    """
    return hashlib.sha256(state).hexdigest()


GENESIS = bytes(32)
# Every event the library writes starts with its timestamp; reading it by offset keeps
# verify near the speed of hashing alone (a JSON parse per event would not be).
TIMESTAMP_PREFIX = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'
_TIMESTAMP_MARK = b'"timestamp":{"_type_":"datetime_iso","_data_":"'


def event_timestamp(state: bytes) -> bytes:
    """The event's timestamp exactly as stored (ISO text), or b"" when it has none."""
    if state.startswith(TIMESTAMP_PREFIX):
        start = len(TIMESTAMP_PREFIX)
    else:
        found = state.find(_TIMESTAMP_MARK)
        if found < 0:
            return b""
        start = found + len(_TIMESTAMP_MARK)
    end = state.find(b'"', start)
    return state[start:end] if end > 0 else b""


def topic_field(topic: str) -> bytes:
    """The topic as the link encodes it: its length, then its bytes."""
    encoded = topic.encode()
    return b"%d\x00%b" % (len(encoded), encoded)


def stream_link(prev: bytes, originator_id: str, version: int, topic: str,
                timestamp: bytes, digest: bytes) -> bytes:
    """One link of a stream's chain. Fields are length-prefixed so no two different
    events can encode to the same bytes."""
    return encoded_stream_link(prev, originator_id.encode(), version, topic_field(topic),
                               timestamp, digest)


# prev, id, version, topic field, timestamp length, timestamp, digest.
LINK_FORMAT = b"%b%b%d\x00%b%d\x00%b%b"


def encoded_stream_link(prev: bytes, originator_id: bytes, version: int, topic: bytes,
                        timestamp: bytes, digest: bytes) -> bytes:
    """stream_link with the id and topic already encoded."""
    return hashlib.sha256(LINK_FORMAT % (prev, originator_id, version, topic, len(timestamp),
                                         timestamp, digest)).digest()


def global_link(prev: bytes, stream_hash: bytes) -> bytes:
    """One link of the chain over the whole log, by sequence (never by database id):
    the stream hash already covers the event, so the global link only orders it."""
    return hashlib.sha256(prev + stream_hash).digest()
