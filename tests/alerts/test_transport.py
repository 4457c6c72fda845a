"""alerts.transport.Http1Transport against real asyncio servers on 127.0.0.1 that answer exactly
as each test scripts them (framing, keep-alive, closing, stalling, TLS)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import alerts.transport as transport_module
from alerts.transport import CONNECT_TO, Http1Transport

pytestmark = pytest.mark.e2e

CLOSE = object()
# what a scripted server writes for one request (see Server)
Reply = bytes | tuple[bytes, object] | None
LONG_BODY = bytes(range(256)) * 400  # 100 KiB


class Server:
    """Counts connections and requests. ``answer(n)`` scripts the reply to the n-th request: bytes
    to write, ``(bytes, CLOSE)`` to write and then hang up, or None to hang up without answering."""

    def __init__(self, answer: Callable[[int], Reply], ssl_context: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.ssl_context = ssl_context
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    def url(self, path: str = "/hook") -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(
                    next(
                        (
                            line.split(b":")[1]
                            for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length:")
                        ),
                        b"0",
                    )
                )
                body = await reader.readexactly(length)
                self.requests.append(head + body)
                reply = self.answer(len(self.requests))
                if reply is None:  # hang up without answering
                    break
                data, then = reply if isinstance(reply, tuple) else (reply, None)
                writer.write(data)
                await writer.drain()
                if then is CLOSE:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def ok(body: bytes = b"received", *extra: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body),
        b"".join(e + b"\r\n" for e in extra),
        body,
    )


async def post(client: httpx.AsyncClient, url: str) -> tuple[int, bytes]:
    async with client.stream("POST", url, content=b'{"id":"x"}', headers={"webhook-id": "msg_1"}) as r:
        return r.status_code, b"".join([chunk async for chunk in r.aiter_raw()])


def run(
    answer: Callable[[int], Reply],
    scenario,
    *,
    timeout: httpx.Timeout | None = None,
    ssl_context: ssl.SSLContext | None = None,
    server_ssl: ssl.SSLContext | None = None,
):  # noqa: ANN001
    async def main():  # noqa: ANN202
        async with Server(answer, server_ssl) as server:
            transport = Http1Transport(ssl_context=ssl_context)
            async with httpx.AsyncClient(transport=transport, timeout=timeout or httpx.Timeout(5.0)) as client:
                return server, await scenario(client, server)

    return asyncio.run(main())


def test_keep_alive_connections_are_reused_and_the_request_arrives_as_written():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        return [await post(client, server.url(f"/hook/{i}?a=1")) for i in range(3)]

    server, answers = run(lambda n: ok(b"answer %d" % n), scenario)
    assert answers == [(200, b"answer 1"), (200, b"answer 2"), (200, b"answer 3")]
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /hook/0?a=1 HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:" in first.lower() and b"\r\nwebhook-id: msg_1\r\n" in first
    assert first.endswith(b'\r\n\r\n{"id":"x"}') and b"content-length: 10\r\n" in first.lower()


def test_a_chunked_answer_is_decoded_and_its_connection_reused():
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"

    async def scenario(client, server):  # noqa: ANN001, ANN202
        return [await post(client, server.url()), await post(client, server.url())]

    server, answers = run(lambda n: chunked, scenario)
    assert answers == [(200, b"hello world")] * 2 and server.connections == 1


def test_bodies_read_with_the_head_and_bodies_streamed_both_arrive_whole_and_free_the_connection():
    # A short answer is read together with its head; a long one (over _READ_AT_ONCE) is
    # streamed to the caller. Both must arrive whole and leave the connection reusable.
    assert len(LONG_BODY) > transport_module._READ_AT_ONCE
    bodies = {1: b"short", 2: LONG_BODY, 3: b"", 4: b"again"}

    async def scenario(client, server):  # noqa: ANN001, ANN202
        return [await post(client, server.url()) for _ in range(4)]

    server, answers = run(lambda n: ok(bodies[n]), scenario)
    assert answers == [(200, bodies[n]) for n in (1, 2, 3, 4)]
    assert server.connections == 1


def test_a_body_that_stalls_after_its_head_is_a_read_timeout():
    async def stall(reader, writer):  # noqa: ANN001, ANN202
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        await writer.drain()
        await asyncio.sleep(5)

    async def main():  # noqa: ANN202
        server = await asyncio.start_server(stall, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(0.2)) as client:
            with pytest.raises(httpx.ReadTimeout, match="body stalled"):
                await post(client, f"http://127.0.0.1:{port}/hook")
        server.close()

    asyncio.run(main())


def test_a_request_larger_than_the_socket_buffer_is_written_whole():
    # the write does not fit in the kernel's buffer at once, so the transport waits for it to drain
    big = b"x" * (8 << 20)

    async def scenario(client, server):  # noqa: ANN001, ANN202
        r = await client.post(server.url(), content=big)
        return r.status_code

    server, status = run(lambda n: ok(), scenario)
    assert status == 200 and server.requests[0].endswith(big)


def test_connection_close_and_bodies_ended_by_closing_are_not_reused():
    replies = {1: (ok(b"one", b"Connection: close"), CLOSE), 2: (b"HTTP/1.1 200 OK\r\n\r\nuntil close", CLOSE)}

    async def scenario(client, server):  # noqa: ANN001, ANN202
        return [await post(client, server.url()) for _ in range(3)]

    server, answers = run(lambda n: replies.get(n, ok(b"three")), scenario)
    assert answers == [(200, b"one"), (200, b"until close"), (200, b"three")]
    assert server.connections == 3


def test_an_idle_connection_the_receiver_closed_is_replaced_and_the_webhook_sent_once():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        first = await post(client, server.url())
        await asyncio.sleep(0.05)  # the server hangs up the idle connection (below)
        return first, await post(client, server.url())

    # the first answer claims keep-alive, then the server closes the connection anyway
    server, (first, second) = run(lambda n: (ok(b"first"), CLOSE) if n == 1 else ok(b"second"), scenario)
    assert first[0] == 200 and second == (200, b"second")
    assert len(server.requests) == 2 and server.connections == 2


def test_a_reused_connection_that_dies_before_any_answer_is_retried_once_on_a_new_one():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        return await post(client, server.url()), await post(client, server.url())

    # the second request reaches the first connection, which hangs up without a byte of answer
    server, (first, second) = run(lambda n: None if n == 2 else ok(b"answer %d" % n), scenario)
    assert first == (200, b"answer 1") and second == (200, b"answer 3")
    assert server.connections == 2 and len(server.requests) == 3


def test_a_receiver_that_hangs_up_on_a_new_connection_is_a_protocol_error_not_a_retry():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())

    server, _ = run(lambda n: None, scenario)
    assert len(server.requests) == 1


def test_interim_100_responses_are_skipped():
    server, answer = run(
        lambda n: b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final"), lambda client, server: post(client, server.url())
    )
    assert answer == (200, b"final")


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 100 Continue\r\n\r\n" * 9 + ok(),  # interim answers without end
        b"SPDY/3 200 OK\r\n\r\n",  # not HTTP/1.x
        b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",  # not a status code
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",  # conflicting lengths
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 70000 + b"\r\n\r\n",  # headers over the 64 KiB limit
    ],
)
def test_malformed_answers_are_protocol_errors(reply):
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())

    run(lambda n: reply, scenario)


@pytest.mark.parametrize("size", [b"-1", b"0x5", b"1_0", b"", b"zz"])
def test_chunk_sizes_that_are_not_plain_hex_are_protocol_errors(size):
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())

    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nhello\r\n0\r\n\r\n"
    run(lambda n: (reply, CLOSE), scenario)


def test_a_truncated_body_is_a_protocol_error():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())

    run(lambda n: (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", CLOSE), scenario)


def test_a_receiver_that_never_answers_is_a_read_timeout():
    async def never(reader, writer):  # noqa: ANN001, ANN202
        await reader.read(1 << 16)
        await asyncio.sleep(5)

    async def main():  # noqa: ANN202
        server = await asyncio.start_server(never, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(0.2)) as client:
            with pytest.raises(httpx.ReadTimeout):
                await post(client, f"http://127.0.0.1:{port}/hook")
        server.close()

    asyncio.run(main())


def test_a_closed_port_is_a_connect_error():
    async def main():  # noqa: ANN202
        async with httpx.AsyncClient(transport=Http1Transport()) as client:
            with pytest.raises(httpx.ConnectError):
                await post(client, "http://127.0.0.1:9/hook")

    asyncio.run(main())


def test_line_breaks_in_a_header_never_reach_the_wire():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises((httpx.LocalProtocolError, ValueError)):
            await client.post(server.url(), content=b"x", headers={"x-evil": "a\r\nInjected: yes"})

    server, _ = run(lambda n: ok(), scenario)
    assert server.requests == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_https_with_a_trusted_certificate(tmp_path: Path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    server, answer = run(
        lambda n: ok(b"over tls"),
        lambda client, server: post(client, server.url()),
        ssl_context=trusting,
        server_ssl=server_side,
    )
    assert answer == (200, b"over tls")

    # the system's trust store does not know this certificate: refused, nothing sent
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.ConnectError):
            await post(client, server.url())

    server, _ = run(lambda n: ok(), scenario, server_ssl=server_side)
    assert server.requests == []


def test_the_sender_keeps_no_cookies_between_deliveries(make_delivery):
    from alerts.delivery import WebhookSender

    async def main():  # noqa: ANN202
        async with Server(lambda n: ok(b"ok", b"Set-Cookie: session=abc; Path=/")) as server:
            async with WebhookSender(allow_private=True) as sender:
                results = [await sender.send(make_delivery(server.url(), delivery_id=f"d{i}")) for i in range(2)]
            return server, results

    server, results = asyncio.run(main())
    assert all(r.succeeded for r in results) and len(server.requests) == 2
    assert b"cookie:" not in server.requests[1].lower().replace(b"set-cookie", b"")


# --- connect_to: the addresses the SSRF check allowed, and no others -------------------------


async def post_to(client: httpx.AsyncClient, url: str, addresses: tuple[str, ...]) -> tuple[int, bytes]:
    request = client.build_request("POST", url, content=b"{}", extensions={CONNECT_TO: addresses})
    response = await client.send(request)
    return response.status_code, response.content


def test_connect_to_addresses_are_tried_in_order_and_the_name_stays_in_the_host_header():
    # nothing listens on 127.0.0.2 (refused), and hooks.example has no DNS here
    async def scenario(client, server):  # noqa: ANN001, ANN202
        return await post_to(client, f"http://hooks.example:{server.port}/hook", ("127.0.0.2", "127.0.0.1"))

    server, answer = run(lambda n: ok(b"pinned"), scenario)
    assert answer == (200, b"pinned")
    assert f"\r\nhost: hooks.example:{server.port}\r\n".encode() in server.requests[0].lower()


def test_an_idle_connection_is_reused_only_for_a_request_allowed_to_reach_its_address():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        url = f"http://hooks.example:{server.port}/hook"
        first = await post_to(client, url, ("127.0.0.1",))
        # the name now resolves elsewhere (nothing listens on 127.0.0.3): the connection to
        # 127.0.0.1 must not carry this request
        with pytest.raises(httpx.ConnectError):
            await post_to(client, url, ("127.0.0.3",))
        return first

    server, first = run(lambda n: ok(), scenario)
    assert first[0] == 200 and len(server.requests) == 1


# --- one answer per request, never another's ------------------------------------------------


INJECTED = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ninjected!"
EMPTY_500 = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"


def test_a_second_answer_in_the_same_read_is_not_left_for_the_next_request():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        return [await post(client, server.url()) for _ in range(2)]

    server, answers = run(lambda n: EMPTY_500 + INJECTED if n == 1 else ok(b"genuine"), scenario)
    assert answers == [(500, b""), (200, b"genuine")]
    assert server.connections == 2


def test_bytes_that_arrive_while_a_connection_is_idle_close_it():
    connections = 0

    async def serve(reader, writer):  # noqa: ANN001, ANN202
        nonlocal connections
        connections += 1
        first = connections == 1
        try:
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(10)
            if first:
                writer.write(EMPTY_500)
                await writer.drain()
                await asyncio.sleep(0.05)  # the client has put the connection back in its pool
                writer.write(INJECTED)
                await writer.drain()
                await reader.read(1 << 16)  # wait for the next request, never answer it
            else:
                writer.write(ok(b"genuine"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():  # noqa: ANN202
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(2.0)) as client:
            first = await post(client, url)
            await asyncio.sleep(0.2)
            second = await post(client, url)
        server.close()
        return first, second

    first, second = asyncio.run(main())
    assert first == (500, b"") and second == (200, b"genuine")
    assert connections == 2


def test_another_subscribers_delivery_never_gets_the_answer_one_receiver_queued(make_delivery):
    from alerts.delivery import WebhookSender

    def answer(n: int) -> bytes:
        return EMPTY_500 + INJECTED if n == 1 else b"HTTP/1.1 202 Accepted\r\nContent-Length: 7\r\n\r\ngenuine"

    async def main():  # noqa: ANN202
        async with Server(answer) as server:
            async with WebhookSender(allow_private=True, max_concurrency=1) as sender:
                first = await sender.send(make_delivery(server.url("/tenant-a"), delivery_id="a", endpoint_id="ea"))
                second = await sender.send(make_delivery(server.url("/tenant-b"), delivery_id="b", endpoint_id="eb"))
            return server, first, second

    server, first, second = asyncio.run(main())
    assert first.status_code == 500 and not first.succeeded
    assert (second.status_code, second.response_excerpt) == (202, "genuine")
    assert server.requests[1].startswith(b"POST /tenant-b ")


# --- framing, RFC 9112 section 6.3 --------------------------------------------------------------


@pytest.mark.parametrize("coding", [b"chunked", b"gzip"])
def test_transfer_encoding_with_content_length_is_an_error_and_the_connection_is_closed(coding):
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b"\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"

    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())
        return await post(client, server.url())

    server, second = run(lambda n: reply if n == 1 else ok(b"next"), scenario)
    assert second == (200, b"next") and server.connections == 2


@pytest.mark.parametrize("coding", [b"xchunked", b"chunked, gzip", b"gzip"])
def test_a_body_whose_final_coding_is_not_chunked_ends_when_the_connection_closes(coding):
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    server, answer = run(lambda n: (reply, CLOSE), lambda client, server: post(client, server.url()))
    assert answer == (200, b"5\r\nhello\r\n0\r\n\r\n")


def test_an_unasked_for_101_is_a_protocol_error():
    async def scenario(client, server):  # noqa: ANN001, ANN202
        with pytest.raises(httpx.RemoteProtocolError):
            await post(client, server.url())

    run(lambda n: b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n", scenario)


def test_trailers_are_read_but_not_returned_as_headers():
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: yes\r\n\r\n"

    async def scenario(client, server):  # noqa: ANN001, ANN202
        response = await client.post(server.url(), content=b"x")
        return response.content, "x-trailer" in response.headers, await post(client, server.url())

    server, (content, has_trailer, second) = run(lambda n: reply, scenario)
    assert content == b"ok" and not has_trailer and second == (200, b"ok") and server.connections == 1


# --- bounded memory -------------------------------------------------------------------------------


def test_an_endless_head_is_refused_after_max_header_bytes_without_buffering_it():
    sent = 0

    async def endless(reader, writer):  # noqa: ANN001, ANN202
        nonlocal sent
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        try:
            while sent < 64 << 20:
                writer.write(b"a" * 65536)
                sent += 65536
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    async def main():  # noqa: ANN202
        server = await asyncio.start_server(endless, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        tracemalloc.start()
        try:
            async with httpx.AsyncClient(transport=Http1Transport(max_header_bytes=16384)) as client:
                with pytest.raises(httpx.RemoteProtocolError, match="16384"):
                    await post(client, url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        server.close()
        return peak

    peak = asyncio.run(main())
    assert peak < 4 << 20 and sent < 32 << 20


def test_a_body_the_caller_does_not_read_stops_the_socket_instead_of_filling_memory():
    async def flood(reader, writer):  # noqa: ANN001, ANN202
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")  # ends when the connection closes
        try:
            for _ in range(1024):  # 64 MiB
                writer.write(b"x" * 65536)
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    async def main():  # noqa: ANN202
        server = await asyncio.start_server(flood, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        tracemalloc.start()
        try:
            async with httpx.AsyncClient(transport=Http1Transport()) as client:
                async with client.stream("POST", url, content=b"x") as response:
                    chunks = response.aiter_raw()
                    first = await anext(chunks)
                    await asyncio.sleep(0.3)  # the receiver keeps sending; nobody reads
                    peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        server.close()
        return first, peak

    first, peak = asyncio.run(main())
    assert first and peak < 4 << 20
