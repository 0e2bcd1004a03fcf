"""The APy engine against a real Apertium-APy (Debian package apertium-apy), started
here on 127.0.0.1 and a free port with the installed pairs.

Skipped when apertium-apy is not installed, unless NEWSROOM_REQUIRE_SERVICES names
"apy". APy binds every interface and has no option for the address, so a small
launcher patches tornado's bind to 127.0.0.1 before calling APy's own main().
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED

from workers.engines.apy import ApyEngine

APY = Path("/usr/bin/apertium-apy")
PYTHON = "/usr/bin/python3"  # APy's interpreter (python3-tornado is a system package)
SEED = SHARED / "fixtures" / "articles" / "seoul-dprk-fr.house.txt"
LAUNCHER = """
import sys
import tornado.tcpserver
_bind = tornado.tcpserver.TCPServer.bind
def bind(self, port, address=None, *args, **kwargs):
    return _bind(self, port, "127.0.0.1", *args, **kwargs)
tornado.tcpserver.TCPServer.bind = bind
from apertium_apy.apy import main
sys.argv = ["apertium-apy", *sys.argv[1:]]
main()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def apy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not APY.exists() or not Path("/usr/share/apertium/modes/fr-es.mode").exists():
        reason = "apertium-apy is not installed (Debian packages apertium-apy, apertium-fr-es)"
        required = {s.strip() for s in os.environ.get("NEWSROOM_REQUIRE_SERVICES", "").split(",")}
        if "apy" in required:
            pytest.fail(f"{reason} (NEWSROOM_REQUIRE_SERVICES requires it)")
        pytest.skip(reason)
    launcher = tmp_path_factory.mktemp("apy") / "launch_apy.py"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    port = _free_port()
    log = launcher.with_suffix(".log").open("wb")
    process = subprocess.Popen(
        [PYTHON, str(launcher), "-p", str(port), "/usr/share/apertium/modes"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/listPairs", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"APy did not start: {launcher.with_suffix('.log').read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # APy and the pipelines it started
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


def test_html_through_real_apy(apy_url: str) -> None:
    result = ApyEngine(apy_url, timeout=20).translate(
        "<p>La Corée du Nord a envoyé des <em>soldats</em> à Zorglub.</p>", "fr", "es", html=True)
    assert "Corea del Norte" in result.text and "<em>" in result.text
    assert result.unknown_words == ["Zorglub"] and "*" not in result.text


def test_pivot_through_real_apy(apy_url: str) -> None:
    result = ApyEngine(apy_url, timeout=20).translate(
        "La Corée du Nord a envoyé des soldats.", "fr", "en", html=False)
    assert "North Korea" in result.text and result.route == ["fr-es", "es-en"]


def test_a_long_text_is_not_truncated(apy_url: str) -> None:
    engine = ApyEngine(apy_url, timeout=20)
    article = SEED.read_text(encoding="utf-8")
    once = engine.translate(article, "fr", "es", html=False).text.count("Corea del Norte")
    text = "\n\n".join([article] * 20)  # ~65 KB: APy alone would keep about 40 KB
    result = engine.translate(text, "fr", "es", html=False)
    assert result.text.count("Corea del Norte") == 20 * once
