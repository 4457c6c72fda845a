"""Property tests of alerts.transport's response parsing: random and mutated answers from a real
receiver on 127.0.0.1.

Whatever a receiver sends, a request ends, in bounded time, either with a response or with
httpx.RemoteProtocolError (the one error a malformed answer may raise), and what a connection
carried after an answer never becomes the answer to the next request.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.transport import Http1Transport

pytestmark = pytest.mark.e2e

MAX_HEADER_BYTES = 4096
# what one request ended in: (status, body) or the protocol error / timeout it raised
Ended = tuple[int, bytes] | Exception
WELL_FORMED = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    b"HTTP/1.1 200 OK\r\n\r\nuntil the connection closes",
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A well-formed (or famously ill-formed) answer with bytes replaced, inserted, deleted or cut."""
    data = bytearray(draw(st.sampled_from(WELL_FORMED)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        piece = draw(
            st.sampled_from(
                [
                    b"\r\n",
                    b"\n",
                    b"\r",
                    b" ",
                    b":",
                    b"0",
                    b"9" * 20,
                    b"-",
                    b"\x00",
                    b"chunked",
                    b"Content-Length: 1\r\n",
                    b"HTTP/1.1 200 OK\r\n",
                    b"\xff",
                ]
            )
            | st.binary(min_size=1, max_size=8)
        )
        if kind == "replace":
            data[at : at + len(piece)] = piece
        elif kind == "insert":
            data[at:at] = piece
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            del data[at:]
    return bytes(data)


answers = st.one_of(mutated(), st.binary(max_size=300), st.sampled_from(WELL_FORMED))
# where the receiver splits its answer into separate writes
splits = st.lists(st.integers(1, 400), max_size=4)


def pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    return [data[a:b] for a, b in zip(edges, edges[1:])] or [b""]


async def exchange(first: bytes, cuts: list[int], *, tail: bytes | None = None) -> tuple[Ended, Ended | None, bytes]:
    """Request 1 is answered with ``first``, written in pieces; the receiver then closes, or, given
    a ``tail``, sends it with the last piece (in the same read: bytes that arrive later, after the
    next request went out, cannot be told from its answer by any HTTP/1.1 client) and answers
    every later request on any connection with a fresh nonce.
    Returns what each of two requests ended in (a (status, body) pair or an exception), and
    the nonce of the second request's genuine answer."""
    requests = 0
    genuine: dict[int, bytes] = {}
    handlers: set[asyncio.Task] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        task = asyncio.current_task()
        assert task is not None  # a handler runs as a task
        handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]))
                requests += 1
                if requests == 1:
                    for piece in (
                        pieces(first, cuts)
                        if tail is None
                        else [*pieces(first, cuts)[:-1], pieces(first, cuts)[-1] + tail]
                    ):
                        writer.write(piece)
                        await writer.drain()
                        await asyncio.sleep(0)
                    if tail is None:
                        break
                else:
                    nonce = genuine[requests] = uuid.uuid4().hex.encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n" + nonce)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def attempt(client: httpx.AsyncClient, url: str, *, sent: int) -> Ended:
        try:
            async with client.stream("POST", url, content=b"{}") as response:
                body = b""
                async for chunk in response.aiter_raw():
                    body += chunk
                    assert len(body) <= sent  # never more than the receiver sent
                return response.status_code, body
        except (httpx.RemoteProtocolError, httpx.ReadTimeout) as error:
            return error

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    transport = Http1Transport(max_header_bytes=MAX_HEADER_BYTES)
    try:
        async with asyncio.timeout(5):  # no hang: everything below ends long before this
            async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(2.0, read=0.2)) as client:
                one = await attempt(client, url, sent=len(first) + len(tail or b""))
                two = None if tail is None else await attempt(client, url, sent=32)
            # the client's connections are closed: let the receiver's handlers see it and end
            await asyncio.wait(handlers, timeout=1)
    finally:
        server.close()
    return one, two, genuine.get(2, b"")


# No example database (.hypothesis/): a failure prints the example that caused it.
FUZZ = settings(max_examples=200, deadline=2000, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(answers, splits)
def test_any_answer_ends_in_a_response_or_a_protocol_error(first, cuts):
    one, _, _ = asyncio.run(exchange(first, cuts))
    if isinstance(one, Exception):
        # the receiver closed after writing: nothing may wait for the read timeout
        assert isinstance(one, httpx.RemoteProtocolError), repr(one)
    else:
        status, body = one
        assert 100 <= status <= 999 and isinstance(body, bytes)


@FUZZ
@given(st.sampled_from(WELL_FORMED[:6]), st.one_of(mutated(), st.binary(min_size=1, max_size=100)), splits)
def test_what_follows_an_answer_never_becomes_the_next_answer(answer, tail, cuts):
    _, two, nonce = asyncio.run(exchange(answer, cuts, tail=tail))
    # the second request got the receiver's answer to it, on whichever connection: never bytes
    # sent before it
    assert two == (200, nonce), (two, nonce)
