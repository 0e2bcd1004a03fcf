"""docs/events.md must name every event class the domain can emit."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.redaction import Redaction
from newsroom.domain.subscriber import Subscriber
from newsroom.domain.translation import Translation
from newsroom.domain.user import User

EVENTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def _event_names() -> list[str]:
    # The library re-declares inherited event classes (e.g. an unused ``Created``) on
    # every aggregate; only the ones our source declares can be emitted.
    names = []
    for aggregate in (Article, Translation, User, Subscriber, Delivery, Redaction):
        source = inspect.getsource(aggregate)
        for value in vars(aggregate).values():
            if (isinstance(value, type) and issubclass(value, aggregate.Event)
                    and value is not aggregate.Event
                    and f"class {value.__name__}(" in source):
                names.append(f"{aggregate.__name__}{value.__name__}")
    return names


@pytest.mark.parametrize("name", _event_names())
def test_event_is_documented(name: str) -> None:
    assert f"`{name}`" in EVENTS_DOC.read_text(encoding="utf-8")
