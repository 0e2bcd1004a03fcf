"""LibreTranslate: POST /translate JSON {q, source, target, format, api_key} ->
{"translatedText": ...}; errors as {"error": ...} (400 over the character limit,
403 for a bad API key, 429 when slowed down)."""

from __future__ import annotations

from stubs.server import Answer, Recorded, StubServer, fake_translate, json_answer


class LibreTranslateStub(StubServer):
    def __init__(self, *, api_key: str | None = None, char_limit: int = 5000) -> None:
        super().__init__()
        self.api_key = api_key
        self.char_limit = char_limit

    def answer(self, request: Recorded) -> Answer:
        if request.path != "/translate" or request.method != "POST":
            return self.error(404, "Not Found")
        form = request.form
        if self.api_key is not None and form.get("api_key") != self.api_key:
            return self.error(403, "Invalid API key")
        text = form.get("q")
        if not isinstance(text, str) or not form.get("source") or not form.get("target"):
            return self.error(400, "Invalid request: missing q, source or target")
        if form.get("format", "text") not in ("text", "html"):
            return self.error(400, "Invalid request: format")
        if len(text) > self.char_limit:
            return self.error(400, f"Invalid request: request ({len(text)}) exceeds text "
                                   f"limit ({self.char_limit})")
        return json_answer(200, {"translatedText": fake_translate(text).strip()})
