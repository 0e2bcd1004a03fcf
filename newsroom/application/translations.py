"""Translation commands: post-editing, approval, publication, worker results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID

from newsroom import content
from newsroom.application.base import Saved, ServiceBase, checked_override
from newsroom.domain import qa
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    InvalidTransition,
    ValidationFailed,
)
from newsroom.domain.policy import (
    SYSTEM_ACTOR,
    Actor,
)
from newsroom.domain.translation import Translation, translation_id


class TranslationService(ServiceBase):
    """Translation requests live on ArticleService; these act on one translation."""

    def _translation_command(
        self, article_id: UUID, language: str, expected_version: int | None,
        change: Callable[[Translation], None],
    ) -> Saved:
        self._load(Article, article_id)
        tid = translation_id(article_id, content.language(language))
        return self._command(Translation, tid, expected_version, change)

    def post_edit_translation(
        self, actor: Actor, article_id: UUID, language: str, changes: Mapping[str, object],
        expected_version: int | None,
    ) -> Saved:
        role = actor.role_for("translation.edit")
        clean: dict[str, str] = {}
        for key, value in changes.items():
            if key == "headline":
                clean[key] = content.headline(value)
            elif key == "body":
                clean[key] = content.body(value)
            else:
                raise ValidationFailed(key, "is not an editable translation field")
        article = self._load(Article, article_id)

        def change(t: Translation) -> None:
            headline = clean.get("headline", t.headline)
            body = clean.get("body", t.body)
            findings = qa.check_translation(article.headline, article.body, headline, body,
                                            t.language)
            t.post_edit(clean, [f.to_dict() for f in findings], actor_id=actor.user_id,
                        role=role)

        return self._translation_command(article_id, language, expected_version, change)

    def approve_translation(
        self, actor: Actor, article_id: UUID, language: str, override_reason: object = None,
        expected_version: int | None = None,
    ) -> Saved:
        role = actor.role_for("translation.approve")
        reason = checked_override(actor, override_reason, "translation.override_qa")
        return self._translation_command(
            article_id, language, expected_version,
            lambda t: t.approve(reason, actor_id=actor.user_id, role=role),
        )

    def publish_translation(
        self, actor: Actor, article_id: UUID, language: str, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("translation.publish")
        article = self._load(Article, article_id)

        def change(t: Translation) -> None:
            if article.state != wf.PUBLISHED:
                raise InvalidTransition("publish a translation of", article.state,
                                        {"publish the source article first"})
            t.publish(article.embargo_until, actor_id=actor.user_id, role=role)

        return self._translation_command(article_id, language, expected_version, change)

    def record_machine_translation(
        self, article_id: UUID, language: str, *, headline: str, body: str,
        source_version: int, engine: str, engine_version: str, route: list[str],
        duration_ms: int, unknown_words: list[str], actor: Actor = SYSTEM_ACTOR,
    ) -> bool:
        """Idempotent: False when this result (or a newer request) is already there."""
        role = actor.role_for("translation.record")
        article = self._load(Article, article_id, version=None)
        translation = self._load(Translation, translation_id(article_id, language))
        # Engine output is input like any other: the same rules as a person's text.
        headline = content.headline(headline)
        body = content.body(body)
        findings = qa.check_translation(article.headline, article.body, headline, body,
                                        translation.language, unknown_words)
        changed = translation.record_machine_translation(
            headline=headline, body=body, source_version=source_version, engine=engine,
            engine_version=engine_version, route=route, duration_ms=duration_ms,
            qa_findings=[f.to_dict() for f in findings], actor_id=actor.user_id, role=role,
        )
        if changed:
            self._save(translation)
        return changed

    def record_translation_failure(
        self, article_id: UUID, language: str, reason: str, source_version: int,
        actor: Actor = SYSTEM_ACTOR,
    ) -> bool:
        role = actor.role_for("translation.record")
        translation = self._load(Translation, translation_id(article_id, language))
        changed = translation.record_failure(reason, source_version, actor_id=actor.user_id,
                                             role=role)
        if changed:
            self._save(translation)
        return changed

    def record_translation_attempt_failure(
        self, article_id: UUID, language: str, reason: str, attempt: int, source_version: int,
        actor: Actor = SYSTEM_ACTOR,
    ) -> bool:
        """A transient failure, on record: editors see why a translation is still
        waiting, and the reconciler sees that a retry chain is alive."""
        role = actor.role_for("translation.record")
        translation = self._load(Translation, translation_id(article_id, language))
        changed = translation.record_attempt_failure(reason[:2000], attempt, source_version,
                                                     actor_id=actor.user_id, role=role)
        if changed:
            self._save(translation)
        return changed
