"""Newsroom: the one eventsourcing Application. Its methods are the commands and
queries every entry point (web, CLI, workers) goes through.

Each command checks permission first, then existence, then input, then state, then
the caller's version, the order of DESIGN §6, so each failure has one answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from newsroom import content, eventlog
from newsroom.domain import qa
from newsroom.domain import workflow as wf
from newsroom.domain.article import Article
from newsroom.domain.errors import (
    InvalidTransition,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from newsroom.domain.policy import (
    SYSTEM_ACTOR,
    Actor,
    role_to_revise,
    role_to_submit,
)
from newsroom.domain.translation import Translation, translation_id
from newsroom.domain.user import User, user_id_for
from newsroom.security import (
    digest_matches,
    hash_password,
    new_token,
    parse_token,
    token_digest,
    verify_password,
)

A = TypeVar("A", bound=Aggregate)

# Events whose fields are bookkeeping, not data, in history listings.
_META_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic",
                "actor_id", "role"}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Saved:
    """What a command reached: the aggregate's new version and its log position."""

    id: UUID
    version: int
    state: str
    position: int | None


@dataclass(frozen=True)
class HistoryEntry:
    position: int | None
    stream: str
    originator_id: UUID
    version: int
    type: str
    actor_id: UUID
    actor: str
    role: str
    at: datetime
    data: dict[str, Any]


class Newsroom(Application[UUID]):
    name = "Newsroom"
    # A long article loads from its latest snapshot plus at most this many events.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Article: 50,
        Translation: 50,
        User: 50,
    }

    # ---- plumbing -----------------------------------------------------------------

    def _load(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {cls.__name__.lower()} with id {aggregate_id}")
        return aggregate

    def _save(self, *aggregates: Aggregate) -> int | None:
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            # The aggregate's next version was written by someone else since we loaded.
            raise VersionConflict(None, None) from None
        return recordings[-1].notification.id if recordings else None

    def _command(
        self,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int | None,
        change: Callable[[A], None],
        *also: Callable[[A], list[Aggregate]],
    ) -> Saved:
        aggregate = self._load(cls, aggregate_id)
        _apply_checked(aggregate, expected_version, change)
        extra: list[Aggregate] = []
        for more in also:
            extra.extend(more(aggregate))
        position = self._save(aggregate, *extra)
        return Saved(aggregate.id, aggregate.version, str(getattr(aggregate, "state", "")),
                     position)

    # ---- users --------------------------------------------------------------------

    def add_user(
        self, name: str, password: str, roles: list[str], actor: Actor = SYSTEM_ACTOR
    ) -> UUID:
        if actor is not SYSTEM_ACTOR:
            actor.role_for("user.manage")
        if len(password) < 8:
            raise ValidationFailed("password", "at least 8 characters")
        role = "admin" if actor is not SYSTEM_ACTOR else "system"
        user = User.register(
            name=name, password_hash=hash_password(password), actor_id=actor.user_id, role=role
        )
        for granted in roles:
            user.grant(granted, actor_id=actor.user_id, role=role)
        try:
            self.save(user)
        except IntegrityError:
            raise ValidationFailed("name", f"user '{user.name}' already exists") from None
        return user.id

    def get_user(self, user_id: UUID) -> User:
        return self._load(User, user_id)

    def find_user(self, name: str) -> User:
        return self._load(User, user_id_for(name))

    def actor_for(self, user: User) -> Actor:
        return Actor(user_id=user.id, name=user.name, roles=frozenset(user.roles))

    def set_roles(self, actor: Actor, name: str, roles: list[str]) -> None:
        role = actor.role_for("user.manage")
        user = self.find_user(name)
        for granted in roles:
            user.grant(granted, actor_id=actor.user_id, role=role)
        for revoked in [r for r in user.roles if r not in roles]:
            user.revoke(revoked, actor_id=actor.user_id, role=role)
        self._save(user)

    def login(self, name: str, password: str) -> Actor | None:
        try:
            user = self.find_user(name)
        except (NotFound, ValidationFailed):
            # Hash anyway so response time does not reveal which names exist.
            verify_password(hash_password("x" * 12), password)
            return None
        return self.actor_for(user) if verify_password(user.password_hash, password) else None

    def issue_token(
        self, name: str, days: int, actor: Actor = SYSTEM_ACTOR
    ) -> tuple[str, datetime]:
        if days < 1 or days > 366:
            raise ValidationFailed("expires_in", "between 1 and 366 days")
        user = self.find_user(name)
        if actor is SYSTEM_ACTOR:
            role = "system"
        elif actor.user_id == user.id:
            role = actor.role_for("token.issue_own")
        else:
            role = actor.role_for("user.manage")
        text, parts = new_token(user.id)
        expires_at = utcnow() + timedelta(days=days)
        user.issue_token(
            parts.token_id, token_digest(parts.secret), expires_at, actor_id=actor.user_id,
            role=role,
        )
        self._save(user)
        return text, expires_at

    def revoke_token(self, name: str, token_id: UUID, actor: Actor = SYSTEM_ACTOR) -> None:
        user = self.find_user(name)
        role = "system"
        if actor is not SYSTEM_ACTOR:
            role = (
                actor.role_for("token.issue_own")
                if actor.user_id == user.id
                else actor.role_for("user.manage")
            )
        user.revoke_token(token_id, actor_id=actor.user_id, role=role)
        self._save(user)

    def authenticate_token(self, text: str) -> Actor | None:
        parts = parse_token(text)
        if parts is None:
            return None
        try:
            user = self.get_user(parts.user_id)
        except NotFound:
            return None
        digest = user.token_digest_if_valid(parts.token_id, utcnow())
        if digest is None or not digest_matches(digest, parts.secret):
            return None
        return self.actor_for(user)

    # ---- articles: commands ---------------------------------------------------------

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

    def revise(
        self, actor: Actor, article_id: UUID, changes: Mapping[str, object],
        expected_version: int | None,
    ) -> Saved:
        actor.role_for("article.revise")
        clean = _clean_changes(changes)

        def change(article: Article) -> None:
            role = role_to_revise(actor, author_id=article.author_id, state=article.state)
            article.revise(clean, actor_id=actor.user_id, role=role)

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
        text = content.plain_text("comment", comment, max_length=content.MAX_NOTE,
                                  required=True, multiline=True)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.request_changes(text, actor_id=actor.user_id, role=role),
        )

    def approve(
        self, actor: Actor, article_id: UUID, override_reason: object = None,
        expected_version: int | None = None,
    ) -> Saved:
        role = actor.role_for("article.approve")
        reason = None
        if override_reason is not None:
            actor.role_for("article.override_qa")
            reason = content.plain_text("override_reason", override_reason,
                                        max_length=content.MAX_NOTE, multiline=True)
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
        ready: list[Translation] = []

        def change(article: Article) -> None:
            for language in article.translation_languages:
                translation = self._load(Translation, translation_id(article.id, language))
                if translation.state == wf.T_APPROVED:
                    ready.append(translation)
            article.publish(embargo_until, [t.language for t in ready],
                            actor_id=actor.user_id, role=role)
            for translation in ready:
                translation.publish(embargo_until, actor_id=actor.user_id, role=role)

        return self._command(Article, article_id, expected_version, change,
                             lambda _a: list(ready))

    def correct(
        self, actor: Actor, article_id: UUID, changes: Mapping[str, object], note: object,
        expected_version: int | None = None,
    ) -> Saved:
        role = actor.role_for("article.correct")
        clean = _clean_changes(changes)
        text = content.plain_text("note", note, max_length=content.MAX_NOTE, required=True,
                                  multiline=True)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.correct(clean, text, actor_id=actor.user_id, role=role),
        )

    def retract(
        self, actor: Actor, article_id: UUID, reason: object, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("article.retract")
        text = content.plain_text("reason", reason, max_length=content.MAX_NOTE, required=True,
                                  multiline=True)
        return self._command(
            Article, article_id, expected_version,
            lambda a: a.retract(text, actor_id=actor.user_id, role=role),
        )

    def comment(
        self, actor: Actor, article_id: UUID, text: object, expected_version: int | None = None
    ) -> Saved:
        role = actor.role_for("article.comment")
        clean = content.plain_text("text", text, max_length=content.MAX_NOTE, required=True,
                                   multiline=True)
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

    # ---- translations: commands ---------------------------------------------------------

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
        reason = None
        if override_reason is not None:
            # Only editors override blocking findings (DESIGN §3).
            role = actor.role_for("article.override_qa")
            reason = content.plain_text("override_reason", override_reason,
                                        max_length=content.MAX_NOTE, multiline=True)
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

    # ---- queries ----------------------------------------------------------------------

    def get_article(self, actor: Actor, article_id: UUID, *, version: int | None = None,
                    at: datetime | None = None) -> Article:
        actor.role_for("article.read")
        if at is not None:
            version = self._version_at(article_id, at)
            if version == 0:
                self._load(Article, article_id)  # 404 when it never existed at all
                raise NotFound(f"article {article_id} did not exist yet at {at.isoformat()}")
        if version is not None and version < 1:
            raise ValidationFailed("version", "versions start at 1")
        article = self._load(Article, article_id)
        if version is not None and version > article.version:
            raise NotFound(f"article {article_id} has no version {version}")
        return article if version is None else self._load(Article, article_id, version)

    def _version_at(self, aggregate_id: UUID, at: datetime) -> int:
        """The last version recorded at or before ``at``; 0 when none was."""
        version = 0
        for event in self.events.get(aggregate_id):
            if getattr(event, "timestamp") > at:  # noqa: B009 (protocol lacks it)
                break
            version = event.originator_version
        return version

    def translations_of(self, article: Article, at: datetime | None = None
                        ) -> dict[str, Translation]:
        """The article's translations, as they stood at ``at`` when given."""
        found: dict[str, Translation] = {}
        for language in article.translation_languages:
            tid = translation_id(article.id, language)
            version = None if at is None else self._version_at(tid, at)
            if version == 0:
                continue
            found[language] = self._load(Translation, tid, version)
        return found

    def get_translation(self, actor: Actor, article_id: UUID, language: str) -> Translation:
        actor.role_for("translation.read")
        self._load(Article, article_id)
        return self._load(Translation, translation_id(article_id, content.language(language)))

    def history(self, actor: Actor, article_id: UUID) -> list[HistoryEntry]:
        actor.role_for("article.history")
        article = self._load(Article, article_id)
        streams = {article.id: "article"}
        for language in article.translation_languages:
            streams[translation_id(article.id, language)] = f"translation:{language}"
        where = eventlog.positions(self.recorder, list(streams))
        names: dict[UUID, str] = {SYSTEM_ACTOR.user_id: SYSTEM_ACTOR.name}
        entries = [
            self._history_entry(event, stream, where, names)
            for originator_id, stream in streams.items()
            for event in self.events.get(originator_id)
        ]
        entries.sort(key=lambda e: (e.position or 0, e.at))
        return entries

    def _history_entry(self, event: Any, stream: str, where: eventlog.Positions,
                       names: dict[UUID, str]) -> HistoryEntry:
        actor_id: UUID = event.actor_id
        if actor_id not in names:
            try:
                names[actor_id] = self.get_user(actor_id).name
            except NotFound:
                names[actor_id] = str(actor_id)
        data = {k: v for k, v in vars(event).items() if k not in _META_FIELDS}
        return HistoryEntry(
            position=where.get((event.originator_id, event.originator_version)),
            stream=stream,
            originator_id=event.originator_id,
            version=event.originator_version,
            type=type(event).__qualname__.replace(".", ""),
            actor_id=actor_id,
            actor=names[actor_id],
            role=event.role,
            at=event.timestamp,
            data=data,
        )

    def iter_article_ids(self) -> Iterator[UUID]:
        """Every article id, from the log; for the CLI and demo seeding."""
        start = 0
        topic = f"{Article.Created.__module__}:{Article.Created.__qualname__}"
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=[topic], inclusive_of_start=False
            )
            if not batch:
                return
            for notification in batch:
                yield UUID(str(notification.originator_id))
            start = batch[-1].id


def _apply_checked(aggregate: A, expected_version: int | None,
                   change: Callable[[A], None]) -> None:
    """Applies ``change`` unless the caller's version is stale. On a stale version the
    change still runs, on a throwaway copy, so that a permission, input or state error
    (403/422/409) wins over the version error (412): the order DESIGN §6 gives."""
    if expected_version is not None and expected_version != aggregate.version:
        change(deepcopy(aggregate))
        raise VersionConflict(expected_version, aggregate.version)
    change(aggregate)


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
