"""Demo data for `newsroom run`: users for each role, the seed wire story, and two
syndication partners (module syndication) with their webhook receiver (module
receiver).

Ids are derived from names (subscribers are found by name), so seeding twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from uuid import NAMESPACE_URL, UUID, uuid5

from newsroom.application import Newsroom
from newsroom.demo.syndication import DemoTargets, seed_subscribers
from newsroom.domain.errors import NotFound
from newsroom.domain.policy import ROLES
from newsroom.domain.user import user_id_for

DEMO_PASSWORD = "newsroom-demo"  # noqa: S105 (printed on purpose: demo data only)
SEED_ARTICLE_ID = uuid5(NAMESPACE_URL, "urn:newsroom:demo:seoul-dprk-fr")
HOUSE_ARTICLE_ID = uuid5(NAMESPACE_URL, "urn:newsroom:demo:seoul-dprk-fr.house")


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: str


DEMO_USERS = tuple(DemoUser(name=role, role=role) for role in ROLES)


def fixture(name: str) -> str:
    return resources.files("newsroom.demo").joinpath(name).read_text("utf-8")


def seed(app: Newsroom, targets: DemoTargets | None = None) -> bool:
    """Returns True when it wrote anything. With ``targets``, the demo subscribers
    too (they need the receiver's address, known once it is bound)."""
    wrote = False
    for demo in DEMO_USERS:
        try:
            app.get_user(user_id_for(demo.name))
        except NotFound:
            app.add_user(demo.name, DEMO_PASSWORD, [demo.role])
            wrote = True
    journalist = app.actor_for(app.find_user("journalist"))
    editor = app.actor_for(app.find_user("editor"))
    try:
        app.get_article(editor, SEED_ARTICLE_ID)
    except NotFound:
        # The partner's copy, defects and all, as a draft: submitting it shows QA at work.
        raw = fixture("seoul-dprk-fr.txt")
        app.create_article(
            journalist, headline="Soutien à la Russie en Ukraine", body=raw, language="fr",
            dateline="Séoul", byline="Agence", article_id=SEED_ARTICLE_ID,
        )
        wrote = True
    try:
        app.get_article(editor, HOUSE_ARTICLE_ID)
    except NotFound:
        _publish_house_version(app, journalist_id=journalist.user_id)
        wrote = True
    if targets is not None:
        wrote = seed_subscribers(app, targets) or wrote
    return wrote


def _publish_house_version(app: Newsroom, journalist_id: UUID) -> None:
    """Our clean version, published, so the partner's copy can be diffed against it."""
    journalist = app.actor_for(app.get_user(journalist_id))
    editor = app.actor_for(app.find_user("editor"))
    headline, _, body = fixture("seoul-dprk-fr.house.txt").partition("\n")
    app.create_article(
        journalist, headline=headline.strip(), body=body.strip("\n"), language="fr",
        dateline="Séoul", byline="Agence", article_id=HOUSE_ARTICLE_ID,
    )
    app.submit(journalist, HOUSE_ARTICLE_ID)
    article = app.get_article(editor, HOUSE_ARTICLE_ID)
    reason = "house copy checked by the desk" if article.blocking_findings() else None
    app.approve(editor, HOUSE_ARTICLE_ID, reason)
    app.publish(editor, HOUSE_ARTICLE_ID)
