"""DeepL API v2: POST /v2/translate with `Authorization: DeepL-Auth-Key <key>`, form
or JSON text/source_lang/target_lang/tag_handling -> {"translations":
[{"detected_source_language", "text"}]}; 403 bad key, 413 over 128 KiB, 456 quota."""

from __future__ import annotations

from stubs.server import Answer, Recorded, StubServer, fake_translate, json_answer

REQUEST_LIMIT = 128 * 1024
TARGETS = {"ES", "FR", "CA", "EN-GB", "EN-US", "DE", "IT", "PT-PT", "PT-BR"}


class DeepLStub(StubServer):
    def __init__(self, key: str = "stub-key:fx") -> None:
        super().__init__()
        self.key = key

    def answer(self, request: Recorded) -> Answer:
        if request.path != "/v2/translate" or request.method != "POST":
            return self.error(404, "Not found")
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {self.key}":
            return self.error(403, "Authorization failed. Please supply a valid auth_key.")
        if len(request.body) > REQUEST_LIMIT:
            return self.error(413, "Request Entity Too Large")
        texts = request.form.get("text")
        texts = [texts] if isinstance(texts, str) else texts
        target = request.form.get("target_lang", "")
        if not texts or not all(isinstance(t, str) for t in texts):
            return self.error(400, "Parameter 'text' not specified.")
        if target not in TARGETS:
            return self.error(400, f"Value for 'target_lang' not supported: {target!r}")
        source = request.form.get("source_lang") or "FR"
        return json_answer(200, {"translations": [
            {"detected_source_language": source, "text": fake_translate(t)} for t in texts]})

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
        return json_answer(status, {"message": message}, headers)
