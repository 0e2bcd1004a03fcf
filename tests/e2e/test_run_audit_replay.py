"""The auditor walkthrough's steps 5 and 6 (docs/audit.md) on `newsroom run`: the seed
article replayed at the moment it was first published (CLI and API), and the seed's
partner copy traced to the house version, in the API and in the browser."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from livesupport import LiveServer, call, screenshot
from playwright.sync_api import expect

from newsroom.demo import DEMO_PASSWORD, HOUSE_ARTICLE_ID, SEED_ARTICLE_ID

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "newsroom" / "demo"
SEED = f"/api/v1/articles/{SEED_ARTICLE_ID}"


def _publish_the_fixed_seed(server: LiveServer) -> None:
    """The README's walk-through, steps 1 and 2."""
    tokens = server.tokens
    fixed = (DEMO / "seoul-dprk-fr.fixed.txt").read_text(encoding="utf-8")
    status, body = call(server.url, "PATCH", SEED, tokens["journalist"], {"body": fixed},
                        {"If-Match": '"1"'})
    assert status == 200, body
    for path, who in (("submit", "journalist"), ("approve", "editor"),
                      ("publish", "editor")):
        status, body = call(server.url, "POST", f"{SEED}/{path}", tokens[who], {})
        assert status == 200, body


def _wait_for_deliveries(server: LiveServer, article: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 60
    while True:
        status, rows = call(server.url, "GET", f"/api/v1/articles/{article}/deliveries",
                            server.tokens["auditor"])
        delivered = [r for r in rows if r["status"] == "delivered"] if status == 200 else []
        if len(delivered) >= count or time.monotonic() > deadline:
            return delivered
        time.sleep(0.5)


def test_step_5_the_seed_replayed_at_its_first_publication(live_server: LiveServer) -> None:
    _publish_the_fixed_seed(live_server)
    status, history = call(live_server.url, "GET", f"{SEED}/history",
                           live_server.tokens["auditor"])
    assert status == 200
    at = next(e["at"] for e in history if e["type"] == "ArticlePublished")
    result = subprocess.run(
        [sys.executable, "-m", "newsroom", "replay", str(SEED_ARTICLE_ID), "--at", at,
         "--json"], cwd=live_server.workdir, capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)["public_page"]
    assert page["languages"]["fr"]["status"] == "public"
    assert page["languages"]["fr"]["revision"] == 1
    assert "KCNA" in page["languages"]["fr"]["body"]
    assert page["received"] == []  # deliveries are planned after the publication
    # Later, both demo partners have the French revision 1, and the replay says so.
    assert len(_wait_for_deliveries(live_server, str(SEED_ARTICLE_ID), 2)) >= 2
    status, now = call(live_server.url, "GET",
                       f"/api/v1/audit/articles/{SEED_ARTICLE_ID}/public",
                       live_server.tokens["auditor"])
    assert status == 200
    assert {(r["language"], r["revision"]) for r in now["received"]} == {("fr", 1)}
    assert len(now["received"]) == 2
    before = call(live_server.url, "GET",
                  f"/api/v1/audit/articles/{SEED_ARTICLE_ID}/public?at={quote(history[0]['at'])}",
                  live_server.tokens["auditor"])[1]
    assert before["languages"]["fr"]["why"] == "not yet published (state: draft)"


def test_step_6_the_partner_copy_is_traced(live_server: LiveServer, chromium: Any) -> None:
    copy = (DEMO / "seoul-dprk-fr.txt").read_text(encoding="utf-8")
    status, found = call(live_server.url, "POST", "/api/v1/audit/provenance",
                         live_server.tokens["auditor"], {"text": copy})
    assert status == 200, found
    best = found["best"]
    assert (best["article_id"], best["language"], best["revision"]) == (
        str(HOUSE_ARTICLE_ID), "fr", 1)
    context = chromium.new_context(base_url=live_server.url, locale="en-CA")
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("User name").fill("auditor")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/audit")
        page.get_by_role("link", name="Provenance of a partner's copy").click()
        page.get_by_label("…or upload it (UTF-8 text)").set_input_files(
            str(DEMO / "seoul-dprk-fr.txt"))
        page.get_by_role("button", name="Find its source").click()
        expect(page.locator("section.provenance-best h2")).to_contain_text(
            "Best match: fr source, revision 1")
        diff = page.locator("section.provenance-best .diff")
        expect(diff.locator("ins", has_text="KNCA")).to_be_visible()
        expect(diff.locator("del", has_text="France")).to_be_visible()
        expect(diff.locator("ins", has_text="News Day FR")).to_be_visible()
        screenshot(page, "auditor-provenance")
    finally:
        context.close()
