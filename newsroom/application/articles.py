"""Article commands: each checks permission, then existence, input, state, version."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from newsroom import content
from newsroom.application.base import Saved, ServiceBase, checked_override, utcnow
from newsroom.domain import qa
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    NotFound,
    ValidationFailed,
)
from newsroom.domain.policy import (
    SYSTEM_ACTOR,
    Actor,
    role_to_revise,
    role_to_submit,
)
from newsroom.domain.translation import Translation, translation_id


class ArticleService(ServiceBase):
    """The article lifecycle of DESIGN §3."""

    def create_article(
        self,
        actor: Actor,
        *,
        headline: object,
        body: object,
        language: object,
        dateline: object = "",
        byline: object = "",
        article_id: UUID | None = None,
    ) -> Saved:
        role = actor.role_for("article.create")
        article = Article.create(
            headline=content.headline(headline),
            body=content.body(body),
            language=content.language(language),
            dateline=content.plain_text("dateline", dateline),
            byline=content.plain_text("byline", byline),
            actor_id=actor.user_id,
            role=role,
            article_id=article_id,
        )
        position = self._save(article)
        return Saved(article.id, article.version, article.state, position)

    def authorize_revision(self, actor: Actor, article_id: UUID) -> None:
        """The ownership half of the permission check, for callers that must answer
        403 before reading input (DESIGN §6 order)."""
        article = self._load(Article, article_id)
        role_to_revise(actor, author_id=article.author_id, state=article.state)

    def authorize_submission(self, actor: Actor, article_id: UUID) -> None:
        article = self._load(Article, article_id)
        role_to_submit(actor, author_id=article.author_id)

    def revise(
        self, actor: Actor, article_id: UUID, changes: Mapping[str, object],
        expected_version: int | None,
    ) -> Saved:
        actor.role_for("article.revise")
        clean = _clean_changes(changes)

        def change(article: Article) -> None:
            role = role_to_revise(actor, author_id=article.author_id, state=article.state)
            findings = None
            if article.state == wf.SUBMITTED:
                findings = [f.to_dict() for f in qa.check_article(
                    clean.get("headline", article.headline), clean.get("body", article.body),
                    article.language)]
            article.revise(clean, actor_id=actor.user_id, role=role, qa_findings=findings)

        return self._command(Article, article_id, expected_version, change)

    def submit(self, actor: Actor, article_id: UUID, expected_version: int | None = None) -> Saved:
        actor.role_for("article.submit")

        def change(article: Article) -> None:
            role = role_to_submit(actor, author_id=article.author_id)
            findings = qa.check_article(article.headline, article.body, article.language)
            article.submit([f.to_dict() for f in findings], actor_id=actor.user_id, role=role)

        return self._command(Article, article_id, expected_version, change)

    def request_changes(
        self, actor: Actor, article_id: UUID, comment: object, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("article.request_changes")
        text = content.note("comment", comment)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.request_changes(text, actor_id=actor.user_id, role=role),
        )

    def approve(
        self, actor: Actor, article_id: UUID, override_reason: object = None,
        expected_version: int | None = None,
    ) -> Saved:
        role = actor.role_for("article.approve")
        reason = checked_override(actor, override_reason)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.approve(reason, actor_id=actor.user_id, role=role),
        )

    def publish(
        self, actor: Actor, article_id: UUID, *, at: datetime | None = None,
        embargo_until: datetime | None = None, expected_version: int | None = None,
    ) -> Saved:
        """Publishes now, or schedules when ``at`` lies in the future. Approved
        translations are published in the same transaction as the source."""
        role = actor.role_for("article.publish")
        now = utcnow()
        if at is not None and at > now:
            return self._command(
                Article, article_id, expected_version,
                lambda a: a.schedule_publication(at, embargo_until, actor_id=actor.user_id,
                                                 role=role),
            )
        return self._publish_now(actor, role, article_id, embargo_until, expected_version)

    def _publish_now(self, actor: Actor, role: str, article_id: UUID,
                     embargo_until: datetime | None, expected_version: int | None) -> Saved:
        ready: list[Translation] = []

        def change(article: Article) -> None:
            for language in article.translation_languages:
                translation = self._load(Translation, translation_id(article.id, language))
                if translation.state == wf.T_APPROVED:
                    ready.append(translation)
            article.publish(embargo_until, [t.language for t in ready],
                            actor_id=actor.user_id, role=role)
            for translation in ready:
                # The article's embargo, which a scheduled publication carries over.
                translation.publish(article.embargo_until, actor_id=actor.user_id, role=role)

        return self._command(Article, article_id, expected_version, change,
                             lambda _a: list(ready))

    def publish_scheduled(self, article_id: UUID, actor: Actor = SYSTEM_ACTOR) -> Saved | None:
        """Fires a scheduled publication once its time has come; None (nothing done)
        when it is not due, was cancelled by another action, or already happened, so
        the timer task and the reconciler can both call it safely."""
        role = actor.role_for("article.publish_scheduled")
        article = self._load(Article, article_id)
        due = article.scheduled_at
        if article.state != wf.APPROVED or due is None or due > utcnow():
            return None
        return self._publish_now(actor, role, article_id, None, article.version)

    def correct(
        self, actor: Actor, article_id: UUID, changes: Mapping[str, object], note: object,
        expected_version: int | None = None,
    ) -> Saved:
        role = actor.role_for("article.correct")
        clean = _clean_changes(changes)
        text = content.note("note", note)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.correct(clean, text, actor_id=actor.user_id, role=role),
        )

    def retract(
        self, actor: Actor, article_id: UUID, reason: object, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("article.retract")
        text = content.note("reason", reason)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.retract(text, actor_id=actor.user_id, role=role),
        )

    def comment(
        self, actor: Actor, article_id: UUID, text: object, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("article.comment")
        clean = content.note("text", text)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.comment(clean, actor_id=actor.user_id, role=role),
        )

    def request_translations(
        self, actor: Actor, article_id: UUID, languages: object,
        expected_version: int | None = None,
    ) -> Saved:
        """Creates (or, when stale or failed, re-requests) one Translation per language,
        atomically with the request event on the article."""
        role = actor.role_for("translation.request")
        if not isinstance(languages, list) or not languages:
            raise ValidationFailed("languages", "a non-empty list of language tags")
        wanted = list(dict.fromkeys(content.language(x, "languages") for x in languages))
        touched: list[Translation] = []

        def change(article: Article) -> None:
            article.request_translations(wanted, actor_id=actor.user_id, role=role)
            for language in wanted:
                tid = translation_id(article.id, language)
                try:
                    translation = self._load(Translation, tid)
                except NotFound:
                    touched.append(Translation.request(
                        article_id=article.id, source_language=article.language,
                        language=language, source_version=article.content_version,
                        actor_id=actor.user_id, role=role,
                    ))
                    continue
                if translation.state == wf.T_FAILED or translation.is_stale(
                    article.content_version
                ):
                    translation.rerequest(article.content_version, actor_id=actor.user_id,
                                          role=role)
                    touched.append(translation)

        return self._command(Article, article_id, expected_version, change,
                             lambda _a: list(touched))


def _clean_changes(changes: Mapping[str, object]) -> dict[str, str]:
    clean: dict[str, str] = {}
    for key, value in changes.items():
        if key == "headline":
            clean[key] = content.headline(value)
        elif key == "body":
            clean[key] = content.body(value)
        elif key in ("dateline", "byline"):
            clean[key] = content.plain_text(key, value)
        else:
            raise ValidationFailed(key, "is not a revisable field")
    return clean
