"""The common part of the stubs: a threaded server, a request log, a fault queue
and a fake, chunk-independent "translation"."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

# Whole words only, so a text cut anywhere between words translates the same.
GLOSSARY = {"Corée": "Corea", "Nord": "Norte", "du": "del", "bonjour": "hola",
            "Bonjour": "Hola", "le": "el", "chat": "gato"}
UNKNOWN = "Zorglub"  # the APy stub marks it as unknown, as Apertium would

Answer = tuple[int, dict[str, str], bytes]


def fake_translate(text: str) -> str:
    out, word = [], []
    for char in text + "\0":
        if char.isalpha():
            word.append(char)
            continue
        if word:
            token = "".join(word)
            out.append(GLOSSARY.get(token, token))
            word = []
        out.append(char)
    return "".join(out[:-1])


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, Any] = field(default_factory=dict)


def json_answer(status: int, document: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {"Content-Type": "application/json", **(headers or {})}, \
        json.dumps(document, ensure_ascii=False).encode("utf-8")


class StubServer:
    """Subclasses implement `answer(request)` and `error(status, message)`."""

    slow_seconds = 3.0

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: deque[str] = deque()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _serve(self, body: bytes) -> None:
                status, headers, payload = stub.dispatch(self.command, self.path,
                                                         dict(self.headers.items()), body)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)  # the client may have given up (timeouts)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def dispatch(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        request = Recorded(method, parts.path, headers, body)
        content_type = headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                request.form = json.loads(body)
            except ValueError:
                request.form = {}
        else:
            query = parts.query + "&" + body.decode("utf-8", "replace")
            request.form = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(request)
            fault = self.faults.popleft() if self.faults else None
        if fault == "slow":
            time.sleep(self.slow_seconds)
        elif fault == "badjson":
            return 200, {"Content-Type": "application/json"}, b'{"not json'
        elif fault == "429":
            return self.error(429, "Too many requests", {"Retry-After": "7"})
        elif fault is not None:
            return self.error(int(fault), f"stub fault {fault}")
        return self.answer(request)

    def answer(self, request: Recorded) -> Answer:
        raise NotImplementedError

    def error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
        return json_answer(status, {"error": message}, headers)
