"""End-to-end fixtures: a real `newsroom run` server process on a fresh directory
with the demo data, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from livesupport import CHROMIUM, CHROMIUM_ARGS, LiveServer, start_server, stop_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live"))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Chromium from Debian's package; skips (or fails in CI) without it."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if "chromium" in os.environ.get("NEWSROOM_REQUIRE_SERVICES", ""):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


