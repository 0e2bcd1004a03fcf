"""The translation task: ids in, a recorded machine translation (or failure) out.

Idempotent: a redelivered task finds the translation no longer `requested` for
that source version and returns. The engine is called once per delivery; recording
retries on a version conflict without calling the engine again.
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from celery import Celery, Task

from newsroom.content import is_html
from newsroom.domain import workflow as wf
from newsroom.domain.errors import NotFound, TooLarge, ValidationFailed, VersionConflict
from newsroom.domain.policy import SYSTEM_ACTOR
from workers import runtime
from workers.resync import resync

log = logging.getLogger(__name__)

BACKOFF_CAP = 300.0
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")


def backoff(retries: int, rng: random.Random | None = None, base: float = 2.0) -> float:
    """Exponential backoff with jitter: uniform in [c/2, c], c = min(cap, base * 2^n)."""
    ceiling = min(BACKOFF_CAP, base * (2 ** retries))
    return (rng or random).uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class Produced:
    headline: str
    body: str
    unknown_words: list[str]
    engine: str
    engine_version: str
    route: list[str]


def _split(text: str) -> list[str]:
    return [p for p in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n")) if p.strip()]


def produce(engine: Any, source: str, target: str, headline: str, body: str,
            previous: tuple[str, str] | None) -> Produced:
    """Machine-translates headline and body. ``previous`` is (old source body, old
    translated body) for a re-sync of a plain-text body."""
    unknown: list[str] = []
    meta: dict[str, Any] = {}

    def run(text: str, *, html: bool) -> str:
        result = engine.translate(text, source, target, html=html)
        unknown.extend(result.unknown_words)
        meta.update(engine=result.engine, engine_version=result.engine_version,
                    route=list(result.route))
        return str(result.text)

    new_headline = run(headline, html=False)
    new_body: str | None = None
    if previous is not None and not is_html(body) and not is_html(previous[0]):
        paragraphs = resync(_split(previous[0]), _split(body), _split(previous[1]),
                            lambda p: run(p, html=False))
        if paragraphs is not None:
            new_body = "\n\n".join(paragraphs)
    if new_body is None:
        new_body = run(body, html=is_html(body))
    return Produced(headline=new_headline, body=new_body,
                    unknown_words=list(dict.fromkeys(unknown)), **meta)


def translate(task: Task, translation_id: str, source_version: int) -> str:
    from workers.engines import PermanentEngineError, TransientEngineError

    settings = runtime.services().settings
    app = runtime.services().app
    try:
        translation = app.get_translation_by_id(SYSTEM_ACTOR, UUID(translation_id))
    except NotFound:
        log.warning("translation %s does not exist; dropping the task", translation_id)
        return "missing"
    if translation.state != wf.T_REQUESTED or translation.source_version != source_version:
        return "already-done"
    article_id = translation.article_id
    source = app.get_article(SYSTEM_ACTOR, article_id, version=source_version)
    previous = None
    if translation.resync_from is not None:
        before = app.get_article(SYSTEM_ACTOR, article_id, version=translation.resync_from)
        previous = (before.body, translation.body)
    started = time.monotonic()
    try:
        engine = runtime.engine(translation.source_language, translation.language)
        produced = produce(engine, translation.source_language, translation.language,
                           source.headline, source.body, previous)
    except TransientEngineError as exc:
        retries = task.request.retries
        if retries >= settings.translation_max_retries:
            _record_failure(article_id, translation.language, source_version,
                            f"gave up after {retries + 1} attempts: {exc}")
            return "failed"
        delay = min(BACKOFF_CAP, max(backoff(retries, base=settings.translation_backoff),
                    float(getattr(exc, "retry_after", None) or 0)))
        _record_attempt_failure(article_id, translation.language, source_version,
                                f"attempt {retries + 1} failed, retrying in {delay:.1f} s: {exc}",
                                retries + 1)
        raise task.retry(exc=exc, countdown=delay,
                         max_retries=settings.translation_max_retries) from exc
    except PermanentEngineError as exc:
        _record_failure(article_id, translation.language, source_version, str(exc))
        return "failed"
    duration_ms = int((time.monotonic() - started) * 1000)
    for _ in range(10):
        try:
            app.record_machine_translation(
                article_id, translation.language, headline=produced.headline,
                body=produced.body, source_version=source_version, engine=produced.engine,
                engine_version=produced.engine_version, route=produced.route,
                duration_ms=duration_ms, unknown_words=produced.unknown_words,
            )
            return "recorded"
        except VersionConflict:
            continue  # someone saved this translation meanwhile: reload and retry
        except (ValidationFailed, TooLarge) as exc:
            _record_failure(article_id, translation.language, source_version,
                            f"the engine's output was refused: {exc}")
            return "failed"
    raise RuntimeError(f"could not record translation {translation_id}: kept conflicting")


def _record_attempt_failure(article_id: UUID, language: str, source_version: int,
                            reason: str, attempt: int) -> None:
    app = runtime.services().app
    for _ in range(10):
        try:
            app.record_translation_attempt_failure(article_id, language, reason, attempt,
                                                   source_version)
            return
        except VersionConflict:
            continue


def _record_failure(article_id: UUID, language: str, source_version: int, reason: str) -> None:
    app = runtime.services().app
    for _ in range(10):
        try:
            app.record_translation_failure(article_id, language, reason[:2000], source_version)
            return
        except VersionConflict:
            continue


def requeue_lost_tasks(app: Celery) -> bool:
    """Requeue a task whose pool process died: yes on Redis and RabbitMQ. Not on the
    SQLite broker, whose single session is not safe to requeue from Celery's pool
    supervisor thread (it crashed the worker); there the reconciler picks it up."""
    return not str(app.conf.broker_url or "").startswith("sqla+")


def register(app: Celery) -> None:
    app.task(name="newsroom.translate", bind=True, acks_late=True,
             reject_on_worker_lost=requeue_lost_tasks(app))(translate)
