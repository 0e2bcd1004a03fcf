"""The `newsroom` command. Each subcommand builds its services on demand, so every
command works in an empty directory and creates the stores on first use."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import click

from newsroom.bootstrap import Services, build
from newsroom.config import ConfigError, Settings
from newsroom.domain.errors import DomainError
from newsroom.domain.policy import AUDITOR, Actor
from newsroom.jsonable import jsonable
from newsroom.serialize import article_document, history_document
from newsroom.timefmt import parse_aware

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


@click.group()
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
    from newsroom.web import create_app

    services = _services()
    if not no_demo:
        demo.seed(services.app)
    services.projections.catch_up()
    app = create_app(services)
    background = _start_background_processes()
    url = f"http://{host}:{port}"
    click.echo(f"Newsroom is serving at {url}/  (API: {url}/api/v1, spec: {url}/api/openapi.json)")
    if not no_demo:
        click.echo(f"Demo logins (password '{demo.DEMO_PASSWORD}'), with API tokens valid 30 days:")
        for user in demo.DEMO_USERS:
            token, _ = services.app.issue_token(user.name, 30)
            click.echo(f"  {user.name:<11} {token}")
        click.echo(f"Seed article (draft): {url}/api/v1/articles/{demo.SEED_ARTICLE_ID}")
    sys.stdout.flush()
    # A plain SIGTERM would skip the cleanup below and orphan the worker and dispatcher.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        _stop_background_processes(background)


def _start_background_processes() -> list[subprocess.Popen[bytes]]:
    """The dispatcher and one worker, as child processes: the web process itself
    never talks to the broker."""
    command = [sys.executable, "-m", "newsroom"]
    return [
        subprocess.Popen([*command, "dispatcher"]),  # noqa: S603 (our own interpreter)
        subprocess.Popen([*command, "worker", "--concurrency", "1"]),  # noqa: S603
    ]


def _stop_background_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


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


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
def history(article_id: str, as_json: bool) -> None:
    """Show who did what and when, for each version of an article."""
    services = _services()
    try:
        entries = services.app.history(CLI_READER, _article_id(article_id))
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
    _emit(as_json, history_document(entries), "\n".join(lines))


@main.command()
@click.argument("article_id")
@click.option("--version", type=int, help="Show the article as of this version.")
@click.option("--at", "at_text", help="Show the article as of this moment (ISO 8601 with offset).")
@click.option("--json", "as_json", is_flag=True)
def replay(article_id: str, version: int | None, at_text: str | None, as_json: bool) -> None:
    """Show an article as it stood at a past version or moment."""
    if (version is None) == (at_text is None):
        raise click.UsageError("give exactly one of --version N or --at ISO8601")
    services = _services()
    try:
        at = parse_aware("at", at_text) if at_text else None
        app = services.app
        article = app.get_article(CLI_READER, _article_id(article_id), version=version, at=at)
        document = article_document(article, app.translations_of(article, at or
                                                                   article.modified_on))
    except DomainError as exc:
        raise _fail(exc) from None
    finally:
        services.close()
    text = (
        f"{document['headline']}\n"
        f"version {document['version']} · {document['state']} · {document['language']} · "
        f"as of {_local(article.modified_on, services.settings)}\n\n{document['body']}"
    )
    _emit(as_json, document, text)


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
