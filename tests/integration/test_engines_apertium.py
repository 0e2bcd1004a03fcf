"""The Apertium engines against the real Apertium (Debian packages apertium,
transfuse, apertium-fr-es, apertium-eng-spa, apertium-fra-cat, apertium-eng-cat).

Skipped when `apertium` is not on PATH, unless NEWSROOM_REQUIRE_SERVICES names
"apertium", which turns the skip into a failure. The checks that need no Apertium
(missing installation, garbage output) always run.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED

from workers.engines import PermanentEngineError, TransientEngineError
from workers.engines.apertium import ApertiumEngine
from workers.engines.apertium_base import ApertiumBase
from workers.engines.apertium_cli import ApertiumCliEngine

SEED = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.house.txt"
MODES = Path("/usr/share/apertium/modes")
HTML = ('<p>La Corée du Nord &amp; l&#8217;Ukraine&nbsp;: <em>bonjour</em> '
        '<a href="https://example.org/a?b=1&amp;c=2">lien</a> Zorglubiste.</p>\n'
        '<p>Les <strong>soldats</strong> sont partis.</p>')


def _apertium_or_skip() -> None:
    if shutil.which("apertium") and (MODES / "fr-es.mode").is_file():
        return
    reason = "apertium is not installed (no `apertium` on PATH or no fr-es mode)"
    required = {s.strip() for s in os.environ.get("NEWSROOM_REQUIRE_SERVICES", "").split(",")}
    if "apertium" in required:
        pytest.fail(f"{reason} (NEWSROOM_REQUIRE_SERVICES requires it)")
    pytest.skip(reason)


needs_apertium = pytest.mark.usefixtures("apertium_installed")


@pytest.fixture(scope="module")
def apertium_installed() -> None:
    _apertium_or_skip()


@pytest.fixture(scope="module")
def warm() -> Iterator[ApertiumEngine]:
    _apertium_or_skip()
    engine = ApertiumEngine(timeout=20)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def cli() -> ApertiumCliEngine:
    _apertium_or_skip()
    return ApertiumCliEngine(timeout=20)


@pytest.mark.parametrize(("source", "target", "text", "expected", "route"), [
    ("fr", "es", "La Corée du Nord a envoyé des milliers de soldats.", "Corea del Norte",
     ["fr-es"]),
    ("fr", "ca", "La Corée du Nord a envoyé des milliers de soldats.", "Corea del Nord",
     ["fr-ca"]),
    ("fr", "en", "La Corée du Nord a envoyé des milliers de soldats.", "North Korea has sent",
     ["fr-es", "es-en"]),
    ("es", "fr", "Corea del Norte ha enviado miles de soldados.", "Corée du Nord", ["es-fr"]),
    ("en", "es", "North Korea has sent thousands of soldiers.", "Corea del Norte", ["en-es"]),
    ("es", "en", "Corea del Norte ha enviado miles de soldados.", "North Korea", ["es-en"]),
])
def test_routes(warm: ApertiumEngine, source: str, target: str, text: str, expected: str,
                route: list[str]) -> None:
    result = warm.translate(text, source, target, html=False)
    assert expected in result.text
    assert result.route == route
    assert result.engine == "apertium"
    assert result.engine_version.startswith("apertium ")
    assert re.search(r"apertium-(fr-es|fra-cat|eng-spa) \S", result.engine_version)


def test_html_tags_and_entities_survive(warm: ApertiumEngine, cli: ApertiumCliEngine) -> None:
    result = warm.translate(HTML, "fr", "es", html=True)
    out = result.text
    assert re.findall(r"<[^>]+>", out) == re.findall(r"<[^>]+>", HTML)
    assert "Corea del Norte &amp; Ucrania" in out
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in out
    assert "&nbsp;" in out or "\xa0" in out  # Transfuse writes the character itself
    assert "&amp;amp;" not in out and "#8217" not in out and "*" not in out
    assert out.count("&amp;") == 2 and htmllib.unescape(out).count("&") == 2
    assert result.unknown_words == ["Zorglubiste"]
    assert cli.translate(HTML, "fr", "es", html=True).text == out


def test_unknown_words_reported_and_stripped_through_a_pivot(warm: ApertiumEngine) -> None:
    result = warm.translate("Le Zorglubiste mange une pomme.", "fr", "en", html=False)
    assert "*" not in result.text and "Zorglubiste" in result.text
    assert result.unknown_words == ["Zorglubiste"]


def test_fifty_sequential_requests_stay_in_step_and_match_the_cli(
        warm: ApertiumEngine, cli: ApertiumCliEngine) -> None:
    warm.translate("Bonjour.", "fr", "es", html=False)
    pipeline = warm.pipelines["fr-es"]
    assert pipeline is not None
    starts = pipeline.starts
    for i in range(50):
        text = f"Article {i + 100} : la Corée du Nord a envoyé {i + 1000} soldats."
        out = warm.translate(text, "fr", "es", html=False).text
        assert f"{i + 100}" in out and f"{i + 1000}" in out and "Corea del Norte" in out
    assert pipeline.starts == starts  # no restart
    for text, html, target in ((SEED.read_text(encoding="utf-8"), False, "es"),
                               ("La Corée du Nord a qualifié jeudi les critiques.", False, "en"),
                               (HTML, True, "en")):
        ours, theirs = (engine.translate(text, "fr", target, html=html) for engine in (warm, cli))
        assert theirs.engine == "apertium-cli"
        assert (ours.text, ours.unknown_words, ours.route, ours.engine_version) == (
            theirs.text, theirs.unknown_words, theirs.route, theirs.engine_version)


def test_a_long_text(warm: ApertiumEngine) -> None:
    article = SEED.read_text(encoding="utf-8")
    text = "\n\n".join([article] * 31)
    assert len(text.encode()) > 100_000
    one = warm.translate(article, "fr", "es", html=False).text
    result = warm.translate(text, "fr", "es", html=False)
    assert result.text.count("Corea del Norte") == 31 * one.count("Corea del Norte")
    assert result.text.count("\n\n") == text.count("\n\n")


def test_a_killed_stage_is_restarted(warm: ApertiumEngine) -> None:
    warm.translate("Le chat.", "fr", "es", html=False)
    pipeline = warm.pipelines["fr-es"]
    assert pipeline is not None
    starts = pipeline.starts
    victim = pipeline.processes[len(pipeline.processes) // 2]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=5)
    assert "gato" in warm.translate("Le chat.", "fr", "es", html=False).text
    assert pipeline.starts == starts + 1


def test_a_stage_killed_during_a_request(warm: ApertiumEngine) -> None:
    text = "\n\n".join([SEED.read_text(encoding="utf-8")] * 6)
    pipeline = warm.pipelines["fr-es"]
    assert pipeline is not None
    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_attempt(warm, text)), daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while not pipeline.lock.locked() and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.02)
    os.kill(pipeline.processes[2].pid, signal.SIGKILL)
    worker.join(timeout=30)
    # Either the transparent retry made it, or it reports a transient error.
    assert isinstance(outcome[0], (str, TransientEngineError))
    assert "Corea del Norte" in warm.translate("La Corée du Nord.", "fr", "es", html=False).text


def _attempt(engine: ApertiumEngine, text: str) -> object:
    try:
        return engine.translate(text, "fr", "es", html=False).text
    except TransientEngineError as exc:
        return exc


def test_a_timeout_kills_the_pipeline_and_the_next_request_works() -> None:
    _apertium_or_skip()
    engine = ApertiumEngine(timeout=20, timeout_per_kb=0)
    try:
        engine.translate("Bonjour.", "fr", "es", html=False)  # started and warm
        pipeline = engine.pipelines["fr-es"]
        assert pipeline is not None
        stream = "\n\n".join([SEED.read_text(encoding="utf-8")] * 10).encode()
        started = time.monotonic()
        with pytest.raises(TransientEngineError, match="timed out"):
            pipeline.translate(stream, 0.02)
        assert time.monotonic() - started < 2
        assert pipeline.processes == []  # killed, restarted on the next request
        engine.timeout = 0.02
        with pytest.raises(TransientEngineError, match="timed out"):
            engine.translate(stream.decode(), "fr", "es", html=False)
        engine.timeout = 20
        assert "gato" in engine.translate("Le chat.", "fr", "es", html=False).text
        assert pipeline.starts >= 2
    finally:
        engine.close()


def test_four_threads_are_served_one_at_a_time(warm: ApertiumEngine) -> None:
    pipeline = warm.pipelines["fr-es"]
    assert pipeline is not None
    inside, most, guard = [0], [0], threading.Lock()
    exchange = pipeline._exchange

    def counted(*args: object) -> bytes:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return exchange(*args)  # type: ignore[arg-type]
        finally:
            with guard:
                inside[0] -= 1

    pipeline._exchange = counted  # type: ignore[method-assign, assignment]
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(8):
            number = n * 100 + i
            out = warm.translate(f"Le chat numéro {number} mange.", "fr", "es", html=False).text
            if f"{number}" not in out or "gato" not in out:
                errors.append(out)

    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        del pipeline._exchange
    assert errors == []
    assert most[0] == 1


def test_the_seed_article(warm: ApertiumEngine) -> None:
    article = SEED.read_text(encoding="utf-8")
    result = warm.translate(article, "fr", "es", html=False)
    assert "Corea del Norte" in result.text and "Pyongyang" in result.text
    assert result.text.count("\n\n") == article.count("\n\n")
    assert "KCNA" in result.unknown_words
    assert not re.search(r"(?<!\w)[*#@]\w", result.text)


def test_a_mode_that_is_not_a_plain_pipeline_falls_back_to_the_cli(tmp_path: Path) -> None:
    _apertium_or_skip()
    (tmp_path / "modes").mkdir()
    mode = (MODES / "fr-es.mode").read_text(encoding="utf-8").strip()
    (tmp_path / "modes" / "fr-es.mode").write_text(mode + " 2>/dev/null\n", encoding="utf-8")
    engine = ApertiumEngine(modes_dir=tmp_path / "modes")
    try:
        assert "Corea del Norte" in engine.translate("La Corée du Nord.", "fr", "es",
                                                     html=False).text
        assert engine.pipelines["fr-es"] is None
    finally:
        engine.close()


@pytest.mark.parametrize("engine_class", [ApertiumEngine, ApertiumCliEngine])
def test_not_installed_is_permanent_and_fast(tmp_path: Path,
                                             engine_class: type[ApertiumBase]) -> None:
    started = time.monotonic()
    with pytest.raises(PermanentEngineError, match="apertium is not installed: mode fr-es"):
        engine_class(modes_dir=tmp_path).translate("Bonjour.", "fr", "es", html=False)
    with pytest.raises(PermanentEngineError, match="apertium is not installed"):
        engine_class(path=str(tmp_path)).translate("Bonjour.", "fr", "es", html=False)
    with pytest.raises(PermanentEngineError, match="unsupported language pair fr-de"):
        engine_class().translate("Bonjour.", "fr", "de", html=False)
    assert time.monotonic() - started < 5


class _Silent(ApertiumBase):
    def _translate_leg(self, text: str, mode: str, *, html: bool, timeout: float) -> str:
        return "  <p></p> "

    def close(self) -> None:
        pass


def test_empty_output_for_real_input_is_permanent(tmp_path: Path) -> None:
    (tmp_path / "fr-es.mode").write_text("lt-proc x\n", encoding="utf-8")
    engine = _Silent(modes_dir=tmp_path)
    with pytest.raises(PermanentEngineError, match="no text in the output"):
        engine.translate("<p>Bonjour.</p>", "fr", "es", html=True)
    assert engine.translate(" <p>\n</p> ", "fr", "es", html=True).text == " <p>\n</p> "
