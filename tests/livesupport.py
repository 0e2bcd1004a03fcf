"""Helpers for end-to-end tests: a real `newsroom run` server process and screenshots."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    workdir: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)  # everything it printed so far


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workdir: Path, *extra: str) -> LiveServer:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsroom", "run", "--port", str(port), *extra],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    tokens: dict[str, str] = {}
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if match := re.match(r"\s+(\w+)\s+(nr1\.\S+)", line):
            tokens[match.group(1)] = match.group(2)
        if line.startswith(("Seed article", "Newsroom is serving")) and (
            "--no-demo" in extra or line.startswith("Seed article")
        ):
            break
        if proc.poll() is not None:
            raise AssertionError("server exited:\n" + "".join(lines))
    # Keep reading: a full pipe would block the server and its worker mid-log.
    threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True).start()
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    return LiveServer(url=url, tokens=tokens, workdir=workdir, process=proc, output=lines)


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


def screenshot(page: object, name: str) -> Path:
    """Saves a full-page screenshot as a test artifact (git-ignored folder)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def call(url: str, method: str, path: str, token: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
