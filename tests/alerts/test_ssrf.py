"""Webhook URLs that would reach Varsel's own network are refused.

Literal IP addresses go through the real resolver (getaddrinfo needs no network for them).
Host *names* that would need DNS use a resolver stub, because this machine has no internet;
``localhost`` uses the real resolver, answered from /etc/hosts.
"""

import socket

import pytest

from alerts.ssrf import UnsafeURL, check_webhook_url


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("http://192.168.1.10/hook", "private"),
        ("http://[fc00::1]/hook", "private"),
        ("http://169.254.10.10/hook", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://[ff02::1]/hook", "multicast"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://[::]/hook", "unspecified"),
        ("http://240.0.0.1/hook", "reserved"),
        ("http://100.64.0.1/hook", "not globally routable"),  # carrier-grade NAT, RFC 6598
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped IPv6
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("http://[::ffff:169.254.169.254]/hook", "cloud metadata"),
        ("http://[2002:7f00:1::]/hook", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("http://[64:ff9b::a00:1]/hook", "private"),  # NAT64 wrapping 10.0.0.1
        ("http://2130706433/hook", "loopback"),  # 127.0.0.1 written as one decimal number
    ],
)
def test_non_public_addresses_are_refused(url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        check_webhook_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["https://8.8.8.8/hook", "http://[2001:4860:4860::8888]:8443/hook", "http://[64:ff9b::808:808]/"]
)
def test_public_addresses_are_accepted(url):
    check_webhook_url(url, allow_private=False)


def test_localhost_by_name_is_refused():
    with pytest.raises(UnsafeURL, match="loopback"):
        check_webhook_url("http://localhost:8080/hook", allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9000/hook", "http://[::1]:9000/hook", "http://10.1.2.3/hook", "http://[fe80::1]/hook"],
)
def test_allow_private_admits_intranet_and_loopback_receivers(url):
    check_webhook_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
    ],
)
def test_allow_private_still_refuses_metadata_and_non_unicast(url):
    with pytest.raises(UnsafeURL):
        check_webhook_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://8.8.8.8/hook", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://8.8.8.8/", "scheme"),
        ("https://user:secret@8.8.8.8/hook", "credentials"),
        ("https://user@8.8.8.8/hook", "credentials"),
        ("https:///hook", "no host"),
        ("https://8.8.8.8:99999/hook", "port"),
    ],
)
def test_malformed_or_credentialed_urls_are_refused(url, message):
    with pytest.raises(UnsafeURL, match=message):
        check_webhook_url(url, allow_private=True)


def stub_resolver(answers: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    return resolve


def test_a_name_is_refused_if_any_of_its_addresses_is_private():
    resolver = stub_resolver({"receiver.example": ["93.184.215.14", "10.0.0.7"]})
    with pytest.raises(UnsafeURL, match="10.0.0.7"):
        check_webhook_url("https://receiver.example/hook", allow_private=False, resolver=resolver)


def test_a_name_with_only_public_addresses_is_accepted():
    resolver = stub_resolver({"receiver.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    check_webhook_url("https://receiver.example/hook", allow_private=False, resolver=resolver)


def test_zone_suffixed_link_local_answers_are_understood():
    resolver = stub_resolver({"printer.local": ["fe80::1%eth0"]})
    with pytest.raises(UnsafeURL, match="link-local"):
        check_webhook_url("http://printer.local/", allow_private=False, resolver=resolver)


def test_an_unresolvable_name_is_refused_with_the_reason():
    with pytest.raises(UnsafeURL, match="does not resolve"):
        check_webhook_url("https://nowhere.example/hook", allow_private=False, resolver=stub_resolver({}))


# --- the name resolved is the name httpx connects to ----------------------------------------


def test_an_internationalised_name_is_resolved_in_the_form_httpx_sends():
    # Python's IDNA 2003 codec maps "straße" to "strasse"; httpx (IDNA 2008) connects to
    # "xn--strae-oqa". Only the second is where the webhook would go.
    resolver = stub_resolver({"strasse.example": ["93.184.215.14"], "xn--strae-oqa.example": ["127.0.0.1"]})
    with pytest.raises(UnsafeURL, match="loopback"):
        check_webhook_url("https://straße.example/hook", allow_private=False, resolver=resolver)


def test_the_addresses_checked_are_returned_once_each_in_the_resolvers_order():
    resolver = stub_resolver({"receiver.example": ["93.184.215.14", "2606:2800:21f:cb07::1", "93.184.215.14"]})
    assert check_webhook_url("https://receiver.example/hook", allow_private=False, resolver=resolver) == (
        "93.184.215.14",
        "2606:2800:21f:cb07::1",
    )


@pytest.mark.parametrize("url", ["https://8.8.8.8:0/hook", "https://8.8.8.8:65536/hook"])
def test_ports_outside_1_to_65535_are_refused(url):
    with pytest.raises(UnsafeURL, match="port"):
        check_webhook_url(url, allow_private=True)


def test_a_url_httpx_cannot_parse_is_refused_with_the_reason():
    with pytest.raises(UnsafeURL, match="invalid URL"):
        check_webhook_url("https://ａｂｃ.example/hook", allow_private=True)


# --- cloud metadata, whatever allow_private says ----------------------------------------------

METADATA = {
    # address: its IPv4-mapped, NAT64 (well-known), 6to4 and local-use NAT64 (/48 and /96) forms
    "169.254.169.254": [
        "::ffff:a9fe:a9fe",
        "64:ff9b::a9fe:a9fe",
        "2002:a9fe:a9fe::",
        "64:ff9b:1:a9fe:a9:fe00::",
        "64:ff9b:1::a9fe:a9fe",
    ],
    "169.254.170.2": [
        "::ffff:a9fe:aa02",
        "64:ff9b::a9fe:aa02",
        "2002:a9fe:aa02::",
        "64:ff9b:1:a9fe:aa:200::",
        "64:ff9b:1::a9fe:aa02",
    ],
    "100.100.100.200": [
        "::ffff:6464:64c8",
        "64:ff9b::6464:64c8",
        "2002:6464:64c8::",
        "64:ff9b:1:6464:64:c800::",
        "64:ff9b:1::6464:64c8",
    ],
    "192.0.0.192": [
        "::ffff:c000:c0",
        "64:ff9b::c000:c0",
        "2002:c000:c0::",
        "64:ff9b:1:c000:0:c000::",
        "64:ff9b:1::c000:c0",
    ],
    "fd00:ec2::254": [],
}


@pytest.mark.parametrize("address", [a for address, forms in METADATA.items() for a in (address, *forms)])
@pytest.mark.parametrize("allow_private", [True, False])
def test_cloud_metadata_addresses_are_refused_in_every_form(address, allow_private):
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeURL, match="cloud metadata"):
        check_webhook_url(f"http://{literal}/latest/meta-data/", allow_private=allow_private)


def test_a_name_that_resolves_to_a_metadata_address_is_refused_with_allow_private():
    resolver = stub_resolver({"metadata.google.internal": ["169.254.169.254"]})
    with pytest.raises(UnsafeURL, match="cloud metadata"):
        check_webhook_url("http://metadata.google.internal/", allow_private=True, resolver=resolver)


@pytest.mark.parametrize("allow_private", [True, False])
def test_a_local_use_nat64_address_is_refused(allow_private):
    # 64:ff9b:1::/48 is a site's own translator (RFC 8215); Python 3.11 calls it global, but it
    # lies in the reserved block ::/8
    with pytest.raises(UnsafeURL, match="reserved"):
        check_webhook_url("http://[64:ff9b:1::7f00:1]/hook", allow_private=allow_private)
