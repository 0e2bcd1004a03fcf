"""The dispatcher: follows the notification log (the outbox) from a saved position
and enqueues the work the policy table names; and the reconciler, which re-enqueues
translations requested long ago that never got a result (a broker that lost its
queue, or a transport that stranded an unacknowledged message).

Delivery is at-least-once: the position is saved after the batch is enqueued, so a
crash in between enqueues the batch again, under the same deterministic task ids,
and the idempotent tasks absorb the repeat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from newsroom.bootstrap import Services
from newsroom.domain.delivery import PUBLICATION
from newsroom.domain.policy import SYSTEM_ACTOR
from newsroom.integrity.service import Integrity, Sealer
from newsroom.policies import RULES, SYNDICATION_QUEUE, TRANSLATION_QUEUE, Work, work_for
from newsroom.projections.tables import (
    article_summaries,
    deliveries,
    positions,
    translation_queue,
)
from workers.celery_config import LONGEST_HOLD
from workers.syndication import earlier_in_flight, plan
from workers.translation import BACKOFF_CAP

log = logging.getLogger(__name__)


POSITION_NAME = "dispatcher"
PLAN_TASK = "newsroom.plan_deliveries"
Send = Callable[[Work], None]


class Dispatcher:
    def __init__(self, services: Services, send: Send, *, batch_size: int = 100,
                 reconcile_after: timedelta = timedelta(seconds=60)) -> None:
        self.services = services
        self.send = send
        self.batch_size = batch_size
        self.reconcile_after = reconcile_after
        self.topics = list(RULES)
        # The integrity chain follows the same log here; its logic lives in newsroom.
        self.sealer = Sealer(Integrity.of(services, keep_open=True))

    def position(self) -> int:
        try:
            with self.services.engine.begin() as conn:
                value = conn.execute(select(positions.c.position)
                                     .where(positions.c.projection == POSITION_NAME)).scalar()
                if value is None:
                    conn.execute(insert(positions).values(projection=POSITION_NAME, position=0))
                    return 0
                return int(value)
        except IntegrityError:
            return self.position()  # another dispatcher created the row first

    def save_position(self, position: int) -> None:
        with self.services.engine.begin() as conn:
            conn.execute(update(positions).where(positions.c.projection == POSITION_NAME)
                         .values(position=position))

    def dispatch_once(self) -> int:
        """Enqueues the work of the next batch of events; returns how many events."""
        app = self.services.app
        start = self.position()
        notifications = app.recorder.select_notifications(
            start=start, limit=self.batch_size, topics=self.topics, inclusive_of_start=False)
        for notification in notifications:
            work = work_for(app.mapper.to_domain_event(notification))
            if work is not None and not self._planned_inline(work):
                self.send(work)
        if notifications:
            self.save_position(notifications[-1].id)
        return len(notifications)

    def _planned_inline(self, work: Work) -> bool:
        """Plans a publishing event's deliveries here, in the order of the log: planning
        is bookkeeping without I/O, and done in order, a correction or kill notice is
        never planned before the publication it follows (nor for nobody). A failure
        leaves the work to the plan task, so one bad event cannot stall the log."""
        if work.task != PLAN_TASK:
            return False
        try:
            plan(self.services, str(work.args[0]), int(work.args[1]))
        except Exception:
            log.exception("planning %s inline failed; sending it to a worker", work.args)
            return False
        return True

    def reconcile_once(self, now: datetime | None = None) -> int:
        """Re-enqueues translations still `requested` after `reconcile_after`."""
        self.services.projections.catch_up("translation_queue")
        moment = now or datetime.now(UTC)
        cutoff = moment - self.reconcile_after
        # A translation whose task recorded a transient failure has a retry chain
        # waiting out its backoff: leave it alone until that chain has surely died.
        retrying_cutoff = moment - timedelta(seconds=BACKOFF_CAP) - self.reconcile_after
        table = translation_queue
        with self.services.engine.connect() as conn:
            dialect = conn.dialect.name
            rows = conn.execute(select(table.c.id, table.c.source_version).where(
                table.c.state == "requested",
                ((table.c.failure_reason.is_(None))
                 & (table.c.requested_at < _naive_if_sqlite(dialect, cutoff)))
                | ((table.c.failure_reason.is_not(None))
                   & (table.c.updated_at < _naive_if_sqlite(dialect, retrying_cutoff))),
            )).all()
        for row in rows:
            # A fresh id: the original message may be stranded under the old one.
            self.send(Work(task="newsroom.translate", queue=TRANSLATION_QUEUE,
                           args=(str(row[0]), int(row[1])), task_id=f"reconcile-{uuid4()}"))
        if rows:
            log.info("reconciler re-enqueued %d translation(s)", len(rows))
        moment = now or datetime.now(UTC)
        return len(rows) + self._reconcile_schedules(moment) + self._reconcile_deliveries(moment)

    def _reconcile_deliveries(self, now: datetime) -> int:
        """Deliveries due (embargo passed) that stayed pending too long are sent again;
        the task returns at once for any that completed meanwhile. Left alone: those
        whose task may still be alive, so that no second chain of sends starts (each
        would retry on its own): a delivery that has an attempt within BACKOFF_CAP (a
        retry chain waits at most that long), or any event within `reconcile_after`
        (released, resent), or that waits in line behind an earlier version."""
        self.services.projections.catch_up("delivery_list")
        table = deliveries
        cutoff = now - self.reconcile_after
        naive_cutoff = _naive_if_sqlite(self.services.engine.dialect.name, cutoff)
        with self.services.engine.connect() as conn:
            candidates = conn.execute(select(table.c.id).where(
                table.c.status == "pending", table.c.planned_at < naive_cutoff,
                (table.c.due_at.is_(None)) | (table.c.due_at < naive_cutoff))).scalars().all()
        stuck = []
        for delivery_id in candidates:
            delivery = self.services.app.get_delivery(SYSTEM_ACTOR, delivery_id)
            quiet_since = cutoff - timedelta(seconds=BACKOFF_CAP) if delivery.attempts else cutoff
            if delivery.modified_on is not None and delivery.modified_on > quiet_since:
                continue
            if delivery.kind != PUBLICATION and earlier_in_flight(self.services, delivery):
                continue
            stuck.append(delivery_id)
        for delivery_id in stuck:
            self.send(Work(task="newsroom.deliver", queue=SYNDICATION_QUEUE,
                           args=(str(delivery_id),), task_id=f"reconcile-{uuid4()}"))
        return len(stuck)

    def _reconcile_schedules(self, now: datetime) -> int:
        """Scheduled publications whose time has passed but that are not published: a
        lost timer task (a broker that lost its queue) must not hold a story back."""
        self.services.projections.catch_up("article_list")
        table = article_summaries
        with self.services.engine.connect() as conn:
            due = conn.execute(select(table.c.id).where(
                table.c.state == "approved", table.c.scheduled_at.is_not(None),
                table.c.scheduled_at <= _naive_if_sqlite(conn.dialect.name, now))).scalars().all()
        for article_id in due:
            self.send(Work(task="newsroom.publish_scheduled", queue=SYNDICATION_QUEUE,
                           args=(str(article_id),), task_id=f"reconcile-{uuid4()}"))
        return len(due)

    def run(self, stop: threading.Event, *, poll_interval: float = 0.2,
            reconcile_interval: float = 30.0) -> None:
        last_reconcile = time.monotonic()
        while not stop.is_set():
            try:
                moved = self.dispatch_once()
                if time.monotonic() - last_reconcile >= reconcile_interval:
                    self.reconcile_once()
                    last_reconcile = time.monotonic()
            except Exception:  # keep following the log whatever one batch did
                log.exception("dispatcher batch failed; retrying")
                moved = 0
                stop.wait(1.0)
            try:
                moved += self.sealer.tick()
            except Exception:  # the chain retries from its saved head next time
                log.exception("integrity chain batch failed; retrying")
            if not moved:
                stop.wait(poll_interval)


def _naive_if_sqlite(dialect: str, value: datetime) -> datetime:
    # SQLite stores our UTC datetimes without zone; compare like with like.
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def celery_sender(celery_app: Any) -> Send:
    def send(work: Work) -> None:
        eta = work.eta
        if eta is not None:
            # Not held for hours in a worker (see LONGEST_HOLD): the task, early,
            # sends itself on in hops until it is due.
            eta = min(eta, datetime.now(UTC) + timedelta(seconds=LONGEST_HOLD))
        celery_app.send_task(work.task, args=list(work.args), task_id=work.task_id,
                             queue=work.queue, eta=eta)

    return send
