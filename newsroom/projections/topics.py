"""Topic strings of event classes, as the notification log records them."""

from __future__ import annotations

from typing import Any


def topic(cls: type[Any]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def topics_of(*aggregates: type[Any]) -> tuple[str, ...]:
    """Every event class an aggregate declares (not the library's re-declarations
    it never emits)."""
    found = []
    for aggregate in aggregates:
        base = aggregate.Event
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, base) and value is not base:
                found.append(topic(value))
    return tuple(found)
