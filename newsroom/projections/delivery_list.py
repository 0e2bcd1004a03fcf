"""Deliveries per article: what each subscriber has received, and since when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, update

from newsroom.domain.delivery import Delivery
from newsroom.projections.batch import Batch
from newsroom.projections.tables import deliveries
from newsroom.projections.topics import topics_of

NAME = "delivery_list"
TOPICS = topics_of(Delivery)
TABLES = (deliveries.name,)


def apply(conn: Connection, batch: Batch) -> None:
    # Few events, and some values depend on the stored row: one at a time.
    for event, _position in batch:
        _apply_one(conn, event)


def _apply_one(conn: Connection, event: Any) -> None:
    row = deliveries.c.id == event.originator_id
    if isinstance(event, Delivery.Planned):
        conn.execute(insert(deliveries).values(
            id=event.originator_id, article_id=event.article_id, language=event.language,
            revision=event.revision, kind=event.kind, subscriber_id=event.subscriber_id,
            status="pending", attempts=0, due_at=event.due_at, planned_at=event.timestamp))
    elif isinstance(event, Delivery.Attempted):
        conn.execute(update(deliveries).where(row).values(
            attempts=deliveries.c.attempts + 1, last_error=event.error or None))
    elif isinstance(event, Delivery.Delivered):
        conn.execute(update(deliveries).where(row).values(status="delivered",
                                                          delivered_at=event.timestamp))
    elif isinstance(event, Delivery.Failed):
        conn.execute(update(deliveries).where(row).values(status="failed",
                                                          last_error=event.reason))
    elif isinstance(event, Delivery.Resent):
        conn.execute(update(deliveries).where(row).values(status="pending"))
    elif isinstance(event, Delivery.Released):
        conn.execute(update(deliveries).where(row).values(due_at=None))


def clear(conn: Connection) -> None:
    conn.execute(delete(deliveries))
