"""The HTTP engines against stub servers that speak the documented APIs of
Apertium-APy, LibreTranslate and DeepL, bad answers included."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from stubs.apy import TRUNCATE_AT, ApyStub
from stubs.deepl import REQUEST_LIMIT, DeepLStub
from stubs.libretranslate import LibreTranslateStub
from stubs.server import StubServer, fake_translate

from workers.engines import PermanentEngineError, TransientEngineError
from workers.engines.apy import ApyEngine
from workers.engines.deepl import DeepLEngine
from workers.engines.http_base import HttpEngine
from workers.engines.httpclient import retry_after
from workers.engines.libretranslate import LibreTranslateEngine

KEY = "stub-key:fx"
PARAGRAPH = ('<p>La Corée du Nord a dit <em>bonjour</em> au chat &amp; à '
             '<a href="https://example.org/?a=1&amp;b=2">Séoul</a> l&#8217;Ukraine, '
             "Zorglub le sait.</p>\n")
LONG_HTML = PARAGRAPH * (150_000 // len(PARAGRAPH.encode()) + 1)


@pytest.fixture
def apy() -> Iterator[ApyStub]:
    with ApyStub() as stub:
        yield stub


@pytest.fixture
def libre() -> Iterator[LibreTranslateStub]:
    with LibreTranslateStub(api_key="lt-key", char_limit=5000) as stub:
        yield stub


@pytest.fixture
def deepl() -> Iterator[DeepLStub]:
    with DeepLStub(KEY) as stub:
        yield stub


def test_apy_success_marks_and_form(apy: ApyStub) -> None:
    engine = ApyEngine(apy.url + "/", timeout=5)
    result = engine.translate(" Bonjour le chat Zorglub.\n", "fr", "es", html=False)
    assert result.text == " Hola el gato Zorglub.\n"
    assert result.unknown_words == ["Zorglub"]
    assert (result.engine, result.route) == ("apy", ["fr-es"])
    assert result.engine_version == f"apy API translate at {apy.url}"
    form = apy.requests[0].form
    assert (form["langpair"], form["format"], form["markUnknown"]) == ("fra|spa", "txt", "yes")
    assert form["q"] == "Bonjour le chat Zorglub."
    engine.translate("<p>Bonjour</p>", "fr", "es", html=True)
    assert apy.requests[1].form["format"] == "html"


def test_apy_pivots_like_apertium(apy: ApyStub) -> None:
    result = ApyEngine(apy.url, timeout=5).translate("Bonjour.", "fr", "en", html=False)
    assert result.route == ["fr-es", "es-en"]
    assert [r.form["langpair"] for r in apy.requests] == ["fra|spa", "spa|eng"]


def test_apy_chunks_a_long_text_so_nothing_is_truncated(apy: ApyStub) -> None:
    engine = ApyEngine(apy.url, timeout=5)
    result = engine.translate(LONG_HTML, "fr", "es", html=True)
    assert result.text == fake_translate(LONG_HTML)
    assert result.unknown_words == ["Zorglub"]
    assert len(apy.requests) > 1
    assert all(len(r.form["q"]) <= 4000 and len(r.body) < TRUNCATE_AT for r in apy.requests)
    # Sent whole, the stub (like APy) silently drops what is over ~40 KB.
    engine.chunk_limit = 10**9
    truncated = engine.translate(LONG_HTML, "fr", "es", html=True).text
    assert len(truncated.encode()) <= TRUNCATE_AT + 1000 < len(LONG_HTML.encode())


def test_libretranslate_success_key_and_chunking(libre: LibreTranslateStub) -> None:
    engine = LibreTranslateEngine(libre.url, key="lt-key", timeout=5, char_limit=5000)
    result = engine.translate("Bonjour le chat.", "fr", "es", html=False)
    assert result.text == "Hola el gato." and result.unknown_words == []
    assert libre.requests[0].form == {"q": "Bonjour le chat.", "source": "fr", "target": "es",
                                      "format": "text", "api_key": "lt-key"}
    result = engine.translate(LONG_HTML, "fr", "es", html=True)
    assert result.text == fake_translate(LONG_HTML)
    sent = libre.requests[1:]
    assert len(sent) >= 30 and all(len(r.form["q"]) <= 5000 for r in sent)
    assert {r.form["format"] for r in sent} == {"html"}


def test_deepl_success_auth_header_and_chunking(deepl: DeepLStub) -> None:
    engine = DeepLEngine(deepl.url, key=KEY, timeout=5)
    result = engine.translate("Bonjour le chat.", "fr", "en", html=False)
    assert result.text == "Hola el gato." and result.route == ["fr-en"]
    first = deepl.requests[0]
    assert first.headers["Authorization"] == f"DeepL-Auth-Key {KEY}"
    assert json.loads(first.body) == {"text": ["Bonjour le chat."], "source_lang": "FR",
                                      "target_lang": "EN-GB"}
    result = engine.translate(LONG_HTML, "fr", "es", html=True)
    assert result.text == fake_translate(LONG_HTML)
    sent = deepl.requests[1:]
    assert len(sent) == 2 and all(len(r.body) < REQUEST_LIMIT for r in sent)
    assert all(r.form["tag_handling"] == "html" and r.form["target_lang"] == "ES" for r in sent)


def test_deepl_bad_key_is_permanent(deepl: DeepLStub) -> None:
    with pytest.raises(PermanentEngineError, match="HTTP 403"):
        DeepLEngine(deepl.url, key="wrong", timeout=5).translate("Bonjour.", "fr", "es",
                                                                 html=False)


def _engines(stub: StubServer) -> HttpEngine:
    if isinstance(stub, ApyStub):
        return ApyEngine(stub.url, timeout=0.5)
    if isinstance(stub, LibreTranslateStub):
        return LibreTranslateEngine(stub.url, key="lt-key", timeout=0.5)
    return DeepLEngine(stub.url, key=KEY, timeout=0.5)


@pytest.mark.parametrize("kind", ["apy", "libre", "deepl"])
@pytest.mark.parametrize(("fault", "error"), [
    ("429", TransientEngineError), ("500", TransientEngineError),
    ("503", TransientEngineError), ("408", TransientEngineError),
    ("slow", TransientEngineError), ("badjson", PermanentEngineError),
    ("400", PermanentEngineError), ("403", PermanentEngineError),
    ("456", PermanentEngineError),
])
def test_error_mapping(request: pytest.FixtureRequest, kind: str, fault: str,
                       error: type[Exception]) -> None:
    stub: StubServer = request.getfixturevalue(kind)
    stub.slow_seconds = 2
    stub.faults.append(fault)
    engine = _engines(stub)
    with pytest.raises(error) as caught:
        engine.translate("Bonjour le chat.", "fr", "es", html=False)
    if fault == "429":
        assert isinstance(caught.value, TransientEngineError)
        assert caught.value.retry_after == 7.0
    assert engine.translate("Bonjour.", "fr", "es", html=False).text == "Hola."


def test_unreachable_service_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = LibreTranslateEngine(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(TransientEngineError, match="cannot reach"):
        engine.translate("Bonjour.", "fr", "es", html=False)


def test_unknown_pair_at_apy_is_permanent(apy: ApyStub) -> None:
    with pytest.raises(PermanentEngineError, match="not installed"):
        ApyEngine(apy.url, timeout=5).translate("Guten Tag.", "de", "es", html=False)


def test_retry_after_forms() -> None:
    assert retry_after("120") == 120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None and retry_after(None) is None
