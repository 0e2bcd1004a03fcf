"""The Translation aggregate on its own: deterministic ids, its states (DESIGN §3),
idempotent recording of worker results, staleness and re-requests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from newsroom.domain import workflow as wf
from newsroom.domain.errors import BlockingFindings, InvalidTransition, ValidationFailed
from newsroom.domain.translation import Translation, translation_id

ARTICLE = UUID("aaaaaaaa-0000-4000-8000-000000000001")
OTHER_ARTICLE = UUID("aaaaaaaa-0000-4000-8000-000000000002")
EDITOR = UUID("22222222-2222-2222-2222-222222222222")
TRANSLATOR = UUID("33333333-3333-3333-3333-333333333333")
SYSTEM = UUID("00000000-0000-0000-0000-000000000000")

BLOCKING = {"kind": "missing_number", "message": "17 missing", "field": "body",
            "start": 0, "end": 2, "severity": "blocking"}
WARNING = {"kind": "unknown_word", "message": "*Pyongyang", "field": "body",
           "start": 5, "end": 14, "severity": "warning"}


def new_translation(source_version: int = 3, language: str = "es") -> Translation:
    return Translation.request(
        article_id=ARTICLE, source_language="fr", language=language,
        source_version=source_version, actor_id=EDITOR, role="editor",
    )


def machine(t: Translation, *, source_version: int | None = None,
            findings: list[dict[str, Any]] | None = None) -> bool:
    return t.record_machine_translation(
        headline="Seúl acusa a Pyongyang",
        body="Primer párrafo.",
        source_version=t.source_version if source_version is None else source_version,
        engine="apertium",
        engine_version="3.9.4",
        route=["fr-es"],
        duration_ms=5,
        qa_findings=findings or [],
        actor_id=SYSTEM,
        role="system",
    )


def as_translator() -> dict[str, Any]:
    return {"actor_id": TRANSLATOR, "role": "translator"}


def translation_in(state: str) -> Translation:
    """A translation driven to ``state`` legally, its setup events already collected."""
    t = new_translation()
    if state == wf.T_FAILED:
        assert t.record_failure("engine down", 3, actor_id=SYSTEM, role="system")
    elif state != wf.T_REQUESTED:
        assert machine(t)
        if state in (wf.T_IN_REVIEW, wf.T_APPROVED, wf.T_PUBLISHED):
            t.post_edit({"body": "Primer párrafo revisado."}, [], **as_translator())
        if state in (wf.T_APPROVED, wf.T_PUBLISHED):
            t.approve(None, **as_translator())
        if state == wf.T_PUBLISHED:
            t.publish(None, actor_id=EDITOR, role="editor")
    assert t.state == state
    t.collect_events()
    return t


# ---- ids -----------------------------------------------------------------------------


def test_translation_id_is_deterministic_per_article_and_language() -> None:
    assert translation_id(ARTICLE, "es") == translation_id(ARTICLE, "es")
    assert translation_id(ARTICLE, "es") != translation_id(ARTICLE, "ca")
    assert translation_id(ARTICLE, "es") != translation_id(OTHER_ARTICLE, "es")
    # uuid5: the same id in every process, which is what lets a worker and an editor
    # address the same stream without a lookup.
    assert translation_id(ARTICLE, "es").version == 5


@pytest.mark.parametrize("variant", ["ES", "Es", "eS"])
def test_translation_id_ignores_language_case(variant: str) -> None:
    assert translation_id(ARTICLE, variant) == translation_id(ARTICLE, "es")
    assert translation_id(ARTICLE, "en-ca") == translation_id(ARTICLE, "EN-CA")
    assert translation_id(ARTICLE, "zh-Hant-TW") == translation_id(ARTICLE, "zh-hant-tw")


def test_request_uses_the_deterministic_id_and_starts_requested() -> None:
    t = new_translation(source_version=7)
    assert t.id == translation_id(ARTICLE, "es")
    assert t.state == "requested"
    assert t.article_id == ARTICLE
    assert t.source_language == "fr"
    assert t.language == "es"
    assert t.source_version == 7
    assert t.requested_by == EDITOR
    assert t.revision == 0
    (event,) = t.collect_events()
    assert isinstance(event, Translation.Requested)
    assert event.actor_id == EDITOR
    assert event.role == "editor"
    assert event.timestamp.utcoffset() == timedelta(0)


# ---- the happy path ------------------------------------------------------------------


def test_full_path_requested_to_published() -> None:
    t = new_translation()
    assert machine(t, findings=[WARNING]) is True
    assert t.state == "machine_translated"
    assert t.headline == "Seúl acusa a Pyongyang"
    assert t.body == "Primer párrafo."
    assert t.engine == "apertium"
    assert t.engine_version == "3.9.4"
    assert t.route == ["fr-es"]
    assert t.duration_ms == 5
    assert t.qa_findings == [WARNING]

    t.post_edit({"body": "Primer párrafo, revisado."}, [], **as_translator())
    assert t.state == "in_review"
    assert t.body == "Primer párrafo, revisado."
    assert t.headline == "Seúl acusa a Pyongyang"
    assert t.qa_findings == []

    t.approve(None, **as_translator())
    assert t.state == "approved"

    embargo = datetime(2030, 1, 1, tzinfo=UTC)
    t.publish(embargo, actor_id=EDITOR, role="editor")
    events = t.collect_events()
    published = events[-1]
    assert isinstance(published, Translation.Published)
    assert t.state == "published"
    assert t.revision == 1 == published.revision
    assert t.first_published_at == published.timestamp
    assert t.updated_at == published.timestamp
    assert t.embargo_until == embargo
    assert [type(e) for e in events] == [
        Translation.Requested, Translation.MachineTranslated, Translation.PostEdited,
        Translation.Approved, Translation.Published,
    ]
    for event in events:
        assert isinstance(event.actor_id, UUID)
        assert event.timestamp.tzinfo is not None
        assert event.timestamp.utcoffset() == timedelta(0)
    # Replay gives the same translation.
    rebuilt = functools.reduce(lambda a, e: e.mutate(a), events, None)
    assert vars(rebuilt) == vars(t)


def test_republishing_after_a_post_edit_bumps_the_revision_keeps_first_published() -> None:
    t = translation_in(wf.T_PUBLISHED)
    first = t.first_published_at
    t.post_edit({"headline": "Seúl acusa a Corea del Norte"}, [], **as_translator())
    assert t.state == "in_review"
    t.approve(None, **as_translator())
    t.publish(None, actor_id=EDITOR, role="editor")
    republished = t.collect_events()[-1]
    assert t.revision == 2
    assert t.first_published_at == first
    assert t.updated_at == republished.timestamp


def test_machine_translation_may_go_straight_to_approval() -> None:
    t = translation_in(wf.T_MACHINE_TRANSLATED)
    t.approve(None, **as_translator())
    assert t.state == "approved"


# ---- idempotent recording of worker results ----------------------------------------------


def test_record_machine_translation_is_idempotent() -> None:
    t = new_translation()
    t.collect_events()
    assert machine(t) is True
    assert len(t.collect_events()) == 1
    # A redelivered task: the result is already there, nothing more is recorded.
    assert machine(t) is False
    assert t.collect_events() == []
    assert t.state == "machine_translated"


def test_result_for_an_older_source_version_is_ignored() -> None:
    t = new_translation(source_version=3)
    t.rerequest(5, actor_id=EDITOR, role="editor")
    t.collect_events()
    assert t.source_version == 5
    assert machine(t, source_version=3) is False
    assert t.collect_events() == []
    assert t.state == "requested"
    assert machine(t, source_version=5) is True
    assert t.state == "machine_translated"


def test_record_failure_then_idempotent() -> None:
    t = new_translation()
    t.collect_events()
    assert t.record_failure("timeout", 3, actor_id=SYSTEM, role="system") is True
    (event,) = t.collect_events()
    assert isinstance(event, Translation.Failed)
    assert t.state == "failed"
    assert t.failure_reason == "timeout"
    assert t.record_failure("timeout", 3, actor_id=SYSTEM, role="system") is False
    assert t.record_failure("old", 2, actor_id=SYSTEM, role="system") is False
    # A late success for a request that already failed is not recorded either.
    assert machine(t) is False
    assert t.collect_events() == []


@pytest.mark.parametrize(
    "state",
    [s for s in wf.TRANSLATION_STATES if s != wf.T_REQUESTED],
)
def test_worker_results_are_ignored_in_every_state_but_requested(state: str) -> None:
    t = translation_in(state)
    before = vars(t).copy()
    assert machine(t) is False
    assert t.record_failure("late", t.source_version, actor_id=SYSTEM, role="system") is False
    assert t.collect_events() == []
    assert vars(t) == before


# ---- staleness and re-requests -----------------------------------------------------------


def test_is_stale_only_when_the_source_moved_on() -> None:
    t = new_translation(source_version=3)
    assert t.is_stale(2) is False
    assert t.is_stale(3) is False
    assert t.is_stale(4) is True


def test_rerequest_after_failure_clears_the_reason() -> None:
    t = translation_in(wf.T_FAILED)
    t.rerequest(3, actor_id=EDITOR, role="editor")
    (event,) = t.collect_events()
    assert isinstance(event, Translation.Rerequested)
    assert event.source_version == 3
    assert t.state == "requested"
    assert t.failure_reason is None
    assert machine(t) is True


@pytest.mark.parametrize(
    "state", [wf.T_MACHINE_TRANSLATED, wf.T_IN_REVIEW, wf.T_APPROVED, wf.T_PUBLISHED]
)
def test_rerequest_when_stale_goes_back_to_requested_at_the_new_version(state: str) -> None:
    t = translation_in(state)
    assert t.is_stale(6) is True
    t.rerequest(6, actor_id=EDITOR, role="editor")
    assert t.state == "requested"
    assert t.source_version == 6
    assert t.is_stale(6) is False
    # The result for the version it was re-requested at is recorded again.
    assert machine(t, source_version=6) is True


# ---- post-edit ------------------------------------------------------------------------


def test_post_edit_refuses_unknown_fields_and_empty_headline() -> None:
    t = translation_in(wf.T_MACHINE_TRANSLATED)
    with pytest.raises(ValidationFailed) as unknown:
        t.post_edit({"language": "ca"}, [], **as_translator())
    assert unknown.value.field == "language"
    with pytest.raises(ValidationFailed) as empty:
        t.post_edit({"headline": "  "}, [], **as_translator())
    assert empty.value.field == "headline"
    assert t.collect_events() == []
    assert t.language == "es"


def test_post_edit_with_no_change_while_in_review_emits_nothing() -> None:
    t = translation_in(wf.T_IN_REVIEW)
    t.post_edit({"body": t.body}, [], **as_translator())
    assert t.collect_events() == []


def test_post_edit_with_no_change_accepts_the_machine_output_into_review() -> None:
    # The translator's "looks right" is still an act on record: it moves the
    # translation into review, with the QA findings of the text as it stands.
    t = translation_in(wf.T_MACHINE_TRANSLATED)
    t.post_edit({}, [WARNING], **as_translator())
    (event,) = t.collect_events()
    assert isinstance(event, Translation.PostEdited)
    assert event.changes == {}
    assert t.state == "in_review"
    assert t.qa_findings == [WARNING]


def test_post_edit_records_only_real_changes_and_new_findings() -> None:
    t = translation_in(wf.T_MACHINE_TRANSLATED)
    t.post_edit({"headline": t.headline, "body": "Otro texto."}, [BLOCKING],
                **as_translator())
    (event,) = t.collect_events()
    assert isinstance(event, Translation.PostEdited)
    assert event.changes == {"body": "Otro texto."}
    assert event.qa_findings == [BLOCKING]
    assert t.qa_findings == [BLOCKING]


# ---- approve with blocking findings ----------------------------------------------------


def with_blocking_findings() -> Translation:
    t = new_translation()
    machine(t, findings=[WARNING, BLOCKING])
    t.collect_events()
    return t


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_approve_with_blocking_findings_needs_a_reason(reason: str | None) -> None:
    t = with_blocking_findings()
    with pytest.raises(BlockingFindings) as caught:
        t.approve(reason, **as_translator())
    assert caught.value.findings == [BLOCKING]
    assert t.state == "machine_translated"
    assert t.collect_events() == []


def test_approve_with_blocking_findings_and_reason_records_the_override() -> None:
    t = with_blocking_findings()
    t.approve(" Nombre correct dans la source. ", actor_id=EDITOR, role="editor")
    events = t.collect_events()
    assert [type(e) for e in events] == [Translation.QAOverridden, Translation.Approved]
    overridden = events[0]
    assert isinstance(overridden, Translation.QAOverridden)
    assert overridden.reason == "Nombre correct dans la source."
    assert overridden.findings == [BLOCKING]
    assert overridden.role == "editor"
    assert t.state == "approved"


def test_warnings_alone_do_not_block_translation_approval() -> None:
    t = new_translation()
    machine(t, findings=[WARNING])
    t.collect_events()
    t.approve(None, **as_translator())
    assert [type(e) for e in t.collect_events()] == [Translation.Approved]


# ---- illegal actions ----------------------------------------------------------------


ACTION_CALLS: dict[str, Callable[[Translation], None]] = {
    "post_edit": lambda t: t.post_edit({"body": "Cambio."}, [], **as_translator()),
    "approve": lambda t: t.approve(None, **as_translator()),
    "publish": lambda t: t.publish(None, actor_id=EDITOR, role="editor"),
}

ILLEGAL = [
    (state, action)
    for state in wf.TRANSLATION_STATES
    for action in sorted(ACTION_CALLS)
    if action not in wf.TRANSLATION_ACTIONS[state]
]


def test_the_translation_workflow_table() -> None:
    # Literal, so a change to which state allows what is deliberate.
    expected = {
        "requested": {"record_machine_translation", "record_failure"},
        "failed": {"retranslate"},
        "machine_translated": {"post_edit", "approve", "retranslate"},
        "in_review": {"post_edit", "approve", "retranslate"},
        "approved": {"post_edit", "publish", "retranslate"},
        "published": {"post_edit", "retranslate"},
    }
    assert dict(wf.TRANSLATION_ACTIONS) == expected
    assert ILLEGAL == [
        ("requested", "approve"), ("requested", "post_edit"), ("requested", "publish"),
        ("machine_translated", "publish"),
        ("failed", "approve"), ("failed", "post_edit"), ("failed", "publish"),
        ("in_review", "publish"),
        ("approved", "approve"),
        ("published", "approve"), ("published", "publish"),
    ]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_translation_action_raises_invalid_transition(state: str, action: str) -> None:
    t = translation_in(state)
    before = vars(t).copy()
    with pytest.raises(InvalidTransition) as caught:
        ACTION_CALLS[action](t)
    assert caught.value.action == action
    assert caught.value.state == state
    assert caught.value.allowed == sorted(wf.TRANSLATION_ACTIONS[state])
    assert f"state '{state}'" in str(caught.value)
    assert t.collect_events() == []
    assert vars(t) == before
