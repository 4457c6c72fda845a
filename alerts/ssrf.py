"""Refuse webhook URLs that would make Varsel call into its own network.

A subscriber chooses the URL we POST to. Without this check, ``http://169.254.169.254/`` or
``http://localhost:5432/`` turns the dispatcher into a proxy for reaching cloud credentials and
internal services. The host is resolved and *every* address is checked, because a name can
resolve to a public and a private address at once; the check runs again at send time because
DNS answers change.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

__all__ = ["CLOUD_METADATA_ADDRESSES", "Resolver", "UnsafeURL", "check_webhook_url", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]

# Blocked even with allow_private: letting an intranet receiver in must never open the endpoint
# that hands out the host's cloud credentials (AWS IMDS over IPv4 and IPv6; GCP and Azure use
# the same IPv4 address).
CLOUD_METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """A webhook URL Varsel will not call; the message says why and what would be accepted."""


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # Addresses that carry an IPv4 address inside an IPv6 one reach that IPv4 host; judge them by it.
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _why_refused(address: IPAddress, *, allow_private: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = _why_refused(embedded, allow_private=allow_private)
            return None if reason is None else f"{reason} ({embedded} inside an IPv6 address)"
    if address in CLOUD_METADATA_ADDRESSES:
        return "the cloud metadata service"
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


def check_webhook_url(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Raise :class:`UnsafeURL` unless ``url`` is http(s), has no credentials, and every address
    its host resolves to is public.

    ``allow_private`` admits loopback, private and link-local receivers (a laboratory's intranet,
    a test on one machine); unspecified, multicast, reserved and cloud-metadata addresses stay
    refused.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise UnsafeURL(f"scheme {parts.scheme!r} is not allowed; use https:// (or http://)")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("credentials in the URL are not allowed; authenticate with the webhook signature")
    host = parts.hostname
    if not host:
        raise UnsafeURL(f"URL {url!r} has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeURL(f"invalid port in {url!r}: {error}") from None

    try:
        raw_addresses = list(resolver(host, port))
    except (OSError, UnicodeError) as error:
        raise UnsafeURL(f"host {host!r} does not resolve: {error}") from None
    if not raw_addresses:
        raise UnsafeURL(f"host {host!r} resolves to no address")

    for raw in raw_addresses:
        address = _parse_address(raw)
        reason = _why_refused(address, allow_private=allow_private)
        if reason is not None:
            accepted = "public or private" if allow_private else "public"
            raise UnsafeURL(
                f"host {host!r} resolves to {address}, which is {reason}; webhook receivers must be "
                f"on {accepted} unicast addresses"
            )
