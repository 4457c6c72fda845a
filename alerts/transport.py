"""HTTP/1.1 for webhook delivery: an httpx transport on asyncio streams.

The sender is an ``httpx.AsyncClient``; this is what it sends through. httpx's default transport
(httpcore with h11) spends about three quarters of each request's CPU on connection-pool
bookkeeping and a pure-Python protocol state machine, so one dispatch worker could not deliver
more than ~900 webhooks a second on this project's two-core machine (bench/alerts.py). Webhook
delivery needs a small part of HTTP/1.1, and this transport implements exactly that part:

- one request per connection at a time, connections kept alive per origin and reused;
- request bodies are bytes (a signed event); the request line and headers are written as httpx
  built them (Host, Content-Length, the signature headers), with CR and LF refused in any of them;
- responses framed by Content-Length, by chunked transfer coding, or by the connection closing;
  1xx interim responses are skipped; headers are read up to ``max_header_bytes``;
- httpx's timeouts (connect, read, write) are honoured, and failures are raised as httpx's own
  exceptions (ConnectError, ConnectTimeout, ReadTimeout, WriteTimeout, RemoteProtocolError), so
  the sender cannot tell this transport from httpcore except by its speed;
- an idle connection the receiver has closed is not reused; one that dies after it was taken,
  before any byte of an answer, has the request sent once more on a new connection. A receiver
  closing an idle connection has not read the request; one that read it and hung up without a
  word gets it twice, which its deduplication by ``webhook-id`` absorbs;
- with the ``connect_to`` request extension (a sequence of IP addresses) the transport connects
  to those addresses only, trying them in order, and never resolves the URL's host, which still
  goes into the Host header and TLS SNI; an idle connection is reused only if it goes to one of
  them. This is how the sender connects to the addresses its SSRF check allowed
  (:mod:`alerts.ssrf`). Without it, the host is resolved by the event loop;
- https with the system's trust store, or the given ``ssl_context``.

Not implemented, because webhook delivery never needs them: HTTP/2, proxies (the sender sets
``trust_env=False`` for the SSRF guard anyway), streaming request bodies, ``Expect: 100-continue``,
trailers. The response body is streamed to the caller, which reads at most a few KiB and closes:
a connection whose body was not read to its end is closed, not reused.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence

import httpx

__all__ = ["CONNECT_TO", "Http1Transport"]

CONNECT_TO = "connect_to"
_CHUNK = 65536
_MAX_INTERIM = 8  # 1xx answers skipped before the real one; more is a receiver playing games
# A body of at most this many bytes, framed by Content-Length, is read with the head and the
# connection released at once; a longer one is streamed to the caller.
_READ_AT_ONCE = 16384
_Origin = tuple[bytes, bytes, int]


class _Connection:
    __slots__ = ("reader", "writer", "address", "idle_since")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, address: str | None) -> None:
        self.reader = reader
        self.writer = writer
        self.address = address
        self.idle_since = 0.0

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof()


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
        timeouts = request.extensions.get("timeout", {})
        addresses: Sequence[str] | None = request.extensions.get(CONNECT_TO)
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
            raise httpx.RemoteProtocolError("the server closed the connection without answering",
                                            request=request) from stale.__cause__

    def _take_idle(self, origin: _Origin, addresses: Sequence[str] | None) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if (connection.usable and now - connection.idle_since < self._expiry
                    and (addresses is None or connection.address in addresses)):
                return connection
            connection.close()
        return None

    def _release(self, origin: _Origin, connection: _Connection) -> None:
        idle = self._idle[origin]
        if self._closed or len(idle) >= self._max_idle or not connection.usable:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def _connect(self, origin: _Origin, addresses: Sequence[str] | None, request: httpx.Request,
                       timeout: float | None) -> _Connection:
        scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        tls = None
        if scheme == b"https":
            tls = self._ssl_context or ssl.create_default_context()
        failures = []
        try:
            async with asyncio.timeout(timeout):
                for address in addresses if addresses is not None else (None,):
                    try:
                        # the name (not the address) is what the certificate must be valid for
                        reader, writer = await asyncio.open_connection(
                            address or host, port, ssl=tls, server_hostname=host if tls else None,
                            limit=self._max_header_bytes,
                        )
                    except (OSError, ssl.SSLError) as error:
                        failures.append(error)
                        continue
                    peer = writer.get_extra_info("peername")
                    return _Connection(reader, writer, address or (str(peer[0]) if peer else None))
        except TimeoutError as error:
            raise httpx.ConnectTimeout(f"no connection within {timeout:g} s", request=request) from error
        if not failures:
            raise httpx.ConnectError(f"no address to connect to for {host}", request=request)
        error = failures[-1]
        raise httpx.ConnectError(str(error) or type(error).__name__, request=request) from error

    async def _exchange(self, connection: _Connection, origin: _Origin, request: httpx.Request, message: bytes,
                        timeouts: dict) -> httpx.Response:
        reader, writer = connection.reader, connection.writer
        try:
            writer.write(message)
            if writer.transport.get_write_buffer_size():
                # the kernel did not take it all at once: wait for it, within the write timeout
                async with asyncio.timeout(timeouts.get("write")):
                    await writer.drain()
            else:
                await writer.drain()  # returns at once; raises if the connection is already lost
        except TimeoutError as error:
            connection.close()
            raise httpx.WriteTimeout("the request could not be written in time", request=request) from error
        except OSError as error:
            connection.close()
            raise _StaleConnection() from error
        read_timeout = timeouts.get("read")
        in_body = False
        try:
            # One timeout for the head and a small body read at once (a webhook's answer is a few
            # bytes): the read timeout then bounds both together, which is stricter, not looser.
            async with asyncio.timeout(read_timeout):
                status, reason, version, headers = await self._read_head(reader, request)
                keep_alive = _keeps_alive(version, headers)
                body = _framing(request, status, headers)
                if isinstance(body, _Fixed) and body.left <= _READ_AT_ONCE:
                    in_body = True
                    try:
                        content = await reader.readexactly(body.left) if body.left else b""
                    except (asyncio.IncompleteReadError, ConnectionError) as error:
                        raise httpx.RemoteProtocolError(f"malformed or truncated response body: {error}",
                                                        request=request) from error
        except TimeoutError as error:
            connection.close()
            if in_body:
                raise httpx.ReadTimeout("the response body stalled", request=request) from error
            raise httpx.ReadTimeout(f"no answer within {read_timeout:g} s", request=request) from error
        except BaseException:
            connection.close()
            raise
        extensions = {"http_version": version, "reason_phrase": reason}
        if in_body:
            if keep_alive:
                self._release(origin, connection)
            else:
                connection.close()
            return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content), extensions=extensions)
        if isinstance(body, _UntilClose):
            keep_alive = False
        stream = _ResponseStream(self, origin, connection, body, keep_alive, read_timeout, request)
        return httpx.Response(status, headers=headers, stream=stream, extensions=extensions)

    async def _read_head(self, reader: asyncio.StreamReader,
                         request: httpx.Request) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]]]:
        """The status line and headers of the final answer (1xx interim answers skipped)."""
        for interim in range(_MAX_INTERIM + 1):
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as error:
                if not error.partial:
                    raise _StaleConnection() from error
                raise httpx.RemoteProtocolError("the answer ended inside its headers", request=request) from error
            except asyncio.LimitOverrunError as error:
                raise httpx.RemoteProtocolError(
                    f"response headers longer than {self._max_header_bytes} bytes", request=request) from error
            except ConnectionError as error:
                raise _StaleConnection() from error
            status, reason, version, headers = _parse_head(head, request)
            if 100 <= status < 200 and status != 101:
                continue  # interim (100 Continue, 103 Early Hints): the real answer follows
            return status, reason, version, headers
        raise httpx.RemoteProtocolError(f"more than {_MAX_INTERIM} interim responses", request=request)


def _framing(request: httpx.Request, status: int, headers: list[tuple[bytes, bytes]]) -> _Body:
    """How the body of this answer ends (RFC 9112, section 6.3)."""
    if request.method == "HEAD" or status in (204, 304) or status == 101:
        return _Fixed(0)
    if any(v.lower().strip().endswith(b"chunked") for k, v in headers if k == b"transfer-encoding"):
        return _Chunked()
    lengths = {v.strip() for k, v in headers if k == b"content-length"}
    if len(lengths) > 1 or (lengths and not next(iter(lengths)).isdigit()):
        raise httpx.RemoteProtocolError("invalid Content-Length", request=request)
    if lengths:
        return _Fixed(int(next(iter(lengths))))
    return _UntilClose()


class _StaleConnection(Exception):
    """Nothing of an answer arrived: the connection was dead before the request went out."""


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


def _parse_head(head: bytes, request: httpx.Request) -> tuple[int, bytes, bytes, list[tuple[bytes, bytes]]]:
    status_line, *lines = head[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}", request=request)
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}", request=request)
        headers.append((name.lower(), value.strip()))
    return int(code), reason, version, headers


def _keeps_alive(version: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    tokens = {t.strip().lower() for k, v in headers if k == b"connection" for t in v.split(b",")}
    if version == b"HTTP/1.1":
        return b"close" not in tokens
    return b"keep-alive" in tokens


# --- response bodies ------------------------------------------------------------------------


class _Body:
    done = False

    async def read(self, reader: asyncio.StreamReader) -> bytes:  # b"" once the body is complete
        raise NotImplementedError


async def _read_some(reader: asyncio.StreamReader, left: int) -> bytes:
    """Up to ``left`` (> 0) bytes, at most one chunk; a connection that ends first is an error."""
    data = await reader.read(min(left, _CHUNK))
    if not data:
        raise asyncio.IncompleteReadError(b"", left)
    return data


_HEX = frozenset(b"0123456789abcdefABCDEF")


class _Fixed(_Body):
    def __init__(self, length: int) -> None:
        self.left = length
        self.done = length == 0

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        if self.left == 0:
            self.done = True
            return b""
        data = await _read_some(reader, self.left)
        self.left -= len(data)
        self.done = self.left == 0
        return data


class _Chunked(_Body):
    def __init__(self) -> None:
        self.left = 0

    async def read(self, reader: asyncio.StreamReader) -> bytes:
        if self.done:
            return b""
        if self.left == 0:
            size_line = await reader.readuntil(b"\r\n")
            size = size_line.split(b";", 1)[0].strip()
            # hex digits only: int(..., 16) would also take "-1" (read to the end of the stream),
            # "0x10" and "1_0"
            if not size or len(size) > 16 or not _HEX.issuperset(size):
                raise ValueError(f"invalid chunk size {size[:20]!r}")
            self.left = int(size, 16)
            if self.left == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers, ignored
                self.done = True
                return b""
        data = await _read_some(reader, self.left)
        self.left -= len(data)
        if self.left == 0:
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("a chunk does not end with CRLF")
        return data


class _UntilClose(_Body):
    async def read(self, reader: asyncio.StreamReader) -> bytes:
        data = await reader.read(_CHUNK)
        self.done = not data
        return data


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, transport: Http1Transport, origin: _Origin, connection: _Connection, body: _Body,
                 keep_alive: bool, read_timeout: float | None, request: httpx.Request) -> None:
        self._transport = transport
        self._origin = origin
        self._connection: _Connection | None = connection
        self._body = body
        self._keep_alive = keep_alive
        self._read_timeout = read_timeout
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        while not self._body.done:
            try:
                async with asyncio.timeout(self._read_timeout):
                    data = await self._body.read(connection.reader)
            except TimeoutError as error:
                await self.aclose()
                raise httpx.ReadTimeout("the response body stalled", request=self._request) from error
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError) as error:
                await self.aclose()
                raise httpx.RemoteProtocolError(f"malformed or truncated response body: {error}",
                                                request=self._request) from error
            if data:
                yield data
        await self.aclose()

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._body.done and self._keep_alive:
            self._transport._release(self._origin, connection)
        else:
            connection.close()  # an unread rest of the body: closing is cheaper than draining
