"""Refuse webhook URLs that would make Varsel call into its own network.

A subscriber chooses the URL we POST to. Without this check, ``http://169.254.169.254/`` or
``http://localhost:5432/`` turns the dispatcher into a proxy for reaching cloud credentials and
internal services. The host is resolved and *every* address is checked, because a name can
resolve to a public and a private address at once; the check runs again at send time because
DNS answers change.

Two rules make the check mean something:

- The name resolved is the name the connection uses: httpx's normalisation of the URL (IDNA 2008,
  as it goes into the Host header and TLS SNI), not ``urllib``'s, whose IDNA 2003 codec turns
  ``straße`` into ``strasse``, another host than the ``xn--strae-oqa`` httpx connects to.
- The sender connects to the addresses this check returned (:mod:`alerts.transport`'s
  ``connect_to``) and never resolves the name a second time: a DNS server answering a public
  address to the check and loopback to the connection (rebinding) gets nowhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

__all__ = [
    "CLOUD_METADATA_ADDRESSES",
    "Resolver",
    "UnsafeURL",
    "WebhookOrigin",
    "check_webhook_url",
    "checked_addresses",
    "system_resolver",
    "webhook_origin",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

# Blocked even with allow_private, in every IPv6 form that carries them: letting an intranet
# receiver in must never open the endpoint that hands out the host's cloud credentials. An explicit
# list, because what ``ipaddress`` calls private, link-local or global changes between Python
# versions and none of these is special to it anyway (100.100.100.200 is shared address space).
CLOUD_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle Cloud
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud Classic
        "fd00:ec2::254",  # AWS IMDS over IPv6
    )
)

_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215, a site's own translator
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated, but some stacks still route it
# Where an IPv4 address sits inside an RFC 6052 IPv6 address, by prefix length: (first bit,
# bit count) pieces, skipping bits 64-71. A local-use NAT64 prefix may be any of the lengths
# that fit inside 64:ff9b:1::/48, so every one of those layouts is read.
_RFC6052_LAYOUTS = {48: ((48, 16), (72, 16)), 56: ((56, 8), (72, 24)), 64: ((72, 32),), 96: ((96, 32),)}


class UnsafeURL(ValueError):
    """A webhook URL Varsel will not call; the message says why and what would be accepted."""


@dataclass(frozen=True, slots=True)
class WebhookOrigin:
    """Where a webhook URL connects: ``host`` exactly as httpx puts it on the wire (A-labels of
    IDNA 2008, or an IP literal without brackets), and the port."""

    scheme: str
    host: str
    port: int


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def webhook_origin(url: str | httpx.URL) -> WebhookOrigin:
    """The origin of ``url`` as httpx normalises it; :class:`UnsafeURL` unless it is http(s) with a
    host, a valid port and no credentials."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as error:  # not a ValueError
        raise UnsafeURL(f"invalid URL {str(url)[:200]!r}: {error}") from None
    if parsed.scheme not in ("https", "http"):
        raise UnsafeURL(f"scheme {parsed.scheme!r} is not allowed; use https:// (or http://)")
    if parsed.userinfo:
        raise UnsafeURL("credentials in the URL are not allowed; authenticate with the webhook signature")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise UnsafeURL(f"URL {str(url)[:200]!r} has no host")
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise UnsafeURL(f"invalid port in {str(url)[:200]!r}: {port} is not in 1-65535")
    return WebhookOrigin(parsed.scheme, host, port)


def _bits(number: int, first: int, count: int) -> int:
    return (number >> (128 - first - count)) & ((1 << count) - 1)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # Addresses that carry an IPv4 address inside an IPv6 one reach that IPv4 host; judge them by it.
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _carried_ipv4s(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address ``address`` could lead to through a translator or tunnel: the policy
    judges by the one a standard translator uses; the metadata block refuses if any matches."""
    carried = []
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        carried.append(embedded)
    number = int(address)
    if address in _IPV4_COMPATIBLE and number > 1:  # not :: or ::1
        carried.append(ipaddress.IPv4Address(number & 0xFFFFFFFF))
    if address in _NAT64_LOCAL_USE:
        for pieces in _RFC6052_LAYOUTS.values():
            value = 0
            for first, count in pieces:
                value = (value << count) | _bits(number, first, count)
            carried.append(ipaddress.IPv4Address(value))
    if address.teredo is not None:
        carried.extend(address.teredo)
    return carried


def _metadata_reason(address: IPAddress) -> str | None:
    if address in CLOUD_METADATA_ADDRESSES:
        return "the cloud metadata service"
    if isinstance(address, ipaddress.IPv6Address):
        for carried in _carried_ipv4s(address):
            if carried in CLOUD_METADATA_ADDRESSES:
                return f"the cloud metadata service ({carried} inside an IPv6 address)"
    return None


def _why_refused(address: IPAddress, *, allow_private: bool) -> str | None:
    metadata = _metadata_reason(address)
    if metadata is not None:
        return metadata
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = _why_refused(embedded, allow_private=allow_private)
            return None if reason is None else f"{reason} ({embedded} inside an IPv6 address)"
    if address.is_loopback:
        # Tested before "reserved": ::1 lies inside the reserved block ::/8.
        return None if allow_private else "loopback"
    # No receiver ever listens on these, private network or not.
    for reason, flag in (
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return reason
    if allow_private:
        return None
    for reason, flag in (
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    ):
        if flag:
            return reason
    return None


def _parse_address(raw: str) -> IPAddress:
    # getaddrinfo returns IPv6 link-local addresses with a zone ("fe80::1%eth0").
    return ipaddress.ip_address(raw.split("%", 1)[0])


def checked_addresses(
    origin: WebhookOrigin, *, allow_private: bool, resolver: Resolver = system_resolver
) -> tuple[str, ...]:
    """Resolve ``origin.host`` once and return every address it resolved to, in the resolver's
    order; :class:`UnsafeURL` if it does not resolve or if *any* address is refused.

    ``allow_private`` admits loopback, private and link-local receivers (a laboratory's intranet,
    a test on one machine); unspecified, multicast, reserved and cloud-metadata addresses stay
    refused.
    """
    host = origin.host
    try:
        raw_addresses = list(dict.fromkeys(resolver(host, origin.port)))
    except (OSError, UnicodeError) as error:
        raise UnsafeURL(f"host {host!r} does not resolve: {error}") from None
    if not raw_addresses:
        raise UnsafeURL(f"host {host!r} resolves to no address")

    for raw in raw_addresses:
        try:
            address = _parse_address(raw)
        except ValueError:
            raise UnsafeURL(f"host {host!r} resolves to {raw!r}, which is not an IP address") from None
        reason = _why_refused(address, allow_private=allow_private)
        if reason is not None:
            accepted = "public or private" if allow_private else "public"
            raise UnsafeURL(
                f"host {host!r} resolves to {address}, which is {reason}; webhook receivers must be "
                f"on {accepted} unicast addresses"
            )
    return tuple(raw_addresses)


def check_webhook_url(
    url: str | httpx.URL, *, allow_private: bool, resolver: Resolver = system_resolver
) -> tuple[str, ...]:
    """Raise :class:`UnsafeURL` unless ``url`` is http(s), has no credentials, and every address
    its host resolves to is allowed (see :func:`checked_addresses`); the addresses checked."""
    return checked_addresses(webhook_origin(url), allow_private=allow_private, resolver=resolver)
