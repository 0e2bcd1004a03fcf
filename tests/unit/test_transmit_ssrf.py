"""The SSRF guard: every unsafe webhook URL is refused before any socket is opened.

Nothing of ours is patched. DNS answers come from an injected resolver (CI has no
DNS); the standard library's socket constructors and getaddrinfo are replaced by
traps that fail the test if anything reaches them, and the transmitter's own socket
factory hook is a trap too.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from workers.transmit import (
    ResolutionFailed,
    UnsafeTarget,
    WebhookTarget,
    WebhookTransmitter,
    address_problem,
    check_url,
    generate_secret,
)

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
DNS: dict[str, list[str]] = {
    "public.example.com": [PUBLIC_V4],
    "public6.example.com": [PUBLIC_V6],
    "dual.example.com": [PUBLIC_V4, PUBLIC_V6, f"::ffff:{PUBLIC_V4}"],
    "loopback.example.com": ["127.0.0.1"],
    "loopback6.example.com": ["::1"],
    "private.example.com": ["10.0.0.5"],
    "private172.example.com": ["172.20.1.1"],
    "mixed.example.com": [PUBLIC_V4, "127.0.0.1"],
    "mapped.example.com": ["::ffff:127.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
    "awsv6.example.com": ["fd00:ec2::254"],
    "linklocal.example.com": ["fe80::1%eth0"],
    "cgnat.example.com": ["100.64.0.1"],
    "zero.example.com": ["0.0.0.0"],
    "nat64.example.com": ["64:ff9b::7f00:1"],
    "sixtofour.example.com": ["2002:7f00:1::1"],
    "multicast.example.com": ["224.0.0.1"],
    "ula.example.com": ["fd12:3456::1"],
    "localhost": ["127.0.0.1"],
}
SECRET = generate_secret()


class Resolver:
    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = DNS if table is None else table
        self.asked: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


class Trap:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        pytest.fail(f"{self.name} was called: a socket or a DNS query before the guard ruled")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, Trap(f"socket.{name}"))
    yield


def sender(resolver: Resolver, allow_insecure: bool = False) -> WebhookTransmitter:
    return WebhookTransmitter(allow_insecure=allow_insecure, resolve=resolver,
                              connect=Trap("the transmitter's socket factory"))


# Literal hosts and spellings: refused without asking any resolver.
REFUSED_LITERALLY = [
    "https://127.0.0.1/",
    "https://127.0.0.2:8443/hook",
    "https://127.0.0.1./",
    "https://localhost/",
    "https://LOCALHOST:443/",
    "https://api.localhost/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[0:0:0:0:0:ffff:127.0.0.1]/",
    "https://[::127.0.0.1]/",
    "https://[64:ff9b::127.0.0.1]/",
    "https://[2002:7f00:1::]/",
    "https://[::]/",
    "https://0.0.0.0/",
    "https://0/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0x7f.1/",
    "https://0x7F.0x0.0x0.0x1/",
    "https://017700000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://127.0.1/",
    "https://3232235521/",
    "https://134744072/",  # 8.8.8.8: public, but not spelled as an address should be
    "https://10.0.0.1/",
    "https://172.16.5.4/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://198.18.0.1/",
    "https://192.0.2.10/",
    "https://[::ffff:10.0.0.1]/",
    "https://[fc00::1]/",
    "https://[fd12:3456::1]/",
    "https://169.254.169.254/latest/meta-data/",
    "https://169.254.170.2/v2/credentials",
    "https://2852039166/",
    "https://0xa9fea9fe/",
    "https://[fd00:ec2::254]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://100.100.100.200/",
    "https://192.0.0.192/",
    "https://168.63.129.16/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://metadata.goog/",
    "https://instance-data/latest/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[ff02::1]/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://240.0.0.1/",
    "https://good.example@127.0.0.1/",
    "https://good.example:pass@127.0.0.1/",
    "https://127.0.0.1@public.example.com/",
    "https://user@public.example.com/",
    "https://public.example.com\\@127.0.0.1/",
    "https://public.example.com%40127.0.0.1/",
    "https://１２７.０.０.１/",
    "https://public.example.com /",
    "https://public.example.com/\r\nHost: 127.0.0.1",
    "https:///127.0.0.1/",
    "https:127.0.0.1/",
    "https://public.example.com:0/",
    "https://public.example.com:99999/",
    "https://public.example.com:-1/",
    "https://public.example.com:443:80/",
    "https://[127.0.0.1]/",
    "https://[::1/",
    "https://::1/",
    "https://[v1.fe80::1]/",
    "https://256.1.1.1/",
    "https://1.2.3.4.5/",
    "https://example.0x7f/",
    "https://a..b.example/",
    "http://public.example.com/",
    "http://93.184.215.14/",
    "ftp://public.example.com/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:25/",
    "dict://127.0.0.1:11211/",
    "//public.example.com/",
    "public.example.com/hook",
    "",
]

# Names whose (injected) DNS answer is unsafe, at least in part.
REFUSED_BY_DNS = [
    "https://loopback.example.com/",
    "https://LoopBack.Example.com./hook",
    "https://loopback6.example.com/",
    "https://private.example.com/",
    "https://private172.example.com/",
    "https://mixed.example.com/",
    "https://mapped.example.com/",
    "https://metadata.example.com/",
    "https://awsv6.example.com/",
    "https://linklocal.example.com/",
    "https://cgnat.example.com/",
    "https://zero.example.com/",
    "https://nat64.example.com/",
    "https://sixtofour.example.com/",
    "https://multicast.example.com/",
    "https://ula.example.com/",
]


def test_there_are_plenty_of_cases() -> None:
    assert len(REFUSED_LITERALLY) + len(REFUSED_BY_DNS) >= 100


@pytest.mark.parametrize("url", REFUSED_LITERALLY)
def test_refused_without_resolving_or_connecting(url: str) -> None:
    resolver = Resolver()
    with pytest.raises(UnsafeTarget) as caught:
        check_url(url, False, resolver)
    assert not isinstance(caught.value, ResolutionFailed)
    assert str(caught.value)
    attempt = sender(resolver).transmit(WebhookTarget(url, SECRET), b"{}", "application/json",
                                        "d-1", datetime.now(UTC))
    assert attempt.status == "permanent" and attempt.http_status is None
    assert attempt.error and attempt.error.startswith("webhook URL:")
    assert resolver.asked == []


@pytest.mark.parametrize("url", REFUSED_BY_DNS)
def test_names_that_resolve_to_unsafe_addresses_are_refused(url: str) -> None:
    resolver = Resolver()
    with pytest.raises(UnsafeTarget, match="resolves to"):
        check_url(url, False, resolver)
    attempt = sender(resolver).transmit(WebhookTarget(url, SECRET), b"{}", "application/json",
                                        "d-1", datetime.now(UTC))
    assert attempt.status == "permanent" and "resolves to" in (attempt.error or "")
    assert len(resolver.asked) == 2


@pytest.mark.parametrize(("url", "reason"), [
    ("https://2130706433/", "127.0.0.1"),
    ("https://0x7f.1/", "127.0.0.1"),
    ("https://017700000001/", "127.0.0.1"),
    ("https://good.example@127.0.0.1/", "credentials"),
    ("https://169.254.169.254/", "metadata"),
    ("https://[::ffff:127.0.0.1]/", "loopback"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://mixed.example.com/", "127.0.0.1 is loopback"),
    ("http://public.example.com/", "https"),
    ("https://１２７.０.０.１/", "non-ASCII"),
])
def test_reasons_are_clear(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=reason.replace(".", r"\.")):
        check_url(url, False, Resolver())


# Still refused with allow_insecure (NEWSROOM_WEBHOOK_ALLOW_INSECURE=1).
REFUSED_EVEN_WHEN_INSECURE = [
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/",
    "http://169.254.169.254:80/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://2852039166/",
    "http://0251.0376.0251.0376/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://[fd00:ec2::254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://metadata.google.internal/",
    "http://metadata.example.com/",
    "http://awsv6.example.com/",
    "http://169.254.1.1/",
    "http://[fe80::1]/",
    "http://linklocal.example.com/",
    "http://0.0.0.0:8080/",
    "http://[::]:8080/",
    "http://zero.example.com/",
    "http://224.0.0.1/",
    "http://multicast.example.com/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://good.example@127.0.0.1/",
    "gopher://127.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED_EVEN_WHEN_INSECURE)
def test_insecure_mode_still_refuses_metadata_and_the_like(url: str) -> None:
    resolver = Resolver()
    with pytest.raises(UnsafeTarget):
        check_url(url, True, resolver)
    attempt = sender(resolver, allow_insecure=True).transmit(
        WebhookTarget(url, SECRET), b"{}", "application/json", "d-1", datetime.now(UTC))
    assert attempt.status == "permanent"


@pytest.mark.parametrize(("url", "addresses"), [
    ("https://public.example.com/hook", (PUBLIC_V4,)),
    ("https://public.example.com:8443/hook?x=1", (PUBLIC_V4,)),
    ("https://Public.Example.COM./hook", (PUBLIC_V4,)),
    ("https://public6.example.com/", (PUBLIC_V6,)),
    ("https://dual.example.com/", (PUBLIC_V4, PUBLIC_V6)),
    (f"https://{PUBLIC_V4}/hook", (PUBLIC_V4,)),
    ("https://[2606:4700:4700::1111]/", ("2606:4700:4700::1111",)),
    (f"https://[::ffff:{PUBLIC_V4}]/", (PUBLIC_V4,)),
])
def test_public_https_targets_pass(url: str, addresses: tuple[str, ...]) -> None:
    vetted = check_url(url, False, Resolver())
    assert vetted.scheme == "https" and vetted.addresses == addresses


def test_a_vetted_target_has_what_the_connection_needs() -> None:
    vetted = check_url("https://Public.Example.com:8443/a/b?c=d#frag", False, Resolver())
    assert (vetted.host, vetted.port, vetted.request_target) == (
        "public.example.com", 8443, "/a/b?c=d")
    assert not vetted.is_ip_literal
    assert check_url("https://public.example.com", False, Resolver()).request_target == "/"


@pytest.mark.parametrize(("url", "addresses"), [
    ("http://127.0.0.1:8080/hook", ("127.0.0.1",)),
    ("https://127.0.0.1:8443/", ("127.0.0.1",)),
    ("http://localhost:8080/", ("127.0.0.1",)),
    ("http://[::1]:8080/", ("::1",)),
    ("http://10.0.0.1/", ("10.0.0.1",)),
    ("http://192.168.1.20:9000/", ("192.168.1.20",)),
    ("http://private.example.com/", ("10.0.0.5",)),
    ("http://[fd12:3456::1]/", ("fd12:3456::1",)),
    ("http://public.example.com/", (PUBLIC_V4,)),
])
def test_insecure_mode_allows_http_loopback_and_private(url: str,
                                                        addresses: tuple[str, ...]) -> None:
    assert check_url(url, True, Resolver()).addresses == addresses
    with pytest.raises(UnsafeTarget):
        check_url(url, False, Resolver())


def test_a_name_that_does_not_resolve_is_a_transient_failure() -> None:
    resolver = Resolver()
    with pytest.raises(ResolutionFailed, match="cannot resolve"):
        check_url("https://nowhere.example.com/", False, resolver)
    with pytest.raises(ResolutionFailed, match="no address"):
        check_url("https://empty.example.com/", False, Resolver({"empty.example.com": []}))
    attempt = sender(resolver).transmit(WebhookTarget("https://nowhere.example.com/", SECRET),
                                        b"{}", "application/json", "d-1")
    assert attempt.status == "transient"


def test_a_resolver_answering_nonsense_is_refused() -> None:
    with pytest.raises(UnsafeTarget, match="resolver returned"):
        check_url("https://odd.example.com/", False, Resolver({"odd.example.com": ["not-ip"]}))


class Rebinding:
    """Public at the first question, loopback at every later one."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, host: str) -> list[str]:
        self.asked += 1
        return [PUBLIC_V4] if self.asked == 1 else ["127.0.0.1"]


def test_dns_rebinding_after_the_subscribe_time_check_is_caught_at_send_time() -> None:
    resolver = Rebinding()
    url = "https://rebind.example.com/hook"
    assert check_url(url, False, resolver).addresses == (PUBLIC_V4,)  # subscribe time
    transmitter = WebhookTransmitter(resolve=resolver, connect=Trap("socket factory"))
    attempt = transmitter.transmit(WebhookTarget(url, SECRET), b"{}", "application/json", "d-1")
    assert attempt.status == "permanent"
    assert "resolves to an unsafe address: 127.0.0.1 is loopback" in (attempt.error or "")
    assert resolver.asked == 2


def test_the_socket_goes_to_the_vetted_address_and_the_name_is_not_resolved_again() -> None:
    resolver = Rebinding()
    opened: list[tuple[tuple[str, int], float]] = []

    def factory(address: tuple[str, int], timeout: float) -> socket.socket:
        opened.append((address, timeout))
        raise ConnectionRefusedError("refused by the test")

    transmitter = WebhookTransmitter(resolve=resolver, connect=factory, connect_timeout=1.5)
    attempt = transmitter.transmit(WebhookTarget("https://rebind.example.com:8443/h", SECRET),
                                   b"{}", "application/json", "d-1")
    assert opened == [((PUBLIC_V4, 8443), 1.5)]
    assert resolver.asked == 1  # once, by the guard; http.client never resolves
    assert attempt.status == "transient" and "refused" in (attempt.error or "")


def test_every_vetted_address_is_tried_in_order_and_no_other() -> None:
    opened: list[str] = []

    def factory(address: tuple[str, int], timeout: float) -> socket.socket:
        opened.append(address[0])
        raise ConnectionRefusedError("refused by the test")

    transmitter = WebhookTransmitter(resolve=Resolver(), connect=factory)
    attempt = transmitter.transmit(WebhookTarget("https://dual.example.com/", SECRET), b"{}",
                                   "application/json", "d-1")
    assert opened == [PUBLIC_V4, PUBLIC_V6]
    assert attempt.status == "transient"


@pytest.mark.parametrize(("address", "insecure", "problem"), [
    ("8.8.8.8", False, None),
    ("2001:4860:4860::8888", False, None),
    ("127.0.0.1", False, "loopback"),
    ("127.0.0.1", True, None),
    ("10.1.2.3", True, None),
    ("169.254.169.254", True, "metadata"),
    ("fd00:ec2::254", True, "metadata"),
    ("::ffff:169.254.169.254", True, "metadata"),
    ("169.254.10.10", True, "link-local"),
    ("0.0.0.0", True, "unspecified"),
    ("0.1.2.3", True, "reserved"),
    ("224.0.0.251", True, "multicast"),
    ("ff02::fb", True, "multicast"),
    ("2001:db8::1", False, "reserved"),
    ("2001::1", False, "reserved"),
    ("::ffff:8.8.8.8", False, None),
    ("64:ff9b::808:808", False, None),
    ("64:ff9b::a00:1", False, "private"),
    ("not an address", False, "not an IP address"),
])
def test_address_problems(address: str, insecure: bool, problem: str | None) -> None:
    found = address_problem(address, insecure)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
