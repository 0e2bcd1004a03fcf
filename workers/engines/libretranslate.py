"""LibreTranslate over HTTP: POST /translate with JSON {q, source, target, format,
api_key?} -> {"translatedText": ...}.

The size limit is the instance's own (its --char-limit, none by default; public
instances set one), so chunks are 5,000 characters unless
NEWSROOM_LIBRETRANSLATE_CHAR_LIMIT says otherwise.
"""

from __future__ import annotations

import json

from workers.engines import httpclient
from workers.engines.http_base import HttpEngine

DEFAULT_CHAR_LIMIT = 5000


class LibreTranslateEngine(HttpEngine):
    name = "libretranslate"
    api_version = "translate"

    def __init__(self, base_url: str, *, key: str | None = None, timeout: float = 30.0,
                 char_limit: int = DEFAULT_CHAR_LIMIT) -> None:
        super().__init__(base_url, key=key, timeout=timeout)
        self.chunk_limit = char_limit

    def translate_chunk(self, text: str, source: str, target: str, *, html: bool) -> str:
        body: dict[str, str] = {"q": text, "source": source, "target": target,
                                "format": "html" if html else "text"}
        if self.key:
            body["api_key"] = self.key
        response = httpclient.send(
            self.name, f"{self.base_url}/translate",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"}, timeout=self.timeout)
        document = httpclient.check(self.name, response)
        return httpclient.field(self.name, document, "translatedText")
