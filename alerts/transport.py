"""HTTP/1.1 for webhook delivery: an httpx transport on asyncio protocols, parsed by httptools.

The sender is an ``httpx.AsyncClient``; this is what it sends through. httpx's default transport
(httpcore with h11) spends about three quarters of each request's CPU on connection-pool
bookkeeping and a pure-Python protocol state machine, so one dispatch worker could not deliver
more than ~900 webhooks a second on this project's two-core machine (bench/alerts.py). Webhook
delivery needs a small part of HTTP/1.1, and this transport implements exactly that part, with
the parsing left to httptools (llhttp, the parser of Node.js and of uvicorn; bench/transport.py
measures what it costs next to h11):

- one request per connection at a time, connections kept alive per origin and reused;
- request bodies are bytes (a signed event); the request line and headers are written as httpx
  built them (Host, Content-Length, the signature headers), with CR and LF refused in any of them;
- responses are framed as RFC 9112, section 6.3 says, which is what llhttp does: by
  Content-Length, by chunked transfer coding, or by the connection closing when the final
  transfer coding is not chunked; a response with both Transfer-Encoding and Content-Length, or
  an invalid or repeated Content-Length, is an error and its connection is closed. 1xx interim
  responses are skipped; the heads read are bounded by ``max_header_bytes``, the body kept in
  memory by pausing the socket while the caller has not taken it;
- a connection goes back to the pool only if its answer ended exactly where the bytes did: a
  second answer in the same read, or any byte arriving while the connection sits idle, closes
  it. Otherwise a receiver could queue an answer that the next request on the connection, maybe
  another subscriber's on the same origin, would take for its own;
- with the ``connect_to`` request extension (a sequence of IP addresses) the transport connects
  to those addresses only, trying them in order, and never resolves the URL's host, which still
  goes into the Host header and TLS SNI; an idle connection is reused only if it goes to one of
  them. This is how the sender connects to the addresses its SSRF check allowed
  (:mod:`alerts.ssrf`). Without it, the host is resolved by the event loop;
- httpx's timeouts (connect, read, write) are honoured, and failures are raised as httpx's own
  exceptions (ConnectError, ConnectTimeout, ReadTimeout, WriteTimeout, RemoteProtocolError), so
  the sender cannot tell this transport from httpcore except by its speed;
- an idle connection the receiver has closed is not reused; one that dies after it was taken,
  before any byte of an answer, has the request sent once more on a new connection. A receiver
  closing an idle connection has not read the request; one that read it and hung up without a
  word gets it twice, which its deduplication by ``webhook-id`` absorbs;
- https with the system's trust store, or the given ``ssl_context``.

Not implemented, because webhook delivery never needs them: HTTP/2, proxies (the sender sets
``trust_env=False`` for the SSRF guard anyway), HEAD requests (llhttp cannot be told a body is
absent), upgrades, streaming request bodies, ``Expect: 100-continue``, trailers (read, not
returned). The response body is streamed to the caller, which reads at most a few KiB and closes:
a connection whose body was not read to its end is closed, not reused.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence

import httptools
import httpx

__all__ = ["CONNECT_TO", "Http1Transport"]

CONNECT_TO = "connect_to"
_MAX_INTERIM = 8  # 1xx answers skipped before the real one; more is a receiver playing games
# An answer whose body is complete, or at least this long, within the read timeout is returned
# at once: a short answer is read with its head and the connection released before the caller
# reads it; a longer one is streamed.
_READ_AT_ONCE = 16384
# Stop reading from the socket while this much body waits for the caller.
_PAUSE_READING_AT = 65536
_Origin = tuple[bytes, bytes, int]


class _StaleConnection(Exception):
    """Nothing of an answer arrived: the connection was dead before the request went out."""


class _ProtocolError(Exception):
    """The receiver broke HTTP/1.1; the message says how."""


class _BeyondTheAnswer(Exception):
    """Raised inside the parser to stop it where bytes after the final answer begin."""


class _Answer:
    """The answer to one request, as httptools reports it while the bytes arrive (its on_*
    callbacks). The event loop feeds it from :meth:`_Connection.data_received`; the request's
    task waits on :meth:`wait`."""

    __slots__ = (
        "_connection",
        "_parser",
        "_head_room",
        "_interim",
        "_in_interim",
        "_waiter",
        "received",
        "status",
        "reason",
        "headers",
        "http_version",
        "head_done",
        "complete",
        "keep_alive",
        "extra",
        "error",
        "body",
        "buffered",
    )

    def __init__(self, connection: _Connection, max_header_bytes: int) -> None:
        self._connection = connection
        self._parser = httptools.HttpResponseParser(self)
        self._head_room = max_header_bytes  # bytes the heads may still take, interim ones included
        self._interim = 0
        self._in_interim = False
        self._waiter: asyncio.Future[None] | None = None
        self.received = 0  # bytes; none at the end means the connection was dead before we asked
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.http_version = b"HTTP/1.1"
        self.head_done = False  # the final answer's head
        self.complete = False  # the final answer's end
        self.keep_alive = False
        self.extra = False  # bytes came after the end of the answer
        self.error: _ProtocolError | _StaleConnection | None = None
        self.body: list[bytes] = []
        self.buffered = 0

    # --- fed by the connection --------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self.complete:
            self.extra = True
            return
        if self.error is not None:
            return
        self.received += len(data)
        try:
            if self.head_done:
                self._parser.feed_data(data)
            elif len(data) <= self._head_room:
                self._head_room -= len(data)
                self._parser.feed_data(data)
            else:
                view = memoryview(data)
                self._parser.feed_data(view[: self._head_room])
                if not self.head_done:
                    raise _ProtocolError(f"response head longer than {self._connection.max_header_bytes} bytes")
                self._parser.feed_data(view[self._head_room :])
        except _ProtocolError as error:
            self.error = error
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as error:
            if self.complete:  # stopped by _BeyondTheAnswer, or llhttp refusing data after "close"
                self.extra = True
            elif isinstance(error.__context__, _ProtocolError):  # raised by one of our callbacks
                self.error = error.__context__
            else:
                self.error = _ProtocolError(f"malformed response: {error}")
        self._wake()

    def feed_end(self, error: BaseException | None) -> None:
        """The connection ended (EOF, reset, closed); ``error`` is the exception, if any."""
        if self.complete or self.error is not None:
            pass
        elif not self.received:
            self.error = _StaleConnection()
            self.error.__cause__ = error
        elif not self.head_done:
            self.error = _ProtocolError("the answer ended inside its head")
        elif error is None and _ends_at_close(self.headers):
            self.complete, self.keep_alive = True, False
        else:
            self.error = _ProtocolError(f"the body was cut short{f': {error}' if error else ''}")
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- httptools callbacks ----------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:
            raise _BeyondTheAnswer()

    def on_status(self, reason: bytes) -> None:
        self.reason += reason  # llhttp may hand it over in pieces, as the bytes arrive

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.head_done:  # after the head: chunked trailers, not returned
            self.headers.append((name, value.rstrip(b" \t")))

    def on_headers_complete(self) -> None:
        parser = self._parser
        status = parser.get_status_code()
        version = parser.get_http_version()
        if version not in ("1.1", "1.0"):
            raise _ProtocolError(f"HTTP/{version} is not HTTP/1.x")
        if status < 100:
            raise _ProtocolError(f"status {status:03d} is not an HTTP status code")
        if status == 101:
            raise _ProtocolError("101 Switching Protocols, but no upgrade was asked for")
        if 100 <= status < 200:
            # interim (100 Continue, 103 Early Hints): the real answer follows
            self._interim += 1
            if self._interim > _MAX_INTERIM:
                raise _ProtocolError(f"more than {_MAX_INTERIM} interim responses")
            self._in_interim = True
            self.reason, self.headers = b"", []
            return
        self.status = status
        self.http_version = b"HTTP/1.1" if version == "1.1" else b"HTTP/1.0"
        self.head_done = True

    def on_body(self, data: bytes) -> None:
        self.body.append(data)
        self.buffered += len(data)
        if self.buffered >= _PAUSE_READING_AT:
            self._connection.pause_reading()

    def on_message_complete(self) -> None:
        if self._in_interim:
            self._in_interim = False
            return
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True

    # --- read by the request's task ---------------------------------------------------------

    async def wait(self) -> None:
        """Until something changes: bytes parsed, the end, an error."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take_body(self) -> bytes:
        data = b"".join(self.body) if len(self.body) != 1 else self.body[0]
        self.body.clear()
        self.buffered = 0
        self._connection.resume_reading()
        return data

    @property
    def ready(self) -> bool:
        """Enough to return a response: all of it, or its head and a long enough start."""
        return self.complete or (self.head_done and self.buffered >= _READ_AT_ONCE)

    @property
    def over(self) -> bool:
        return self.complete or self.error is not None


def _ends_at_close(headers: list[tuple[bytes, bytes]]) -> bool:
    """RFC 9112, section 6.3: a response with neither Content-Length nor a final chunked transfer
    coding ends when the connection closes. llhttp frames it so already, but httptools cannot ask
    it at the end of the stream (llhttp_finish), so whether an ended body is whole or cut short
    is read from the head here."""
    final_coding = b""
    for name, value in headers:
        name = name.lower()
        if name == b"content-length":
            return False
        if name == b"transfer-encoding":
            final_coding = value.rsplit(b",", 1)[-1].strip().lower()
    return final_coding != b"chunked"


class _Connection(asyncio.Protocol):
    """One connection. Bytes from the socket go straight to the answer being read; a byte that
    arrives when no answer is being read means the receiver is out of step, and closes it."""

    __slots__ = (
        "max_header_bytes",
        "address",
        "idle_since",
        "_transport",
        "_answer",
        "_lost",
        "_reading_paused",
        "_writing_paused",
        "_drained",
    )

    def __init__(self, max_header_bytes: int) -> None:
        self.max_header_bytes = max_header_bytes
        self.address: str | None = None
        self.idle_since = 0.0
        self._transport: asyncio.Transport | None = None
        self._answer: _Answer | None = None
        self._lost = False
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None

    # --- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None:
            self.close()  # an answer nobody asked for: never let a later request read it
            return
        answer.feed(data)

    def eof_received(self) -> bool | None:
        self._end(None)
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(exc)
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_exception(ConnectionError("the connection was lost while writing"))

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drained = self._drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _end(self, error: BaseException | None) -> None:
        if self._lost:
            return
        self._lost = True
        if self._answer is not None:
            self._answer.feed_end(error)

    # --- used by the transport --------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return not self._lost and self._transport is not None and not self._transport.is_closing()

    def close(self) -> None:
        self._lost = True
        if self._transport is not None:
            self._transport.close()

    def pause_reading(self) -> None:
        if not self._reading_paused and self._transport is not None:
            self._reading_paused = True
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._reading_paused and not self._lost and self._transport is not None:
            self._reading_paused = False
            self._transport.resume_reading()

    def begin(self) -> _Answer:
        self._answer = _Answer(self, self.max_header_bytes)
        return self._answer

    def finish(self) -> bool:
        """The answer was read to its end; True if the connection may carry another request."""
        answer, self._answer = self._answer, None
        return (
            answer is not None
            and answer.complete
            and answer.keep_alive
            and not answer.extra
            and not answer.body
            and self.usable
        )

    async def write(self, message: bytes, timeout: float | None) -> None:
        if not self.usable:
            raise ConnectionError("the connection is closed")
        self._transport.write(message)  # type: ignore[union-attr]
        if self._writing_paused:
            # the kernel did not take it all at once: wait for it, within the write timeout
            self._drained = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._drained
            finally:
                self._drained = None


class Http1Transport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections per origin; at most ``max_idle_per_origin`` idle ones kept,
    each for at most ``keepalive_expiry`` seconds. The caller bounds concurrency (the sender's
    per-origin slots); this transport opens a connection whenever no idle one is at hand."""

    def __init__(
        self,
        *,
        max_idle_per_origin: int = 8,
        keepalive_expiry: float = 30.0,
        max_header_bytes: int = 65536,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max_idle = max_idle_per_origin
        self._expiry = keepalive_expiry
        self._max_header_bytes = max_header_bytes
        self._ssl_context = ssl_context
        self._idle: dict[_Origin, list[_Connection]] = defaultdict(list)
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        if request.method == "HEAD":
            raise httpx.LocalProtocolError("HEAD requests are not supported by this transport", request=request)
        extensions = request.extensions
        timeouts = extensions.get("timeout", {})
        addresses: Sequence[str] | None = extensions.get(CONNECT_TO)
        message = _encode(request, await request.aread())
        origin: _Origin = (url.raw_scheme, url.raw_host, url.port or (443 if url.scheme == "https" else 80))
        connection = self._take_idle(origin, addresses)
        if connection is not None:
            try:
                return await self._exchange(connection, origin, request, message, timeouts)
            except _StaleConnection:
                pass  # it died before a byte of answer came back: once more, on a new connection
        connection = await self._connect(origin, addresses, request, timeouts.get("connect"))
        try:
            return await self._exchange(connection, origin, request, message, timeouts)
        except _StaleConnection as stale:
            raise httpx.RemoteProtocolError(
                "the server closed the connection without answering", request=request
            ) from stale.__cause__

    def _take_idle(self, origin: _Origin, addresses: Sequence[str] | None) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if (
                connection.usable
                and now - connection.idle_since < self._expiry
                and (addresses is None or connection.address in addresses)
            ):
                return connection
            connection.close()
        return None

    def _release(self, origin: _Origin, connection: _Connection) -> None:
        """The answer on ``connection`` was read; pool it if it can carry another request."""
        reusable = connection.finish()
        idle = self._idle[origin]
        if self._closed or len(idle) >= self._max_idle or not reusable:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _connect(
        self, origin: _Origin, addresses: Sequence[str] | None, request: httpx.Request, timeout: float | None
    ) -> _Connection:
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        tls = None
        if scheme == b"https":
            tls = self._ssl_context or ssl.create_default_context()
        loop = asyncio.get_running_loop()
        failures = []
        try:
            async with asyncio.timeout(timeout):
                for address in addresses if addresses is not None else (None,):
                    connection = _Connection(self._max_header_bytes)
                    try:
                        # the name (not the address) is what the certificate must be valid for
                        await loop.create_connection(
                            lambda connection=connection: connection,
                            address or host,
                            port,
                            ssl=tls,
                            server_hostname=host if tls else None,
                        )
                    except (OSError, ssl.SSLError) as error:
                        failures.append(error)
                        continue
                    peer = connection._transport.get_extra_info("peername")  # type: ignore[union-attr]
                    connection.address = address or (str(peer[0]) if peer else None)
                    return connection
        except TimeoutError as error:
            raise httpx.ConnectTimeout(f"no connection within {timeout:g} s", request=request) from error
        if not failures:
            raise httpx.ConnectError(f"no address to connect to for {host}", request=request)
        last = failures[-1]
        raise httpx.ConnectError(str(last) or type(last).__name__, request=request) from last

    async def _exchange(
        self, connection: _Connection, origin: _Origin, request: httpx.Request, message: bytes, timeouts: dict
    ) -> httpx.Response:
        answer = connection.begin()
        try:
            await connection.write(message, timeouts.get("write"))
        except TimeoutError as error:
            connection.close()
            raise httpx.WriteTimeout("the request could not be written in time", request=request) from error
        except ConnectionError as error:
            connection.close()
            raise _StaleConnection() from error
        read_timeout = timeouts.get("read")
        try:
            # One timeout for the head and a short body read at once (a webhook's answer is a few
            # bytes): the read timeout then bounds both together, which is stricter, not looser.
            async with asyncio.timeout(read_timeout):
                while not answer.ready and answer.error is None:
                    await answer.wait()
        except TimeoutError as error:
            connection.close()
            if answer.head_done:
                raise httpx.ReadTimeout("the response body stalled", request=request) from error
            raise httpx.ReadTimeout(f"no answer within {read_timeout:g} s", request=request) from error
        except BaseException:
            connection.close()
            raise
        if answer.error is not None:
            connection.close()
            _raise(answer.error, request)
        extensions = {"http_version": answer.http_version, "reason_phrase": answer.reason}
        if answer.complete:
            content = answer.take_body()
            self._release(origin, connection)
            return httpx.Response(
                answer.status, headers=answer.headers, stream=httpx.ByteStream(content), extensions=extensions
            )
        stream = _ResponseStream(self, origin, connection, answer, read_timeout, request)
        return httpx.Response(answer.status, headers=answer.headers, stream=stream, extensions=extensions)


def _raise(error: BaseException, request: httpx.Request) -> None:
    if isinstance(error, _StaleConnection):
        raise error
    raise httpx.RemoteProtocolError(str(error), request=request) from error


def _encode(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path or b"/"
    parts = [request.method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        if b"\r" in name or b"\n" in name or b"\r" in value or b"\n" in value or b":" in name:
            raise httpx.LocalProtocolError(f"invalid header {name!r}", request=request)
        parts += [name, b": ", value, b"\r\n"]
    parts.append(b"\r\n")
    if b"\r" in target or b"\n" in target or b" " in target:
        raise httpx.LocalProtocolError("invalid request target", request=request)
    return b"".join(parts) + body


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(
        self,
        transport: Http1Transport,
        origin: _Origin,
        connection: _Connection,
        answer: _Answer,
        read_timeout: float | None,
        request: httpx.Request,
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._connection: _Connection | None = connection
        self._answer = answer
        self._read_timeout = read_timeout
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        answer = self._answer
        while self._connection is not None:
            if answer.body:
                yield answer.take_body()
                continue
            if answer.complete:
                break
            if answer.error is not None:
                await self.aclose()
                _raise(answer.error, self._request)
            try:
                async with asyncio.timeout(self._read_timeout):
                    await answer.wait()
            except TimeoutError as error:
                await self.aclose()
                raise httpx.ReadTimeout("the response body stalled", request=self._request) from error
        await self.aclose()

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._answer.complete and not self._answer.body:
            self._transport._release(self._origin, connection)
        else:
            connection.finish()
            connection.close()  # an unread rest of the body: closing is cheaper than draining
