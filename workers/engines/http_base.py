"""What the HTTP engines share: chunking under the service's limit, whitespace kept
around each chunk (services trim it), pivots, unknown-word marks, sanity checks."""

from __future__ import annotations

from workers.engines.base import PermanentEngineError, TranslationResult
from workers.engines.chunking import ChunkingError, Size, split_chunks
from workers.engines.marks import has_words, strip_marks
from workers.engines.routes import normalize


class HttpEngine:
    """Subclasses set `name`, `api_version`, `chunk_limit`, `chunk_size` and implement
    `translate_chunk`; `legs` may route through a pivot, `marks` strips Apertium marks."""

    name = "http"
    api_version = "1"
    chunk_limit = 4000
    marks = False

    def __init__(self, base_url: str, *, key: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def chunk_size(self, text: str) -> int:
        return len(text)

    def version(self) -> str:
        return f"{self.name} API {self.api_version} at {self.base_url}"

    def legs(self, source: str, target: str) -> list[tuple[str, str]]:
        return [(normalize(source), normalize(target))]

    def translate_chunk(self, text: str, source: str, target: str, *, html: bool) -> str:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing is kept between requests."""

    def _translate_text(self, text: str, source: str, target: str, html: bool) -> str:
        size: Size = self.chunk_size
        try:
            chunks = split_chunks(text, self.chunk_limit, html=html, size=size)
        except ChunkingError as exc:
            raise PermanentEngineError(f"{self.name}: cannot split the text: {exc}") from exc
        out = []
        for chunk in chunks:
            core = chunk.strip()
            lead = chunk[: len(chunk) - len(chunk.lstrip())]
            trail = chunk[len(lead) + len(core):]
            if has_words(core, html):
                translated = self.translate_chunk(core, source, target, html=html)
                if not has_words(translated, html):
                    raise PermanentEngineError(
                        f"{self.name}: empty translation for {len(core)} characters")
                core = translated.strip()
            out.append(lead + core + trail)
        return "".join(out)

    def translate(self, text: str, source: str, target: str, *, html: bool) -> TranslationResult:
        legs = self.legs(source, target)
        current = text.replace("\0", "")
        unknown: dict[str, None] = {}
        for leg_source, leg_target in legs:
            output = self._translate_text(current, leg_source, leg_target, html)
            if self.marks:
                output, words = strip_marks(output, current, html=html)
                unknown.update(dict.fromkeys(words))
            current = output
        return TranslationResult(current, list(unknown), self.name, self.version(),
                                 [f"{s}-{t}" for s, t in legs])
