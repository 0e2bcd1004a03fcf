"""Export, import, verify and compare, through the real CLI, across both databases:
SQLite → PostgreSQL is the documented migration."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

import pytest
from audit_support import Attacker, populate
from click.testing import CliRunner
from conftest import settings_for

from newsroom.bootstrap import Services, build
from newsroom.cli import main
from newsroom.domain.article import Article
from newsroom.integrity.service import Integrity
from newsroom.projections.tables import article_summaries
from newsroom.serialize import article_document
from newsroom.timefmt import as_utc


def env_for(var: Path, url: str | None) -> dict[str, str]:
    env = {"NEWSROOM_VAR_DIR": str(var)}
    if url:
        env["NEWSROOM_DATABASE_URL"] = url
    return env


def cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def stored_rows(services: Services) -> list[tuple[int, str, int, str, bytes]]:
    return [(r.position, r.originator_id, r.version, r.topic, r.state)
            for r in Attacker(Integrity.of(services)).rows()]


def article_versions(services: Services) -> dict[tuple[str, int], str]:
    """Every article at every version, as the API would render it."""
    found: dict[tuple[str, int], str] = {}
    app = services.app
    for article_id in app.iter_article_ids():
        last = app.repository.get(article_id).version
        for version in range(1, last + 1):
            article = app.repository.get(article_id, version=version)
            assert isinstance(article, Article)
            found[(str(article_id), version)] = json.dumps(article_document(article, {}),
                                                          sort_keys=True)
    return found


def summary_rows(services: Services) -> list[tuple[object, ...]]:
    services.projections.catch_up()
    with services.engine.connect() as conn:
        rows = conn.execute(article_summaries.select().order_by(article_summaries.c.id)).all()
    # The two databases hand back times differently (naive UTC vs aware): compare instants.
    return [tuple(as_utc(v).isoformat() if isinstance(v, datetime) else v for v in row)
            for row in rows]


@pytest.mark.parametrize(("source_kind", "target_kind"),
                         [("sqlite", "postgres"), ("postgres", "sqlite"), ("sqlite", "sqlite")])
def test_export_import_verify_compare(source_kind: str, target_kind: str, tmp_path: Path,
                                      request: pytest.FixtureRequest) -> None:
    pg = request.getfixturevalue("pg_schema_url") if "postgres" in (
        source_kind, target_kind) else None
    source_env = env_for(tmp_path / "src", pg if source_kind == "postgres" else None)
    target_env = env_for(tmp_path / "dst", pg if target_kind == "postgres" else None)
    source = build(settings_for(tmp_path / "src", source_env.get("NEWSROOM_DATABASE_URL")))
    try:
        populate(source)
        Integrity.of(source).checkpoint()
        populate_tail(source)  # after the checkpoint: chained by the export itself
        export = tmp_path / "log.jsonl"
        code, output = cli(source_env, "audit", "export", str(export), "--json")
        assert code == 0, output
        expected_rows = stored_rows(source)
        expected_versions = article_versions(source)
        expected_summaries = summary_rows(source)
    finally:
        source.close()

    lines = [json.loads(line) for line in export.read_text("utf-8").splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["public_key"]
    assert [line["type"] for line in lines].count("event") == len(expected_rows)
    assert any(line["type"] == "checkpoint" for line in lines)
    assert lines[-1]["type"] == "end"

    code, output = cli(target_env, "audit", "import", str(export), "--json")
    assert code == 0, output
    report = json.loads(output[output.index("{"):])
    assert report["verify"]["ok"] and report["verify"]["checked"] == len(expected_rows)

    target = build(settings_for(tmp_path / "dst", target_env.get("NEWSROOM_DATABASE_URL")))
    try:
        assert stored_rows(target) == expected_rows  # byte for byte, same positions
        assert article_versions(target) == expected_versions
        assert summary_rows(target) == expected_summaries
        assert Integrity.of(target).verify(checkpoint_files=[export]).ok
        # The imported store keeps working: a new command chains after the old head.
        target.app.add_user("after-import", "password-after", ["editor"])
        Integrity.of(target).catch_up()
        assert Integrity.of(target).verify().ok
    finally:
        target.close()

    code, output = cli(target_env, "audit", "import", str(export))
    assert code != 0 and "not empty" in output


def populate_tail(services: Services) -> None:
    services.app.add_user("tail-user", "password-tail", ["translator"])


def test_an_altered_export_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source = build(settings_for(tmp_path / "src"))
    try:
        populate(source, articles=2)
        Integrity.of(source).checkpoint()
    finally:
        source.close()
    export = tmp_path / "log.jsonl"
    assert cli(env_for(tmp_path / "src", None), "audit", "export", str(export))[0] == 0
    lines = export.read_text("utf-8").splitlines()
    number = next(n for n, line in enumerate(lines) if '"Article.Created"' in line
                  or "article:Article.Created" in line)
    event = json.loads(lines[number])
    state = base64.b64decode(event["state"])
    assert b"Montr" in state
    event["state"] = base64.b64encode(state.replace(b"Montr", b"Mintr")).decode()
    lines[number] = json.dumps(event)
    export.write_text("\n".join(lines) + "\n", "utf-8")

    code, output = cli(env_for(tmp_path / "dst", None), "audit", "import", str(export))
    assert code != 0 and "does not chain to its exported hashes" in output
    target = build(settings_for(tmp_path / "dst"))
    try:
        assert stored_rows(target) == []
    finally:
        target.close()

    truncated = tmp_path / "cut.jsonl"
    truncated.write_text("\n".join(lines[:number]) + "\n", "utf-8")
    code, output = cli(env_for(tmp_path / "dst", None), "audit", "import", str(truncated))
    assert code != 0 and "truncated" in output


def test_verify_cli_names_the_first_bad_event_and_exits_non_zero(tmp_path: Path) -> None:
    services = build(settings_for(tmp_path / "var"))
    try:
        populate(services, articles=2)
        integrity = Integrity.of(services)
        integrity.checkpoint()
        attacker = Attacker(integrity)
        row = attacker.rows()[7]
        attacker.set_state(row.position, row.state + b" ")
    finally:
        services.close()
    env = env_for(tmp_path / "var", None)
    code, output = cli(env, "audit", "verify", "--json")
    assert code == 1
    document = json.loads(output)
    assert set(document) >= {"ok", "checked", "first_bad"}
    assert document["ok"] is False and document["checked"] == 7
    assert document["first_bad"]["position"] == row.position
    assert document["first_bad"]["version"] == row.version
    assert document["first_bad"]["article_id"].replace("-", "") == row.originator_id
    code, output = cli(env, "audit", "verify")
    assert code == 1 and f"position {row.position}" in output and "payload changed" in output


def test_checkpoint_and_public_key_commands_pin_the_key(tmp_path: Path) -> None:
    env = env_for(tmp_path / "var", None)
    services = build(settings_for(tmp_path / "var"))
    try:
        populate(services, articles=1)
    finally:
        services.close()
    code, output = cli(env, "audit", "checkpoint", "--json")
    assert code == 0, output
    checkpoint = json.loads(output[output.index("{"):])
    assert checkpoint["seq"] == 15 and len(checkpoint["signature"]) == 128
    key_file = tmp_path / "var" / "signing.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var" / "checkpoints.jsonl").read_text("utf-8").count("\n") == 1
    code, pem = cli(env, "audit", "public-key")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "trusted.pub").write_text(pem)
    code, output = cli(env, "audit", "verify", "--trusted-key", str(tmp_path / "trusted.pub"))
    assert code == 0 and "OK: 15 events verified" in output
    # Another key in the signing-key file (someone swapped it) no longer matches the pin.
    key_file.unlink()
    cli(env, "audit", "checkpoint")
    code, output = cli(env, "audit", "verify", "--trusted-key", str(tmp_path / "trusted.pub"))
    assert code == 1 and "not by the trusted key" in output


def test_checkpoint_cli_refuses_a_head_record_moved_back(tmp_path: Path) -> None:
    services = build(settings_for(tmp_path / "var"))
    try:
        populate(services, articles=1)
        integrity = Integrity.of(services)
        integrity.checkpoint()
        from conftest import make_user

        make_user(services, "late-arrival", "editor")
        integrity.catch_up()
        Attacker(integrity).move_head_back(10)
    finally:
        services.close()
    env = env_for(tmp_path / "var", None)
    result = CliRunner().invoke(main, ["audit", "checkpoint"], env=env)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    assert "head record was altered" in result.output and "Traceback" not in result.output
    code, output = cli(env, "audit", "verify")
    assert code == 1 and "chain head record altered" in output


@pytest.mark.parametrize("content", ["", "-----BEGIN PUBLIC KEY-----\nAAAA\n", '{"x":1}\n'],
                         ids=["empty", "pem", "json"])
def test_verify_cli_refuses_a_checkpoints_file_without_checkpoints(
        tmp_path: Path, content: str) -> None:
    services = build(settings_for(tmp_path / "var"))
    try:
        populate(services, articles=1)
        Integrity.of(services).checkpoint()
    finally:
        services.close()
    env = env_for(tmp_path / "var", None)
    (tmp_path / "kept.jsonl").write_text(content)
    code, output = cli(env, "audit", "verify", "--checkpoints", str(tmp_path / "kept.jsonl"))
    assert code != 0 and "holds no checkpoint line" in output, output
    (tmp_path / "kept.jsonl").write_text((tmp_path / "var" / "checkpoints.jsonl").read_text())
    code, output = cli(env, "audit", "verify", "--json", "--checkpoints",
                       str(tmp_path / "kept.jsonl"))
    assert code == 0, output
    sources = json.loads(output)["checkpoint_sources"]
    assert sources == [{"source": "store", "checkpoints": 1},
                       {"source": str(tmp_path / "var" / "checkpoints.jsonl"), "checkpoints": 1},
                       {"source": str(tmp_path / "kept.jsonl"), "checkpoints": 1}]


def test_import_pins_a_trusted_key_and_warns_about_the_signing_key(tmp_path: Path) -> None:
    source = build(settings_for(tmp_path / "source"))
    try:
        populate(source, articles=1)
        Integrity.of(source).checkpoint()
    finally:
        source.close()
    source_env = env_for(tmp_path / "source", None)
    assert cli(source_env, "audit", "export", str(tmp_path / "log.jsonl"))[0] == 0
    code, pem = cli(source_env, "audit", "public-key")
    assert code == 0, pem
    (tmp_path / "source.pub").write_text(pem)
    from newsroom.integrity import keys

    (tmp_path / "stranger.pub").write_text(
        keys.public_pem(keys.create_key(tmp_path / "stranger.key")))

    # A store without the key file: import works, and says what to copy.
    runner = CliRunner()
    target_env = env_for(tmp_path / "target", None)
    result = runner.invoke(main, ["audit", "import", str(tmp_path / "log.jsonl"),
                                  "--trusted-key", str(tmp_path / "source.pub")],
                           env=target_env)
    assert result.exit_code == 0, result.output
    assert "does not exist: copy the key file" in result.output

    # Pinned to a key that did not sign the export: the import verifies as forged.
    other_env = env_for(tmp_path / "other", None)
    keys.create_key(tmp_path / "other" / "signing.key")
    result = runner.invoke(main, ["audit", "import", str(tmp_path / "log.jsonl"),
                                  "--trusted-key", str(tmp_path / "stranger.pub")],
                           env=other_env)
    assert result.exit_code == 1 and "not by the trusted key" in result.output
    assert "holds another key than the one that signed" in result.output
