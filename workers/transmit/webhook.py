"""The webhook transmitter: an HTTP POST signed per the Standard Webhooks spec.

Headers sent with the payload:

- ``webhook-id``: the delivery id (one per article, version, language and
  subscriber), the same on every retry, so receivers de-duplicate by it;
- ``webhook-timestamp``: `now` in whole Unix seconds;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``
  keyed with the subscriber's secret;
- ``Content-Type``, ``Content-Length``, ``User-Agent``, ``Connection: close``.

Secrets (`parse_secret`): a string ``whsec_<base64>`` as Standard Webhooks
defines it, the key being the base64-decoded part (standard alphabet, padding
optional), or the raw key as bytes. The key must be 24 to 64 bytes, the range
the spec recommends. Any other string is refused rather than guessed at:
`generate_secret()` makes a good one.

Sending (standard library `http.client`, no proxies, no redirects):

- the URL goes through the SSRF guard (`ssrf.check_url`) on every send, and the
  socket is opened to the very address the guard vetted, with the Host header and
  the TLS SNI/certificate check using the name, so DNS rebinding cannot redirect it;
- connect, per-read and whole-attempt timeouts (`connect_timeout`, `read_timeout`,
  `total_timeout`): a receiver dribbling bytes is cut off at `total_timeout`;
- only the first few KB of the answer are read, for the excerpt.

Outcomes: 2xx delivered. 408, 429, 5xx, 1xx, timeouts, refused, reset or dropped
connections, answers that are not HTTP and names that do not resolve are transient
(with Retry-After, in seconds or as an HTTP date, as `retry_after`). 3xx is
permanent (redirects are never followed: configure the final URL), and so are other
4xx, status codes above 599, an unsafe URL, a bad secret and a TLS certificate that
does not verify.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import os
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Self
from uuid import UUID

from newsroom.config import ConfigError
from newsroom.ssrf import (
    Resolver,
    UnsafeTarget,
    VettedTarget,
    check_url,
)
from newsroom.webhook_secrets import (
    InvalidSecret,
    parse_secret,
)
from workers.transmit.base import (
    DELIVERED,
    EXCERPT_CHARS,
    PERMANENT,
    TRANSIENT,
    Attempt,
    AttemptStatus,
    Clock,
    check_content_type,
    check_delivery_id,
    check_payload,
    excerpt,
    sanitize,
    utc_now,
)

USER_AGENT = "newsroom-syndication/1"
EXCERPT_BYTES = EXCERPT_CHARS * 4

SocketFactory = Callable[[tuple[str, int], float], socket.socket]


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_headers(secret: str | bytes, msg_id: str, timestamp: int,
                      body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for a message."""
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(parse_secret(secret), msg_id, timestamp, body)}


def parse_retry_after(value: str | None, now: datetime,
                      cap: float = 86400.0) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date), at most
    `cap`; None when absent or unreadable. A date in the past gives 0."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return min(float(int(text[:15])), cap)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return min(max(0.0, (when - now).total_seconds()), cap)


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str | bytes = field(repr=False)


def _open_socket(address: tuple[str, int], timeout: float) -> socket.socket:
    """A TCP connection to a numeric address (no name resolution)."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


class _Deadline:
    """Shuts the socket down when the whole attempt has taken too long."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shutdown()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._sock is not None:
            # The plain socket's shutdown, also for an SSLSocket: the blocked read
            # ends at once, without touching the TLS state another thread is using.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def finish(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sock = None


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP connection to an address vetted in advance; Host is still the name."""

    def __init__(self, vetted: VettedTarget, address: str, *, connect_timeout: float,
                 read_timeout: float, factory: SocketFactory, deadline: _Deadline) -> None:
        super().__init__(vetted.host, vetted.port, timeout=read_timeout)
        self._address = address
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._factory = factory
        self._deadline = deadline

    def connect(self) -> None:
        sock = self._factory((self._address, self.port), self._connect_timeout)
        self._deadline.attach(sock)
        sock.settimeout(self._read_timeout)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock = self._wrap(sock)
        except BaseException:
            sock.close()
            raise

    def _wrap(self, sock: socket.socket) -> socket.socket:
        return sock


class _PinnedTLSConnection(_PinnedConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, vetted: VettedTarget, address: str, *, context: ssl.SSLContext,
                 connect_timeout: float, read_timeout: float, factory: SocketFactory,
                 deadline: _Deadline) -> None:
        super().__init__(vetted, address, connect_timeout=connect_timeout,
                         read_timeout=read_timeout, factory=factory, deadline=deadline)
        self._context = context

    def _wrap(self, sock: socket.socket) -> socket.socket:
        tls = self._context.wrap_socket(sock, server_hostname=self.host,
                                        do_handshake_on_connect=False)
        self._deadline.attach(tls)  # `sock` is detached now: watch the TLS socket
        try:
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls


def _env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{name}: expected seconds, got {text!r}") from None
    if not 0 < value < 3600:
        raise ConfigError(f"{name}: must be more than 0 and less than 3600 seconds")
    return value


class WebhookTransmitter:
    """Sends signed webhooks. One instance serves any number of targets and threads.

    Knobs: `allow_insecure` (http and loopback/private targets, for tests),
    `resolve` (host -> IP strings; default getaddrinfo), `connect_timeout`,
    `read_timeout` (each read or write), `total_timeout` (the whole attempt),
    `max_retry_after` (cap on a receiver's Retry-After), `user_agent`,
    `ssl_context` (default: the system's trusted CAs, hostname checked) and
    `connect` (a socket factory `(ip, port), timeout -> socket`; default a plain
    TCP connection to the numeric address).
    """

    def __init__(self, *, allow_insecure: bool = False, resolve: Resolver | None = None,
                 connect_timeout: float = 5.0, read_timeout: float = 10.0,
                 total_timeout: float = 30.0, max_retry_after: float = 86400.0,
                 user_agent: str = USER_AGENT, ssl_context: ssl.SSLContext | None = None,
                 connect: SocketFactory | None = None) -> None:
        if min(connect_timeout, read_timeout, total_timeout) <= 0:
            raise ValueError("timeouts must be positive")
        self.allow_insecure = allow_insecure
        self.resolve = resolve
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_retry_after = max_retry_after
        self.user_agent = user_agent
        self._ssl_context = ssl_context
        self._connect = connect
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *,
                 resolve: Resolver | None = None) -> Self:
        """NEWSROOM_WEBHOOK_ALLOW_INSECURE=1, NEWSROOM_WEBHOOK_CONNECT_TIMEOUT (5),
        NEWSROOM_WEBHOOK_READ_TIMEOUT (10), NEWSROOM_WEBHOOK_TOTAL_TIMEOUT (30)."""
        env = os.environ if environ is None else environ
        flag = env.get("NEWSROOM_WEBHOOK_ALLOW_INSECURE", "").strip().lower()
        return cls(
            allow_insecure=flag in {"1", "y", "yes", "true", "on"}, resolve=resolve,
            connect_timeout=_env_seconds(env, "NEWSROOM_WEBHOOK_CONNECT_TIMEOUT", 5.0),
            read_timeout=_env_seconds(env, "NEWSROOM_WEBHOOK_READ_TIMEOUT", 10.0),
            total_timeout=_env_seconds(env, "NEWSROOM_WEBHOOK_TOTAL_TIMEOUT", 30.0))

    def check(self, url: str) -> VettedTarget:
        """The subscribe-time check, with this transmitter's settings (UnsafeTarget)."""
        return check_url(url, self.allow_insecure, self.resolve)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context

    def transmit(self, target: WebhookTarget, payload: bytes, content_type: str,
                 delivery_id: str | UUID, now: datetime | None = None) -> Attempt:
        if not isinstance(target, WebhookTarget):
            raise TypeError(f"expected a WebhookTarget, not {type(target).__name__}")
        body = check_payload(payload)
        content_type = check_content_type(content_type)
        msg_id = check_delivery_id(delivery_id)
        now = utc_now(now)
        clock = Clock(now)
        try:
            key = parse_secret(target.secret)
        except InvalidSecret as exc:
            return clock.attempt(PERMANENT, error=f"signing secret: {exc}")
        try:
            vetted = self.check(target.url)
        except UnsafeTarget as exc:
            status = TRANSIENT if exc.transient else PERMANENT
            return clock.attempt(status, error=f"webhook URL: {exc}")
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": content_type,
            "User-Agent": self.user_agent,
            "Connection": "close",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(key, msg_id, timestamp, body),
        }
        return self._send(vetted, headers, body, clock, now)

    def _connection(self, vetted: VettedTarget, address: str, connect_timeout: float,
                    deadline: _Deadline) -> _PinnedConnection:
        factory = self._connect or _open_socket
        if vetted.scheme == "https":
            return _PinnedTLSConnection(
                vetted, address, context=self.ssl_context, connect_timeout=connect_timeout,
                read_timeout=self.read_timeout, factory=factory, deadline=deadline)
        return _PinnedConnection(vetted, address, connect_timeout=connect_timeout,
                                 read_timeout=self.read_timeout, factory=factory,
                                 deadline=deadline)

    def _send(self, vetted: VettedTarget, headers: dict[str, str], body: bytes,
              clock: Clock, now: datetime) -> Attempt:
        deadline = _Deadline(self.total_timeout)
        conn: _PinnedConnection | None = None
        try:
            error: Exception | None = None
            for address in vetted.addresses:
                remaining = self.total_timeout - clock.elapsed()
                if remaining <= 0:
                    break
                conn = self._connection(vetted, address,
                                        min(self.connect_timeout, remaining), deadline)
                try:
                    conn.connect()
                    error = None
                    break
                except ssl.SSLError as exc:
                    error = exc
                    break  # the next address would not present a better certificate
                except (OSError, http.client.HTTPException) as exc:
                    error = exc
                    conn.close()
                    conn = None
            if conn is None or error is not None:
                return self._network_failure(error, deadline, clock, "connect to", vetted)
            try:
                conn.request("POST", vetted.request_target, body=body, headers=headers)
            except (OSError, http.client.HTTPException) as exc:
                # The receiver may have answered (413...) and closed before reading it all.
                error = exc
            try:
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                return self._network_failure(error or exc, deadline, clock, "reach", vetted)
            return self._classify(response, clock, now)
        finally:
            deadline.finish()
            if conn is not None:
                conn.close()

    def _classify(self, response: http.client.HTTPResponse, clock: Clock,
                  now: datetime) -> Attempt:
        status = response.status
        chunks: list[bytes] = []
        size = 0
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
            while size < EXCERPT_BYTES:
                chunk = response.read(EXCERPT_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        text = excerpt(b"".join(chunks))
        reason = sanitize(response.reason or "", 100)
        label = f"HTTP {status}" + (f" {reason}" if reason else "")
        outcome: AttemptStatus
        retry_after = None
        if 200 <= status < 300:
            return clock.attempt(DELIVERED, http_status=status, response_excerpt=text)
        if 300 <= status < 400:
            location = sanitize(response.getheader("Location") or "", 200)
            where = f" to {location}" if location else ""
            error = (f"{label}: redirect{where} not followed; "
                     "configure the subscriber with the final URL")
            outcome = PERMANENT
        elif status in (408, 429) or 500 <= status < 600 or status < 200:
            outcome = TRANSIENT
            retry_after = parse_retry_after(response.getheader("Retry-After"), now,
                                            self.max_retry_after)
            error = label + (f" (Retry-After {retry_after:g} s)" if retry_after is not None
                             else "")
        elif 400 <= status < 500:
            outcome, error = PERMANENT, f"{label}: the receiver refused the delivery"
        else:
            outcome, error = PERMANENT, f"{label}: not a status code HTTP defines"
        return clock.attempt(outcome, http_status=status, response_excerpt=text, error=error,
                             retry_after=retry_after)

    def _network_failure(self, exc: BaseException | None, deadline: _Deadline, clock: Clock,
                         doing: str, vetted: VettedTarget) -> Attempt:
        where = f"{vetted.host}:{vetted.port}"
        if deadline.fired or exc is None:
            return clock.attempt(TRANSIENT, error=(
                f"timed out: no answer from {where} within {self.total_timeout:g} s"))
        if isinstance(exc, ssl.SSLCertVerificationError):
            return clock.attempt(PERMANENT, error=(
                f"TLS: the certificate of {where} does not verify: "
                f"{exc.verify_message or exc}"))
        if isinstance(exc, TimeoutError):
            limit = self.connect_timeout if doing == "connect to" else self.read_timeout
            return clock.attempt(TRANSIENT, error=f"timed out after {limit:g} s: {doing} {where}")
        if isinstance(exc, ConnectionRefusedError):
            return clock.attempt(TRANSIENT, error=f"connection refused by {where}")
        if isinstance(exc, ConnectionResetError | BrokenPipeError
                      | http.client.RemoteDisconnected | http.client.IncompleteRead):
            return clock.attempt(TRANSIENT, error=(
                f"connection dropped by {where} ({type(exc).__name__})"))
        if isinstance(exc, http.client.HTTPException):
            return clock.attempt(TRANSIENT, error=(
                f"not an HTTP answer from {where}: {type(exc).__name__}: {exc}"))
        return clock.attempt(TRANSIENT, error=(
            f"cannot {doing} {where}: {type(exc).__name__}: {exc}"))
