"""Apertium-APy: GET/POST /translate?langpair=fra|spa&q=...&format=html ->
{"responseData": {"translatedText": ...}, "responseDetails": null, "responseStatus": 200}.

Like the real server, it silently translates only the first ~40 KB of a long q.
"""

from __future__ import annotations

from stubs.server import UNKNOWN, Answer, Recorded, StubServer, fake_translate, json_answer

TRUNCATE_AT = 40 * 1024
PAIRS = {"fra|spa", "spa|eng", "fra|cat", "spa|fra", "eng|spa"}


class ApyStub(StubServer):
    def answer(self, request: Recorded) -> Answer:
        if request.path != "/translate":
            return self.error(404, "Not Found")
        pair, text = request.form.get("langpair", ""), request.form.get("q")
        if text is None or not pair:
            return self.error(400, "Missing argument q or langpair")
        if pair not in PAIRS:
            return self.error(400, "That pair is not installed")
        kept = text.encode("utf-8")[:TRUNCATE_AT].decode("utf-8", "ignore")
        translated = fake_translate(kept).replace(UNKNOWN, "*" + UNKNOWN)
        return json_answer(200, {"responseData": {"translatedText": translated},
                                 "responseDetails": None, "responseStatus": 200})

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
        return json_answer(status, {"status": "error", "code": status, "message": message,
                                    "explanation": message}, headers)
