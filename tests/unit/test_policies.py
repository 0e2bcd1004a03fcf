"""The dispatcher's policy table and the workers' pure helpers."""

from __future__ import annotations

import random
from uuid import uuid4

from newsroom.domain.translation import Translation
from newsroom.policies import TRANSLATION_QUEUE, work_for
from workers.resync import resync
from workers.translation import BACKOFF_CAP, backoff

ACTOR = uuid4()


def _requested() -> Translation:
    return Translation.request(article_id=uuid4(), source_language="fr", language="es",
                               source_version=3, actor_id=ACTOR, role="editor")


def test_a_translation_request_becomes_one_translate_task_with_a_stable_id() -> None:
    translation = _requested()
    event = translation.pending_events[0]
    work = work_for(event)
    assert work is not None
    assert work.task == "newsroom.translate" and work.queue == TRANSLATION_QUEUE
    assert work.args == (str(translation.id), 3)
    # The same event always names the same work: that is what makes re-dispatch safe.
    assert work_for(event) == work


def test_a_rerequest_is_new_work_and_other_events_are_none() -> None:
    translation = _requested()
    first = work_for(translation.pending_events[0])
    translation.record_failure("engine down", 3, actor_id=ACTOR, role="system")
    failed_event = translation.pending_events[-1]
    assert work_for(failed_event) is None
    translation.rerequest(5, actor_id=ACTOR, role="editor")
    again = work_for(translation.pending_events[-1])
    assert again is not None and first is not None
    assert again.args == (str(translation.id), 5) and again.task_id != first.task_id


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for retries in range(12):
        delay = backoff(retries, rng)
        ceiling = min(BACKOFF_CAP, 2.0 * 2**retries)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(backoff(3, rng), 6) for _ in range(20)}) > 1  # jittered


def test_resync_keeps_translated_paragraphs_whose_source_did_not_change() -> None:
    calls: list[str] = []

    def translate(text: str) -> str:
        calls.append(text)
        return f"T({text})"

    result = resync(["A", "B", "C"], ["A", "B2", "C", "D"],
                    ["a (edited by hand)", "b", "c (edited)"], translate)
    assert result == ["a (edited by hand)", "T(B2)", "c (edited)", "T(D)"]
    assert calls == ["B2", "D"]


def test_resync_refuses_when_paragraphs_do_not_line_up() -> None:
    assert resync(["A", "B"], ["A"], ["only one"], lambda t: t) is None
