"""Fuzz: 1,000 random subscriber configurations against a receiver answering at random
(any status code, odd headers, garbage and huge bodies, slow, dribbling, dropped,
reset, not HTTP at all). No exception escapes and every outcome is a sane Attempt.
Deterministic (fixed seeds) and bounded (well under 30 s)."""

from __future__ import annotations

import base64
import random
import socket
import string
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from receivers import DROP, RESET, Behaviour, WebhookReceiver, drip, raw, slow, status

from workers.transmit import Attempt, WebhookTarget, WebhookTransmitter, generate_secret

SEED = 20250301
RUNS = 1000
SECRET = "whsec_" + base64.b64encode(bytes(range(7, 39))).decode()
OUTCOMES = {"delivered", "transient", "permanent"}
CONTENT_TYPES = ["application/json", "application/ninjs+json; charset=utf-8",
                 "application/vnd.iptc.g2.newsitem+xml", "text/xml; charset=utf-8"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def random_text(rng: random.Random, size: int, alphabet: str = string.printable) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def retry_after_value(rng: random.Random) -> str:
    return rng.choice([
        str(rng.randrange(0, 10_000)), "-1", "1.5", "soon", "", " 7 ", "9" * 40,
        format_datetime(datetime.now(UTC) + timedelta(seconds=rng.randrange(-99, 999)),
                        usegmt=True),
        "Fri, 31 Feb 2025 99:99:99 GMT", random_text(rng, 20),
    ])


def random_behaviour(rng: random.Random) -> Behaviour:
    roll = rng.random()
    if roll < 0.03:
        return slow(0.4)
    if roll < 0.04:
        return drip(0.05)
    if roll < 0.07:
        return DROP
    if roll < 0.09:
        return RESET
    if roll < 0.14:
        return raw(rng.choice([
            b"", b"\x00" * 10, rng.randbytes(rng.randrange(1, 300)), b"HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx",
            b"HTTP/1.1 500 X\r\n" + b"X-A: b\r\n" * 150 + b"\r\n",
            b"HTTP/1.1 503 X\r\nRetry-After: " + b"1" * 70_000 + b"\r\n\r\n",
            b"HTTP/2 200\r\n\r\n", b"ICY 200 OK\r\n\r\n",
        ]))
    code = rng.choice([
        rng.randrange(200, 300), rng.randrange(300, 400), rng.randrange(400, 500),
        rng.randrange(500, 600), 408, 429, 503, rng.randrange(100, 200),
        rng.randrange(600, 1000), 200, 204, 302, 410,
    ])
    headers = {}
    for _ in range(rng.randrange(0, 4)):
        name = rng.choice(["Retry-After", "Location", "X-" + random_text(
            rng, 8, string.ascii_letters), "Content-Type"])
        value = (retry_after_value(rng) if name == "Retry-After"
                 else random_text(rng, rng.randrange(0, 200), string.printable[:94] + " "))
        headers[name] = value
    body_kind = rng.random()
    if body_kind < 0.05:
        body = rng.randbytes(rng.randrange(1, 4)) * rng.randrange(1_000_000, 4_000_000)
    elif body_kind < 0.5:
        body = rng.randbytes(rng.randrange(0, 3000))
    else:
        body = random_text(rng, rng.randrange(0, 800), string.printable + "éü€\u202e\x00").encode()
    return status(code, body, headers)


def random_url(rng: random.Random, receiver: WebhookReceiver, dead_port: int) -> str:
    port = receiver.port
    roll = rng.random()
    if roll < 0.55:
        path = "/" + random_text(rng, rng.randrange(0, 20), string.ascii_letters + "/-_.~%")
        query = "?" + random_text(rng, 10, string.ascii_letters + "=&") if rng.random() < .3 else ""
        host = rng.choice(["127.0.0.1", "hooks.fuzz.test", "localhost", "[::ffff:127.0.0.1]"])
        return f"http://{host}:{port}{path}{query}"
    if roll < 0.6:
        return f"http://127.0.0.1:{dead_port}/"
    if roll < 0.8:
        return rng.choice([
            f"https://2130706433:{port}/", f"http://0x7f.1:{port}/", "http://169.254.169.254/",
            f"http://user@127.0.0.1:{port}/", "https://[::1]/", "http://[fd00:ec2::254]/",
            "ftp://x/", "https://metadata.google.internal/", "http://0.0.0.0/",
            f"http://rebind.fuzz.test:{port}/", "https://nowhere.fuzz.test/", "http://[::]/",
            "https://exa mple.com/", "http:///", "https://a..b/", f"http://127.0.0.1:{port}:1/",
        ])
    size = rng.randrange(0, 120)
    return rng.choice([
        random_text(rng, size),
        "http://" + random_text(rng, size),
        "https://" + "".join(chr(rng.randrange(0, 0x3000)) for _ in range(size)),
        rng.randbytes(size).decode("latin-1"),
    ])


def random_secret(rng: random.Random) -> str | bytes:
    roll = rng.random()
    if roll < 0.6:
        return SECRET
    if roll < 0.7:
        return generate_secret(rng.randrange(24, 65))
    if roll < 0.8:
        return rng.randbytes(rng.randrange(0, 100))
    return rng.choice(["", "whsec_", "whsec_" + random_text(rng, 40), random_text(rng, 30),
                       "whsec_" + base64.b64encode(rng.randbytes(8)).decode()])


def resolver_for(rng: random.Random) -> object:
    def resolve(host: str) -> list[str]:
        if host == "hooks.fuzz.test":
            return ["127.0.0.1"]
        if host == "localhost":
            return ["127.0.0.1", "::1"][: rng.randrange(1, 3)]
        if host == "rebind.fuzz.test":
            return [rng.choice(["127.0.0.1", "169.254.169.254", "10.0.0.1", "93.184.215.14"])]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return resolve


def check(attempt: object) -> Attempt:
    assert isinstance(attempt, Attempt)
    assert attempt.status in OUTCOMES
    assert attempt.attempted_at.tzinfo is not None
    assert isinstance(attempt.duration_ms, int) and attempt.duration_ms >= 0
    assert len(attempt.response_excerpt) <= 500
    assert attempt.response_excerpt == "" or attempt.response_excerpt.isprintable()
    assert (attempt.error is None) == (attempt.status == "delivered")
    assert attempt.error is None or attempt.error.isprintable()
    if attempt.status == "delivered":
        assert attempt.http_status is not None and 200 <= attempt.http_status < 300
    if attempt.retry_after is not None:
        assert attempt.status == "transient" and 0 <= attempt.retry_after <= 86400
    return attempt


def test_random_configurations_and_answers_always_give_an_attempt() -> None:
    rng = random.Random(SEED)
    behaviours = [random_behaviour(rng) for _ in range(300)]
    dead_port = closed_port()
    counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
    started = time.monotonic()
    with WebhookReceiver(SECRET, seed=SEED, mix=[(b, 1.0) for b in behaviours]) as receiver:
        for run in range(RUNS):
            sender = WebhookTransmitter(
                allow_insecure=rng.random() < 0.9, resolve=resolver_for(rng),  # type: ignore[arg-type]
                connect_timeout=0.5, read_timeout=0.15, total_timeout=0.5)
            target = WebhookTarget(random_url(rng, receiver, dead_port), random_secret(rng))
            payload = rng.choice([b"{}", rng.randbytes(rng.randrange(0, 2000)),
                                  random_text(rng, 300).encode(), b"x" * 300_000])
            before = len(receiver.requests)
            attempt = check(sender.transmit(target, payload, rng.choice(CONTENT_TYPES),
                                            f"fuzz-{run}", datetime.now(UTC)))
            counts[attempt.status] += 1
            if len(receiver.requests) > before and attempt.status == "delivered":
                request = receiver.requests[-1]
                assert request.webhook_id == f"fuzz-{run}"
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"{RUNS} runs took {elapsed:.1f} s"
    assert all(counts.values()), counts  # the mix reached every outcome
    assert len(receiver.requests) > RUNS // 3
    assert len(receiver.deliveries) > 20
    assert receiver.duplicates == 0
