"""The SSRF guard for webhook URLs (DESIGN §5).

`check_url(url, allow_insecure, resolve)` returns a `VettedTarget` (the parsed URL and
the addresses its host resolved to, every one of them checked) or raises
`UnsafeTarget` with a reason a person can act on. It runs when a subscriber is
created or changed, and again before every send: the webhook transmitter then
connects to one of the vetted addresses itself (Host header and TLS SNI/certificate
check use the name), so a name that resolves elsewhere by the time of the send
(DNS rebinding) never reaches a socket.

What is refused:
- anything but ``https://`` (``http://`` too with `allow_insecure`);
- credentials in the URL (``https://good.example@127.0.0.1/``), spaces, control
  characters, backslashes, non-ASCII (write the host in its ``xn--`` form), an empty or
  bad port, IPv6 zone ids, IPvFuture literals;
- IPv4 in any spelling but dotted decimal (``2130706433``, ``0x7f.1``,
  ``017700000001``, ``127.1``): software disagrees about what they mean, so the
  reason names the address they would reach and asks for the dotted form;
- hosts or resolved addresses that are loopback, private (RFC 1918, CGNAT
  100.64/10, IPv6 ULA), link-local, multicast, unspecified (0.0.0.0/8, ::),
  reserved or otherwise not globally routable, including IPv6 forms that embed an
  IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64, 6to4, Teredo);
- cloud metadata endpoints, always, `allow_insecure` or not: 169.254.169.254 and
  the rest of 169.254/16, fd00:ec2::/32 (AWS), 169.254.170.2 (ECS), 100.100.100.200
  (Alibaba), 192.0.0.192 (Oracle), 168.63.129.16 (Azure), and the names
  ``metadata.google.internal``, ``metadata.goog``, ``instance-data``...;
- ``localhost`` and ``*.localhost`` without resolving them.

`allow_insecure` (``NEWSROOM_WEBHOOK_ALLOW_INSECURE=1``, tests and local development
only) allows http and loopback or private targets; link-local, multicast,
unspecified, reserved and metadata addresses stay refused.

The resolver is injectable: any callable ``host -> list of IP strings`` (the
default asks the system through `socket.getaddrinfo`). A resolver that fails raises
`ResolutionFailed`, a subclass of `UnsafeTarget` that is worth retrying.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]

MAX_URL_LENGTH = 2048


class UnsafeTarget(ValueError):
    """A webhook URL that must not be called; the message says why."""

    transient = False


class ResolutionFailed(UnsafeTarget):
    """The host did not resolve (now): at send time a transient failure."""

    transient = True


@dataclass(frozen=True)
class VettedTarget:
    url: str
    scheme: str  # "https", or "http" when insecure targets are allowed
    host: str  # lower case, no trailing dot; an IPv6 literal without brackets
    port: int
    request_target: str  # path and query, as sent on the request line
    addresses: tuple[str, ...]  # every address the host resolved to, all vetted

    @property
    def is_ip_literal(self) -> bool:
        return _literal(self.host) is not None


def system_resolver(host: str) -> list[str]:
    """The addresses the system resolver gives for `host` (getaddrinfo), in its order."""
    seen: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def _nets(*specs: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(spec) for spec in specs)


_METADATA_NETS = _nets(
    "169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "192.0.0.192/32",
    "168.63.129.16/32", "fd00:ec2::/32",
)
_METADATA_NAMES = frozenset({
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.internal", "metadata.tencentyun.com",
})
_PRIVATE_NETS = _nets("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                      "fc00::/7")
# Blocks Python's tables (3.11) call global, or miss, that are no place for a webhook.
_SPECIAL_NETS = _nets(
    "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
    "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
    "5f00::/16", "fec0::/10",
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for or carries, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


def address_problem(address: str | IPAddress, allow_insecure: bool = False) -> str | None:
    """Why a webhook must not connect to `address`, or None when it may."""
    if isinstance(address, str):
        try:
            ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address[:60]!r} is not an IP address"
    else:
        ip = address
    if any(ip in net for net in _METADATA_NETS):
        return f"{ip} is a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner, allow_insecure)
            if problem is not None:
                return f"{ip} embeds IPv4 {inner}: {problem}"
            if ip.ipv4_mapped is not None or ip in _NAT64:
                return None  # the IPv4 address is where the connection really goes
    kind = _kind(ip)
    if kind is None or (allow_insecure and kind in ("loopback", "private")):
        return None
    return f"{ip} is {kind}"


def _kind(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if any(ip in net for net in _PRIVATE_NETS):
        return "private"
    if ip.is_reserved or any(ip in net for net in _SPECIAL_NETS):
        return "reserved (special-purpose)"
    if ip.is_private or not ip.is_global:
        return "not globally routable"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


_NUMBERISH = re.compile(r"[0-9]+|0x[0-9a-f]*")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_PORT = re.compile(r"[0-9]{1,5}")


def _ipv4_number(part: str) -> int:
    if not _NUMBERISH.fullmatch(part):
        raise ValueError(part)
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part[1:], 8)
    return int(part)


def _lenient_ipv4(host: str) -> ipaddress.IPv4Address:
    """What a WHATWG URL parser (or inet_aton) makes of a numeric host: 127.1,
    0x7f.1, 017700000001, 2130706433... ValueError when it is not an address."""
    parts = host.split(".")
    if len(parts) > 4:
        raise ValueError(host)
    numbers = [_ipv4_number(part) for part in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _split_netloc(netloc: str) -> tuple[str, str | None]:
    """(host, port text or None) of an authority without userinfo."""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise UnsafeTarget("unclosed '[' in the host")
        host, rest = netloc[1:end], netloc[end + 1:]
        if rest and not rest.startswith(":"):
            raise UnsafeTarget(f"unexpected {rest[:20]!r} after the IPv6 address")
        if "%" in host:
            raise UnsafeTarget("IPv6 zone ids are not allowed")
        literal = _literal(host)
        if not isinstance(literal, ipaddress.IPv6Address):
            raise UnsafeTarget(f"[{host[:60]}] is not an IPv6 address")
        return host, (rest[1:] if rest else None)
    if netloc.count(":") > 1:
        raise UnsafeTarget("an IPv6 address must be in brackets")
    host, sep, port = netloc.partition(":")
    return host, (port if sep else None)


def _parse(url: str, allow_insecure: bool) -> tuple[str, str, int, str, IPAddress | None]:
    if not isinstance(url, str):
        raise UnsafeTarget(f"a URL must be text, not {type(url).__name__}")
    if not url:
        raise UnsafeTarget("empty URL")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"URL longer than {MAX_URL_LENGTH} characters")
    if not url.isascii():
        raise UnsafeTarget("non-ASCII characters: write the host in its IDNA (xn--) form "
                           "and percent-encode the path")
    if any(ord(c) <= 0x20 or c in "\x7f\\" for c in url):
        raise UnsafeTarget("spaces, control characters and backslashes are not allowed")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeTarget(f"scheme {scheme or '(none)'!r}: a webhook URL must be https")
    netloc = parts.netloc
    if not netloc:
        raise UnsafeTarget("no host in the URL")
    if "@" in netloc:
        raise UnsafeTarget("credentials (user@host) are not allowed in a webhook URL")
    host, port_text = _split_netloc(netloc)
    host = host.lower()
    if port_text is None:
        port = 443 if scheme == "https" else 80
    elif not _PORT.fullmatch(port_text) or not 0 < int(port_text) < 65536:
        raise UnsafeTarget(f"bad port {port_text[:20]!r}")
    else:
        port = int(port_text)
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not request_target.startswith("/"):
        raise UnsafeTarget("the path must start with '/'")
    literal = _literal(host)
    if literal is not None:
        return scheme, host, port, request_target, literal
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise UnsafeTarget("no host in the URL")
    labels = host.split(".")
    if _NUMBERISH.fullmatch(labels[-1]):  # WHATWG: a host ending in a number is IPv4
        try:
            meant = _lenient_ipv4(host)
        except ValueError:
            raise UnsafeTarget(f"{host!r} is neither a host name nor an IPv4 address") from None
        if str(meant) != host:
            problem = address_problem(meant, allow_insecure)
            reason = f" ({problem})" if problem else ""
            raise UnsafeTarget(f"{host!r} is an unusual spelling of the IPv4 address "
                               f"{meant}{reason}: write it as {meant}")
        return scheme, host, port, request_target, meant
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UnsafeTarget(f"{host[:60]!r} is not a valid host name")
    return scheme, host, port, request_target, None


def check_url(url: str, allow_insecure: bool = False,
              resolve: Resolver | None = None) -> VettedTarget:
    """The vetted target for `url`, or UnsafeTarget saying why it is refused.

    Every address the host resolves to must be acceptable, not only the first.
    `resolve` is not called for IP literals or for names refused by their spelling.
    """
    scheme, host, port, request_target, literal = _parse(url, allow_insecure)
    if literal is not None:
        problem = address_problem(literal, allow_insecure)
        if problem is not None:
            raise UnsafeTarget(f"refused: {problem}")
    if host in _METADATA_NAMES or host.endswith(".metadata.google.internal"):
        raise UnsafeTarget(f"refused: {host} is a cloud metadata service")
    if (host == "localhost" or host.endswith(".localhost")) and not allow_insecure:
        raise UnsafeTarget(f"refused: {host} is loopback")
    if scheme == "http" and not allow_insecure:
        raise UnsafeTarget("http is not allowed: a webhook URL must be https "
                           "(NEWSROOM_WEBHOOK_ALLOW_INSECURE=1 allows http for tests)")
    if literal is not None:
        connect = literal.ipv4_mapped if isinstance(literal, ipaddress.IPv6Address) else None
        return VettedTarget(url, scheme, host, port, request_target, (str(connect or literal),))
    try:
        answers = list((resolve or system_resolver)(host))
    except (OSError, UnicodeError, ValueError) as exc:
        raise ResolutionFailed(f"cannot resolve {host}: {exc}") from None
    if not answers:
        raise ResolutionFailed(f"{host} resolves to no address")
    addresses: list[str] = []
    for answer in answers:
        if not isinstance(answer, str):
            raise UnsafeTarget(f"{host}: the resolver returned {type(answer).__name__}")
        ip = _literal(answer.split("%", 1)[0])
        if ip is None:
            raise UnsafeTarget(f"{host}: the resolver returned {answer[:60]!r}")
        problem = address_problem(ip, allow_insecure)
        if problem is not None:
            raise UnsafeTarget(f"refused: {host} resolves to an unsafe address: {problem}")
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if str(ip) not in addresses:
            addresses.append(str(ip))
    return VettedTarget(url, scheme, host, port, request_target, tuple(addresses))
