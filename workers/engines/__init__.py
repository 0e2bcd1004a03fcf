"""Translation engines behind one interface (DESIGN §5), plain Python for the
translation tasks: `engine_for(source, target, config, env)` or, per worker
process, one `EngineRegistry(config, env)`; then `engine.translate(text, source,
target, html=...)` gives a TranslationResult (text, unknown words, engine,
version, route) or raises TransientEngineError (retry) / PermanentEngineError.

Modules: base (interface, errors), registry (configuration syntax), routes
(language codes, Apertium routes), apertium (warm pipelines), apertium_cli (one
process per call), apertium_base (what both share), pipeline (the warm process
chain), modes (mode files), formatting (deformatters), marks (unknown words),
chunking (long texts), httpclient, http_base, apy, libretranslate, deepl.
"""

from workers.engines.base import (
    Engine,
    EngineError,
    PermanentEngineError,
    TransientEngineError,
    TranslationResult,
)
from workers.engines.registry import EngineRegistry, engine_for, parse_config

__all__ = [
    "Engine",
    "EngineError",
    "EngineRegistry",
    "PermanentEngineError",
    "TransientEngineError",
    "TranslationResult",
    "engine_for",
    "parse_config",
]
