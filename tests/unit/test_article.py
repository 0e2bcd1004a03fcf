"""The Article aggregate on its own: the state machine of DESIGN §3, the facts each
event carries, and replay. No store, no application service: pure domain."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.errors import BlockingFindings, InvalidTransition, ValidationFailed

AUTHOR = UUID("11111111-1111-1111-1111-111111111111")
EDITOR = UUID("22222222-2222-2222-2222-222222222222")

BLOCKING = {"kind": "doubled_punctuation", "message": "'. .'", "field": "body",
            "start": 3, "end": 6, "severity": "blocking"}
WARNING = {"kind": "time_without_zone", "message": "17h39", "field": "body",
           "start": 10, "end": 15, "severity": "warning"}


def new_article(**overrides: Any) -> Article:
    fields: dict[str, Any] = {
        "headline": "Séoul accuse Pyongyang",
        "body": "Premier paragraphe.\n\nDeuxième paragraphe.",
        "language": "fr",
        "dateline": "SÉOUL",
        "byline": "Jane Doe",
        "actor_id": AUTHOR,
        "role": "journalist",
    }
    fields.update(overrides)
    return Article.create(**fields)


def as_editor() -> dict[str, Any]:
    return {"actor_id": EDITOR, "role": "editor"}


def article_in(state: str) -> Article:
    """An article driven to ``state`` through legal transitions only, its setup events
    already collected so a test sees only what it triggers itself."""
    article = new_article()
    if state != wf.DRAFT:
        article.submit([], actor_id=AUTHOR, role="journalist")
    if state not in (wf.DRAFT, wf.SUBMITTED):
        article.approve(None, **as_editor())
    if state in (wf.PUBLISHED, wf.RETRACTED):
        article.publish(None, [], **as_editor())
    if state == wf.RETRACTED:
        article.retract("Source withdrew the claim", **as_editor())
    assert article.state == state
    article.collect_events()
    return article


FUTURE = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)

# One valid call per action, so the only reason a call can fail is the state.
ACTION_CALLS: dict[str, Callable[[Article], None]] = {
    "revise": lambda a: a.revise({"headline": "Nouveau titre"}, **as_editor()),
    "submit": lambda a: a.submit([], **as_editor()),
    "comment": lambda a: a.comment("Vérifier la source", **as_editor()),
    "request_changes": lambda a: a.request_changes("Ajouter le pays manquant", **as_editor()),
    "approve": lambda a: a.approve(None, **as_editor()),
    "publish": lambda a: a.publish(None, [], **as_editor()),
    "schedule_publication": lambda a: a.schedule_publication(FUTURE, None, **as_editor()),
    "request_translations": lambda a: a.request_translations(["es"], **as_editor()),
    "correct": lambda a: a.correct({"body": "Texte corrigé."}, "Pays rétabli", **as_editor()),
    "retract": lambda a: a.retract("Fausse information", **as_editor()),
}

ALL_ACTIONS = sorted(ACTION_CALLS)

ILLEGAL = [
    (state, action)
    for state in wf.STATES
    for action in ALL_ACTIONS
    if action not in wf.ARTICLE_ACTIONS[state]
]
LEGAL = [
    (state, action)
    for state in wf.STATES
    for action in ALL_ACTIONS
    if action in wf.ARTICLE_ACTIONS[state]
]


def test_action_calls_cover_every_action_the_workflow_knows() -> None:
    # If someone adds an action to the workflow table, the illegal-transition sweep
    # below must learn how to call it, or it would silently test less.
    known = set().union(*wf.ARTICLE_ACTIONS.values())
    assert known == set(ACTION_CALLS)


def test_the_workflow_table_is_the_one_of_design_section_3() -> None:
    # Written out literally: a change to the state machine must be a deliberate one.
    expected = {
        "draft": {"revise", "submit", "comment"},
        "submitted": {"revise", "request_changes", "approve", "comment"},
        "approved": {"publish", "schedule_publication", "request_translations", "comment"},
        "published": {"correct", "retract", "request_translations", "comment"},
        "retracted": {"comment"},
    }
    assert dict(wf.ARTICLE_ACTIONS) == expected
    assert len(ILLEGAL) == 5 * 10 - 16
    assert len(LEGAL) == 16


# ---- create ------------------------------------------------------------------------


def test_create_starts_a_draft_with_its_author_and_content() -> None:
    article = new_article()
    assert article.state == "draft"
    assert article.version == 1
    assert article.author_id == AUTHOR
    assert article.headline == "Séoul accuse Pyongyang"
    assert article.body == "Premier paragraphe.\n\nDeuxième paragraphe."
    assert article.language == "fr"
    assert article.dateline == "SÉOUL"
    assert article.byline == "Jane Doe"
    assert article.content_version == 1
    assert article.revision == 0
    assert article.first_published_at is None
    assert article.updated_at is None
    assert article.qa_findings == []
    assert article.translation_languages == []
    (created,) = article.collect_events()
    assert isinstance(created, Article.Created)
    assert created.actor_id == AUTHOR
    assert created.role == "journalist"


def test_create_with_a_given_id_uses_it() -> None:
    wanted = uuid4()
    assert new_article(article_id=wanted).id == wanted


@pytest.mark.parametrize("headline", ["", "   ", "\t\n"])
def test_create_refuses_an_empty_headline(headline: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        new_article(headline=headline)
    assert caught.value.field == "headline"


# ---- revise -------------------------------------------------------------------------


def test_revise_in_draft_records_the_change_and_bumps_content_version() -> None:
    article = article_in(wf.DRAFT)
    article.revise({"headline": "Titre revu", "byline": "J. Doe"}, actor_id=AUTHOR,
                   role="journalist")
    (event,) = article.collect_events()
    assert isinstance(event, Article.Revised)
    assert event.changes == {"headline": "Titre revu", "byline": "J. Doe"}
    assert article.headline == "Titre revu"
    assert article.byline == "J. Doe"
    assert article.body == "Premier paragraphe.\n\nDeuxième paragraphe."
    assert article.state == "draft"
    # content_version is the version of the event that last changed the text: the
    # number translations compare against to know they are stale.
    assert article.content_version == 2 == event.originator_version


def test_revise_in_submitted_stays_submitted() -> None:
    article = article_in(wf.SUBMITTED)
    article.revise({"body": "Texte remanié."}, **as_editor())
    assert article.state == "submitted"
    assert article.body == "Texte remanié."
    assert article.content_version == article.version == 3


def test_revise_records_only_the_fields_that_really_change() -> None:
    article = article_in(wf.DRAFT)
    article.revise({"headline": "Séoul accuse Pyongyang", "dateline": "PARIS"},
                   actor_id=AUTHOR, role="journalist")
    (event,) = article.collect_events()
    assert event.changes == {"dateline": "PARIS"}


def test_revise_with_no_real_change_emits_nothing() -> None:
    article = article_in(wf.DRAFT)
    article.revise({"headline": "Séoul accuse Pyongyang", "byline": "Jane Doe"},
                   actor_id=AUTHOR, role="journalist")
    article.revise({}, actor_id=AUTHOR, role="journalist")
    assert article.collect_events() == []
    assert article.version == 1
    assert article.content_version == 1


def test_revise_refuses_an_unknown_field_and_records_nothing() -> None:
    article = article_in(wf.DRAFT)
    with pytest.raises(ValidationFailed) as caught:
        article.revise({"headline": "Autre", "slug": "x"}, actor_id=AUTHOR, role="journalist")
    assert caught.value.field == "slug"
    assert article.collect_events() == []
    assert article.headline == "Séoul accuse Pyongyang"


def test_revise_cannot_touch_non_content_attributes() -> None:
    # "state" and "author_id" are attributes too; revise must not become a back door.
    article = article_in(wf.DRAFT)
    for field in ("state", "author_id", "language", "revision"):
        with pytest.raises(ValidationFailed):
            article.revise({field: "published"}, actor_id=AUTHOR, role="journalist")
    assert article.state == "draft"
    assert article.collect_events() == []


@pytest.mark.parametrize("headline", ["", "  "])
def test_revise_refuses_an_empty_headline(headline: str) -> None:
    article = article_in(wf.DRAFT)
    with pytest.raises(ValidationFailed) as caught:
        article.revise({"headline": headline}, actor_id=AUTHOR, role="journalist")
    assert caught.value.field == "headline"
    assert article.collect_events() == []


# ---- submit, request_changes ----------------------------------------------------------


def test_submit_moves_to_submitted_and_keeps_the_qa_findings() -> None:
    article = article_in(wf.DRAFT)
    article.submit([BLOCKING, WARNING], actor_id=AUTHOR, role="journalist")
    (event,) = article.collect_events()
    assert isinstance(event, Article.Submitted)
    assert event.qa_findings == [BLOCKING, WARNING]
    assert article.state == "submitted"
    assert article.qa_findings == [BLOCKING, WARNING]
    assert article.blocking_findings() == [BLOCKING]


def test_request_changes_sends_back_to_draft_with_the_comment() -> None:
    article = article_in(wf.SUBMITTED)
    article.request_changes("Le pays manque dans la liste.", **as_editor())
    (event,) = article.collect_events()
    assert isinstance(event, Article.ChangesRequested)
    assert event.comment == "Le pays manque dans la liste."
    assert article.state == "draft"
    assert article.changes_requested_comment == "Le pays manque dans la liste."
    # Back in draft, the author can fix it and submit again.
    article.revise({"body": "Corrigé."}, actor_id=AUTHOR, role="journalist")
    article.submit([], actor_id=AUTHOR, role="journalist")
    assert article.state == "submitted"


@pytest.mark.parametrize("comment", ["", "   "])
def test_request_changes_needs_a_comment(comment: str) -> None:
    article = article_in(wf.SUBMITTED)
    with pytest.raises(ValidationFailed) as caught:
        article.request_changes(comment, **as_editor())
    assert caught.value.field == "comment"
    assert article.state == "submitted"
    assert article.collect_events() == []


# ---- approve and QA override -------------------------------------------------------------


def submitted_with(findings: list[dict[str, Any]]) -> Article:
    article = article_in(wf.DRAFT)
    article.submit(findings, actor_id=AUTHOR, role="journalist")
    article.collect_events()
    return article


def test_approve_without_findings() -> None:
    article = submitted_with([])
    article.approve(None, **as_editor())
    (event,) = article.collect_events()
    assert isinstance(event, Article.Approved)
    assert article.state == "approved"


def test_warnings_alone_do_not_block_approval() -> None:
    article = submitted_with([WARNING])
    article.approve(None, **as_editor())
    assert [type(e) for e in article.collect_events()] == [Article.Approved]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_approve_over_blocking_findings_without_reason_is_refused(reason: str | None) -> None:
    article = submitted_with([WARNING, BLOCKING])
    with pytest.raises(BlockingFindings) as caught:
        article.approve(reason, **as_editor())
    # Only the blocking ones are reported: the warnings do not stand in the way.
    assert caught.value.findings == [BLOCKING]
    assert "1 blocking QA finding(s)" in str(caught.value)
    assert article.state == "submitted"
    assert article.collect_events() == []


def test_override_emits_qa_overridden_then_approved() -> None:
    article = submitted_with([WARNING, BLOCKING])
    article.approve("  Citation exacte de l'agence.  ", **as_editor())
    events = article.collect_events()
    assert [type(e) for e in events] == [Article.QAOverridden, Article.Approved]
    overridden = events[0]
    assert isinstance(overridden, Article.QAOverridden)
    assert overridden.reason == "Citation exacte de l'agence."
    assert overridden.findings == [BLOCKING]
    assert overridden.actor_id == EDITOR
    assert overridden.role == "editor"
    assert [e.originator_version for e in events] == [3, 4]
    assert article.state == "approved"


# ---- schedule, publish ----------------------------------------------------------------


def test_schedule_publication_records_time_and_embargo_and_stays_approved() -> None:
    article = article_in(wf.APPROVED)
    embargo = FUTURE + timedelta(hours=2)
    article.schedule_publication(FUTURE, embargo, **as_editor())
    (event,) = article.collect_events()
    assert isinstance(event, Article.PublicationScheduled)
    assert event.publish_at == FUTURE
    assert event.embargo_until == embargo
    assert article.state == "approved"
    assert article.scheduled_at == FUTURE
    assert article.embargo_until == embargo
    assert article.first_published_at is None


def test_schedule_refuses_an_embargo_that_ends_before_publication() -> None:
    article = article_in(wf.APPROVED)
    with pytest.raises(ValidationFailed) as caught:
        article.schedule_publication(FUTURE, FUTURE - timedelta(seconds=1), **as_editor())
    assert caught.value.field == "embargo_until"
    assert article.collect_events() == []


def test_publish_sets_revision_one_and_timestamps_from_the_event() -> None:
    article = article_in(wf.APPROVED)
    article.schedule_publication(FUTURE, None, **as_editor())
    article.publish(None, ["es", "ca"], **as_editor())
    event = article.collect_events()[-1]
    assert isinstance(event, Article.Published)
    assert event.revision == 1
    assert event.languages == ["fr", "es", "ca"]
    assert article.state == "published"
    assert article.revision == 1
    # The publication time is the recorded fact, not the wall clock at read time.
    assert article.first_published_at == event.timestamp
    assert article.updated_at == event.timestamp
    assert article.embargo_until is None
    assert article.scheduled_at is None


def test_publish_with_embargo_holds_until_it_passes() -> None:
    article = article_in(wf.APPROVED)
    embargo = datetime.now(UTC) + timedelta(days=1)
    article.publish(embargo, [], **as_editor())
    assert article.embargo_until == embargo
    assert article.is_embargoed(embargo - timedelta(seconds=1)) is True
    # The embargo ends at its instant, not a moment later.
    assert article.is_embargoed(embargo) is False
    assert article.is_embargoed(embargo + timedelta(seconds=1)) is False


def test_no_embargo_is_never_embargoed() -> None:
    article = article_in(wf.PUBLISHED)
    assert article.is_embargoed(datetime(1970, 1, 1, tzinfo=UTC)) is False


# ---- correct, retract ------------------------------------------------------------------


def test_correct_makes_a_new_revision_and_keeps_the_note() -> None:
    article = article_in(wf.PUBLISHED)
    first_published = article.first_published_at
    article.correct({"body": "De la Corée du Sud, de l'Allemagne."}, "Pays rétabli.",
                    **as_editor())
    (event,) = article.collect_events()
    assert isinstance(event, Article.Corrected)
    assert event.revision == 2
    assert event.changes == {"body": "De la Corée du Sud, de l'Allemagne."}
    assert article.state == "published"
    assert article.revision == 2
    assert article.body == "De la Corée du Sud, de l'Allemagne."
    assert article.first_published_at == first_published
    assert article.updated_at == event.timestamp
    assert article.content_version == event.originator_version == 5
    assert article.corrections == [
        {"revision": 2, "note": "Pays rétabli.", "at": event.timestamp}
    ]

    article.correct({"headline": "Titre corrigé"}, "Titre précisé.", **as_editor())
    assert article.revision == 3
    assert [c["note"] for c in article.corrections] == ["Pays rétabli.", "Titre précisé."]
    assert [c["revision"] for c in article.corrections] == [2, 3]


@pytest.mark.parametrize("note", ["", "  \n"])
def test_correct_needs_a_public_note(note: str) -> None:
    article = article_in(wf.PUBLISHED)
    with pytest.raises(ValidationFailed) as caught:
        article.correct({"body": "x"}, note, **as_editor())
    assert caught.value.field == "note"
    assert article.revision == 1
    assert article.collect_events() == []


def test_correct_refuses_unknown_fields_and_empty_headline() -> None:
    article = article_in(wf.PUBLISHED)
    with pytest.raises(ValidationFailed) as unknown:
        article.correct({"state": "draft"}, "note", **as_editor())
    assert unknown.value.field == "state"
    with pytest.raises(ValidationFailed) as empty:
        article.correct({"headline": " "}, "note", **as_editor())
    assert empty.value.field == "headline"
    assert article.collect_events() == []


def test_retract_records_the_reason() -> None:
    article = article_in(wf.PUBLISHED)
    article.retract("La source a démenti.", **as_editor())
    (event,) = article.collect_events()
    assert isinstance(event, Article.Retracted)
    assert event.reason == "La source a démenti."
    assert article.state == "retracted"
    assert article.retraction_reason == "La source a démenti."
    assert article.updated_at == event.timestamp


def test_retract_needs_a_reason() -> None:
    article = article_in(wf.PUBLISHED)
    with pytest.raises(ValidationFailed) as caught:
        article.retract(" ", **as_editor())
    assert caught.value.field == "reason"
    assert article.state == "published"


# ---- comment, request_translations -------------------------------------------------------


@pytest.mark.parametrize("state", wf.STATES)
def test_comment_is_allowed_in_every_state(state: str) -> None:
    article = article_in(state)
    article.comment("Vu.", actor_id=EDITOR, role="editor")
    (event,) = article.collect_events()
    assert isinstance(event, Article.Commented)
    assert article.state == state
    assert article.comments == [{"actor_id": EDITOR, "text": "Vu.", "at": event.timestamp}]


def test_empty_comment_refused() -> None:
    article = article_in(wf.DRAFT)
    with pytest.raises(ValidationFailed):
        article.comment("  ", **as_editor())


def test_request_translations_accumulates_languages_without_duplicates() -> None:
    article = article_in(wf.APPROVED)
    article.request_translations(["es", "ca"], **as_editor())
    article.request_translations(["ca", "en"], **as_editor())
    events = article.collect_events()
    assert [e.languages for e in events] == [["es", "ca"], ["ca", "en"]]
    assert article.translation_languages == ["es", "ca", "en"]
    # A translation request is not a change of the source text.
    assert article.content_version == 1
    assert article.state == "approved"


def test_request_translations_refuses_source_language_and_empty_list() -> None:
    article = article_in(wf.PUBLISHED)
    with pytest.raises(ValidationFailed) as source:
        article.request_translations(["es", "fr"], **as_editor())
    assert "'fr' is the source language" in str(source.value)
    with pytest.raises(ValidationFailed):
        article.request_translations([], **as_editor())
    assert article.collect_events() == []
    assert article.translation_languages == []


# ---- the state machine, exhaustively -----------------------------------------------


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_action_raises_invalid_transition_naming_state_and_allowed(
    state: str, action: str
) -> None:
    article = article_in(state)
    before = vars(article).copy()
    with pytest.raises(InvalidTransition) as caught:
        ACTION_CALLS[action](article)
    error = caught.value
    allowed = sorted(wf.ARTICLE_ACTIONS[state])
    assert error.action == action
    assert error.state == state
    assert error.allowed == allowed
    assert str(error) == (
        f"cannot {action} an article in state '{state}'; allowed actions: {', '.join(allowed)}"
    )
    # A refused command leaves no trace: no pending event, no changed attribute.
    assert article.collect_events() == []
    assert vars(article) == before


def test_invalid_transition_message_example() -> None:
    # One literal example, so the message format itself is pinned, not just derived.
    with pytest.raises(InvalidTransition, match=(
        r"^cannot publish an article in state 'draft'; "
        r"allowed actions: comment, revise, submit$"
    )):
        article_in(wf.DRAFT).publish(None, [], **as_editor())


def test_state_is_checked_before_input() -> None:
    # An empty comment on request_changes in draft is a state error (409), not a 422:
    # the state machine answers first, so the client learns the real obstacle.
    article = article_in(wf.DRAFT)
    with pytest.raises(InvalidTransition):
        article.request_changes("", **as_editor())
    with pytest.raises(InvalidTransition):
        article_in(wf.RETRACTED).revise({"nope": "x"}, **as_editor())


EXPECTED_EVENT = {
    "revise": Article.Revised,
    "submit": Article.Submitted,
    "comment": Article.Commented,
    "request_changes": Article.ChangesRequested,
    "approve": Article.Approved,
    "publish": Article.Published,
    "schedule_publication": Article.PublicationScheduled,
    "request_translations": Article.TranslationsRequested,
    "correct": Article.Corrected,
    "retract": Article.Retracted,
}

EXPECTED_NEXT_STATE = {
    ("draft", "submit"): "submitted",
    ("submitted", "request_changes"): "draft",
    ("submitted", "approve"): "approved",
    ("approved", "publish"): "published",
    ("published", "retract"): "retracted",
}


@pytest.mark.parametrize(("state", "action"), LEGAL)
def test_every_legal_action_emits_one_event_and_lands_in_the_right_state(
    state: str, action: str
) -> None:
    article = article_in(state)
    ACTION_CALLS[action](article)
    (event,) = article.collect_events()
    assert type(event) is EXPECTED_EVENT[action]
    assert article.state == EXPECTED_NEXT_STATE.get((state, action), state)


# ---- what every event carries, and replay ------------------------------------------------


def full_life() -> tuple[Article, list[Article.Event]]:
    """One article through every kind of event the aggregate has."""
    article = new_article()
    article.revise({"body": "Texte."}, actor_id=AUTHOR, role="journalist")
    article.comment("Prêt ?", actor_id=AUTHOR, role="journalist")
    article.submit([BLOCKING], actor_id=AUTHOR, role="journalist")
    article.request_changes("Le point double.", **as_editor())
    article.revise({"body": "Texte corrigé."}, actor_id=AUTHOR, role="journalist")
    article.submit([BLOCKING, WARNING], actor_id=AUTHOR, role="journalist")
    article.approve("Citation exacte.", **as_editor())
    article.request_translations(["es"], **as_editor())
    article.schedule_publication(FUTURE, FUTURE + timedelta(hours=1), **as_editor())
    article.publish(FUTURE + timedelta(hours=1), ["es"], **as_editor())
    article.release_embargo("Le ministère a tout annoncé.", datetime.now(UTC), **as_editor())
    article.correct({"headline": "Titre corrigé"}, "Titre précisé.", **as_editor())
    article.retract("Démenti.", **as_editor())
    return article, list(article.collect_events())


def test_full_life_covers_every_event_class() -> None:
    _, events = full_life()
    declared = {
        value for value in vars(Article).values()
        if isinstance(value, type) and issubclass(value, Article.Event)
        and value is not Article.Event
    }
    assert {type(e) for e in events} == declared


def test_every_event_carries_actor_role_and_aware_utc_timestamp() -> None:
    before = datetime.now(UTC)
    _, events = full_life()
    after = datetime.now(UTC)
    assert len(events) == 15
    for event in events:
        assert isinstance(event.actor_id, UUID), event
        assert event.actor_id in (AUTHOR, EDITOR)
        assert event.role in ("journalist", "editor")
        assert event.timestamp.tzinfo is not None, event
        assert event.timestamp.utcoffset() == timedelta(0), event
        assert before <= event.timestamp <= after
    assert [e.originator_version for e in events] == list(range(1, 16))
    # Events are attributed to who did them, not to the article's author.
    assert {type(e).__name__: e.role for e in events}["Approved"] == "editor"
    assert {type(e).__name__: e.actor_id for e in events}["Submitted"] == AUTHOR


def test_replay_rebuilds_the_same_state() -> None:
    article, events = full_life()
    rebuilt = functools.reduce(lambda a, e: e.mutate(a), events, None)
    assert isinstance(rebuilt, Article)
    assert vars(rebuilt) == vars(article)
    # And spot-check concrete facts, so equality of two wrong states cannot pass.
    assert rebuilt.state == "retracted"
    assert rebuilt.revision == 2
    assert rebuilt.headline == "Titre corrigé"
    assert rebuilt.body == "Texte corrigé."
    assert rebuilt.content_version == 14
    assert rebuilt.translation_languages == ["es"]
    assert rebuilt.retraction_reason == "Démenti."
    assert rebuilt.first_published_at == events[11].timestamp
    # Breaking the embargo ends it at that moment, with the reason kept.
    assert rebuilt.embargo_until == rebuilt.embargo_released_at == events[12].timestamp
    assert rebuilt.embargo_release_reason == "Le ministère a tout annoncé."
    assert rebuilt.updated_at == events[14].timestamp
    assert rebuilt.version == 15


def test_replay_of_a_prefix_gives_the_past_state() -> None:
    _, events = full_life()
    at_submission = functools.reduce(lambda a, e: e.mutate(a), events[:4], None)
    assert at_submission.state == "submitted"
    assert at_submission.body == "Texte."
    assert at_submission.version == 4
