"""Which engine translates which pair: NEWSROOM_TRANSLATION_ENGINE.

Syntax (case and spaces ignored)::

    config  = item *( ";" item )
    item    = engine | pair "=" engine
    pair    = lang "-" lang        ; lang: an ISO 639-1 code, or "*" for any
    engine  = "apertium" | "apertium-cli" | "apy" | "libretranslate" | "deepl"

The item without a pair is the default (at most one; "apertium" when absent).
For a pair, an exact rule beats a rule with one "*", which beats "*-*", which beats
the default; between equally specific rules the first written wins. Examples:
"apertium" (everything offline, the default), "apertium;fr-en=deepl;*-ca=apy".

Services are found in the environment mapping passed in (never read at import):
NEWSROOM_APY_URL, NEWSROOM_LIBRETRANSLATE_URL, NEWSROOM_LIBRETRANSLATE_KEY,
NEWSROOM_LIBRETRANSLATE_CHAR_LIMIT (default 5000), NEWSROOM_DEEPL_URL (default
https://api-free.deepl.com), NEWSROOM_DEEPL_KEY, and NEWSROOM_ENGINE_TIMEOUT
(seconds per request, default 30).

Keep one EngineRegistry per worker process: it builds each engine once, so warm
Apertium pipelines are shared by every pair that uses them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from workers.engines.apertium import ApertiumEngine
from workers.engines.apertium_cli import ApertiumCliEngine
from workers.engines.apy import ApyEngine
from workers.engines.base import Engine, PermanentEngineError
from workers.engines.deepl import DEFAULT_URL as DEEPL_URL
from workers.engines.deepl import DeepLEngine
from workers.engines.libretranslate import DEFAULT_CHAR_LIMIT, LibreTranslateEngine
from workers.engines.routes import apertium_route, normalize

ENGINES = ("apertium", "apertium-cli", "apy", "libretranslate", "deepl")


class EngineConfigError(PermanentEngineError, ValueError):
    """NEWSROOM_TRANSLATION_ENGINE or an engine's settings cannot work."""


@dataclass(frozen=True)
class EngineConfig:
    default: str
    rules: tuple[tuple[str, str, str], ...]  # (source or "*", target or "*", engine)

    def engine_name(self, source: str, target: str) -> str:
        pair = (normalize(source), normalize(target))
        best: tuple[int, str] | None = None
        for rule_source, rule_target, engine in self.rules:
            if rule_source in ("*", pair[0]) and rule_target in ("*", pair[1]):
                wildcards = (rule_source == "*") + (rule_target == "*")
                if best is None or wildcards < best[0]:
                    best = (wildcards, engine)
        return best[1] if best else self.default


def _engine(name: str, item: str) -> str:
    if name not in ENGINES:
        raise EngineConfigError(f"unknown engine {name!r} in {item!r}; known: {', '.join(ENGINES)}")
    return name


def _lang(code: str, item: str) -> str:
    try:
        return code if code == "*" else normalize(code)
    except PermanentEngineError:
        raise EngineConfigError(f"bad language {code!r} in {item!r}") from None


def parse_config(text: str) -> EngineConfig:
    default: str | None = None
    rules: list[tuple[str, str, str]] = []
    for item in (part.strip().lower() for part in text.split(";")):
        if not item:
            continue
        pair, sep, engine = (s.strip() for s in item.partition("="))
        if not sep:
            if default is not None:
                raise EngineConfigError(f"two defaults: {default!r} and {item!r}")
            default = _engine(item, item)
            continue
        source, dash, target = (s.strip() for s in pair.partition("-"))
        if not dash:
            raise EngineConfigError(f"expected source-target=engine, got {item!r}")
        rule = (_lang(source, item), _lang(target, item))
        if any(rule == existing[:2] for existing in rules):
            raise EngineConfigError(f"pair {pair!r} is configured twice")
        rules.append((*rule, _engine(engine, item)))
    return EngineConfig(default or "apertium", tuple(rules))


class EngineRegistry:
    def __init__(self, config: str = "apertium", env: Mapping[str, str] | None = None) -> None:
        self.config = parse_config(config)
        self.env = dict(env or {})
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def engine_for(self, source: str, target: str) -> Engine:
        """The engine configured for the pair; PermanentEngineError if it cannot serve it."""
        name = self.config.engine_name(source, target)
        if normalize(source) == normalize(target):
            raise PermanentEngineError(f"source and target are both {normalize(source)}")
        if name in ("apertium", "apertium-cli"):
            apertium_route(source, target)
        with self._lock:
            if name not in self._engines:
                self._engines[name] = self._build(name)
            return self._engines[name]

    def _setting(self, key: str, default: str | None = None) -> str:
        value = (self.env.get(key) or "").strip() or default
        if value is None:
            raise EngineConfigError(f"{key} is not set")
        return value

    def _number(self, key: str, default: float) -> float:
        text = self._setting(key, str(default))
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not value > 0:
            raise EngineConfigError(f"{key} must be a positive number, not {text!r}")
        return value

    def _build(self, name: str) -> Engine:
        try:
            timeout = self._number("NEWSROOM_ENGINE_TIMEOUT", 30)
            if name == "apertium":
                return ApertiumEngine(timeout=timeout)
            if name == "apertium-cli":
                return ApertiumCliEngine(timeout=timeout)
            if name == "apy":
                return ApyEngine(self._setting("NEWSROOM_APY_URL"), timeout=timeout)
            if name == "libretranslate":
                return LibreTranslateEngine(
                    self._setting("NEWSROOM_LIBRETRANSLATE_URL"),
                    key=self.env.get("NEWSROOM_LIBRETRANSLATE_KEY") or None, timeout=timeout,
                    char_limit=int(self._number("NEWSROOM_LIBRETRANSLATE_CHAR_LIMIT",
                                                DEFAULT_CHAR_LIMIT)))
            return DeepLEngine(self._setting("NEWSROOM_DEEPL_URL", DEEPL_URL),
                               key=self._setting("NEWSROOM_DEEPL_KEY"), timeout=timeout)
        except ValueError as exc:
            raise EngineConfigError(f"{name}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.close()
            self._engines.clear()


def engine_for(source: str, target: str, config: str = "apertium",
               env: Mapping[str, str] | None = None) -> Engine:
    """A new engine for the pair, owned (and closed) by the caller. A worker process
    that serves many pairs should rather keep one EngineRegistry."""
    return EngineRegistry(config, env).engine_for(source, target)
