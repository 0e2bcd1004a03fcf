"""Local webhook receivers for the transmitter tests.

`WebhookReceiver(secret)` is a threaded HTTP server on 127.0.0.1 (a free port) that
checks every request's Standard Webhooks signature with the reference
`standardwebhooks` package (`Webhook(secret).verify(body, headers)`), accepts each
`webhook-id` once (a repeat is counted as a duplicate and answered 200, as a real
receiver would), and answers as it is told:

- `receiver.script(b1, b2, ...)`: the next requests get these behaviours in order;
- `WebhookReceiver(secret, seed=7, mix=[(OK, 5), (status(500), 1), ...])`: requests
  with no scripted behaviour draw one at random, deterministically for the seed;
- otherwise `OK` (200, signature checked: a bad signature gets 401).

Behaviours: `OK`, `status(code, body, headers)`, `rate_limited(retry_after)`,
`slow(seconds)`, `drip(seconds_per_byte)`, `DROP` (close without answering), `RESET`
(TCP reset), `redirect(location, code)`, `raw(bytes)` (anything, even non-HTTP).
`tls=` an `ssl.SSLContext` (server side) serves HTTPS instead.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from standardwebhooks import Webhook

MAX_BODY = 64 * 1024 * 1024


@dataclass(frozen=True)
class Behaviour:
    kind: str = "respond"  # respond | slow | drip | drop | reset | raw
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b'{"ok":true}'
    delay: float = 0.0
    raw: bytes = b""

    @property
    def accepts(self) -> bool:
        """Whether a correctly signed request counts as received."""
        return self.kind in ("respond", "slow", "drip") and 200 <= self.status < 300


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Behaviour:
    return Behaviour(status=code, body=body, headers=tuple((headers or {}).items()))


def rate_limited(retry_after: str | None, code: int = 429) -> Behaviour:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return status(code, b'{"error":"slow down"}', headers)


def slow(seconds: float, code: int = 200) -> Behaviour:
    return Behaviour(kind="slow", status=code, delay=seconds)


def drip(seconds_per_byte: float, code: int = 200) -> Behaviour:
    """The answer's status line and headers, one byte at a time."""
    return Behaviour(kind="drip", status=code, delay=seconds_per_byte)


def redirect(location: str, code: int = 302) -> Behaviour:
    return status(code, b"moved", {"Location": location})


def raw(data: bytes) -> Behaviour:
    return Behaviour(kind="raw", raw=data)


OK = Behaviour()
DROP = Behaviour(kind="drop")
RESET = Behaviour(kind="reset")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    behaviour: Behaviour
    signature_ok: bool
    verify_error: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


class WebhookReceiver:
    def __init__(self, secret: str | bytes | None, *, seed: int | None = None,
                 mix: Sequence[tuple[Behaviour, float]] | None = None,
                 tls: ssl.SSLContext | None = None, path: str = "/hook") -> None:
        self.secret = secret
        self.path = path
        self.requests: list[Received] = []
        self.deliveries: dict[str, bytes] = {}  # webhook-id -> body, accepted once
        self.duplicates = 0
        self._script: list[Behaviour] = []
        self._mix = list(mix or [])
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def setup(self) -> None:
                if tls is not None:
                    self.request = tls.wrap_socket(self.request, server_side=True)
                super().setup()

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                behaviour = receiver.record(self.command, self.path, headers, body)
                receiver.answer(self, behaviour)

            do_PUT = do_POST

            def do_GET(self) -> None:
                receiver.answer(self, status(405))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients that give up (timeouts, fuzzing) are expected here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)

    # -- set-up -------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def script(self, *behaviours: Behaviour) -> Self:
        with self._lock:
            self._script.extend(behaviours)
        return self

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- serving ------------------------------------------------------------------

    def _next(self) -> Behaviour:
        if self._script:
            return self._script.pop(0)
        if self._mix:
            behaviours, weights = zip(*self._mix, strict=True)
            return self._random.choices(behaviours, weights)[0]
        return OK

    def verify(self, headers: dict[str, str], body: bytes) -> str:
        """'' when the reference package accepts the signature, else why not."""
        if self.secret is None:
            return "no secret configured"
        try:
            Webhook(self.secret).verify(body, headers, json_parse=False)
        except Exception as exc:  # the reference raises several kinds
            return f"{type(exc).__name__}: {exc}"
        return ""

    def record(self, method: str, path: str, headers: dict[str, str],
               body: bytes) -> Behaviour:
        error = self.verify(headers, body)
        with self._lock:
            behaviour = self._next()
            received = Received(method, path, headers, body, behaviour, not error, error)
            self.requests.append(received)
            if behaviour.accepts and not error:
                if received.webhook_id in self.deliveries:
                    self.duplicates += 1
                else:
                    self.deliveries[received.webhook_id] = body
        if behaviour.accepts and error:
            return status(401, f'{{"error":"bad signature: {error[:80]}"}}'.encode())
        return behaviour

    def answer(self, handler: BaseHTTPRequestHandler, behaviour: Behaviour) -> None:
        handler.close_connection = True
        connection: socket.socket = handler.connection
        with contextlib.suppress(OSError):
            if behaviour.kind == "drop":
                connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour.kind == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
                connection.close()
                return
            if behaviour.kind == "raw":
                handler.wfile.write(behaviour.raw)
                connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour.kind == "slow":
                time.sleep(behaviour.delay)
            head = [f"HTTP/1.1 {behaviour.status} Test\r\n"]
            head += [f"{key}: {value}\r\n" for key, value in behaviour.headers]
            head.append(f"Content-Length: {len(behaviour.body)}\r\nConnection: close\r\n\r\n")
            data = "".join(head).encode("latin-1")
            if behaviour.kind == "drip":
                for index in range(len(data)):
                    handler.wfile.write(data[index:index + 1])
                    time.sleep(behaviour.delay)
            else:
                handler.wfile.write(data)
            handler.wfile.write(behaviour.body)
