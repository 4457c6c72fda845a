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
    resolver = stub_resolver(
        {"receiver.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}
    )
    check_webhook_url("https://receiver.example/hook", allow_private=False, resolver=resolver)


def test_zone_suffixed_link_local_answers_are_understood():
    resolver = stub_resolver({"printer.local": ["fe80::1%eth0"]})
    with pytest.raises(UnsafeURL, match="link-local"):
        check_webhook_url("http://printer.local/", allow_private=False, resolver=resolver)


def test_an_unresolvable_name_is_refused_with_the_reason():
    with pytest.raises(UnsafeURL, match="does not resolve"):
        check_webhook_url("https://nowhere.example/hook", allow_private=False, resolver=stub_resolver({}))
