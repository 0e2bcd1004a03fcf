"""Language codes and the Apertium routes between them (pure).

Languages are ISO 639-1 codes ("fr"); ISO 639-3 ("fra") is accepted and folded.
A route is the list of Apertium modes to run in turn; its label for the record is
the list of pairs in ISO 639-1 ("fr-es", "es-en").
"""

from __future__ import annotations

import re

from workers.engines.base import PermanentEngineError

ALPHA3 = {"fr": "fra", "es": "spa", "en": "eng", "ca": "cat", "oc": "oci", "pt": "por",
          "it": "ita", "de": "deu", "gl": "glg", "eu": "eus"}
_ALPHA2 = {three: two for two, three in ALPHA3.items()}
_CODE = re.compile(r"^[a-z]{2,3}$")

# The preferred route for each pair the installed Debian packages can serve:
# fr-es, fra-cat, eng-spa, eng-cat; English from French by pivot through Spanish.
APERTIUM_ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("fr", "es"): ("fr-es",),
    ("es", "fr"): ("es-fr",),
    ("fr", "ca"): ("fra-cat",),
    ("ca", "fr"): ("cat-fra",),
    ("en", "es"): ("eng-spa",),
    ("es", "en"): ("spa-eng",),
    ("en", "ca"): ("eng-cat",),
    ("ca", "en"): ("cat-eng",),
    ("fr", "en"): ("fr-es", "spa-eng"),
    ("en", "fr"): ("eng-spa", "es-fr"),
}


def normalize(code: str) -> str:
    """'FR', 'fra' -> 'fr'. Raises PermanentEngineError for anything that is not a code."""
    value = code.strip().lower()
    if not _CODE.match(value):
        raise PermanentEngineError(f"not a language code: {code!r}")
    return _ALPHA2.get(value, value)


def alpha3(code: str) -> str:
    value = normalize(code)
    return ALPHA3.get(value, value)


def mode_label(mode: str) -> str:
    """'spa-eng' -> 'es-en'; a variant suffix ('eng-cat_valencia') is kept on the target."""
    source, _, target = mode.partition("-")
    base, sep, variant = target.partition("_")
    return f"{normalize(source)}-{normalize(base)}{sep}{variant}"


def apertium_route(source: str, target: str) -> tuple[str, ...]:
    """The modes for a pair, or PermanentEngineError naming the pairs that exist."""
    pair = (normalize(source), normalize(target))
    modes = APERTIUM_ROUTES.get(pair)
    if modes is None:
        known = ", ".join(sorted(f"{s}-{t}" for s, t in APERTIUM_ROUTES))
        raise PermanentEngineError(
            f"unsupported language pair {pair[0]}-{pair[1]} for Apertium (supported: {known})"
        )
    return modes
