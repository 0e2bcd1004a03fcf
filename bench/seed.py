"""Bulk seeding for ``bench/web.py``: real aggregates, real events, many per save.

Every article is an ``Article`` aggregate (and, when translated, a ``Translation``)
driven through its own command methods, so each event is exactly what the
application would record; finished aggregates are saved many per
``Newsroom.save(*aggregates)`` call (one SQLite transaction per call) instead of one
command per transaction. The long-history article goes through the ``Newsroom``
application service, one command per save, like the web does.

Texts come from the demo article (``newsroom/demo``): paragraphs shuffled into a pool
of 64 bodies of about 1,900-3,100 characters, and headlines cut from its sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from newsroom.application import Newsroom
from newsroom.domain import qa
from newsroom.domain.article import Article
from newsroom.domain.policy import SYSTEM_ACTOR, Actor
from newsroom.domain.translation import Translation
from newsroom.domain.user import User

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "newsroom" / "demo" / "seoul-dprk-fr.house.txt"

PASSWORD = "bench-password-1"
JOURNALISTS = 10
# Share of the articles each journalist wrote: the first one has ~30% (the busy desk).
AUTHOR_WEIGHTS = (30, 15, 12, 10, 8, 7, 6, 5, 4, 3)
# Final state of the bulk articles. Submitted ones are the editor's queue.
STATE_WEIGHTS = {"published": 78, "draft": 12, "approved": 4, "retracted": 5, "submitted": 1}
TRANSLATED_SHARE = 0.3  # of approved, published and retracted articles
CORRECTED_SHARE = 0.1  # of published and retracted articles
CYCLE_SHARE = 0.25  # articles sent back once (submit, changes requested, revise)
BODIES = 64
HEADLINES = 256


# ---- texts ---------------------------------------------------------------------------


@dataclass
class Texts:
    headlines: list[str]
    bodies: list[str]
    _findings: dict[tuple[int, int], list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def make(cls, rng: random.Random) -> Texts:
        text = SAMPLE.read_text(encoding="utf-8")
        paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
        body_paragraphs = paragraphs[1:]
        bodies: list[str] = []
        while len(bodies) < BODIES:
            chosen = rng.sample(body_paragraphs, rng.randint(8, len(body_paragraphs)))
            body = "\n\n".join(chosen)
            if body not in bodies:
                bodies.append(body)
        words = re.findall(r"[^\W\d_][\w’'-]*", text)
        headlines: list[str] = []
        while len(headlines) < HEADLINES:
            start = rng.randrange(len(words) - 10)
            line = " ".join(words[start:start + rng.randint(5, 10)])
            line = line[0].upper() + line[1:]
            if line not in headlines:
                headlines.append(line)
        return cls(headlines, bodies)

    def findings(self, headline: int, body: int, language: str) -> list[dict[str, Any]]:
        """The real QA findings of a (headline, body) pair, computed once per pair."""
        key = (headline, body)
        if key not in self._findings:
            found = qa.check_article(self.headlines[headline], self.bodies[body], language)
            self._findings[key] = [f.to_dict() for f in found]
        return self._findings[key]

    def blocking(self, headline: int, body: int, language: str) -> bool:
        return any(f.get("severity") == "blocking"
                   for f in self.findings(headline, body, language))


# ---- people --------------------------------------------------------------------------


@dataclass(frozen=True)
class People:
    journalists: list[Actor]
    editors: list[Actor]
    translator: Actor
    auditor: Actor
    admin: Actor

    @property
    def busiest(self) -> Actor:
        return self.journalists[0]


def people_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, tuple[str, ...]] = {
        f"journalist{i:02d}": ("journalist",) for i in range(1, JOURNALISTS + 1)}
    names.update({"editor01": ("editor",), "editor02": ("editor",),
                  "translator01": ("translator",), "auditor01": ("auditor",),
                  "admin01": ("admin",)})
    return names


def actors(app: Newsroom) -> People:
    """The seeded users, loaded from the store."""
    found = {name: app.actor_for(app.find_user(name)) for name in people_names()}
    return People(
        journalists=[found[f"journalist{i:02d}"] for i in range(1, JOURNALISTS + 1)],
        editors=[found["editor01"], found["editor02"]],
        translator=found["translator01"], auditor=found["auditor01"], admin=found["admin01"],
    )


def register_users(app: Newsroom, password_hash: str) -> tuple[People, int]:
    """Registers every benchmark user with one precomputed argon2id hash (like
    tests/conftest.py make_user); returns them and the number of events written."""
    events = 0
    for name, roles in people_names().items():
        user = User.register(name=name, password_hash=password_hash,
                             actor_id=SYSTEM_ACTOR.user_id, role="system")
        for role in roles:
            user.grant(role, actor_id=SYSTEM_ACTOR.user_id, role="system")
        events += len(user.pending_events)
        app.save(user)
    return actors(app), events


# ---- plans: what happens to each bulk article ----------------------------------------


@dataclass
class Plan:
    author: int
    language: str
    headline: int
    body: int
    revisions: int  # before the first submission
    cycles: int  # submit, changes requested, revise
    final: str
    translated: bool
    corrected: bool
    comments: int


def _walk(plan: Plan, n: int) -> tuple[int, int]:
    """(headline, body) after ``n`` revisions: each moves the body on in the pool."""
    return plan.headline, (plan.body + n) % BODIES


def plan_events(plan: Plan, texts: Texts) -> int:
    """How many events (article and translation) the plan records."""
    count = 1 + plan.revisions + 3 * plan.cycles + plan.comments
    if plan.final == "draft":
        return count
    count += 1  # Submitted
    if plan.final == "submitted":
        return count
    h, b = _walk(plan, plan.revisions + plan.cycles)
    count += 2 if texts.blocking(h, b, plan.language) else 1  # [QAOverridden +] Approved
    if plan.translated:
        count += 4  # TranslationsRequested; Requested, MachineTranslated, Approved
    if plan.final == "approved":
        return count
    count += 1 + (1 if plan.translated else 0)  # Published (article [+ translation])
    count += int(plan.corrected) + int(plan.final == "retracted")
    return count


def make_plans(n: int, texts: Texts, rng: random.Random, events: int) -> list[Plan]:
    """``n`` article plans whose events add up to exactly ``events``: the difference
    from the drawn plans is made up with comments (any state allows one)."""
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    plans: list[Plan] = []
    for _ in range(n):
        final = rng.choices(states, weights)[0]
        published = final in ("published", "retracted")
        language = "fr" if rng.random() < 0.85 else "en"
        plans.append(Plan(
            author=rng.choices(range(JOURNALISTS), AUTHOR_WEIGHTS)[0],
            language=language,
            headline=rng.randrange(HEADLINES),
            body=rng.randrange(BODIES),
            revisions=rng.randint(0, 4),
            cycles=1 if rng.random() < CYCLE_SHARE else 0,
            final=final,
            translated=final in ("approved", "published", "retracted")
            and rng.random() < TRANSLATED_SHARE,
            corrected=published and rng.random() < CORRECTED_SHARE,
            comments=rng.randint(0, 2),
        ))
    missing = events - sum(plan_events(p, texts) for p in plans)
    while missing > 0:
        rng.choice(plans).comments += 1
        missing -= 1
    while missing < 0:
        plan = rng.choice(plans)
        if plan.comments:
            plan.comments -= 1
            missing += 1
    return plans


def build(plan: Plan, texts: Texts, people: People, rng: random.Random) -> list[Aggregate]:
    """The plan's aggregates with their events pending (not saved)."""
    author = people.journalists[plan.author]
    editor = people.editors[rng.randrange(len(people.editors))]
    j = {"actor_id": author.user_id, "role": "journalist"}
    e = {"actor_id": editor.user_id, "role": "editor"}
    article = Article.create(
        headline=texts.headlines[plan.headline], body=texts.bodies[plan.body],
        language=plan.language, dateline="Séoul", byline=author.name, **j)
    made: list[Aggregate] = [article]
    step = 0

    def revise(by: dict[str, Any]) -> None:
        nonlocal step
        step += 1
        article.revise({"body": texts.bodies[_walk(plan, step)[1]]}, **by)

    def submit() -> None:
        h, b = _walk(plan, step)
        article.submit(texts.findings(h, b, plan.language), **j)

    for _ in range(plan.revisions):
        revise(j)
    for _ in range(plan.cycles):
        submit()
        article.request_changes("Sources manquantes au troisième paragraphe.", **e)
        revise(j)
    comments = plan.comments
    if comments:  # one note on the draft, the rest at the end
        article.comment("Photo demandée au service.", **j)
        comments -= 1
    if plan.final != "draft":
        submit()
    if plan.final not in ("draft", "submitted"):
        article.approve("Vérifié avec le bureau de Séoul." if article.blocking_findings()
                        else None, **e)
        if plan.translated:
            target = "en" if plan.language == "fr" else "fr"
            article.request_translations([target], **e)
            translation = Translation.request(
                article_id=article.id, source_language=plan.language, language=target,
                source_version=article.content_version, **e)
            other = texts.bodies[(plan.body + 17) % BODIES]
            translation.record_machine_translation(
                headline=texts.headlines[(plan.headline + 1) % HEADLINES], body=other,
                source_version=article.content_version, engine="apertium",
                engine_version="3.8.3", route=[f"{plan.language}-{target}"], duration_ms=840,
                qa_findings=[], actor_id=SYSTEM_ACTOR.user_id, role="system")
            translation.approve(None, actor_id=people.translator.user_id, role="translator")
            made.append(translation)
        if plan.final in ("published", "retracted"):
            translations = [t for t in made if isinstance(t, Translation)]
            article.publish(None, [t.language for t in translations], **e)
            for t in translations:
                t.publish(None, **e)
            if plan.corrected:
                article.correct({"body": texts.bodies[(plan.body + 31) % BODIES]},
                                "Correction du bilan.", **e)
            if plan.final == "retracted":
                article.retract("Retrait à la demande du bureau juridique.", **e)
    for _ in range(comments):
        article.comment("Relu.", **j)
    return made


def batches(plans: list[Plan], texts: Texts, people: People, rng: random.Random,
            events_per_save: int) -> Iterator[tuple[list[Aggregate], int]]:
    """Aggregates grouped so each save writes about ``events_per_save`` events."""
    group: list[Aggregate] = []
    count = 0
    for plan in plans:
        made = build(plan, texts, people, rng)
        expected = plan_events(plan, texts)
        pending = sum(len(a.pending_events) for a in made)
        if pending != expected:
            raise AssertionError(f"plan said {expected} events, aggregates hold {pending}")
        group.extend(made)
        count += pending
        if count >= events_per_save:
            yield group, count
            group, count = [], 0
    if group:
        yield group, count


def save_plans(app: Newsroom, plans: list[Plan], texts: Texts, people: People,
               rng: random.Random, progress: Callable[[int], object],
               saved_hook: Callable[[list[Aggregate]], object] | None = None,
               events_per_save: int = 2_000) -> int:
    """Builds and saves the plans' aggregates, many per save; returns the events."""
    saved = 0
    for group, count in batches(plans, texts, people, rng, events_per_save):
        app.save(*group)
        if saved_hook is not None:
            saved_hook(group)
        saved += count
        progress(count)
    return saved


# ---- the long-history article --------------------------------------------------------


def _edit(body: str, rng: random.Random) -> str:
    """A copy editor's change: one word replaced by another word of the text."""
    words = body.split(" ")
    i = rng.randrange(len(words))
    j = rng.randrange(len(words))
    while words[j] == words[i]:
        j = rng.randrange(len(words))
    words[i] = words[j]
    return " ".join(words)


def seed_long_article(app: Newsroom, people: People, texts: Texts, events: int,
                      rng: random.Random, progress: Callable[[int], object]) -> UUID:
    """One article with exactly ``events`` events, written through the application
    service one command at a time: revisions (copy edits), comments, and now and then
    a submission sent back; finally approved, published, corrected and commented on."""
    author, editor = people.busiest, people.editors[0]
    body = texts.bodies[0]
    saved = app.create_article(author, headline="Chronique d’une dépêche très révisée",
                               body=body, language="fr", dateline="Séoul", byline=author.name)
    aid, version = saved.id, saved.version
    tail = 6  # submit, [override +] approve, publish, correct, comment

    def done(new_version: int) -> None:
        nonlocal version
        progress(new_version - version)
        version = new_version

    step = 0
    while version < events - tail:
        step += 1
        if step % 50 == 0 and version + 2 <= events - tail:
            done(app.submit(author, aid, version).version)
            done(app.request_changes(editor, aid, "Resserrer l’attaque.", version).version)
        elif step % 3 == 0:
            done(app.comment(editor if step % 2 else author, aid, f"Note {step}.",
                             version).version)
        else:
            body = _edit(body, rng)
            done(app.revise(author, aid, {"body": body}, version).version)
    done(app.submit(author, aid, version).version)
    article = app.get_article(editor, aid)
    reason = "Vérifié avec le bureau." if article.blocking_findings() else None
    done(app.approve(editor, aid, reason, version).version)
    done(app.publish(editor, aid, expected_version=version).version)
    done(app.correct(editor, aid, {"body": _edit(body, rng)}, "Correction d’un mot.",
                     version).version)
    while version < events:
        done(app.comment(editor, aid, "Suivi.", version).version)
    if version != events:
        raise AssertionError(f"long article has {version} events, wanted {events}")
    return aid
