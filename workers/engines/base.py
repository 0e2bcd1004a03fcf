"""The one interface every translation engine implements, and its errors.

Engines are plain Python (no Celery): a task calls `translate` and maps
`TransientEngineError` to a retry with backoff, `PermanentEngineError` to a
recorded failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class EngineError(Exception):
    """Any failure of an engine."""


class TransientEngineError(EngineError):
    """Worth retrying with backoff: rate limits, 5xx answers, timeouts, a crashed stage.

    `retry_after` is the delay in seconds the service asked for (HTTP Retry-After), if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentEngineError(EngineError):
    """Retrying will not help: unsupported pair, missing software, bad key, quota, garbage."""


@dataclass(frozen=True)
class TranslationResult:
    text: str
    unknown_words: list[str]
    engine: str
    engine_version: str
    route: list[str] = field(default_factory=list)


class Engine(Protocol):
    name: str

    def version(self) -> str: ...

    def translate(self, text: str, source: str, target: str, *, html: bool) -> TranslationResult:
        ...

    def close(self) -> None: ...
