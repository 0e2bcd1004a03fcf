"""The tombstone rules: what is replaced, what is kept, and the map of redactable fields."""

from __future__ import annotations

import typing
from uuid import uuid4

import pytest

from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.errors import ValidationFailed
from newsroom.domain.redaction import (
    REDACTABLE,
    checked_reason,
    checked_reference,
    looks_redacted,
    marker,
    redaction_id,
    tombstone_values,
)
from newsroom.domain.translation import Translation

AGGREGATES = {"Article": Article, "Translation": Translation, "Delivery": Delivery}


@pytest.mark.parametrize("qualname", sorted(REDACTABLE))
def test_every_redactable_field_exists_on_its_event(qualname: str) -> None:
    aggregate, _, name = qualname.partition(".")
    event_class = getattr(AGGREGATES[aggregate], name)
    hints = typing.get_type_hints(event_class)
    for field in REDACTABLE[qualname]:
        assert field in hints, f"{qualname} has no field {field}"


def test_text_fields_become_the_marker_and_bookkeeping_stays() -> None:
    oid = uuid4()
    values = {"originator_id": oid, "originator_version": 3, "timestamp": "t",
              "actor_id": oid, "role": "editor",
              "changes": {"body": "Jean Dupont a dit…", "headline": "Titre"},
              "qa_findings": [{"kind": "spelling", "field": "body", "start": 0, "end": 4,
                               "severity": "warning", "message": "« Dupont » inconnu"}]}
    tomb = tombstone_values("Article.Revised", values, "C-1")
    mark = marker("C-1")
    assert tomb["changes"] == {"body": mark, "headline": mark}
    assert tomb["qa_findings"] == [{"kind": "spelling", "field": "body", "start": 0,
                                    "end": 4, "severity": "warning", "message": mark}]
    for key in ("originator_id", "originator_version", "timestamp", "actor_id", "role"):
        assert tomb[key] == values[key]
    assert looks_redacted(tomb) and not looks_redacted(values)


def test_empty_text_stays_empty_and_structure_is_never_redacted() -> None:
    values = {"headline": "H", "body": "B", "dateline": "", "byline": "X",
              "revision": 1, "languages": ["fr"], "embargo_until": None}
    tomb = tombstone_values("Article.Published", values, "R")
    assert tomb["dateline"] == "" and tomb["languages"] == ["fr"] and tomb["revision"] == 1


def test_events_without_text_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="no redactable text"):
        tombstone_values("Article.Approved", {}, "R")
    with pytest.raises(ValidationFailed):
        tombstone_values("User.Registered", {"name": "x"}, "R")


def test_reference_is_one_short_line() -> None:
    assert checked_reference("  Order 12 ") == "Order 12"
    for bad in ("", "   ", "two\nlines", "x" * 201):
        with pytest.raises(ValidationFailed):
            checked_reference(bad)


def test_reason_and_reference_are_bounded_strings() -> None:
    assert checked_reason("  Court order ") == "Court order"
    for bad in (12, ["court"], {"a": 1}, True, 1.5):
        with pytest.raises(ValidationFailed, match="must be a string"):
            checked_reason(bad)
        with pytest.raises(ValidationFailed, match="must be a string"):
            checked_reference(bad)
    with pytest.raises(ValidationFailed):
        checked_reason("x" * 2001)
    with pytest.raises(ValidationFailed):
        checked_reason(None)


def test_one_redaction_per_event() -> None:
    oid = uuid4()
    assert redaction_id(oid, 2) == redaction_id(oid, 2) != redaction_id(oid, 3)
