"""The `newsroom` command. Each subcommand builds its services on demand, so every
command works in an empty directory and creates the stores on first use."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from newsroom.application.replay import PublicAsOf
from newsroom.auditdocs import public_document
from newsroom.bootstrap import Services, build
from newsroom.cligroup import NewsroomGroup
from newsroom.config import ConfigError, Settings
from newsroom.domain.errors import DomainError, ValidationFailed
from newsroom.domain.policy import AUDITOR, Actor
from newsroom.jsonable import jsonable
from newsroom.serialize import article_document, history_document
from newsroom.supervise import Supervisor
from newsroom.timefmt import parse_aware
from newsroom.versions import MAX_VERSION

# Shell access to the store is operator access; reads through the CLI act as an
# auditor so they stay read-only.
CLI_READER = Actor(user_id=UUID(int=1), name="cli", roles=frozenset({AUDITOR}))


def _services() -> Services:
    try:
        return build(Settings.from_env())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _emit(as_json: bool, data: Any, text: str) -> None:
    click.echo(json.dumps(jsonable(data), ensure_ascii=False, indent=2) if as_json else text)


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(str(exc))


def _local(value: datetime, settings: Settings) -> str:
    return value.astimezone(settings.zone).strftime("%Y-%m-%d %H:%M:%S %Z")


@click.group(cls=NewsroomGroup)
def main() -> None:
    """Newsroom: event-sourced newsroom workflow service."""


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def migrate(as_json: bool) -> None:
    """Create or migrate the event store and read models (idempotent)."""
    services = _services()
    try:
        services.projections.catch_up()
        _emit(as_json, {"ok": True}, "stores are ready")
    finally:
        services.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not seed demo users and articles.")
def run(host: str, port: int, no_demo: bool) -> None:
    """Serve the web UI and JSON API on the embedded defaults."""
    from werkzeug.serving import run_simple

    from newsroom import demo
    from newsroom.demo.session import DEMO_WORKER_ENV, DemoSession
    from newsroom.web import create_app

    # Feeds, sitemaps and syndicated item URIs are built on the public address; unless
    # the deployment names one, it is where this command serves (children inherit it).
    os.environ.setdefault("NEWSROOM_BASE_URL", f"http://{_browsable(host)}:{port}")
    services = _services()
    _ensure_signing_key(services)
    session = None if no_demo else DemoSession(services, port)
    services.projections.catch_up()
    app = create_app(services)
    background = _background_processes(None if no_demo else DEMO_WORKER_ENV)
    # A plain SIGTERM would skip the cleanup below and orphan the worker and dispatcher.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        background.start()
        url = f"http://{host}:{port}"
        click.echo(f"Newsroom is serving at {url}/  (API: {url}/api/v1, "
                   f"spec: {url}/api/openapi.json)")
        if not no_demo:
            click.echo(f"Demo logins (password '{demo.DEMO_PASSWORD}'), with API tokens "
                       "valid 30 days:")
            for user in demo.DEMO_USERS:
                token, _ = services.app.issue_token(user.name, 30)
                click.echo(f"  {user.name:<11} {token}")
            for line in session.describe() if session else []:
                click.echo(line)
            click.echo(f"Seed article (draft): {url}/api/v1/articles/{demo.SEED_ARTICLE_ID}")
        sys.stdout.flush()
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        # A second signal must not cut the children's shutdown short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        background.stop()
        if session is not None:
            session.stop()


def _browsable(host: str) -> str:
    """A wildcard bind address is not one a reader can open."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (compares, never binds)


def _background_processes(extra_env: dict[str, str] | None = None) -> Supervisor:
    """The dispatcher and one worker, as child processes kept running: the web
    process itself never talks to the broker. ``extra_env`` (the demo's) reaches
    only them."""
    command = [sys.executable, "-m", "newsroom"]
    return Supervisor(
        {"dispatcher": [*command, "dispatcher"],
         "worker": [*command, "worker", "--concurrency", "1"]},
        env={**os.environ, **(extra_env or {})},
        say=lambda line: click.echo(f"newsroom run: {line}", err=True))


@main.command()
@click.option("--concurrency", "-c", default=2, show_default=True, type=int,
              help="Worker processes.")
@click.option("--queues", "-Q", default="translation,syndication", show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int, queues: str, loglevel: str) -> None:
    """Run a Celery worker for translation and syndication tasks."""
    from workers.celery_app import make_app

    services = _services()  # creates or migrates the stores once, before forking
    services.close()
    celery_app = make_app(services.settings)
    celery_app.worker_main([
        "worker", f"--concurrency={concurrency}", f"--queues={queues}",
        f"--loglevel={loglevel}", "--without-gossip", "--without-mingle",
        "--hostname=newsroom-%h-" + str(os.getpid()),
    ])


@main.command()
@click.option("--poll-interval", default=0.2, show_default=True, type=float)
@click.option("--reconcile-interval", default=30.0, show_default=True, type=float)
@click.option("--reconcile-after", default=60.0, show_default=True, type=float,
              help="Seconds a translation may stay requested before it is re-enqueued.")
def dispatcher(poll_interval: float, reconcile_interval: float, reconcile_after: float) -> None:
    """Follow the event log and enqueue background work (and reconcile lost work)."""
    from workers.celery_app import make_app
    from workers.dispatcher import Dispatcher, celery_sender

    services = _services()
    celery_app = make_app(services.settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo("dispatcher: following the event log")
    try:
        Dispatcher(services, celery_sender(celery_app),
                   reconcile_after=timedelta(seconds=reconcile_after)).run(
            stop, poll_interval=poll_interval, reconcile_interval=reconcile_interval)
    finally:
        services.close()


@main.group()
def users() -> None:
    """Manage users and API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["journalist", "editor", "translator", "auditor", "admin"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--json", "as_json", is_flag=True)
def users_add(name: str, roles: tuple[str, ...], password_stdin: bool, as_json: bool) -> None:
    """Add a user with one or more roles."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    services = _services()
    try:
        user_id = services.app.add_user(name, password, list(roles))
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        services.close()
    _emit(as_json, {"id": user_id, "name": name, "roles": list(roles)},
          f"added {name} ({', '.join(roles)})")


@users.command("token")
@click.argument("name")
@click.option("--expires-in", "days", default=30, show_default=True, type=int,
              help="Days until the token expires.")
@click.option("--json", "as_json", is_flag=True)
def users_token(name: str, days: int, as_json: bool) -> None:
    """Print a new API token for NAME."""
    services = _services()
    try:
        token, expires_at = services.app.issue_token(name, days)
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        services.close()
    _emit(as_json, {"token": token, "expires_at": expires_at, "token_id": token.split(".")[2]},
          token)


@users.command("revoke-token")
@click.argument("name")
@click.argument("token_id")
def users_revoke_token(name: str, token_id: str) -> None:
    """Revoke one of NAME's tokens (the third dot-separated part of the token)."""
    services = _services()
    try:
        services.app.revoke_token(name, UUID(hex=token_id))
    except (DomainError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()
    click.echo("revoked")


def _article_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an article id (a UUID)") from None


def _chain_hashes(services: Services, entries: list[Any]) -> dict[tuple[UUID, int], str]:
    from newsroom.integrity.service import Integrity

    return Integrity.of(services).stream_hashes(list({e.originator_id for e in entries}))


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
def history(article_id: str, as_json: bool) -> None:
    """Show who did what and when, for each version of an article."""
    services = _services()
    try:
        entries = services.app.history(CLI_READER, _article_id(article_id))
        hashes = _chain_hashes(services, entries)
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        services.close()
    lines = [f"{'pos':>6} {'stream':<16} {'v':>4}  {'event':<26} {'actor':<12} {'role':<11} when"]
    for e in entries:
        lines.append(
            f"{e.position or '':>6} {e.stream:<16} {e.version:>4}  {e.type:<26} {e.actor:<12} "
            f"{e.role:<11} {_local(e.at, services.settings)}"
        )
    _emit(as_json, history_document(entries, hashes), "\n".join(lines))


@main.command()
@click.argument("article_id")
@click.option("--version", type=click.IntRange(1, MAX_VERSION),
              help="Show the article as of this version.")
@click.option("--at", "at_text", help="Show the article as of this moment (ISO 8601 with offset).")
@click.option("--json", "as_json", is_flag=True)
def replay(article_id: str, version: int | None, at_text: str | None, as_json: bool) -> None:
    """Show an article as it stood at a past version or moment. With --at, also what
    the public page showed then in every language, and which version each subscriber
    had received by then (JSON: the "public_page" key)."""
    if (version is None) == (at_text is None):
        raise click.UsageError("give exactly one of --version N or --at ISO8601")
    at = _moment_option(at_text)
    services = _services()
    public = None
    try:
        app = services.app
        article = app.get_article(CLI_READER, _article_id(article_id), version=version, at=at)
        document = article_document(article, app.translations_of(article, at or
                                                                   article.modified_on))
        if at is not None:
            public = app.public_as_of(CLI_READER, article.id, at)
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        services.close()
    text = (
        f"{document['headline']}\n"
        f"version {document['version']} · {document['state']} · {document['language']} · "
        f"as of {_local(article.modified_on, services.settings)}\n\n{document['body']}"
    )
    if public is not None:
        zone_local = public.at.astimezone(services.settings.zone).isoformat()
        document["public_page"] = public_document(public, zone_local)
        text += "\n\n" + "\n".join(public_page_lines(public, services.settings))
    _emit(as_json, document, text)


def _moment_option(text: str | None) -> datetime | None:
    try:
        return parse_aware("at", text) if text else None
    except ValidationFailed as exc:
        raise click.BadParameter(str(exc).removeprefix("at: "), param_hint="'--at'"
                                 ) from None


def public_page_lines(public: PublicAsOf, settings: Settings) -> list[str]:
    """The replay's public page and receipts as terminal lines."""
    utc = public.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"Public page at {_local(public.at, settings)} ({utc}):"]
    for e in public.editions:
        if e.public:
            lines.append(f"  {e.language} ({e.kind}): revision {e.revision} · {e.headline}")
            if e.first_published_at and e.updated_at:
                lines.append(f"      first published {_local(e.first_published_at, settings)}"
                             f", updated {_local(e.updated_at, settings)}")
        else:
            lines.append(f"  {e.language} ({e.kind}): not public — {e.why}")
    received = public.received()
    lines.append("Received by then:" if received else "Received by then: no subscriber")
    for r in received:
        delivered = _local(r.delivered_at, settings) if r.delivered_at else ""
        lines.append(f"  {r.subscriber} · {r.language} · revision {r.revision} ({r.kind}) · "
                     f"{delivered}")
    for red in public.redactions:
        lines.append(f"Redacted: stream {red.target_id} v{red.target_version} at "
                     f"{_local(red.at, settings)} ({red.role}): {red.reason} "
                     f"— {red.reference}")
    return lines


@main.group()
def projections() -> None:
    """Read models derived from the event log."""


@projections.command("rebuild")
@click.option("--name", help="Rebuild only this read model.")
def projections_rebuild(name: str | None) -> None:
    """Drop read models and rebuild them from the log, with a progress bar."""
    from tqdm import tqdm

    services = _services()
    try:
        names = [name] if name else list(services.projections.projections)
        unknown = [n for n in names if n not in services.projections.projections]
        if unknown:
            raise click.BadParameter(f"no read model named {unknown[0]!r}")
        total = services.app.recorder.max_notification_id() or 0
        for projection_name in names:
            with tqdm(total=total, desc=projection_name, unit="ev") as bar:
                services.projections.rebuild(projection_name, progress=bar.update)
                bar.n = total
                bar.refresh()
    finally:
        services.close()


# ---- audit (integrity, DESIGN §4) -----------------------------------------------------


def _ensure_signing_key(services: Services) -> None:
    from newsroom.integrity.service import NEW_KEY_WARNING, Integrity

    if Integrity.of(services).ensure_signing_key():
        click.secho("warning: " + NEW_KEY_WARNING.format(path=services.settings.signing_key_file),
                    err=True, fg="yellow")


@main.group()
def audit() -> None:
    """Tamper evidence: verify the log, sign checkpoints, export and import it."""


@audit.command("verify")
@click.option("--checkpoints", "checkpoint_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A checkpoint or export file kept outside the store (repeatable).")
@click.option("--trusted-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The public key checkpoints must be signed with (PEM or hex).")
@click.option("--json", "as_json", is_flag=True)
def audit_verify(checkpoint_files: tuple[Path, ...], trusted_key: Path | None,
                 as_json: bool) -> None:
    """Recompute the hash chains from the stored events; exit 0 only if they verify."""
    from tqdm import tqdm

    from newsroom.integrity.checkpoints import CheckpointFileError
    from newsroom.integrity.keys import SigningKeyError
    from newsroom.integrity.service import Integrity

    services = _services()
    try:
        integrity = Integrity.of(services)
        total = services.app.recorder.max_notification_id() or 0
        with tqdm(total=total, desc="verify", unit="ev", file=sys.stderr,
                  disable=None) as bar:
            result = integrity.verify(checkpoint_files=checkpoint_files,
                                      trusted_key_file=trusted_key, progress=bar.update)
    except (CheckpointFileError, SigningKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()
    _emit(as_json, result.document(), _verify_text(result))
    if not result.ok:
        sys.exit(1)


def _verify_text(result: Any) -> str:
    notes = [f"{len(result.redacted)} redacted"] if result.redacted else []
    if result.unchained:
        notes.append(f"{result.unchained} not chained yet")
    from newsroom.integrity.keys import key_id

    sources = ", ".join(f"{s['checkpoints']} from {s['source']}"
                        for s in result.checkpoint_sources)
    signed = (f"{result.checkpoints} signed checkpoint(s)"
              + (f" ({sources})" if sources else "")
              + (f", trusted key {key_id(result.trusted_key)}" if result.trusted_key else
                 ", no trusted key to check them against"))
    if result.ok:
        extra = f" ({', '.join(notes)})" if notes else ""
        return f"OK: {result.checked} events verified{extra}; {signed}"
    bad = result.document()["first_bad"]
    return (f"TAMPERED after {result.checked} good events; first bad event:\n"
            f"  stream   {bad['article_id'] or '-'}\n  version  {bad['version'] or '-'}\n"
            f"  position {bad['position'] or '-'}\n  problem  {bad['problem']}")


@audit.command("checkpoint")
@click.option("--json", "as_json", is_flag=True)
def audit_checkpoint(as_json: bool) -> None:
    """Chain every new event and sign a checkpoint of the head now."""
    from newsroom.integrity.chain import ChainHeadMismatch
    from newsroom.integrity.keys import SigningKeyError
    from newsroom.integrity.service import Integrity

    services = _services()
    try:
        _ensure_signing_key(services)
        checkpoint = Integrity.of(services).checkpoint()
    except (SigningKeyError, ChainHeadMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()
    _emit(as_json, checkpoint.document(),
          f"checkpoint {checkpoint.seq} (position {checkpoint.position}) signed by key "
          f"{checkpoint.key_id}; head {checkpoint.head}\nappended to "
          f"{services.settings.checkpoints_file}")


@audit.command("public-key")
def audit_public_key() -> None:
    """Print the public half of the signing key (PEM), for --trusted-key."""
    from newsroom.integrity.keys import SigningKeyError, load_key, public_pem

    settings = _settings()
    try:
        click.echo(public_pem(load_key(settings.signing_key_file)), nl=False)
    except (OSError, SigningKeyError) as exc:
        raise click.ClickException(f"{settings.signing_key_file}: {exc}") from None


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@audit.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def audit_export(file: Path, as_json: bool) -> None:
    """Write the whole log, its hashes, checkpoints and public key as JSON Lines."""
    from tqdm import tqdm

    from newsroom.integrity.chain import ChainHeadMismatch
    from newsroom.integrity.service import Integrity
    from newsroom.integrity.transfer import TransferError, export_log

    services = _services()
    try:
        total = services.app.recorder.max_notification_id() or 0
        with tqdm(total=total, desc="export", unit="ev", file=sys.stderr, disable=None) as bar:
            summary = export_log(Integrity.of(services), file, progress=bar.update)
    except (TransferError, ChainHeadMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()
    _emit(as_json, vars(summary),
          f"exported {summary.events} events and {summary.checkpoints} checkpoint(s) to "
          f"{file}; head {summary.head}")


def _export_has_key(path: Path) -> bool:
    with path.open(encoding="utf-8") as handle:
        return '"public_key":"' in handle.readline()


def _signing_key_warning(settings: Settings, export: Path) -> str | None:
    """Why the signing key here will not carry on the export's checkpoints, if so: the
    next checkpoint would be signed by a new key, and a verify pinned to the export's
    key would then fail (docs/operations.md: copy the key file along)."""
    from newsroom.integrity.keys import SigningKeyError, load_key, public_hex, read_trusted_key

    path = settings.signing_key_file
    try:
        exported = read_trusted_key(export) if _export_has_key(export) else None
    except SigningKeyError:
        exported = None
    if not path.exists():
        return (f"the signing key file {path} (NEWSROOM_SIGNING_KEY_FILE) does not exist: "
                "copy the key file from the installation that made the export before the "
                "next checkpoint, or that checkpoint creates a new key and checkpoints will "
                "no longer verify against the export's key")
    try:
        here = public_hex(load_key(path))
    except (OSError, SigningKeyError) as exc:
        return f"the signing key file {path} cannot be read: {exc}"
    if exported is not None and here != exported:
        return (f"the signing key file {path} holds another key than the one that signed "
                "the export's checkpoints: new checkpoints will be signed by it, and a "
                "verify pinned to the export's key will fail. Copy the key file from the "
                "installation that made the export")
    return None


@audit.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trusted-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The public key the export's checkpoints and redactions must be "
                   "signed with (PEM or hex); without it the export's own key is used.")
@click.option("--json", "as_json", is_flag=True)
def audit_import(file: Path, trusted_key: Path | None, as_json: bool) -> None:
    """Load an export into an EMPTY store, rebuild read models, then verify."""
    from tqdm import tqdm

    from newsroom.integrity import restore
    from newsroom.integrity.keys import SigningKeyError
    from newsroom.integrity.service import Integrity
    from newsroom.integrity.transfer import TransferError, import_log

    services = _services()
    warning = _signing_key_warning(services.settings, file)
    if warning:
        click.secho(f"warning: {warning}", err=True, fg="yellow")
    try:
        integrity = Integrity.of(services)
        with tqdm(desc="import", unit="ev", file=sys.stderr, disable=None) as bar:
            summary = import_log(integrity, file, progress=bar.update)
        with tqdm(desc="snapshots", unit="stream", file=sys.stderr, disable=None) as bar:
            restore.regenerate_snapshots(services, progress=bar.update)
        with tqdm(desc="read models", unit="ev", file=sys.stderr, disable=None) as bar:
            restore.rebuild_read_models(services, progress=bar.update)
        restore.skip_side_effects(services)
        # Without a pinned key, the export's own: its checkpoints were checked against
        # it on the way in, which proves consistency, not origin.
        pinned = trusted_key or (file if _export_has_key(file) else None)
        result = integrity.verify(checkpoint_files=[file], trusted_key_file=pinned)
    except (TransferError, SigningKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.close()
    document = {**vars(summary), "verify": result.document()}
    _emit(as_json, document,
          f"imported {summary.events} events and {summary.checkpoints} checkpoint(s); "
          f"read models rebuilt\n{_verify_text(result)}")
    if not result.ok:
        sys.exit(1)
