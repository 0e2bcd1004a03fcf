"""Timestamps for people: the newsroom's time zone, the reader's language (Babel)."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime, get_timezone

# CLDR's "long" formats carry seconds and, for some locales, a bare offset; these
# read the way each desk writes a publication line.
_PATTERNS = {
    "fr": "d MMMM y 'à' H 'h' mm zzz",
    "en": "MMMM d, y, h:mm a zzz",
    # CLDR has no short Toronto zone name in es/ca; the long name reads better than -0500.
    "es": "d 'de' MMMM 'de' y, H:mm '('zzzz')'",
    "ca": "d MMMM 'de' y, H:mm '('zzzz')'",
}
_PUBLISHED = {"fr": "Publié le {}", "en": "Published {}", "es": "Publicado el {}",
              "ca": "Publicat el {}"}
_UPDATED = {"fr": "Mis à jour le {}", "en": "Updated {}", "es": "Actualizado el {}",
            "ca": "Actualitzat el {}"}


def primary(language: str) -> str:
    return language.split("-")[0].lower()


def locale_for(language: str, locales: dict[str, str]) -> str:
    return locales.get(language.lower()) or locales.get(primary(language)) or "en_CA"


def local_datetime(value: datetime, language: str, timezone: str,
                   locales: dict[str, str]) -> str:
    pattern = _PATTERNS.get(primary(language), "d MMM y, HH:mm zzzz")
    return str(format_datetime(value, pattern, tzinfo=get_timezone(timezone),
                               locale=locale_for(language, locales)))


def published_line(value: datetime, language: str, timezone: str,
                   locales: dict[str, str]) -> str:
    text = _PUBLISHED.get(primary(language), _PUBLISHED["en"])
    return text.format(local_datetime(value, language, timezone, locales))


def updated_line(value: datetime, language: str, timezone: str,
                 locales: dict[str, str]) -> str:
    text = _UPDATED.get(primary(language), _UPDATED["en"])
    return text.format(local_datetime(value, language, timezone, locales))
