"""The webhook sender against a real HTTP receiver on 127.0.0.1."""

import asyncio
import socket
import threading
from datetime import datetime, timezone

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from alerts.delivery import WebhookSender
from alerts.ssrf import check_webhook_url

pytestmark = pytest.mark.e2e


def send(delivery, **sender_options):
    async def run():
        async with WebhookSender(allow_private=True, **sender_options) as sender:
            return await sender.send(delivery)

    return asyncio.run(run())


def test_a_delivery_arrives_signed_and_the_reference_library_verifies_it(receiver, make_delivery, webhook_secret):
    body = b'{"specversion":"1.0","id":"a1"}'
    result = send(make_delivery(receiver.url(), body=body, message_id="msg_a1"))

    assert result.succeeded and result.status_code == 200 and result.error is None
    assert result.response_excerpt == "received"
    (request,) = receiver.requests
    assert request.body == body
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["webhook-id"] == "msg_a1"
    # standardwebhooks checks the timestamp against its own clock: the sender's default clock is
    # the real one here, and the check only asks that the two agree within five minutes.
    assert Webhook(webhook_secret).verify(request.body, request.headers) == {"specversion": "1.0", "id": "a1"}


def test_the_injected_clock_sets_the_signed_timestamp(receiver, make_delivery):
    moment = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    send(make_delivery(receiver.url()), clock=lambda: moment)
    assert receiver.requests[0].headers["webhook-timestamp"] == str(int(moment.timestamp()))


def test_redirects_are_not_followed(receiver, make_delivery):
    receiver.redirect_to = receiver.url("/elsewhere")
    result = send(make_delivery(receiver.url()))
    assert not result.succeeded
    assert result.status_code == 302
    assert "redirects are not followed" in result.error
    assert [r.path for r in receiver.requests] == ["/hook"]


@pytest.mark.parametrize("status", [400, 429, 500, 503])
def test_non_2xx_answers_are_failures(receiver, make_delivery, status):
    receiver.status = status
    result = send(make_delivery(receiver.url()))
    assert not result.succeeded and result.status_code == status and result.error == f"HTTP {status}"


def test_410_gone_is_reported_as_endpoint_gone(receiver, make_delivery):
    receiver.status = 410
    result = send(make_delivery(receiver.url()))
    assert result.endpoint_gone and not result.succeeded


def test_the_response_body_is_read_only_up_to_the_limit(receiver, make_delivery):
    receiver.huge_body_bytes = 256 << 20
    result = send(make_delivery(receiver.url()), max_response_bytes=1000)
    assert result.succeeded
    assert result.response_excerpt == "x" * 1000
    assert receiver.handler_finished.wait(timeout=30)
    # The sender hung up: the receiver could not push the whole body through.
    assert receiver.huge_body_sent < receiver.huge_body_bytes


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(receiver, make_delivery):
    receiver.hold_seconds = 2.0
    result = send(make_delivery(receiver.url()), timeout=httpx.Timeout(0.2))
    assert result.status_code is None
    assert "timed out" in result.error


def test_a_closed_port_is_a_connection_failure(make_delivery):
    result = send(make_delivery("http://127.0.0.1:9/hook"))
    assert result.status_code is None and "ConnectError" in result.error


def test_private_receivers_are_refused_at_send_time_unless_allowed(receiver, make_delivery):
    async def run():
        async with WebhookSender(allow_private=False) as sender:
            return await sender.send(make_delivery(receiver.url()))

    result = asyncio.run(run())
    assert result.status_code is None and "refused before sending" in result.error and "loopback" in result.error
    assert receiver.requests == []


def test_a_name_that_moved_to_a_private_address_is_refused_at_send_time(receiver, make_delivery):
    # No DNS here, so a resolver stub plays a name whose answer changes between subscription and send.
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    def resolver(host, port):
        return next(answers)

    url = f"http://hooks.example:{receiver.port}/hook"
    check_webhook_url(url, allow_private=False, resolver=resolver)

    async def run():
        async with WebhookSender(allow_private=False, resolver=resolver) as sender:
            return await sender.send(make_delivery(url))

    result = asyncio.run(run())
    assert "loopback" in result.error
    assert receiver.requests == []


def test_concurrency_is_bounded(receiver, make_delivery):
    receiver.hold_seconds = 0.3
    deliveries = [make_delivery(receiver.url(), delivery_id=f"d{i}") for i in range(6)]

    async def run():
        async with WebhookSender(allow_private=True, max_concurrency=2) as sender:
            return await sender.send_many(deliveries)

    results = asyncio.run(run())
    assert all(r.succeeded for r in results)
    assert len(receiver.requests) == 6
    assert receiver.max_in_flight == 2


def test_send_many_keeps_the_order_of_its_input(receiver, make_delivery):
    receiver.fail_next = 1
    deliveries = [
        make_delivery(receiver.url(), delivery_id="first"),
        make_delivery("http://127.0.0.1:9/", delivery_id="second"),
    ]

    async def run():
        async with WebhookSender(allow_private=True, max_concurrency=1) as sender:
            return await sender.send_many(deliveries)

    first, second = asyncio.run(run())
    assert first.status_code == 503
    assert second.status_code is None


# --- the connection goes where the SSRF check looked --------------------------------------------


class LoopbackListener:
    """A real socket listening on 127.0.0.1 that nobody accepts on: any connection is left in its
    queue, so :meth:`connected` tells whether anything reached it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]

    def connected(self) -> bool:
        try:
            self.socket.accept()[0].close()
        except BlockingIOError:
            return False
        return True


@pytest.fixture
def loopback_listener():
    listener = LoopbackListener()
    yield listener
    listener.socket.close()


@pytest.fixture
def fake_dns(monkeypatch):
    """Names answered by a script instead of DNS, for every caller of socket.getaddrinfo (the
    sender's resolver and, if it resolved anything, the event loop): ``answers[name]`` is a list
    of address lists, one per lookup, the last repeated."""
    answers: dict[str, list[list[str]]] = {}
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        # as the real one does: a str name goes through Python's "idna" codec (IDNA 2003)
        name = host.decode() if isinstance(host, bytes) else host.encode("idna").decode("ascii")
        if name not in answers:
            return real(host, port, family, type, proto, flags)
        lookups.append(name)
        script = answers[name]
        addresses = script.pop(0) if len(script) > 1 else script[0]
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0)))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, lookups


def test_dns_rebinding_between_check_and_connection_never_reaches_loopback(loopback_listener, fake_dns, make_delivery):
    # The name answers a public address to the first lookup and loopback to any later one.
    answers, lookups = fake_dns
    answers["rebind.example"] = [["93.184.215.14"], ["127.0.0.1"]]
    port = loopback_listener.port

    async def run():
        async with WebhookSender(allow_private=False, timeout=httpx.Timeout(1.0, connect=0.3)) as sender:
            return await sender.send(make_delivery(f"http://rebind.example:{port}/hook"))

    result = asyncio.run(run())
    assert not result.succeeded
    assert not loopback_listener.connected()
    assert lookups == ["rebind.example"]  # resolved once, by the check


def test_an_idna_2008_name_that_resolves_to_loopback_is_refused_at_send_time(
    loopback_listener, fake_dns, make_delivery
):
    # IDNA 2003 (Python's codec) reads "straße" as "strasse"; httpx connects to "xn--strae-oqa".
    answers, _ = fake_dns
    answers["strasse.example"] = [["93.184.215.14"]]
    answers["xn--strae-oqa.example"] = [["127.0.0.1"]]
    port = loopback_listener.port

    async def run():
        async with WebhookSender(allow_private=False) as sender:
            return await sender.send(make_delivery(f"http://straße.example:{port}/hook"))

    result = asyncio.run(run())
    assert "refused before sending" in result.error and "loopback" in result.error
    assert not loopback_listener.connected()


def test_the_request_goes_to_the_checked_address_with_the_name_in_its_host_header(receiver, make_delivery):
    # hooks.example has no DNS here: only the sender's resolver knows it, so the delivery can
    # arrive only if the connection goes to the address the check resolved.
    def resolver(host, port):
        return {"hooks.example": ["127.0.0.1"]}[host]

    url = f"http://hooks.example:{receiver.port}/hook"

    async def run():
        async with WebhookSender(allow_private=True, resolver=resolver) as sender:
            return await sender.send(make_delivery(url))

    result = asyncio.run(run())
    assert result.succeeded, result.error
    assert receiver.requests[0].headers["host"] == f"hooks.example:{receiver.port}"


def test_a_lookup_that_hangs_ends_within_the_total_timeout_without_blocking_the_loop(make_delivery):
    release = threading.Event()

    def hanging_resolver(host, port):
        release.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    async def run():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        try:
            async with WebhookSender(
                allow_private=False, resolver=hanging_resolver, total_timeout_seconds=0.3
            ) as sender:
                result = await sender.send(make_delivery("https://slow-dns.example/hook"))
        finally:
            ticker.cancel()
            release.set()
        return result, ticks

    result, ticks = asyncio.run(run())
    assert "did not resolve within 0.3 s" in result.error
    assert result.latency_ms < 2000
    assert ticks >= 5  # the event loop kept running while the lookup waited


def test_an_outgoing_delivery_never_shows_its_secrets_in_its_repr():
    from alerts.delivery import OutgoingDelivery

    delivery = OutgoingDelivery(
        id="d1",
        endpoint_id="e1",
        url="https://hooks.example.org/x",
        message_id="m1",
        body=b"{}",
        secrets=("whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw==",),
    )
    assert "whsec_" not in repr(delivery)
