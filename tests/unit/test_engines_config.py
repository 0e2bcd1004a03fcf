"""NEWSROOM_TRANSLATION_ENGINE parsing, rule precedence, and route selection."""

from __future__ import annotations

import pytest

from workers.engines import EngineRegistry, PermanentEngineError, engine_for, parse_config
from workers.engines.apertium import ApertiumEngine
from workers.engines.apy import ApyEngine
from workers.engines.deepl import DeepLEngine
from workers.engines.libretranslate import LibreTranslateEngine
from workers.engines.registry import EngineConfigError
from workers.engines.routes import alpha3, apertium_route, mode_label, normalize


def test_default_is_apertium_for_everything() -> None:
    for text in ("", "apertium", " Apertium ; "):
        config = parse_config(text)
        assert config.default == "apertium"
        assert config.engine_name("fr", "es") == "apertium"


def test_per_pair_rules_and_their_precedence() -> None:
    config = parse_config("apertium; fr-en=deepl; *-ca=apy; fr-*=libretranslate; en-ca=deepl")
    assert config.engine_name("fr", "en") == "deepl"  # exact beats fr-*
    assert config.engine_name("en", "ca") == "deepl"  # exact beats *-ca
    assert config.engine_name("es", "ca") == "apy"
    assert config.engine_name("fr", "ca") == "apy"  # two one-wildcard rules: first written
    assert config.engine_name("fr", "es") == "libretranslate"
    assert config.engine_name("es", "en") == "apertium"  # the default
    assert config.engine_name("FRA", "spa") == "libretranslate"  # codes are normalised


def test_rules_without_a_default_and_catch_all() -> None:
    assert parse_config("fr-en=deepl").engine_name("es", "fr") == "apertium"
    config = parse_config("apertium-cli;*-*=apy;fr-es=apertium")
    assert config.default == "apertium-cli"
    assert config.engine_name("ca", "fr") == "apy"
    assert config.engine_name("fr", "es") == "apertium"


@pytest.mark.parametrize("text", [
    "google", "apertium;deepl", "fr-en", "fr=deepl", "fr-en=deepl;fr-en=apy",
    "french-en=deepl", "fr-e1=deepl", "fr-en=",
])
def test_bad_configurations_are_refused_clearly(text: str) -> None:
    with pytest.raises(EngineConfigError):
        parse_config(text)


def test_language_codes() -> None:
    assert normalize(" FR ") == "fr"
    assert normalize("spa") == "es"
    assert alpha3("ca") == "cat"
    assert mode_label("spa-eng") == "es-en"
    assert mode_label("fra-cat") == "fr-ca"
    with pytest.raises(PermanentEngineError):
        normalize("fr_CA")


def test_apertium_routes_direct_and_pivot() -> None:
    assert apertium_route("fr", "es") == ("fr-es",)
    assert apertium_route("fr", "ca") == ("fra-cat",)
    assert apertium_route("fr", "en") == ("fr-es", "spa-eng")
    assert apertium_route("es", "fr") == ("es-fr",)
    assert apertium_route("en", "es") == ("eng-spa",)
    assert apertium_route("es", "en") == ("spa-eng",)
    with pytest.raises(PermanentEngineError, match="unsupported language pair fr-de"):
        apertium_route("fr", "de")


def test_registry_builds_each_engine_once_from_the_passed_environment() -> None:
    env = {"NEWSROOM_APY_URL": "http://127.0.0.1:9/", "NEWSROOM_DEEPL_KEY": "k:fx",
           "NEWSROOM_LIBRETRANSLATE_URL": "http://127.0.0.1:9", "NEWSROOM_ENGINE_TIMEOUT": "5"}
    registry = EngineRegistry("apertium;fr-en=deepl;*-ca=apy;en-fr=libretranslate", env)
    try:
        fr_es = registry.engine_for("fr", "es")
        assert isinstance(fr_es, ApertiumEngine)
        assert registry.engine_for("es", "fr") is fr_es  # one warm engine for all its pairs
        deepl = registry.engine_for("fr", "en")
        assert isinstance(deepl, DeepLEngine)
        assert deepl.base_url == "https://api-free.deepl.com" and deepl.timeout == 5.0
        apy = registry.engine_for("fr", "ca")
        assert isinstance(apy, ApyEngine) and apy.base_url == "http://127.0.0.1:9"
        assert isinstance(registry.engine_for("en", "fr"), LibreTranslateEngine)
    finally:
        registry.close()


def test_unsupported_pairs_and_missing_settings_are_permanent() -> None:
    with pytest.raises(PermanentEngineError, match="unsupported language pair fr-de"):
        engine_for("fr", "de", "apertium", {})
    with pytest.raises(PermanentEngineError, match="both fr"):
        engine_for("fr", "fr", "apertium", {})
    with pytest.raises(PermanentEngineError, match="NEWSROOM_DEEPL_KEY is not set"):
        engine_for("fr", "en", "deepl", {})
    with pytest.raises(PermanentEngineError, match="NEWSROOM_APY_URL is not set"):
        engine_for("fr", "es", "apy", {})
    with pytest.raises(PermanentEngineError, match="NEWSROOM_LIBRETRANSLATE_CHAR_LIMIT"):
        engine_for("fr", "es", "libretranslate", {
            "NEWSROOM_LIBRETRANSLATE_URL": "http://x", "NEWSROOM_LIBRETRANSLATE_CHAR_LIMIT": "a"})
