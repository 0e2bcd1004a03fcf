"""On `newsroom run`, machine translations appear without anyone touching a
terminal: the run command's own dispatcher and worker do it (embedded SQLite broker,
real Apertium)."""

from __future__ import annotations

import shutil
import time

import pytest
from livesupport import LiveServer, call

from newsroom.demo import SEED_ARTICLE_ID


def test_editor_approves_the_seed_with_translations_and_they_appear(
    live_server: LiveServer,
) -> None:
    if shutil.which("apertium") is None:
        pytest.skip("Apertium is not installed")
    url, tokens = live_server.url, live_server.tokens
    article = f"/api/v1/articles/{SEED_ARTICLE_ID}"
    assert call(url, "POST", f"{article}/submit", tokens["journalist"])[0] == 200
    status, _ = call(url, "POST", f"{article}/approve", tokens["editor"],
                     {"override_reason": "wire copy, checked by the desk"})
    assert status == 200
    status, body = call(url, "POST", f"{article}/translations", tokens["editor"],
                        {"languages": ["es", "ca", "en"]})
    assert status == 202, body

    deadline = time.monotonic() + 120
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        _, document = call(url, "GET", article, tokens["translator"])
        states = {lang: t["state"] for lang, t in document["translations"].items()}
        if all(state == "machine_translated" for state in states.values()):
            break
        assert "failed" not in states.values(), document["translations"]
        time.sleep(0.5)
    assert states == {"es": "machine_translated", "ca": "machine_translated",
                      "en": "machine_translated"}, states
    translations = document["translations"]
    assert "Corea del Norte" in translations["es"]["body"]
    assert translations["en"]["route"] == ["fr-es", "es-en"]
    assert all(t["engine"] == "apertium" for t in translations.values())

    # A translator post-edits and approves the Spanish one.
    es = f"{article}/translations/es"
    _, current = call(url, "GET", es, tokens["translator"])
    status, edited = call(url, "PATCH", es, tokens["translator"],
                          {"headline": current["headline"] + " (revisado)"},
                          headers={"If-Match": f'"{current["version"]}"'})
    assert status == 200, edited
    status, approved = call(url, "POST", f"{es}/approve", tokens["translator"],
                            {"override_reason": "checked against the source"})
    assert status == 200 and approved["state"] == "approved", approved
