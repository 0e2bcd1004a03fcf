"""Celery settings from our Settings, as plain data (no Celery import here)."""

from __future__ import annotations

from typing import Any

from newsroom.config import Settings
from newsroom.policies import SYNDICATION_QUEUE, TRANSLATION_QUEUE

# A task whose worker vanished is handed out again after this long on Redis. Short,
# so a lost translation comes back in seconds; longer than any one translation, so a
# running task is not handed out twice (and if it were, tasks are idempotent).
REDIS_VISIBILITY_TIMEOUT = 30
# The longest a task may wait in a worker for its ETA or countdown. A message held
# longer than the visibility timeout is handed out again on Redis, and again, each
# copy sent at the same moment: longer waits (an embargo, a Retry-After of an hour)
# are chains of hops no longer than this.
LONGEST_HOLD = 20


def celery_config(settings: Settings) -> dict[str, Any]:
    broker = settings.broker_url
    options: dict[str, Any] = {}
    if broker.startswith(("redis://", "rediss://")):
        options = {
            "visibility_timeout": REDIS_VISIBILITY_TIMEOUT,
            # Restore unacked messages of dead workers promptly, a few at a time.
            "unacked_restore_limit": 100,
            "socket_connect_timeout": 5,
            "socket_timeout": 10,
            "retry_on_timeout": True,
        }
    elif broker.startswith("sqla+sqlite"):
        # kombu hands these to SQLAlchemy's create_engine: wait on a busy SQLite file
        # instead of failing, since web, dispatcher and workers share it.
        options = {"connect_args": {"timeout": 30}}
    return {
        "broker_url": broker,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": options,
        "task_acks_late": True,
        # Not on the SQLite broker: see workers.translation.requeue_lost_tasks.
        "task_reject_on_worker_lost": not broker.startswith("sqla+"),
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_default_queue": TRANSLATION_QUEUE,
        "task_queues": None,
        "task_create_missing_queues": True,
        "task_routes": {
            "newsroom.translate": {"queue": TRANSLATION_QUEUE},
            "newsroom.plan_deliveries": {"queue": SYNDICATION_QUEUE},
            "newsroom.deliver": {"queue": SYNDICATION_QUEUE},
            "newsroom.publish_scheduled": {"queue": SYNDICATION_QUEUE},
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "timezone": "UTC",
        "enable_utc": True,
    }
