"""The Article aggregate: one story in its source language, from draft to retraction.

Validation happens in the command methods, before an event is triggered, because an
event's ``apply`` re-runs on every replay and must never refuse history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from newsroom.domain import workflow as wf
from newsroom.domain.copying import ContainerCopy
from newsroom.domain.errors import BlockingFindings, InvalidTransition, ValidationFailed

Findings = list[dict[str, Any]]

CONTENT_FIELDS = ("headline", "body", "dateline", "byline")


class Article(ContainerCopy, Aggregate):
    """Aggregate state is kept to JSON-friendly types so snapshots transcode as-is."""

    class Event(Aggregate.Event):
        actor_id: UUID
        role: str

        def apply(self, aggregate: Any) -> None:
            aggregate.apply_event(self)

    class Created(Event, Aggregate.Created):
        headline: str
        body: str
        language: str
        dateline: str
        byline: str

    class Revised(Event):
        changes: dict[str, str]
        # QA of the revised text when it is under review; None for drafts.
        qa_findings: Findings | None

    class Submitted(Event):
        qa_findings: Findings

    class ChangesRequested(Event):
        comment: str

    class QAOverridden(Event):
        reason: str
        findings: Findings

    class Approved(Event):
        pass

    class PublicationScheduled(Event):
        publish_at: datetime
        embargo_until: datetime | None

    class Published(Event):
        revision: int
        embargo_until: datetime | None
        languages: list[str]
        # What went out, so the log alone says which text readers and partners got.
        headline: str
        body: str
        dateline: str
        byline: str

    class Corrected(Event):
        changes: dict[str, str]
        note: str
        revision: int

    class Retracted(Event):
        reason: str

    class EmbargoReleased(Event):
        """An editor broke the embargo early: from this moment the story is public and
        held deliveries go out. ``embargo_was`` is the end that was set."""

        reason: str
        embargo_was: datetime

    class Commented(Event):
        text: str

    class TranslationsRequested(Event):
        languages: list[str]

    def __init__(
        self,
        headline: str,
        body: str,
        language: str,
        dateline: str,
        byline: str,
        actor_id: UUID,
        role: str,
    ) -> None:
        self.headline = headline
        self.body = body
        self.language = language
        self.dateline = dateline
        self.byline = byline
        self.author_id = actor_id
        self.state: str = wf.DRAFT
        self.qa_findings: Findings = []
        self.content_version = 1
        self.changes_requested_comment: str | None = None
        self.comments: list[dict[str, Any]] = []
        self.scheduled_at: datetime | None = None
        self.embargo_until: datetime | None = None
        self.revision = 0
        self.first_published_at: datetime | None = None
        self.updated_at: datetime | None = None
        self.corrections: list[dict[str, Any]] = []
        self.retraction_reason: str | None = None
        self.translation_languages: list[str] = []

    # Class-level defaults: snapshots taken before embargo release existed lack them.
    embargo_released_at: datetime | None = None
    embargo_release_reason: str | None = None

    # ---- commands -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        headline: str,
        body: str,
        language: str,
        dateline: str,
        byline: str,
        actor_id: UUID,
        role: str,
        article_id: UUID | None = None,
    ) -> Article:
        if not headline.strip():
            raise ValidationFailed("headline", "must not be empty")
        return cls._create(
            cls.Created,
            id=article_id,
            headline=headline,
            body=body,
            language=language,
            dateline=dateline,
            byline=byline,
            actor_id=actor_id,
            role=role,
        )

    def allowed_actions(self) -> frozenset[str]:
        return wf.ARTICLE_ACTIONS[self.state]

    def _require(self, action: str) -> None:
        if action not in self.allowed_actions():
            raise InvalidTransition(action, self.state, self.allowed_actions())

    def revise(self, changes: dict[str, str], *, actor_id: UUID, role: str,
               qa_findings: Findings | None = None) -> None:
        """``qa_findings`` re-checks a submitted text, so approval is judged on what
        the editor will approve, not on what was first submitted."""
        self._require("revise")
        real = self._real_changes(changes)
        if "headline" in real and not real["headline"].strip():
            raise ValidationFailed("headline", "must not be empty")
        if real:
            findings = qa_findings if self.state == wf.SUBMITTED else None
            self.trigger_event(self.Revised, changes=real, qa_findings=findings,
                               actor_id=actor_id, role=role)

    def submit(self, qa_findings: Findings, *, actor_id: UUID, role: str) -> None:
        self._require("submit")
        self.trigger_event(self.Submitted, qa_findings=qa_findings, actor_id=actor_id, role=role)

    def request_changes(self, comment: str, *, actor_id: UUID, role: str) -> None:
        self._require("request_changes")
        if not comment.strip():
            raise ValidationFailed("comment", "say what must change")
        self.trigger_event(self.ChangesRequested, comment=comment, actor_id=actor_id, role=role)

    def blocking_findings(self) -> Findings:
        return [f for f in self.qa_findings if f.get("severity") == "blocking"]

    def approve(self, override_reason: str | None, *, actor_id: UUID, role: str) -> None:
        self._require("approve")
        blocking = self.blocking_findings()
        reason = (override_reason or "").strip()
        if blocking and not reason:
            raise BlockingFindings(blocking)
        if blocking:
            self.trigger_event(
                self.QAOverridden, reason=reason, findings=blocking, actor_id=actor_id, role=role
            )
        self.trigger_event(self.Approved, actor_id=actor_id, role=role)

    def schedule_publication(
        self,
        publish_at: datetime,
        embargo_until: datetime | None,
        *,
        actor_id: UUID,
        role: str,
    ) -> None:
        self._require("schedule_publication")
        self._check_embargo(publish_at, embargo_until)
        self.trigger_event(
            self.PublicationScheduled,
            publish_at=publish_at,
            embargo_until=embargo_until,
            actor_id=actor_id,
            role=role,
        )

    def publish(
        self,
        embargo_until: datetime | None,
        translation_languages: list[str],
        *,
        actor_id: UUID,
        role: str,
    ) -> None:
        """Publishes the source language; ``translation_languages`` lists the approved
        translations published in the same act, so the article's log says so too."""
        self._require("publish")
        # Publishing a scheduled article keeps the embargo set when it was scheduled.
        embargo = embargo_until if embargo_until is not None else self.embargo_until
        self.trigger_event(
            self.Published,
            revision=1,
            embargo_until=embargo,
            languages=[self.language, *translation_languages],
            headline=self.headline,
            body=self.body,
            dateline=self.dateline,
            byline=self.byline,
            actor_id=actor_id,
            role=role,
        )

    def correct(self, changes: dict[str, str], note: str, *, actor_id: UUID, role: str) -> None:
        self._require("correct")
        if not note.strip():
            raise ValidationFailed("note", "a correction needs a public note")
        real = self._real_changes(changes)
        if "headline" in real and not real["headline"].strip():
            raise ValidationFailed("headline", "must not be empty")
        self.trigger_event(
            self.Corrected,
            changes=real,
            note=note,
            revision=self.revision + 1,
            actor_id=actor_id,
            role=role,
        )

    def retract(self, reason: str, *, actor_id: UUID, role: str) -> None:
        self._require("retract")
        if not reason.strip():
            raise ValidationFailed("reason", "a retraction needs a reason")
        self.trigger_event(self.Retracted, reason=reason, actor_id=actor_id, role=role)

    def release_embargo(self, reason: str, now: datetime, *, actor_id: UUID,
                        role: str) -> None:
        """Ends a running embargo now (published, or approved and scheduled with one)."""
        if self.state not in (wf.APPROVED, wf.PUBLISHED) or not self.is_embargoed(now):
            raise InvalidTransition("release_embargo", f"{self.state}, with no embargo running",
                                    self.allowed_actions())
        if not reason.strip():
            raise ValidationFailed("reason", "say why the embargo is broken early")
        self.trigger_event(self.EmbargoReleased, reason=reason, embargo_was=self.embargo_until,
                           actor_id=actor_id, role=role)

    def comment(self, text: str, *, actor_id: UUID, role: str) -> None:
        self._require("comment")
        if not text.strip():
            raise ValidationFailed("text", "must not be empty")
        self.trigger_event(self.Commented, text=text, actor_id=actor_id, role=role)

    def request_translations(self, languages: list[str], *, actor_id: UUID, role: str) -> None:
        self._require("request_translations")
        if self.language in languages:
            raise ValidationFailed("languages", f"'{self.language}' is the source language")
        if not languages:
            raise ValidationFailed("languages", "name at least one language")
        self.trigger_event(
            self.TranslationsRequested, languages=languages, actor_id=actor_id, role=role
        )

    # ---- helpers --------------------------------------------------------------

    def _real_changes(self, changes: dict[str, str]) -> dict[str, str]:
        unknown = set(changes) - set(CONTENT_FIELDS)
        if unknown:
            raise ValidationFailed(sorted(unknown)[0], "is not a revisable field")
        return {k: v for k, v in changes.items() if getattr(self, k) != v}

    @staticmethod
    def _check_embargo(publish_at: datetime | None, embargo_until: datetime | None) -> None:
        if embargo_until is not None and publish_at is not None and embargo_until < publish_at:
            raise ValidationFailed("embargo_until", "ends before the publication time")

    def is_embargoed(self, now: datetime) -> bool:
        return self.embargo_until is not None and now < self.embargo_until

    # ---- state evolution (runs on replay; must never raise) --------------------

    def apply_event(self, event: Article.Event) -> None:
        if isinstance(event, Article.Revised):
            for key, value in event.changes.items():
                setattr(self, key, value)
            self.content_version = event.originator_version
            if event.qa_findings is not None:
                self.qa_findings = event.qa_findings
        elif isinstance(event, Article.Submitted):
            self.state = wf.SUBMITTED
            self.qa_findings = event.qa_findings
            self.changes_requested_comment = None
        elif isinstance(event, Article.ChangesRequested):
            self.state = wf.DRAFT
            self.changes_requested_comment = event.comment
        elif isinstance(event, Article.Approved):
            self.state = wf.APPROVED
        elif isinstance(event, Article.PublicationScheduled):
            self.scheduled_at = event.publish_at
            self.embargo_until = event.embargo_until
        elif isinstance(event, Article.Published):
            self.state = wf.PUBLISHED
            self.revision = event.revision
            self.first_published_at = event.timestamp
            self.updated_at = event.timestamp
            self.embargo_until = event.embargo_until
            self.scheduled_at = None
        elif isinstance(event, Article.Corrected):
            for key, value in event.changes.items():
                setattr(self, key, value)
            self.revision = event.revision
            self.updated_at = event.timestamp
            self.content_version = event.originator_version
            self.corrections.append(
                {"revision": event.revision, "note": event.note, "at": event.timestamp}
            )
        elif isinstance(event, Article.Retracted):
            self.state = wf.RETRACTED
            self.retraction_reason = event.reason
            self.updated_at = event.timestamp
        elif isinstance(event, Article.EmbargoReleased):
            # The embargo ends at the release: everything that reads `embargo_until`
            # (is_embargoed, feeds, delivery planning) sees it as over from then on.
            self.embargo_until = event.timestamp
            self.embargo_released_at = event.timestamp
            self.embargo_release_reason = event.reason
        elif isinstance(event, Article.Commented):
            self.comments.append(
                {"actor_id": event.actor_id, "text": event.text, "at": event.timestamp}
            )
        elif isinstance(event, Article.TranslationsRequested):
            for language in event.languages:
                if language not in self.translation_languages:
                    self.translation_languages.append(language)
