"""Point-in-time replay and the desk as of a moment, against an expectation computed
here, independently, from the raw event lists (not by calling the replay code)."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from click.testing import CliRunner
from conftest import Cast, make_cast, settings_for

from newsroom.bootstrap import Services, build
from newsroom.cli import main
from newsroom.domain.article import Article
from newsroom.domain.delivery import Delivery
from newsroom.domain.translation import Translation, translation_id

HEADLINE = "Le port de Montréal rouvre"
BODY = "Le port a rouvert lundi.\n\nLes débardeurs ont repris le travail."


def _deliver_all(services: Services, ids: list[UUID]) -> None:
    for did in ids:
        services.app.record_delivery_attempt(did, outcome="delivered", http_status=200,
                                             duration_ms=3, excerpt="ok", error="",
                                             give_up=False)


def _story(services: Services, cast: Cast) -> UUID:
    """A rich history: revisions, translations, an embargo, deliveries to two
    subscribers, a correction, a late translation, a retraction."""
    app = services.app
    partner_a = app.add_subscriber(cast.admin, {
        "name": "Partner A", "transport": "webhook", "url": "https://a.example/hook",
        "format": "ninjs", "languages": ["fr", "es"]}).id
    app.add_subscriber(cast.admin, {
        "name": "Partner B", "transport": "webhook", "url": "https://b.example/hook",
        "format": "ninjs", "languages": ["en"]})
    aid = app.create_article(cast.journalist, headline=HEADLINE, body=BODY, language="fr",
                             dateline="Montréal", byline="Jane").id
    app.revise(cast.journalist, aid, {"headline": HEADLINE + " enfin"}, None)
    app.submit(cast.journalist, aid)
    app.approve(cast.editor, aid)
    app.request_translations(cast.editor, aid, ["es", "en"])
    version = app.get_article(cast.editor, aid).content_version
    for lang, head in (("es", "El puerto de Montreal reabre"),
                       ("en", "Montreal's port reopens")):
        app.record_machine_translation(aid, lang, headline=head, body="Text " + lang,
                                       source_version=version, engine="test",
                                       engine_version="1", route=[lang], duration_ms=1,
                                       unknown_words=[])
    app.approve_translation(cast.editor, aid, "es", "checked")
    published = app.publish(cast.editor, aid,
                            embargo_until=datetime.now(UTC) + timedelta(seconds=1))
    time.sleep(1.05)
    _deliver_all(services, app.plan_deliveries(aid, published.version, {}, datetime.now(UTC)))
    es = app.get_translation(cast.editor, aid, "es").version  # published with the source
    _deliver_all(services, app.plan_deliveries(translation_id(aid, "es"), es, {},
                                               datetime.now(UTC)))
    time.sleep(0.01)
    app.approve_translation(cast.editor, aid, "en", "checked")
    en = app.publish_translation(cast.editor, aid, "en")
    _deliver_all(services, app.plan_deliveries(translation_id(aid, "en"), en.version, {},
                                               datetime.now(UTC)))
    time.sleep(0.01)
    corrected = app.correct(cast.editor, aid, {"body": BODY.replace("lundi", "mardi")},
                            "Reopened on Tuesday.")
    _deliver_all(services, app.plan_deliveries(aid, corrected.version,
                                               {"fr": {partner_a}}, datetime.now(UTC)))
    time.sleep(0.01)
    app.retract(cast.editor, aid, "The port did not reopen.")
    return aid


# ---- the expectation, from raw events -----------------------------------------------


def _raw(services: Services, aid: UUID) -> tuple[list[Any], dict[str, list[Any]], list[Any]]:
    app = services.app
    article = list(app.events.get(aid))
    translations = {lang: list(app.events.get(translation_id(aid, lang)))
                    for lang in ("es", "en")}
    deliveries: list[Any] = []
    topic = f"{Delivery.Planned.__module__}:{Delivery.Planned.__qualname__}"
    for n in app.recorder.select_notifications(start=1, limit=10_000, topics=[topic]):
        planned: Any = app.mapper.to_domain_event(n)
        if planned.article_id == aid:
            deliveries.extend(app.events.get(planned.originator_id))
    return article, translations, deliveries


def _expected(article: list[Any], translations: dict[str, list[Any]],
              deliveries: list[Any], at: datetime) -> dict[str, Any]:
    past = [e for e in article if e.timestamp <= at]
    text: dict[str, str] = {}
    revision, first, updated, embargo, retracted = 0, None, None, None, False
    for e in past:
        if type(e) is Article.Published:
            text = {"headline": e.headline, "body": e.body}
            revision, first, updated, embargo = e.revision, e.timestamp, e.timestamp, \
                e.embargo_until
        elif type(e) is Article.Corrected:
            text.update({k: v for k, v in e.changes.items() if k in text})
            revision, updated = e.revision, e.timestamp
        elif type(e) is Article.Retracted:
            retracted, updated = True, e.timestamp

    def status(rev: int, until: datetime | None) -> str:
        if retracted:
            return "retracted"
        if rev == 0:
            return "not_published"
        if until is not None and at < until:
            return "embargoed"
        return "public"

    source_status = status(revision, embargo)
    found = {"fr": (source_status, revision, text.get("headline"), text.get("body"),
                    first, updated)}
    for lang, events in translations.items():
        done = [e for e in events if e.timestamp <= at]
        if not done:
            continue
        pub = [e for e in done if type(e) is Translation.Published]
        if not pub:
            found[lang] = (status(0, None), 0, None, None, None, None)
            continue
        t_status = status(pub[-1].revision, pub[-1].embargo_until)
        if t_status == "public" and source_status != "public":
            t_status = source_status
        found[lang] = (t_status, pub[-1].revision, pub[-1].headline, pub[-1].body,
                       pub[0].timestamp, updated if retracted else pub[-1].timestamp)
    received: dict[tuple[UUID, str], tuple[datetime, int]] = {}
    by_stream: dict[UUID, list[Any]] = {}
    for e in deliveries:
        by_stream.setdefault(e.originator_id, []).append(e)
    for events in by_stream.values():
        planned = events[0]
        for e in events:
            if type(e) is Delivery.Delivered and e.timestamp <= at:
                key = (planned.subscriber_id, planned.language)
                if key not in received or received[key] < (e.timestamp, planned.revision):
                    received[key] = (e.timestamp, planned.revision)
    return {"languages": found,
            "received": {(s, lang, rev) for (s, lang), (_, rev) in received.items()}}


def _actual(services: Services, cast: Cast, aid: UUID, at: datetime) -> dict[str, Any]:
    replay = services.app.public_as_of(cast.auditor, aid, at)
    languages = {}
    for e in replay.editions:
        if e.revision == 0:
            languages[e.language] = (e.status, 0, None, None, None, None)
        else:
            languages[e.language] = (e.status, e.revision, e.headline, e.body,
                                     e.first_published_at, e.updated_at)
    return {"languages": languages,
            "received": {(r.subscriber_id, r.language, r.revision) for r in replay.received()}}


def test_replay_at_random_moments_matches_the_history(any_services: Services) -> None:
    services = any_services
    cast = make_cast(services)
    aid = _story(services, cast)
    article, translations, deliveries = _raw(services, aid)
    assert len(deliveries) >= 8  # planned + attempted + delivered, several of them
    start, end = article[0].timestamp, article[-1].timestamp
    stamps = sorted({e.timestamp for e in [*article, *deliveries,
                                             *(e for t in translations.values() for e in t)]})
    rng = random.Random(20261128)
    moments = [start + (end - start) * rng.random() for _ in range(17)]
    moments += rng.sample(stamps, 3)  # exactly at an event: it counts as done
    # And one of each kind of answer for sure, whatever the machine's speed: before
    # publication, public (just before the retraction), retracted.
    moments += [start, end - timedelta(microseconds=1), end + timedelta(seconds=1)]
    statuses = set()
    for at in moments:
        expected = _expected(article, translations, deliveries, at)
        assert _actual(services, cast, aid, at) == expected, at
        statuses.update(s for s, *_ in expected["languages"].values())
    assert len(moments) == 23  # 20 random, 3 chosen
    # The moments cover every kind of answer, so the comparison means something.
    assert {"not_published", "public", "retracted"} <= statuses


def test_replay_names_why_a_page_was_not_public(sqlite_services: Services) -> None:
    services = sqlite_services
    cast = make_cast(services)
    aid = _story(services, cast)
    article = list(services.app.events.get(aid))
    published = next(e for e in article if type(e) is Article.Published)
    # Within the embargo (the translation's publication is a few microseconds after the
    # source's, in the same save).
    during = services.app.public_as_of(cast.auditor, aid,
                                       published.timestamp + timedelta(milliseconds=5))
    source = during.editions[0]
    assert source.status == "embargoed" and source.why.startswith("embargoed until")
    spanish = next(e for e in during.editions if e.language == "es")
    assert spanish.status == "embargoed" and (spanish.why or "").startswith("embargoed until")
    before = services.app.public_as_of(cast.auditor, aid, article[0].timestamp)
    assert before.editions[0].why == "not yet published (state: draft)"
    after = services.app.public_as_of(cast.auditor, aid, article[-1].timestamp)
    assert after.editions[0].why and after.editions[0].why.startswith("retracted at")
    assert "The port did not reopen." in after.editions[0].why
    names = {(r.subscriber, r.language, r.revision, r.kind) for r in after.received()}
    assert names == {("Partner A", "fr", 2, "correction"),
                     ("Partner A", "es", 1, "publication"),
                     ("Partner B", "en", 1, "publication")}


def test_desk_as_of_a_moment(any_services: Services) -> None:
    services = any_services
    cast = make_cast(services)
    app = services.app
    first = app.create_article(cast.journalist, headline="Un", body="Texte.", language="fr",
                               dateline="", byline="").id
    app.submit(cast.journalist, first)
    between = datetime.now(UTC)
    time.sleep(0.01)
    second = app.create_article(cast.journalist, headline="Deux", body="Texte.",
                                language="fr", dateline="", byline="").id
    app.revise(cast.editor, first, {"headline": "Un, révisé"}, None)
    app.approve(cast.editor, first)
    app.publish(cast.editor, first)
    rows = {r.article_id: r for r in app.desk_as_of(cast.auditor, between).rows}
    assert set(rows) == {first}
    assert (rows[first].headline, rows[first].state, rows[first].version) == ("Un",
                                                                              "submitted", 2)
    now = app.desk_as_of(cast.auditor, datetime.now(UTC) + timedelta(seconds=1))
    assert [r.article_id for r in now.rows] == [second, first]  # newest first
    assert (now.rows[1].headline, now.rows[1].state, now.rows[1].revision) == (
        "Un, révisé", "published", 1)
    before = app.desk_as_of(cast.auditor, between - timedelta(days=1))
    assert before.rows == []


def test_cli_replay_at_shows_the_public_page(tmp_path: Any) -> None:
    services = build(settings_for(tmp_path / "var"))
    try:
        cast = make_cast(services)
        aid = _story(services, cast)
        article = list(services.app.events.get(aid))
        corrected = next(e for e in article if type(e) is Article.Corrected)
    finally:
        services.close()
    env = {"NEWSROOM_VAR_DIR": str(tmp_path / "var")}
    at = corrected.timestamp.isoformat()
    result = CliRunner().invoke(main, ["replay", str(aid), "--at", at, "--json"], env=env)
    assert result.exit_code == 0, result.output
    page = json.loads(result.output)["public_page"]
    assert page["languages"]["fr"]["status"] == "public"
    assert page["languages"]["fr"]["revision"] == 2
    assert "mardi" in page["languages"]["fr"]["body"]
    assert {(r["subscriber"], r["language"]) for r in page["received"]} >= {
        ("Partner A", "fr"), ("Partner B", "en")}
    text = CliRunner().invoke(main, ["replay", str(aid), "--at", at], env=env)
    assert text.exit_code == 0, text.output
    assert "Public page at" in text.output and "fr (source): revision 2" in text.output
    assert "Partner B · en · revision 1" in text.output
