"""The demo's partner: a tiny webhook receiver that `newsroom run` starts beside the
demo webhook subscriber, so a newcomer can watch signed deliveries arrive without
setting up anything.

It listens on loopback only, answers ``POST /webhook``, and checks each request the
way a partner should, per the Standard Webhooks spec:

- ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` are all present;
- the timestamp is within five minutes of now (a replayed old message is refused);
- one of the ``v1,<base64>`` signatures is the HMAC-SHA256 of
  ``"{id}.{timestamp}.{body}"`` keyed with the subscriber's secret.

A verified payload is written to ``<directory>/<webhook-id>.<json|xml>`` (write to a
temporary name, then rename, so nobody reads half a file) and answered 204; a
repeat of the same id overwrites the file with the same bytes, which is what
de-duplicating by ``webhook-id`` means. Anything else is answered 4xx and written
nowhere. Plain standard library: this is demo code, not a product feature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsroom.webhook_secrets import InvalidSecret, parse_secret

PATH = "/webhook"
TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 16 * 1024 * 1024
# Delivery ids are UUIDs; anything looser could escape the directory.
_WEBHOOK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


class SignatureRejected(ValueError):
    """A request that did not prove it came from the newsroom; the text says why."""


def verify(key: bytes, headers: dict[str, str], body: bytes, now: float) -> str:
    """The request's webhook id when its Standard Webhooks signature holds."""
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise SignatureRejected("missing webhook-id, webhook-timestamp or webhook-signature")
    if not _WEBHOOK_ID.fullmatch(msg_id):
        raise SignatureRejected("malformed webhook-id")
    if not stamp.isascii() or not stamp.isdigit():
        raise SignatureRejected("malformed webhook-timestamp")
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise SignatureRejected("webhook-timestamp too far from now")
    signed = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return msg_id
    raise SignatureRejected("no valid v1 signature")


def _extension(content_type: str) -> str:
    media = content_type.split(";", 1)[0].strip().lower()
    return "xml" if media.endswith(("/xml", "+xml")) else "json"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class DemoReceiver:
    """Bound at construction (so the demo subscriber's URL can name the port), serving
    once `start` gives it the subscriber's secret."""

    def __init__(self, directory: Path, ports: list[int]) -> None:
        self.directory = directory
        self._key: bytes | None = None
        self._thread: threading.Thread | None = None
        self._server = _bind([*ports, 0], self)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def start(self, secret: str) -> None:
        try:
            self._key = parse_secret(secret)
        except InvalidSecret as exc:
            raise ValueError(f"the demo webhook subscriber's secret: {exc}") from None
        self.directory.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="demo-webhook-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def accept(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """(status, reason) for one POST; writes the payload when it verifies."""
        if self._key is None:
            return 503, "not ready"
        try:
            msg_id = verify(self._key, headers, body, time.time())
        except SignatureRejected as exc:
            return 401, str(exc)
        name = f"{msg_id}.{_extension(headers.get('content-type', ''))}"
        _write_atomically(self.directory / name, body)
        return 204, "stored"


def _bind(ports: list[int], receiver: DemoReceiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "newsroom-demo-receiver"

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != PATH:
                self._answer(404, "not found")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._answer(411, "Content-Length required")
                return
            if not 0 <= length <= MAX_BODY_BYTES:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reason = receiver.accept(headers, body)
            if status != 204:
                print(f"demo receiver: refused a delivery ({reason})", file=sys.stderr)
            self._answer(status, reason)

        def _answer(self, status: int, reason: str) -> None:
            data = b"" if status == 204 else reason.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per delivery would drown the server's own output

    last_error: OSError | None = None
    for port in ports:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            last_error = exc
            continue
        return server
    raise OSError(f"the demo webhook receiver could not bind: {last_error}")

