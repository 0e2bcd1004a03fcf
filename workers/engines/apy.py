"""Apertium-APy over HTTP: POST /translate with langpair=fra|spa, q, format.

APy answers {"responseData": {"translatedText": ...}, "responseStatus": 200}. It
cuts a text into at most ten pieces of between half a pipe buffer and 1,000
characters (when busy) and silently drops the rest: about 40 KB when idle, but
only about 5,000 characters under load. Chunks of at most 4,000 characters are
never truncated, and stay under 40 KB even URL-encoded. It serves Apertium modes,
so it takes the same routes as the local engine (fr-en through es), and its
unknown-word marks are stripped and reported the same way.
"""

from __future__ import annotations

import urllib.parse

from workers.engines import httpclient
from workers.engines.base import PermanentEngineError
from workers.engines.http_base import HttpEngine
from workers.engines.routes import APERTIUM_ROUTES, alpha3, mode_label, normalize


class ApyEngine(HttpEngine):
    name = "apy"
    api_version = "translate"
    chunk_limit = 4000
    marks = True

    def legs(self, source: str, target: str) -> list[tuple[str, str]]:
        """The local Apertium route when there is one (pivots included), else direct."""
        pair = (normalize(source), normalize(target))
        if pair not in APERTIUM_ROUTES:
            return [pair]
        pairs = [mode_label(mode).partition("-") for mode in APERTIUM_ROUTES[pair]]
        return [(s, t) for s, _, t in pairs]

    def translate_chunk(self, text: str, source: str, target: str, *, html: bool) -> str:
        form = {"langpair": f"{alpha3(source)}|{alpha3(target)}", "q": text,
                "format": "html" if html else "txt", "markUnknown": "yes"}
        response = httpclient.send(
            self.name, f"{self.base_url}/translate",
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            timeout=self.timeout)
        document = httpclient.check(self.name, response)
        status = document.get("responseStatus") if isinstance(document, dict) else None
        if status not in (None, 200):
            details = document.get("responseDetails")
            raise PermanentEngineError(f"{self.name}: responseStatus {status}: {details}")
        return httpclient.field(self.name, document, "responseData", "translatedText")
