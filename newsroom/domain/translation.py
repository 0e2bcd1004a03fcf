"""The Translation aggregate: one article in one target language.

It is its own aggregate, with an id derived from (article, language), so workers
recording machine output never contend with editors on the article's version, and
so the translation has its own optimistic-concurrency version (DESIGN §6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from newsroom.domain import workflow as wf
from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import BlockingFindings, InvalidTransition, ValidationFailed

Findings = list[dict[str, Any]]

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:newsroom:translation")


def translation_id(article_id: UUID, language: str) -> UUID:
    return uuid5(_NAMESPACE, f"{article_id}/{language.lower()}")


class Translation(ContainerCopy, Aggregate):
    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            aggregate.apply_event(self)

    class Requested(Event, Aggregate.Created):
        article_id: UUID
        source_language: str
        language: str
        source_version: int

    class Rerequested(Event):
        source_version: int
        # The source version the current text was made from, when there is a text to
        # re-sync (None after a failure): the worker re-translates only what changed.
        resync_from: int | None

    class MachineTranslated(Event):
        headline: str
        body: str
        source_version: int
        engine: str
        engine_version: str
        route: list[str]
        duration_ms: int
        qa_findings: Findings

    class Failed(Event):
        reason: str
        source_version: int

    class AttemptFailed(Event):
        """A transient engine error; the worker will try again after a backoff."""

        reason: str
        attempt: int
        source_version: int

    class PostEdited(Event):
        changes: dict[str, str]
        qa_findings: Findings

    class QAOverridden(Event):
        reason: str
        findings: Findings

    class Approved(Event):
        pass

    class Published(Event):
        revision: int
        embargo_until: datetime | None
        # What went out, and where it belongs, so read models need no other stream.
        article_id: UUID
        language: str
        headline: str
        body: str

    def __init__(
        self,
        article_id: UUID,
        source_language: str,
        language: str,
        source_version: int,
        actor_id: UUID,
        role: str,
    ) -> None:
        self.article_id = article_id
        self.source_language = source_language
        self.language = language
        self.source_version = source_version
        self.requested_by = actor_id
        self.state: str = wf.T_REQUESTED
        self.headline = ""
        self.body = ""
        self.engine: str | None = None
        self.engine_version: str | None = None
        self.route: list[str] = []
        self.duration_ms: int | None = None
        self.failure_reason: str | None = None
        self.resync_from: int | None = None
        self.qa_findings: Findings = []
        self.revision = 0
        self.first_published_at: datetime | None = None
        self.updated_at: datetime | None = None
        self.embargo_until: datetime | None = None

    @classmethod
    def request(
        cls,
        *,
        article_id: UUID,
        source_language: str,
        language: str,
        source_version: int,
        actor_id: UUID,
        role: str,
    ) -> Translation:
        return cls._create(
            cls.Requested,
            id=translation_id(article_id, language),
            article_id=article_id,
            source_language=source_language,
            language=language,
            source_version=source_version,
            actor_id=actor_id,
            role=role,
        )

    def is_stale(self, article_content_version: int) -> bool:
        """Stale when the source text changed after the version this was made from."""
        return article_content_version > self.source_version

    def _require(self, action: str) -> None:
        allowed = wf.TRANSLATION_ACTIONS[self.state]
        if action not in allowed:
            raise InvalidTransition(action, self.state, allowed, noun="a translation")

    def rerequest(self, source_version: int, *, actor_id: UUID, role: str) -> None:
        if self.state != wf.T_REQUESTED:
            self._require("retranslate")
        has_text = self.state not in (wf.T_REQUESTED, wf.T_FAILED) and bool(self.body)
        self.trigger_event(
            self.Rerequested,
            source_version=source_version,
            resync_from=self.source_version if has_text else None,
            actor_id=actor_id,
            role=role,
        )

    def record_machine_translation(
        self,
        *,
        headline: str,
        body: str,
        source_version: int,
        engine: str,
        engine_version: str,
        route: list[str],
        duration_ms: int,
        qa_findings: Findings,
        actor_id: UUID,
        role: str,
    ) -> bool:
        """Returns False, recording nothing, for a result that is already recorded or
        was made from an older source version than the one now requested; that is what
        makes a redelivered worker task harmless."""
        if self.state != wf.T_REQUESTED or source_version != self.source_version:
            return False
        self.trigger_event(
            self.MachineTranslated,
            headline=headline,
            body=body,
            source_version=source_version,
            engine=engine,
            engine_version=engine_version,
            route=route,
            duration_ms=duration_ms,
            qa_findings=qa_findings,
            actor_id=actor_id,
            role=role,
        )
        return True

    def record_failure(
        self, reason: str, source_version: int, *, actor_id: UUID, role: str
    ) -> bool:
        if self.state != wf.T_REQUESTED or source_version != self.source_version:
            return False
        self.trigger_event(
            self.Failed, reason=reason, source_version=source_version, actor_id=actor_id, role=role
        )
        return True

    def record_attempt_failure(self, reason: str, attempt: int, source_version: int, *,
                               actor_id: UUID, role: str) -> bool:
        if self.state != wf.T_REQUESTED or source_version != self.source_version:
            return False
        self.trigger_event(self.AttemptFailed, reason=reason, attempt=attempt,
                           source_version=source_version, actor_id=actor_id, role=role)
        return True

    def post_edit(
        self, changes: dict[str, str], qa_findings: Findings, *, actor_id: UUID, role: str
    ) -> None:
        self._require("post_edit")
        unknown = set(changes) - {"headline", "body"}
        if unknown:
            raise ValidationFailed(sorted(unknown)[0], "is not an editable translation field")
        real = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if "headline" in real and not real["headline"].strip():
            raise ValidationFailed("headline", "must not be empty")
        if real or self.state != wf.T_IN_REVIEW:
            self.trigger_event(
                self.PostEdited, changes=real, qa_findings=qa_findings, actor_id=actor_id, role=role
            )

    def approve(self, override_reason: str | None, *, actor_id: UUID, role: str) -> None:
        self._require("approve")
        blocking = [f for f in self.qa_findings if f.get("severity") == "blocking"]
        reason = (override_reason or "").strip()
        if blocking and not reason:
            raise BlockingFindings(blocking)
        if blocking:
            self.trigger_event(
                self.QAOverridden, reason=reason, findings=blocking, actor_id=actor_id, role=role
            )
        self.trigger_event(self.Approved, actor_id=actor_id, role=role)

    def publish(self, embargo_until: datetime | None, *, actor_id: UUID, role: str) -> None:
        self._require("publish")
        self.trigger_event(
            self.Published,
            revision=self.revision + 1,
            embargo_until=embargo_until,
            article_id=self.article_id,
            language=self.language,
            headline=self.headline,
            body=self.body,
            actor_id=actor_id,
            role=role,
        )

    def apply_event(self, event: Translation.Event) -> None:
        if isinstance(event, Translation.Rerequested):
            self.state = wf.T_REQUESTED
            self.source_version = event.source_version
            self.failure_reason = None
            self.resync_from = event.resync_from
        elif isinstance(event, Translation.MachineTranslated):
            self.state = wf.T_MACHINE_TRANSLATED
            self.failure_reason = None  # an earlier attempt's error is no longer news
            self.headline = event.headline
            self.body = event.body
            self.engine = event.engine
            self.engine_version = event.engine_version
            self.route = event.route
            self.duration_ms = event.duration_ms
            self.qa_findings = event.qa_findings
        elif isinstance(event, Translation.Failed):
            self.state = wf.T_FAILED
            self.failure_reason = event.reason
        elif isinstance(event, Translation.AttemptFailed):
            self.failure_reason = event.reason
        elif isinstance(event, Translation.PostEdited):
            self.state = wf.T_IN_REVIEW
            for key, value in event.changes.items():
                setattr(self, key, value)
            self.qa_findings = event.qa_findings
        elif isinstance(event, Translation.Approved):
            self.state = wf.T_APPROVED
        elif isinstance(event, Translation.Published):
            self.state = wf.T_PUBLISHED
            self.revision = event.revision
            if self.first_published_at is None:
                self.first_published_at = event.timestamp
            self.updated_at = event.timestamp
            self.embargo_until = event.embargo_until
