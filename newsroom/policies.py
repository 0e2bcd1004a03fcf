"""Which events cause background work: the dispatcher's table, pure data.

Each rule turns one event into one unit of work with a deterministic id derived
from the event (its stream and version), so enqueuing the same event twice — after
a dispatcher crash between enqueue and saving its position — names the same work,
and the task's own idempotency absorbs the duplicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.translation import Translation
from newsroom.projections.topics import topic

TRANSLATION_QUEUE = "translation"
SYNDICATION_QUEUE = "syndication"

_WORK_NAMESPACE = uuid5(NAMESPACE_URL, "urn:newsroom:work")


@dataclass(frozen=True)
class Work:
    """A task to enqueue: Celery task name, queue, arguments (ids only), task id."""

    task: str
    queue: str
    args: tuple[str | int, ...]
    task_id: str
    # Not before this moment (an embargo); None: now.
    eta: datetime | None = None


def work_id(originator_id: UUID, version: int, task: str) -> str:
    return str(uuid5(_WORK_NAMESPACE, f"{task}/{originator_id}/{version}"))


def _translate(event: Any) -> Work:
    task = "newsroom.translate"
    return Work(
        task=task,
        queue=TRANSLATION_QUEUE,
        args=(str(event.originator_id), int(event.source_version)),
        task_id=work_id(event.originator_id, event.originator_version, task),
    )


def _plan(event: Any) -> Work:
    """A publication, correction or retraction: plan one delivery per recipient."""
    task = "newsroom.plan_deliveries"
    return Work(
        task=task,
        queue=SYNDICATION_QUEUE,
        args=(str(event.originator_id), int(event.originator_version)),
        task_id=work_id(event.originator_id, event.originator_version, task),
    )


def _deliver(event: Any) -> Work:
    task = "newsroom.deliver"
    due = getattr(event, "due_at", None)
    return Work(
        task=task,
        queue=SYNDICATION_QUEUE,
        args=(str(event.originator_id),),
        task_id=work_id(event.originator_id, event.originator_version, task),
        eta=due,
    )


def _release_held(event: Any) -> Work:
    """An embargo broken early: the deliveries it held become due now."""
    task = "newsroom.release_embargo"
    return Work(
        task=task,
        queue=SYNDICATION_QUEUE,
        args=(str(event.originator_id),),
        task_id=work_id(event.originator_id, event.originator_version, task),
    )


def _publish_when_due(event: Any) -> Work:
    task = "newsroom.publish_scheduled"
    return Work(
        task=task,
        queue=SYNDICATION_QUEUE,
        args=(str(event.originator_id),),
        task_id=work_id(event.originator_id, event.originator_version, task),
        eta=event.publish_at,
    )


RULES: dict[str, Callable[[Any], Work]] = {
    topic(Article.PublicationScheduled): _publish_when_due,
    topic(Translation.Requested): _translate,
    topic(Translation.Rerequested): _translate,
    topic(Article.Published): _plan,
    topic(Article.Corrected): _plan,
    topic(Article.Retracted): _plan,
    topic(Translation.Published): _plan,
    topic(Delivery.Planned): _deliver,
    topic(Delivery.Resent): _deliver,
    topic(Article.EmbargoReleased): _release_held,
    topic(Delivery.Released): _deliver,
}


def work_for(event: Any) -> Work | None:
    rule = RULES.get(topic(type(event)))
    return rule(event) if rule else None
