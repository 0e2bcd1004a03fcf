"""`newsroom run` on a fresh directory: demo users, the seed article as a draft, and
the README's curl walk-through (submit, QA findings, approve, publish, history)."""

from __future__ import annotations

from pathlib import Path

import pytest
from livesupport import LiveServer, call

from newsroom.demo import HOUSE_ARTICLE_ID, SEED_ARTICLE_ID


@pytest.fixture(scope="module")
def server(live_server: LiveServer) -> tuple[str, dict[str, str]]:
    assert len(live_server.tokens) == 5
    return live_server.url, live_server.tokens


def test_readme_walkthrough(server: tuple[str, dict[str, str]]) -> None:
    url, tokens = server
    article = f"/api/v1/articles/{SEED_ARTICLE_ID}"
    status, seed = call(url, "GET", article, tokens["journalist"])
    assert status == 200 and seed["state"] == "draft" and seed["language"] == "fr"

    status, submitted = call(url, "POST", f"{article}/submit", tokens["journalist"])
    assert status == 200, submitted
    kinds = {f["kind"] for f in submitted["qa_findings"]}
    assert {"empty_list_slot", "acronym_variants", "doubled_punctuation"} <= kinds

    status, refused = call(url, "POST", f"{article}/approve", tokens["editor"], {})
    assert status == 409 and refused["error"]["code"] == "blocking_findings"
    status, _ = call(url, "POST", f"{article}/approve", tokens["journalist"], {})
    assert status == 403
    status, approved = call(url, "POST", f"{article}/approve", tokens["editor"],
                            {"override_reason": "wire copy kept as received for the demo"})
    assert status == 200 and approved["state"] == "approved"
    status, published = call(url, "POST", f"{article}/publish", tokens["editor"], {})
    assert status == 200 and published["state"] == "published"

    status, history = call(url, "GET", f"{article}/history", tokens["auditor"])
    assert status == 200
    # Article events only: the demo partners' deliveries may already be in the history.
    assert [h["type"] for h in history if h["stream"] == "article"][-4:] == [
        "ArticleSubmitted", "ArticleQAOverridden", "ArticleApproved", "ArticlePublished"]
    assert history[0]["actor"] == "journalist"
    status, first = call(url, "GET", f"{article}?version=1", tokens["auditor"])
    assert status == 200 and first["state"] == "draft" and first["version"] == 1
    status, health = call(url, "GET", "/healthz", tokens["auditor"])
    assert status == 200 and health["ok"] is True


def test_house_version_is_published_by_the_demo(server: tuple[str, dict[str, str]]) -> None:
    url, tokens = server
    status, listing = call(url, "GET", "/api/v1/articles?state=published", tokens["editor"])
    assert status == 200
    assert str(HOUSE_ARTICLE_ID) in [item["id"] for item in listing["items"]]
    status, house = call(url, "GET", f"/api/v1/articles/{HOUSE_ARTICLE_ID}", tokens["editor"])
    assert house["publication"]["fr"]["revision"] == 1
    assert "KNCA" not in house["body"] and "de la France" in house["body"]


def test_second_run_seeds_nothing_new(tmp_path: Path) -> None:
    """Seeding is idempotent: ids are derived from names."""
    from newsroom import demo
    from newsroom.bootstrap import build
    from newsroom.config import Settings

    services = build(Settings.from_env({"NEWSROOM_VAR_DIR": str(tmp_path / "var")}))
    try:
        assert demo.seed(services.app) is True
        position = services.app.recorder.max_notification_id()
        assert demo.seed(services.app) is False
        assert services.app.recorder.max_notification_id() == position
    finally:
        services.close()


def test_feed_links_point_at_the_address_run_serves(server: tuple[str, dict[str, str]]) -> None:
    """Without NEWSROOM_BASE_URL, item URIs are built on the port `run` was given, so a
    reader of the feed can open them."""
    from urllib.request import urlopen

    url, _ = server
    with urlopen(f"{url}/feeds/fr.atom", timeout=10) as response:
        feed = response.read().decode()
    assert f'href="{url}/feeds/fr.atom"' in feed
    assert f"<id>{url}/news/{HOUSE_ARTICLE_ID}?lang=fr</id>" in feed
