"""DeepL API v2 over HTTP: POST /v2/translate, header `Authorization: DeepL-Auth-Key
<key>`, JSON {text: [...], source_lang, target_lang, tag_handling?} ->
{"translations": [{"detected_source_language", "text"}]}.

A request must stay under 128 KiB: chunks are at most 100,000 bytes of encoded
text. Target English and Portuguese need a variant (EN-GB, PT-PT by default).
"""

from __future__ import annotations

import json

from workers.engines import httpclient
from workers.engines.base import PermanentEngineError
from workers.engines.http_base import HttpEngine

DEFAULT_URL = "https://api-free.deepl.com"
TARGET_VARIANTS = {"en": "EN-GB", "pt": "PT-PT"}


def json_size(text: str) -> int:
    """Bytes of `text` inside a UTF-8 JSON string (additive: escapes are per character)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


class DeepLEngine(HttpEngine):
    name = "deepl"
    api_version = "v2"
    chunk_limit = 100_000

    def __init__(self, base_url: str = DEFAULT_URL, *, key: str | None = None,
                 timeout: float = 30.0) -> None:
        if not key:
            raise PermanentEngineError("deepl: no API key (set NEWSROOM_DEEPL_KEY)")
        super().__init__(base_url, key=key, timeout=timeout)

    def chunk_size(self, text: str) -> int:
        return json_size(text)

    def translate_chunk(self, text: str, source: str, target: str, *, html: bool) -> str:
        body: dict[str, object] = {"text": [text], "source_lang": source.upper(),
                                   "target_lang": TARGET_VARIANTS.get(target, target).upper()}
        if html:
            body["tag_handling"] = "html"
        response = httpclient.send(
            self.name, f"{self.base_url}/v2/translate",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json",
                     "Authorization": f"DeepL-Auth-Key {self.key}"},
            timeout=self.timeout)
        document = httpclient.check(self.name, response)
        return httpclient.field(self.name, document, "translations", 0, "text")
