"""The webhook transmitter against local receivers that verify signatures with the
reference `standardwebhooks` package: every answer class maps to the right Attempt."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from receivers import (
    DROP,
    OK,
    RESET,
    WebhookReceiver,
    drip,
    rate_limited,
    raw,
    redirect,
    slow,
    status,
)
from standardwebhooks import Webhook

from workers.transmit import (
    Attempt,
    InvalidSecret,
    WebhookTarget,
    WebhookTransmitter,
    generate_secret,
    parse_retry_after,
    parse_secret,
    sign,
)

SECRET = generate_secret()
PAYLOAD = json.dumps({"uri": "urn:newsroom:1", "headline": "Séoul répond"},
                     ensure_ascii=False).encode()
CONTENT_TYPE = "application/json; charset=utf-8"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as server:
        yield server


def transmitter(**knobs: float) -> WebhookTransmitter:
    settings: dict[str, float] = {"connect_timeout": 2.0, "read_timeout": 2.0,
                                  "total_timeout": 5.0}
    settings.update(knobs)
    return WebhookTransmitter(allow_insecure=True, **settings)  # type: ignore[arg-type]


def send(receiver: WebhookReceiver, delivery_id: str | None = None,
         sender: WebhookTransmitter | None = None, secret: str | bytes = SECRET,
         payload: bytes = PAYLOAD, now: datetime | None = None) -> Attempt:
    attempt = (sender or transmitter()).transmit(
        WebhookTarget(receiver.url, secret), payload, CONTENT_TYPE,
        delivery_id or str(uuid.uuid4()), now or datetime.now(UTC))
    assert isinstance(attempt, Attempt)
    return attempt


# -- signatures -----------------------------------------------------------------------


def test_a_delivery_is_signed_as_the_reference_package_expects(
        receiver: WebhookReceiver) -> None:
    delivery_id = str(uuid.uuid4())
    attempt = send(receiver, delivery_id)
    assert attempt.status == "delivered", attempt
    assert attempt.http_status == 200
    assert attempt.error is None and attempt.retry_after is None
    assert attempt.response_excerpt == '{"ok":true}'
    assert attempt.attempted_at.tzinfo is not None
    (request,) = receiver.requests
    assert request.signature_ok, request.verify_error
    assert request.method == "POST" and request.path == "/hook"
    assert request.body == PAYLOAD
    assert request.headers["webhook-id"] == delivery_id
    assert request.headers["content-type"] == CONTENT_TYPE
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    # The reference package, independently of the receiver.
    assert Webhook(SECRET).verify(request.body, request.headers) == json.loads(PAYLOAD)
    assert receiver.deliveries == {delivery_id: PAYLOAD}


def test_our_signature_is_the_reference_signature() -> None:
    stamp = datetime(2025, 3, 1, 12, 0, 5, tzinfo=UTC)
    body = '{"a":"é"}'
    expected = Webhook(SECRET).sign("msg_1", stamp, body)
    assert sign(parse_secret(SECRET), "msg_1", int(stamp.timestamp()), body.encode()) == expected


def test_raw_byte_secrets_sign_too(receiver: WebhookReceiver) -> None:
    key = bytes(range(32))
    receiver.secret = "whsec_" + base64.b64encode(key).decode()
    assert send(receiver, secret=key).status == "delivered"
    assert receiver.requests[0].signature_ok


def test_a_wrong_secret_fails_the_reference_check(receiver: WebhookReceiver) -> None:
    attempt = send(receiver, secret=generate_secret())
    assert attempt.status == "permanent" and attempt.http_status == 401
    assert not receiver.requests[0].signature_ok
    assert "No matching signature" in receiver.requests[0].verify_error
    assert receiver.deliveries == {}


def test_a_stale_timestamp_is_refused_by_the_reference_check(receiver: WebhookReceiver) -> None:
    attempt = send(receiver, now=datetime.now(UTC) - timedelta(hours=1))
    assert attempt.status == "permanent" and attempt.http_status == 401
    assert "too old" in receiver.requests[0].verify_error


@pytest.mark.parametrize("secret", [
    "", "secret", "whsec_", "whsec_!!!notbase64", "whsec_" + base64.b64encode(b"short").decode(),
    "whsec_" + base64.b64encode(b"x" * 65).decode(), b"short", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
])
def test_secrets_we_do_not_accept_are_a_permanent_failure_without_sending(
        receiver: WebhookReceiver, secret: str | bytes) -> None:
    with pytest.raises(InvalidSecret):
        parse_secret(secret)
    attempt = send(receiver, secret=secret)
    assert attempt.status == "permanent" and "secret" in (attempt.error or "")
    assert receiver.requests == []


def test_the_standard_example_secret_is_accepted_padded_or_not() -> None:
    unpadded = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert len(parse_secret(unpadded)) == 24
    key = parse_secret(generate_secret(32))
    text = base64.b64encode(key).decode()
    assert text.endswith("=")
    assert parse_secret("whsec_" + text.rstrip("=")) == key


def test_a_redelivery_keeps_its_id_and_the_receiver_deduplicates(
        receiver: WebhookReceiver) -> None:
    delivery_id = str(uuid.uuid4())
    assert send(receiver, delivery_id).status == "delivered"
    assert send(receiver, delivery_id).status == "delivered"
    assert [r.webhook_id for r in receiver.requests] == [delivery_id, delivery_id]
    assert len(receiver.deliveries) == 1 and receiver.duplicates == 1


# -- answers ------------------------------------------------------------------------


@pytest.mark.parametrize(("behaviour", "outcome"), [
    (status(200), "delivered"),
    (status(201, b"created"), "delivered"),
    (status(202), "delivered"),
    (status(204), "delivered"),
    (status(500, b"boom"), "transient"),
    (status(502), "transient"),
    (status(503), "transient"),
    (status(504), "transient"),
    (status(599), "transient"),
    (status(408), "transient"),
    (rate_limited("3"), "transient"),
    (status(400, b"bad"), "permanent"),
    (status(401), "permanent"),
    (status(403), "permanent"),
    (status(404), "permanent"),
    (status(410, b"gone"), "permanent"),
    (status(413), "permanent"),
    (status(422), "permanent"),
    (redirect("https://example.org/elsewhere"), "permanent"),
    (redirect("/other", 301), "permanent"),
    (redirect("/other", 307), "permanent"),
    (redirect("/other", 308), "permanent"),
    (status(304), "permanent"),
    (status(600), "permanent"),
    (status(999), "permanent"),
])
def test_each_answer_class_maps_to_its_outcome(receiver: WebhookReceiver, behaviour: object,
                                               outcome: str) -> None:
    receiver.script(behaviour)  # type: ignore[arg-type]
    attempt = send(receiver)
    assert attempt.status == outcome, attempt
    assert attempt.http_status == behaviour.status  # type: ignore[attr-defined]
    assert (attempt.error is None) == (outcome == "delivered")


def test_redirects_are_not_followed(receiver: WebhookReceiver) -> None:
    with WebhookReceiver(SECRET) as other:
        receiver.script(redirect(other.url, 302))
        attempt = send(receiver)
        assert attempt.status == "permanent" and attempt.http_status == 302
        assert "not followed" in (attempt.error or "")
        assert other.url in (attempt.error or "")
        assert other.requests == []
    assert len(receiver.requests) == 1


def test_retry_after_in_seconds_is_honoured(receiver: WebhookReceiver) -> None:
    receiver.script(rate_limited("120"))
    attempt = send(receiver)
    assert attempt.status == "transient" and attempt.http_status == 429
    assert attempt.retry_after == 120.0
    assert "Retry-After 120" in (attempt.error or "")


def test_retry_after_as_an_http_date_is_honoured(receiver: WebhookReceiver) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    receiver.script(rate_limited(format_datetime(now + timedelta(seconds=90), usegmt=True), 503))
    attempt = send(receiver, now=now)
    assert attempt.status == "transient" and attempt.http_status == 503
    assert attempt.retry_after == pytest.approx(90.0)


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5", "Fri, 99 Foo 2024"])
def test_unreadable_retry_after_is_none(receiver: WebhookReceiver, value: str | None) -> None:
    receiver.script(rate_limited(value))
    attempt = send(receiver)
    assert attempt.status == "transient" and attempt.retry_after is None


def test_retry_after_parsing() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("0", now) == 0.0
    assert parse_retry_after(" 30 ", now) == 30.0
    assert parse_retry_after("99999999999999999999", now, cap=3600) == 3600
    assert parse_retry_after("Wed, 01 Jan 2025 00:01:00 GMT", now) == 60.0
    assert parse_retry_after("Tue, 31 Dec 2024 00:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("Wed, 01 Jan 2025 00:01:00", now) == 60.0  # no zone: GMT


def test_the_response_excerpt_is_recorded_sanitized_and_bounded(
        receiver: WebhookReceiver) -> None:
    body = b"\x1b[31mred\x00 alert\r\n\tline two " + "é".encode() + b"\xff" + b"x" * 5000
    receiver.script(status(500, body))
    attempt = send(receiver)
    assert attempt.status == "transient"
    text = attempt.response_excerpt
    assert text.startswith("\ufffd[31mred\ufffd alert line two é\ufffdxxx")
    assert len(text) == 500 and text.isprintable()


def test_a_huge_answer_is_not_read_whole(receiver: WebhookReceiver) -> None:
    receiver.script(status(200, b"y" * (32 * 1024 * 1024)))
    started = time.monotonic()
    attempt = send(receiver)
    assert attempt.status == "delivered" and attempt.response_excerpt == "y" * 500
    assert time.monotonic() - started < 3


# -- network failures ---------------------------------------------------------------


def test_a_slow_receiver_times_out_within_the_read_timeout(receiver: WebhookReceiver) -> None:
    receiver.script(slow(3.0))
    started = time.monotonic()
    attempt = send(receiver, sender=transmitter(read_timeout=0.3))
    elapsed = time.monotonic() - started
    assert attempt.status == "transient" and attempt.http_status is None
    assert "timed out" in (attempt.error or "")
    assert elapsed < 1.5 and attempt.duration_ms >= 250


def test_a_dribbling_receiver_is_cut_off_at_the_total_timeout(
        receiver: WebhookReceiver) -> None:
    receiver.script(drip(0.1))  # each byte well within the read timeout
    started = time.monotonic()
    attempt = send(receiver, sender=transmitter(read_timeout=1.0, total_timeout=0.8))
    elapsed = time.monotonic() - started
    assert attempt.status == "transient", attempt
    assert "timed out" in (attempt.error or "")
    assert elapsed < 2.0


def test_a_patient_sender_gets_the_dribbled_answer(receiver: WebhookReceiver) -> None:
    receiver.script(drip(0.002))
    attempt = send(receiver, sender=transmitter(read_timeout=1.0, total_timeout=5.0))
    assert attempt.status == "delivered"


@pytest.mark.parametrize("behaviour", [DROP, RESET, raw(b""), raw(b"HTTP/1.1 20"),
                                       raw(b"\x00\x01garbage\r\n\r\n"), raw(b"HTTP/1.1 042 x\r\n")])
def test_dropped_connections_and_garbage_are_transient(receiver: WebhookReceiver,
                                                       behaviour: object) -> None:
    receiver.script(behaviour)  # type: ignore[arg-type]
    attempt = send(receiver)
    assert attempt.status == "transient", attempt
    assert attempt.http_status is None and attempt.error


def test_connection_refused_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    attempt = transmitter().transmit(WebhookTarget(f"http://127.0.0.1:{port}/", SECRET),
                                     PAYLOAD, CONTENT_TYPE, "d-1", datetime.now(UTC))
    assert attempt.status == "transient" and "refused" in (attempt.error or "")


def test_a_connect_timeout_is_bounded() -> None:
    opened: list[tuple[str, int]] = []

    def blackhole(address: tuple[str, int], timeout: float) -> socket.socket:
        opened.append(address)
        time.sleep(timeout)
        raise TimeoutError("timed out")

    sender = WebhookTransmitter(allow_insecure=True, connect=blackhole, connect_timeout=0.2)
    attempt = sender.transmit(WebhookTarget("http://10.1.2.3:8443/x", SECRET), PAYLOAD,
                              CONTENT_TYPE, "d-2")
    assert opened == [("10.1.2.3", 8443)]
    assert attempt.status == "transient" and "timed out after 0.2 s" in (attempt.error or "")


def test_an_unresolvable_name_is_transient_and_an_unsafe_one_permanent() -> None:
    def nxdomain(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    sender = WebhookTransmitter(resolve=nxdomain)
    attempt = sender.transmit(WebhookTarget("https://hooks.example.com/", SECRET), PAYLOAD,
                              CONTENT_TYPE, "d-3")
    assert attempt.status == "transient" and "cannot resolve" in (attempt.error or "")
    attempt = sender.transmit(WebhookTarget("https://127.0.0.1/", SECRET), PAYLOAD,
                              CONTENT_TYPE, "d-3")
    assert attempt.status == "permanent" and "loopback" in (attempt.error or "")


def test_a_receiver_reached_through_a_name_gets_the_name_as_host(
        receiver: WebhookReceiver) -> None:
    sender = WebhookTransmitter(allow_insecure=True, resolve=lambda host: ["127.0.0.1"])
    url = f"http://hooks.newsroom.test:{receiver.port}/hook?partner=7"
    attempt = sender.transmit(WebhookTarget(url, SECRET), PAYLOAD, CONTENT_TYPE, "d-4")
    assert attempt.status == "delivered"
    (request,) = receiver.requests
    assert request.headers["host"] == f"hooks.newsroom.test:{receiver.port}"
    assert request.path == "/hook?partner=7"


def test_the_connection_goes_to_the_address_vetted_in_this_attempt(
        receiver: WebhookReceiver) -> None:
    """A rebinding resolver: each call answers differently. The transmitter asks once
    per attempt and connects to exactly that answer, never resolving again."""
    answers = iter(["127.0.0.1", "169.254.169.254", "127.0.0.1"])
    asked: list[str] = []

    def rebinding(host: str) -> list[str]:
        asked.append(host)
        return [next(answers)]

    opened: list[tuple[str, int]] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        opened.append(address)
        return socket.create_connection(address, timeout)

    sender = WebhookTransmitter(allow_insecure=True, resolve=rebinding, connect=connect)
    target = WebhookTarget(f"http://rebind.test:{receiver.port}/hook", SECRET)
    outcomes = [sender.transmit(target, PAYLOAD, CONTENT_TYPE, f"d-{i}").status
                for i in range(3)]
    assert outcomes == ["delivered", "permanent", "delivered"]
    assert asked == ["rebind.test"] * 3
    assert opened == [("127.0.0.1", receiver.port)] * 2
    assert len(receiver.requests) == 2


def test_transmit_raises_only_for_programming_errors(receiver: WebhookReceiver) -> None:
    sender = transmitter()
    target = WebhookTarget(receiver.url, SECRET)
    with pytest.raises(TypeError):
        sender.transmit(target, "text", CONTENT_TYPE, "d")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delivery id"):
        sender.transmit(target, PAYLOAD, CONTENT_TYPE, "../etc/passwd")
    with pytest.raises(ValueError, match="delivery id"):
        sender.transmit(target, PAYLOAD, CONTENT_TYPE, "id\r\nX-Evil: 1")
    with pytest.raises(ValueError, match="media type"):
        sender.transmit(target, PAYLOAD, "application/json\r\nX-Evil: 1", "d")
    with pytest.raises(ValueError, match="timezone"):
        sender.transmit(target, PAYLOAD, CONTENT_TYPE, "d", datetime(2025, 1, 1))
    assert receiver.requests == []
    assert sender.transmit(target, PAYLOAD, CONTENT_TYPE, uuid.uuid4()).delivered


def test_from_env_reads_the_knobs() -> None:
    sender = WebhookTransmitter.from_env({
        "NEWSROOM_WEBHOOK_ALLOW_INSECURE": "1", "NEWSROOM_WEBHOOK_CONNECT_TIMEOUT": "1.5",
        "NEWSROOM_WEBHOOK_READ_TIMEOUT": "4", "NEWSROOM_WEBHOOK_TOTAL_TIMEOUT": "9"})
    assert sender.allow_insecure and sender.connect_timeout == 1.5
    assert sender.read_timeout == 4.0 and sender.total_timeout == 9.0
    assert not WebhookTransmitter.from_env({}).allow_insecure
    with pytest.raises(ValueError, match="NEWSROOM_WEBHOOK_READ_TIMEOUT"):
        WebhookTransmitter.from_env({"NEWSROOM_WEBHOOK_READ_TIMEOUT": "never"})


def test_concurrent_deliveries_share_one_transmitter(receiver: WebhookReceiver) -> None:
    sender = transmitter()
    results: list[str] = []

    def work(index: int) -> None:
        results.append(send(receiver, f"c-{index}", sender=sender).status)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["delivered"] * 16 and len(receiver.deliveries) == 16


# -- HTTPS: the vetted address, with the name's SNI and certificate -----------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=hooks.newsroom.test", "-addext", "subjectAltName=DNS:hooks.newsroom.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[WebhookReceiver]:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(*certificate)
    with WebhookReceiver(SECRET, tls=server_side) as server:
        yield server


def test_https_connects_to_the_vetted_address_with_the_name_for_sni_and_certificate(
        tls_receiver: WebhookReceiver, certificate: tuple[Path, Path]) -> None:
    opened: list[tuple[str, int]] = []

    def connect(address: tuple[str, int], timeout: float) -> socket.socket:
        opened.append(address)
        return socket.create_connection(address, timeout)

    trust = ssl.create_default_context(cafile=str(certificate[0]))
    sender = WebhookTransmitter(allow_insecure=True, resolve=lambda host: ["127.0.0.1"],
                                ssl_context=trust, connect=connect)
    url = f"https://hooks.newsroom.test:{tls_receiver.port}/hook"
    attempt = sender.transmit(WebhookTarget(url, SECRET), PAYLOAD, CONTENT_TYPE, "tls-1")
    assert attempt.status == "delivered", attempt
    assert opened == [("127.0.0.1", tls_receiver.port)]
    assert tls_receiver.requests[0].signature_ok
    assert tls_receiver.requests[0].headers["host"] == f"hooks.newsroom.test:{tls_receiver.port}"


def test_https_with_a_certificate_for_another_name_is_permanent(
        tls_receiver: WebhookReceiver, certificate: tuple[Path, Path]) -> None:
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    sender = WebhookTransmitter(allow_insecure=True, resolve=lambda host: ["127.0.0.1"],
                                ssl_context=trust)
    url = f"https://other.newsroom.test:{tls_receiver.port}/hook"
    attempt = sender.transmit(WebhookTarget(url, SECRET), PAYLOAD, CONTENT_TYPE, "tls-2")
    assert attempt.status == "permanent" and "certificate" in (attempt.error or "")
    assert tls_receiver.requests == []


def test_https_with_an_untrusted_certificate_is_permanent(tls_receiver: WebhookReceiver) -> None:
    sender = WebhookTransmitter(allow_insecure=True, resolve=lambda host: ["127.0.0.1"])
    url = f"https://hooks.newsroom.test:{tls_receiver.port}/hook"
    attempt = sender.transmit(WebhookTarget(url, SECRET), PAYLOAD, CONTENT_TYPE, "tls-3")
    assert attempt.status == "permanent" and "certificate" in (attempt.error or "")


def test_ok_is_the_default_behaviour(receiver: WebhookReceiver) -> None:
    receiver.script(OK)
    assert send(receiver).delivered and send(receiver).delivered
