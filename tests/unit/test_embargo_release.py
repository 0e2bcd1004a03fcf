"""Breaking an embargo early: the article's rule, the held delivery's release, and the
dispatcher rules that turn both into work. Pure: no store, no broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from newsroom.domain.article import Article
from newsroom.domain.delivery import PUBLICATION, Delivery
from newsroom.domain.errors import InvalidTransition, ValidationFailed
from newsroom.policies import SYNDICATION_QUEUE, work_for

EDITOR = uuid4()
SYSTEM = uuid4()


def published(embargo_until: datetime | None) -> Article:
    article = Article.create(headline="Titre", body="Texte.", language="fr", dateline="",
                             byline="", actor_id=EDITOR, role="editor")
    article.submit([], actor_id=EDITOR, role="editor")
    article.approve(None, actor_id=EDITOR, role="editor")
    article.publish(embargo_until, [], actor_id=EDITOR, role="editor")
    return article


def held(due_at: datetime | None) -> Delivery:
    return Delivery.plan(article_id=uuid4(), language="fr", revision=1, kind=PUBLICATION,
                         subscriber_id=uuid4(), source_version=5, due_at=due_at,
                         actor_id=SYSTEM, role="system")


def test_releasing_a_running_embargo_ends_it_now_with_the_reason() -> None:
    now = datetime.now(UTC)
    embargo = now + timedelta(hours=3)
    article = published(embargo)
    assert article.is_embargoed(now)
    article.release_embargo("The ministry published the figures.", now, actor_id=EDITOR,
                            role="editor")
    event = article.collect_events()[-1]
    assert isinstance(event, Article.EmbargoReleased)
    assert event.reason == "The ministry published the figures."
    assert event.embargo_was == embargo
    assert (event.actor_id, event.role) == (EDITOR, "editor")
    # The embargo now ends at the release, so everything reading it sees it as over.
    assert article.embargo_until == article.embargo_released_at == event.timestamp
    assert not article.is_embargoed(datetime.now(UTC))
    assert article.state == "published"


def test_an_approved_article_scheduled_with_an_embargo_can_be_released_too() -> None:
    now = datetime.now(UTC)
    article = Article.create(headline="T", body="B", language="fr", dateline="", byline="",
                             actor_id=EDITOR, role="editor")
    article.submit([], actor_id=EDITOR, role="editor")
    article.approve(None, actor_id=EDITOR, role="editor")
    article.schedule_publication(now + timedelta(hours=1), now + timedelta(hours=2),
                                 actor_id=EDITOR, role="editor")
    article.release_embargo("Rival story out.", now, actor_id=EDITOR, role="editor")
    assert article.embargo_until is not None and article.embargo_until <= datetime.now(UTC)
    assert article.scheduled_at == now + timedelta(hours=1)  # the schedule stands


@pytest.mark.parametrize("embargo", [None, datetime.now(UTC) - timedelta(minutes=1)])
def test_there_must_be_an_embargo_running(embargo: datetime | None) -> None:
    article = published(embargo)
    with pytest.raises(InvalidTransition, match="no embargo running"):
        article.release_embargo("why not", datetime.now(UTC), actor_id=EDITOR, role="editor")
    assert len(article.collect_events()) == 4  # created, submitted, approved, published


def test_a_retracted_article_cannot_be_released_and_a_reason_is_required() -> None:
    now = datetime.now(UTC)
    article = published(now + timedelta(hours=1))
    with pytest.raises(ValidationFailed, match="reason"):
        article.release_embargo("   ", now, actor_id=EDITOR, role="editor")
    article.retract("Withdrawn.", actor_id=EDITOR, role="editor")
    with pytest.raises(InvalidTransition):
        article.release_embargo("too late", now, actor_id=EDITOR, role="editor")


def test_a_held_delivery_is_released_once_and_others_are_left_alone() -> None:
    delivery = held(datetime.now(UTC) + timedelta(hours=1))
    assert delivery.release(actor_id=SYSTEM, role="system") is True
    assert delivery.due_at is None
    assert delivery.release(actor_id=SYSTEM, role="system") is False  # idempotent
    assert [type(e).__name__ for e in delivery.collect_events()] == ["Planned", "Released"]
    due_now = held(None)
    assert due_now.release(actor_id=SYSTEM, role="system") is False
    done = held(datetime.now(UTC) + timedelta(hours=1))
    done.record_attempt(outcome="delivered", http_status=200, duration_ms=3, excerpt="",
                        error="", actor_id=SYSTEM, role="system")
    assert done.release(actor_id=SYSTEM, role="system") is False


def test_the_dispatcher_turns_a_release_into_work_and_a_released_delivery_into_a_send() -> None:
    now = datetime.now(UTC)
    article = published(now + timedelta(hours=1))
    article.release_embargo("Out elsewhere.", now, actor_id=EDITOR, role="editor")
    release = work_for(article.collect_events()[-1])
    assert release is not None
    assert (release.task, release.queue, release.args) == (
        "newsroom.release_embargo", SYNDICATION_QUEUE, (str(article.id),))
    assert release.eta is None
    delivery = held(now + timedelta(hours=1))
    planned_work = work_for(delivery.collect_events()[0])
    assert planned_work is not None and planned_work.eta == now + timedelta(hours=1)
    delivery.release(actor_id=SYSTEM, role="system")
    send = work_for(delivery.collect_events()[-1])
    assert send is not None
    assert (send.task, send.args, send.eta) == ("newsroom.deliver", (str(delivery.id),), None)
    # A different task id from the ETA task: the broker must not drop it as a repeat.
    assert send.task_id != planned_work.task_id


def test_a_resend_is_a_new_send_under_a_new_task_id() -> None:
    delivery = held(None)
    delivery.record_attempt(outcome="permanent", http_status=410, duration_ms=3, excerpt="",
                            error="410 Gone", actor_id=SYSTEM, role="system")
    delivery.fail("410 Gone", actor_id=SYSTEM, role="system")
    delivery.resend(actor_id=uuid4(), role="admin")
    events = delivery.collect_events()
    first, again = work_for(events[0]), work_for(events[-1])
    assert first is not None and again is not None
    assert again.task == "newsroom.deliver" and again.args == (str(delivery.id),)
    assert again.task_id != first.task_id
