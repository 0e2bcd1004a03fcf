"""The public article page /news/<id>?lang=xx through the real Flask app: localized
publication lines for every language, language links, corrections log, embargo,
retraction, escaping, no login and caching."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from conftest import Cast, ui_login
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from newsroom.bootstrap import Services
from newsroom.projections.tables import publications
from newsroom.web.localtime import published_line, updated_line

HEADLINE = "Budget « équilibré » & dette : Montréal adopte 6,8 milliards"
BODY = ("Le conseil municipal de Montréal a adopté mardi un budget de 6,8 milliards "
        "de dollars.\n\nLa mairesse Valérie Plante s’est dite satisfaite.")
ES_HEADLINE = "Presupuesto « equilibrado » & deuda: Montréal aprueba 6,8 mil millones"
ES_BODY = ("El consejo municipal de Montréal aprobó el martes un presupuesto de 6,8 mil "
           "millones de dólares.\n\nLa alcaldesa Valérie Plante se dijo satisfecha.")
EN_HEADLINE = 'Montréal adopts a "balanced" 6,8 billion budget & debt plan'
EN_BODY = ("Montréal city council adopted a budget of 6,8 billion dollars on Tuesday.\n\n"
           "Mayor Valérie Plante said she was satisfied.")
TRANSLATIONS = {"es": (ES_HEADLINE, ES_BODY), "en": (EN_HEADLINE, EN_BODY)}


def publish(services: Services, cast: Cast, *, languages: tuple[str, ...] = ("es", "en"),
            embargo_until: datetime | None = None) -> UUID:
    """Jane writes, Eddie approves, the worker translates, Eddie approves the
    translations and publishes everything at once."""
    app = services.app
    article_id = app.create_article(cast.journalist, headline=HEADLINE, body=BODY,
                                    language="fr", dateline="MONTRÉAL",
                                    byline="Jane Tremblay").id
    app.submit(cast.journalist, article_id)
    app.approve(cast.editor, article_id, override_reason="reviewed by the desk")
    if languages:
        app.request_translations(cast.editor, article_id, list(languages))
        version = app.get_article(cast.editor, article_id).content_version
        for language in languages:
            headline, body = TRANSLATIONS[language]
            assert app.record_machine_translation(
                article_id, language, headline=headline, body=body, source_version=version,
                engine="apertium", engine_version="3.8.3", route=["fr-es"], duration_ms=5,
                unknown_words=[])
            app.approve_translation(cast.editor, article_id, language,
                                    override_reason="checked by the translator")
    app.publish(cast.editor, article_id, embargo_until=embargo_until)
    return article_id


def row(services: Services, article_id: UUID, language: str) -> dict[str, object]:
    services.projections.catch_up()
    with services.engine.connect() as conn:
        found = conn.execute(select(publications).where(
            (publications.c.article_id == article_id) & (publications.c.language == language)
        )).mappings().one()
    return dict(found)


def expected_published(services: Services, article_id: UUID, language: str) -> str:
    at = row(services, article_id, language)["first_published_at"]
    assert isinstance(at, datetime)
    settings = services.settings
    return published_line(at.replace(tzinfo=at.tzinfo or UTC), language, settings.timezone,
                          settings.locales)


def text_of(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def test_published_article_in_the_source_language_needs_no_login(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast)
    response = client.get(f"/news/{article_id}")  # no login, no lang: the source (fr)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    # Headlines are plain text: "&" and quotes come out escaped, never as markup.
    assert f"<h1>{escape(HEADLINE)}</h1>" in page
    assert "MONTRÉAL" in page and "Jane Tremblay" in page
    assert "<p>Le conseil municipal de Montréal a adopté mardi" in page
    line = expected_published(sqlite_services, article_id, "fr")
    assert line.startswith("Publié le ") and line.endswith((" HNE", " HAE"))
    assert line in page
    # Every published language, with its own localized line and an hreflang link.
    assert f'href="/news/{article_id}?lang=es" hreflang="es"' in page
    assert f'href="/news/{article_id}?lang=en" hreflang="en"' in page
    assert expected_published(sqlite_services, article_id, "es") in page
    assert expected_published(sqlite_services, article_id, "en") in page
    assert 'rel="alternate" hreflang="es"' in page
    # Nothing of the newsroom (or a session) on a page caches may share.
    assert "csrf_token" not in page and "Log out" not in page


def test_each_translation_is_its_own_localized_page(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast)
    ui_login(client, "eddie")  # a logged-in visitor gets the very same public page
    spanish = text_of(client, f"/news/{article_id}?lang=es")
    assert '<html lang="es">' in spanish
    assert f"<h1>{escape(ES_HEADLINE)}</h1>" in spanish
    assert "El consejo municipal" in spanish and "Le conseil municipal" not in spanish
    line = expected_published(sqlite_services, article_id, "es")
    assert line.startswith("Publicado el ") and " de 20" in line
    assert line in spanish
    assert "Jane Tremblay" in spanish  # the source's byline applies
    assert f'href="/news/{article_id}?lang=fr" hreflang="fr"' in spanish
    assert "Français" in spanish and "English" in spanish
    assert "csrf_token" not in spanish and "eddie" not in spanish

    english = text_of(client, f"/news/{article_id}?lang=en")
    assert '<html lang="en">' in english
    assert f"<h1>{escape(EN_HEADLINE)}</h1>" in english
    assert "&#34;balanced&#34; 6,8 billion budget &amp; debt" in english
    assert expected_published(sqlite_services, article_id, "en") in english
    assert re.search(r"Published \w+ \d{1,2}, \d{4}, \d{1,2}:\d{2} [ap]\.m\. E[SD]T", english)


def test_unknown_or_unpublished_language_and_unknown_id_are_404(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast, languages=("es",))
    for url in (f"/news/{article_id}?lang=ca", f"/news/{article_id}?lang=en",
                f"/news/{article_id}?lang=not a tag", f"/news/{uuid4()}",
                "/news/not-a-uuid"):
        response = client.get(url)
        assert response.status_code == 404, url
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "csrf_token" not in text
    assert client.get(f"/news/{article_id}?lang=ES").status_code == 200  # tags are case-free


def test_unpublished_article_and_untranslated_drafts_stay_hidden(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    draft = sqlite_services.app.create_article(cast.journalist, headline="Brouillon secret",
                                               body="Pas encore.", language="fr").id
    assert client.get(f"/news/{draft}").status_code == 404
    article_id = publish(sqlite_services, cast, languages=())
    sqlite_services.app.request_translations(cast.editor, article_id, ["es"])
    assert client.get(f"/news/{article_id}?lang=es").status_code == 404
    assert "?lang=es" not in text_of(client, f"/news/{article_id}")


def test_corrections_log_and_updated_line(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast)
    before = text_of(client, f"/news/{article_id}")
    assert "Mis à jour le" not in before and "Corrections" not in before
    sqlite_services.app.correct(
        cast.editor, article_id,
        {"body": BODY.replace("mardi", "lundi")},
        "Le vote a eu lieu lundi, et non mardi. L'article a été corrigé.")
    page = text_of(client, f"/news/{article_id}")
    assert "a adopté lundi" in page and "a adopté mardi" not in page
    assert "<h2 id=\"corrections-title\">Corrections</h2>" in page
    assert "Révision 2" in page
    assert escape("Le vote a eu lieu lundi, et non mardi. L'article a été corrigé.") in page
    fr = row(sqlite_services, article_id, "fr")
    updated = fr["updated_at"]
    assert isinstance(updated, datetime)
    settings = sqlite_services.settings
    assert updated_line(updated, "fr", settings.timezone, settings.locales) in page
    correction_at = fr["corrections"][0]["at"]  # type: ignore[index]
    from newsroom.web.localtime import local_datetime

    assert local_datetime(datetime.fromisoformat(correction_at), "fr", settings.timezone,
                          settings.locales) in page
    # A translation's page shows the source's corrections, in their own language.
    spanish = text_of(client, f"/news/{article_id}?lang=es")
    assert "Correcciones del original" in spanish and "Revisión 2" in spanish
    assert 'class="note" lang="fr"' in spanish


def test_embargoed_article_is_404_until_the_embargo_passes(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    until = datetime.now(UTC) + timedelta(hours=2)
    article_id = publish(sqlite_services, cast, embargo_until=until)
    for lang in ("", "?lang=fr", "?lang=es", "?lang=en"):
        response = client.get(f"/news/{article_id}{lang}")
        assert response.status_code == 404
        text = response.get_data(as_text=True)
        assert "Montréal" not in text and "équilibré" not in text
    # The same 404 an unknown id gets: an embargo is not detectable from outside.
    unknown = client.get(f"/news/{uuid4()}").get_data(as_text=True)
    assert client.get(f"/news/{article_id}").get_data(as_text=True) == unknown


def test_caches_drop_the_embargo_404_when_the_embargo_lifts(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast, languages=(),
                         embargo_until=datetime.now(UTC) + timedelta(seconds=20))
    response = client.get(f"/news/{article_id}")
    assert response.status_code == 404
    max_age = int(response.headers["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 21


def test_past_embargo_shows_the_article(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast, languages=(),
                         embargo_until=datetime.now(UTC) - timedelta(minutes=1))
    assert "Le conseil municipal" in text_of(client, f"/news/{article_id}")


def test_retracted_article_shows_the_notice_not_the_text(
    client: FlaskClient, cast: Cast, sqlite_services: Services
) -> None:
    article_id = publish(sqlite_services, cast)
    sqlite_services.app.retract(cast.editor, article_id,
                                "Les chiffres du budget étaient faux & non vérifiés.")
    response = client.get(f"/news/{article_id}")
    assert response.status_code == 410  # Gone, on purpose: see newsroom/web/public.py
    assert response.headers["Cache-Control"].startswith("public")
    page = response.get_data(as_text=True)
    assert "Cet article a été retiré." in page
    assert "Les chiffres du budget étaient faux &amp; non vérifiés." in page
    assert "Le conseil municipal" not in page and "budget de 6,8" not in page
    assert expected_published(sqlite_services, article_id, "fr") in page
    assert "Retiré le " in page
    spanish = client.get(f"/news/{article_id}?lang=es")
    assert spanish.status_code == 410
    assert "Este artículo ha sido retirado." in spanish.get_data(as_text=True)
    assert "El consejo municipal" not in spanish.get_data(as_text=True)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_public_page_is_read_only(
    client: FlaskClient, cast: Cast, sqlite_services: Services, method: str
) -> None:
    article_id = publish(sqlite_services, cast, languages=())
    assert getattr(client, method)(f"/news/{article_id}").status_code in (403, 405)
