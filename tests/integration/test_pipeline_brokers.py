"""The translation pipeline end to end: dispatcher → broker → a real Celery worker →
real Apertium → the recorded machine translation, on each supported broker."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_cast
from pipeline import (
    RABBITMQ_URL,
    pipeline_env,
    rabbitmq_or_skip,
    redis_or_skip,
    running_dispatcher,
    services_for,
    skip_or_fail,
    start_worker,
    stop_worker,
    translation_events,
    translation_state,
    wait_for,
)

from newsroom.bootstrap import Services


def apertium_or_skip() -> None:
    if shutil.which("apertium") is None:
        skip_or_fail("apertium", "Apertium is not installed (apt-get install apertium)")


def _broker(kind: str, tmp_path: Path) -> str:
    if kind == "redis":
        db = 1 + uuid.uuid4().int % 14  # a database of its own: no queue shared with others
        url = f"redis://127.0.0.1:6379/{db}"
        redis_or_skip(url)
        import redis

        redis.Redis.from_url(url).flushdb()
        return url
    if kind == "rabbitmq":
        rabbitmq_or_skip()
        vhost = RABBITMQ_URL  # queues are per test through unique names below
        return vhost
    return f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"


@pytest.fixture(params=["sqlite", "redis", "rabbitmq"])
def pipeline(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Services, dict[str, str]]]:
    apertium_or_skip()
    broker = _broker(request.param, tmp_path)
    env = pipeline_env(tmp_path / "var", broker)
    services = services_for(env)
    if request.param == "rabbitmq":
        _purge(services)
    yield services, env
    services.close()


def _purge(services: Services) -> None:
    from workers.celery_app import make_app

    make_app(services.settings).control.purge()


def test_an_approved_article_is_machine_translated_without_anyone_at_a_terminal(
    pipeline: tuple[Services, dict[str, str]],
) -> None:
    services, env = pipeline
    cast = make_cast(services)
    app = services.app
    article_id = app.create_article(
        cast.editor, headline="La Corée du Nord répond aux critiques",
        body="La Corée du Nord a qualifié jeudi les critiques des États-Unis.\n\n"
             "Pyongyang a envoyé des milliers de soldats.", language="fr").id
    app.submit(cast.editor, article_id)
    app.approve(cast.editor, article_id)
    app.request_translations(cast.editor, article_id, ["es", "ca"])
    worker = start_worker(env)
    try:
        with running_dispatcher(services):
            for language in ("es", "ca"):
                wait_for(lambda language=language: translation_state(
                    services, article_id, language) == "machine_translated", 60,
                    f"the {language} translation", worker.output)
    finally:
        stop_worker(worker)
    es = app.get_translation(cast.editor, article_id, "es")
    assert "Corea del Norte" in es.body
    assert es.engine == "apertium" and es.route == ["fr-es"] and es.source_version == 1
    assert "\n\n" in es.body  # paragraphs survive
    assert translation_events(services, article_id, "es") == ["Requested", "MachineTranslated"]
