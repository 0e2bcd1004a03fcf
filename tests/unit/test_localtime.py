"""Publication lines for people: the newsroom's time zone, the reader's locale (Babel),
with the zone named, across daylight saving time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsroom.config import DEFAULT_LOCALES, parse_locales
from newsroom.web.localtime import local_datetime, published_line, updated_line

ZONE = "America/Toronto"
LOCALES = parse_locales(DEFAULT_LOCALES)
WINTER = datetime(2026, 11, 27, 22, 39, tzinfo=UTC)  # 17:39 EST (UTC-5)
SUMMER = datetime(2026, 7, 14, 16, 5, tzinfo=UTC)  # 12:05 EDT (UTC-4)


def test_french_line_is_the_desk_style() -> None:
    assert published_line(WINTER, "fr", ZONE, LOCALES) == (
        "Publié le 27 novembre 2026 à 17 h 39 HNE")
    assert updated_line(WINTER, "fr", ZONE, LOCALES) == (
        "Mis à jour le 27 novembre 2026 à 17 h 39 HNE")


def test_english_line() -> None:
    assert published_line(WINTER, "en", ZONE, LOCALES) == (
        "Published November 27, 2026, 5:39 p.m. EST")
    assert updated_line(WINTER, "en", ZONE, LOCALES) == (
        "Updated November 27, 2026, 5:39 p.m. EST")


def test_spanish_and_catalan_are_readable() -> None:
    spanish = published_line(WINTER, "es", ZONE, LOCALES)
    assert spanish.startswith("Publicado el 27 de noviembre de 2026, 17:39")
    assert updated_line(WINTER, "es", ZONE, LOCALES).startswith(
        "Actualizado el 27 de noviembre de 2026, 17:39")
    catalan = published_line(WINTER, "ca", ZONE, LOCALES)
    assert catalan.startswith("Publicat el 27 de novembre de 2026, 17:39")
    assert updated_line(WINTER, "ca", ZONE, LOCALES).startswith("Actualitzat el 27 de novembre")
    for line in (spanish, catalan):
        assert len(line.split(", 17:39")[1].strip()) > 0  # the zone is said, in some form
        assert "GMT" not in line and "UTC" not in line


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", "Publié le 14 juillet 2026 à 12 h 05 HAE"),
    ("en", "Published July 14, 2026, 12:05 p.m. EDT"),
])
def test_daylight_saving_time_names_the_summer_zone(language: str, expected: str) -> None:
    assert published_line(SUMMER, language, ZONE, LOCALES) == expected


def test_spanish_and_catalan_follow_daylight_saving_time() -> None:
    assert published_line(SUMMER, "es", ZONE, LOCALES).startswith(
        "Publicado el 14 de julio de 2026, 12:05")
    assert published_line(SUMMER, "ca", ZONE, LOCALES).startswith(
        "Publicat el 14 de juliol de 2026, 12:05")
    for language in ("es", "ca"):
        winter_zone = published_line(WINTER, language, ZONE, LOCALES).split("17:39")[1]
        summer_zone = published_line(SUMMER, language, ZONE, LOCALES).split("12:05")[1]
        assert winter_zone.strip() and summer_zone.strip()
        assert winter_zone != summer_zone  # standard time and summer time differ


def test_naive_times_from_the_read_models_are_utc() -> None:
    naive = WINTER.replace(tzinfo=None)
    assert published_line(naive, "fr", ZONE, LOCALES) == published_line(WINTER, "fr", ZONE,
                                                                        LOCALES)


def test_regional_tags_use_their_language_and_other_zones_work() -> None:
    assert published_line(WINTER, "fr-CA", ZONE, LOCALES) == (
        "Publié le 27 novembre 2026 à 17 h 39 HNE")
    paris = local_datetime(WINTER, "fr", "Europe/Paris", LOCALES)
    assert paris.startswith("27 novembre 2026 à 23 h 39")
    # NEWSROOM_LOCALES picks the locale: British English names the zone in full.
    custom = parse_locales("fr=fr_FR,en=en_GB")
    assert published_line(WINTER, "en", ZONE, custom) == (
        "Published November 27, 2026, 5:39 pm Eastern Standard Time")
