"""Settings from the environment: one source for the web app, workers, CLI and tests."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_LOCALES = "fr=fr_CA,en=en_CA,es=es_ES,ca=ca_ES"


class ConfigError(ValueError):
    """A setting that cannot work; raised at start-up so nothing half-starts."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "y", "yes", "true", "on"}


N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, default: N, kind: type[N]) -> N:
    text = env.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name}: expected a number, got {text!r}") from None
    if value < 0:
        raise ConfigError(f"{name}: must not be negative")
    return value


def parse_locales(text: str) -> dict[str, str]:
    locales: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        language, sep, locale = item.partition("=")
        if not sep or not language.strip() or not locale.strip():
            raise ConfigError(f"NEWSROOM_LOCALES: expected lang=locale, got {item!r}")
        locales[language.strip().lower()] = locale.strip()
    return locales


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    broker_url: str
    timezone: str
    locales: dict[str, str]
    translation_engine: str
    signing_key_file: Path
    secret_key_file: Path
    webhook_allow_insecure: bool
    create_tables: bool
    token_days: int = 30
    # Transient engine errors are retried this many times, with exponential backoff
    # starting at `translation_backoff` seconds, before the translation is `failed`.
    translation_max_retries: int = 6
    translation_backoff: float = 2.0
    # Where readers find the public pages; stable item URIs in syndication are built on it.
    base_url: str = "http://127.0.0.1:8000"
    delivery_max_retries: int = 8
    # The first delivery retry waits about this many seconds, doubling (jittered).
    delivery_backoff: float = 2.0
    # Integrity checkpoints (DESIGN §4): signed every N chained events or T minutes,
    # and appended to a file auditors copy elsewhere (None: var_dir/checkpoints.jsonl).
    checkpoint_every: int = 1000
    checkpoint_minutes: float = 10.0
    checkpoints_file_setting: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def checkpoints_file(self) -> Path:
        return self.checkpoints_file_setting or self.var_dir / "checkpoints.jsonl"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("NEWSROOM_VAR_DIR", "./var"))
        database_url = env.get("NEWSROOM_DATABASE_URL") or f"sqlite:///{var_dir / 'events.sqlite'}"
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(
                "NEWSROOM_DATABASE_URL must start with sqlite:/// or postgresql://"
            )
        timezone = env.get("NEWSROOM_TIMEZONE", "America/Toronto")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"NEWSROOM_TIMEZONE: unknown time zone {timezone!r}") from exc
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            broker_url=env.get("NEWSROOM_BROKER_URL")
            or f"sqla+sqlite:///{var_dir / 'broker.sqlite'}",
            timezone=timezone,
            locales=parse_locales(env.get("NEWSROOM_LOCALES", DEFAULT_LOCALES)),
            translation_engine=env.get("NEWSROOM_TRANSLATION_ENGINE", "apertium"),
            signing_key_file=Path(
                env.get("NEWSROOM_SIGNING_KEY_FILE", str(var_dir / "signing.key"))
            ),
            secret_key_file=Path(env.get("NEWSROOM_SECRET_KEY_FILE", str(var_dir / "secret.key"))),
            webhook_allow_insecure=_flag(env.get("NEWSROOM_WEBHOOK_ALLOW_INSECURE")),
            # Processes started together on PostgreSQL must not all run DDL (DESIGN §7).
            create_tables=env.get("CREATE_TABLE", "y").strip().lower() not in {"n", "no", "0"},
            token_days=_number(env, "NEWSROOM_TOKEN_DAYS", 30, int),
            translation_max_retries=_number(env, "NEWSROOM_TRANSLATION_MAX_RETRIES", 6, int),
            translation_backoff=_number(env, "NEWSROOM_TRANSLATION_BACKOFF", 2.0, float),
            base_url=env.get("NEWSROOM_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            delivery_max_retries=_number(env, "NEWSROOM_DELIVERY_MAX_RETRIES", 8, int),
            delivery_backoff=_number(env, "NEWSROOM_DELIVERY_BACKOFF", 2.0, float),
            checkpoint_every=_number(env, "NEWSROOM_CHECKPOINT_EVERY", 1000, int),
            checkpoint_minutes=_number(env, "NEWSROOM_CHECKPOINT_MINUTES", 10.0, float),
            checkpoints_file_setting=Path(env["NEWSROOM_CHECKPOINTS_FILE"])
            if env.get("NEWSROOM_CHECKPOINTS_FILE") else None,
        )
