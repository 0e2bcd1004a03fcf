"""The console script, run as a user would: a fresh, empty working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NEWSROOM = [sys.executable, "-m", "newsroom"]


def run(cwd: Path, *args: str, stdin: str | None = None, ok: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    full_env.update(env or {})
    result = subprocess.run(
        [*NEWSROOM, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
        env=full_env, timeout=120, check=False,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty")


def test_migrate_creates_stores_in_an_empty_directory_idempotently(workdir: Path) -> None:
    assert json.loads(run(workdir, "migrate", "--json").stdout) == {"ok": True}
    assert (workdir / "var" / "events.sqlite").exists()
    assert (workdir / "var" / "events.readmodels.sqlite").exists()
    run(workdir, "migrate")


def test_users_tokens_history_and_replay(workdir: Path) -> None:
    out = run(workdir, "users", "add", "edna", "--role", "editor", "--password-stdin", "--json",
              stdin="a long enough password\n")
    assert json.loads(out.stdout)["roles"] == ["editor"]
    dup = run(workdir, "users", "add", "EDNA", "--role", "editor", "--password-stdin",
              stdin="another password\n", ok=False)
    assert dup.returncode != 0 and "already exists" in dup.stderr
    assert "Traceback" not in dup.stderr

    token = json.loads(run(workdir, "users", "token", "edna", "--expires-in", "2",
                           "--json").stdout)
    assert token["token"].startswith("nr1.")

    # Write through the API with the token, then read history and replay from the CLI.
    from newsroom.bootstrap import build
    from newsroom.config import Settings
    from newsroom.web import create_app

    services = build(Settings.from_env({"NEWSROOM_VAR_DIR": str(workdir / "var")}))
    try:
        client = create_app(services).test_client()
        auth = {"Authorization": f"Bearer {token['token']}"}
        created = client.post("/api/v1/articles", headers=auth, json={
            "headline": "First", "body": "Text.", "language": "en"}).get_json()
        revised = client.patch(f"/api/v1/articles/{created['id']}", headers={
            **auth, "If-Match": '"1"'}, json={"headline": "Second"})
        assert revised.status_code == 200
    finally:
        services.close()

    history = json.loads(run(workdir, "history", created["id"], "--json").stdout)
    assert [(h["version"], h["type"], h["actor"], h["role"]) for h in history] == [
        (1, "ArticleCreated", "edna", "editor"),
        (2, "ArticleRevised", "edna", "editor"),
    ]
    text = run(workdir, "history", created["id"]).stdout
    assert "ArticleRevised" in text and "edna" in text

    old = json.loads(run(workdir, "replay", created["id"], "--version", "1", "--json").stdout)
    assert old["headline"] == "First" and old["version"] == 1
    at = history[0]["at"]
    at_state = json.loads(run(workdir, "replay", created["id"], "--at", at, "--json").stdout)
    assert at_state["headline"] == "First"
    assert run(workdir, "replay", created["id"], "--version", "1").stdout.startswith("First")


def test_cli_errors_are_clear_and_have_no_traceback(workdir: Path) -> None:
    cases = [
        ("history", "not-a-uuid"),
        ("history", "00000000-0000-0000-0000-000000000042"),
        ("replay", "00000000-0000-0000-0000-000000000042", "--version", "1"),
        ("replay", "00000000-0000-0000-0000-000000000042"),
        ("users", "token", "nobody"),
    ]
    for args in cases:
        result = run(workdir, *args, ok=False)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert result.stderr.strip(), args


def test_bad_configuration_is_reported_not_crashed(workdir: Path) -> None:
    result = run(workdir, "migrate", ok=False, env={"NEWSROOM_TIMEZONE": "Mars/Olympus"})
    assert result.returncode != 0
    assert "NEWSROOM_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_projection_rebuild_shows_progress(workdir: Path) -> None:
    result = run(workdir, "projections", "rebuild")
    assert "article_list" in result.stderr  # tqdm draws on stderr
    bad = run(workdir, "projections", "rebuild", "--name", "nope", ok=False)
    assert "nope" in bad.stderr
