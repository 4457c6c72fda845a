"""Send signed webhooks: one shared HTTP client, bounded concurrency, nothing followed blindly.

A delivery is one POST of one message to one endpoint. The sender never raises for a network or
HTTP failure: it returns a :class:`DeliveryResult` that says what happened, and leaves the
decision to retry, dead-letter or disable to :mod:`alerts.dispatch`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from alerts.cloudevents import CONTENT_TYPE
from alerts.signing import headers_for
from alerts.ssrf import Resolver, UnsafeURL, WebhookOrigin, checked_addresses, system_resolver, webhook_origin
from alerts.transport import CONNECT_TO, Http1Transport

__all__ = ["DeliveryResult", "OutgoingDelivery", "WebhookSender", "retry_after_seconds"]

log = logging.getLogger(__name__)

# httpcore runs ``import sniffio`` on every request to learn the async library, and falls back to
# asyncio when it is missing (anyio 4.11+ no longer installs it). A failed import is not cached,
# so each request walked sys.path: ~10% of the dispatch worker's CPU in a py-spy profile. A None
# entry makes the same ImportError immediate; nothing changes where sniffio is installed. The
# sender's own transport (alerts.transport) does not use httpcore; this still serves a sender
# given httpx's default transport, and the benchmarks' baselines.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Per-read timeouts do not stop a receiver that trickles one byte every few seconds.
DEFAULT_TOTAL_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 4096
# status code, response excerpt, error, and (on 429 and 503 only) the Retry-After in seconds
_Answer = tuple[int | None, bytes, str | None] | tuple[int | None, bytes, str | None, float | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingDelivery:
    """One message due for one endpoint, as the store hands it to a worker.

    ``message_id`` becomes ``webhook-id`` and stays the same on every retry, so a receiver can
    drop a message it already processed. ``attempts_made`` counts earlier attempts;
    ``endpoint_failing_since`` is when the endpoint's current run of failures began, if any.
    """

    id: str
    endpoint_id: str
    url: str
    message_id: str
    body: bytes
    secrets: tuple[str, ...] = field(repr=False)  # never in a log line or a traceback's locals repr
    attempts_made: int = 0
    first_attempt_at: datetime | None = None
    endpoint_failing_since: datetime | None = None
    content_type: str = CONTENT_TYPE
    channel: str = "webhook"  # or "email" (alerts.email), whose url is mailto:<address>


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryResult:
    """``status_code`` is the HTTP status (or, for e-mail, the SMTP reply code); ``accepted``,
    when a channel sets it, decides success instead of the code. ``retry_after_seconds`` is
    the receiver's own ``Retry-After`` on a 429 or 503."""

    status_code: int | None
    latency_ms: float
    error: str | None
    response_excerpt: str = ""
    accepted: bool | None = None
    retry_after_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        if self.accepted is not None:
            return self.accepted and self.error is None
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def endpoint_gone(self) -> bool:
        """410 Gone: the receiver says this URL will never accept webhooks again."""
        return self.status_code == 410


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# endpoint URLs whose parsed form a sender keeps; beyond this the cache starts over
_MAX_CACHED_TARGETS = 10_000


@dataclass(frozen=True, slots=True)
class _Target:
    """An endpoint URL parsed once, by httpx, as it will be sent: the URL, its Host header, and
    its origin, which keys the per-origin slots and the SSRF check (``url`` is None, and
    ``refusal`` says why, when the URL is not one Varsel calls)."""

    url: httpx.URL | None
    host: bytes
    origin: WebhookOrigin | str
    refusal: str | None = None

    @classmethod
    def of(cls, text: str) -> _Target:
        try:
            url = httpx.URL(text)
            origin = webhook_origin(url)
        except (httpx.InvalidURL, UnsafeURL) as error:
            return cls(None, b"", text, str(error))
        return cls(url, url.netloc, origin)


class WebhookSender:
    """Owns its ``httpx.AsyncClient`` for its lifetime; use ``async with`` or call :meth:`aclose`.

    ``max_concurrency`` bounds in-flight requests and so open connections, so a burst of alerts
    cannot open more sockets than the dispatcher was sized for. Each origin (scheme, host, port)
    gets at most ``max_connections_per_origin`` of them, kept alive between deliveries: one slow or
    busy receiver cannot take every slot, and none is flooded.

    The client sends through :class:`alerts.transport.Http1Transport` unless another ``transport``
    is given: httpx's default transport (httpcore) cost about three times as much CPU per webhook
    (bench/alerts.py), which is what bounds how many webhooks a worker delivers per second. Each
    request carries the addresses the SSRF check allowed in the transport's ``connect_to``
    extension, and the transport connects to those and resolves nothing itself; another
    transport given here must honour that extension, or a second DNS lookup would go unchecked.
    """

    def __init__(
        self,
        *,
        max_concurrency: int = 16,
        max_connections_per_origin: int = 4,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        total_timeout_seconds: float = DEFAULT_TOTAL_TIMEOUT_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        clock: Callable[[], datetime] = _utc_now,
        user_agent: str = "Varsel-Webhooks",  # the service adds its version
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if max_connections_per_origin < 1:
            raise ValueError("max_connections_per_origin must be at least 1")
        per_origin = min(max_connections_per_origin, max_concurrency)
        self._slots = asyncio.Semaphore(max_concurrency)
        self._origin_slots: defaultdict[WebhookOrigin | str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(per_origin)
        )
        self._total_timeout_seconds = total_timeout_seconds
        self._max_response_bytes = max_response_bytes
        self._allow_private = allow_private
        self._resolver = resolver
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            # Proxies from the environment would connect on our behalf to addresses the SSRF
            # check never saw.
            trust_env=False,
            headers={"user-agent": user_agent},
            transport=transport if transport is not None else Http1Transport(max_idle_per_origin=per_origin),
        )
        # A receiver's Set-Cookie must not travel with later deliveries (other subscribers may share
        # its host), and reading it into a cookie jar was 5% of a worker's CPU: no jar at all.
        self._client._cookies = _NoCookies()
        self._user_agent = user_agent.encode("latin-1")
        self._targets: dict[str, _Target] = {}

    @property
    def total_timeout_seconds(self) -> float:
        """The longest one :meth:`send` can take once it holds a slot; leases must exceed it."""
        return self._total_timeout_seconds

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, delivery: OutgoingDelivery, *, checks: dict | None = None) -> DeliveryResult:
        """``checks`` shares the SSRF check of each origin among the deliveries of one batch.
        The check (with its DNS lookup) counts against the total timeout."""
        target = self._target(delivery.url)
        origin_slots = self._origin_slots[target.origin]
        # the origin's slot first: a delivery queued behind its busy origin holds no global slot
        async with origin_slots, self._slots:
            started = time.perf_counter()
            status_code, excerpt, error, *retry_after = await self._attempt(
                delivery, target, {} if checks is None else checks
            )
            latency_ms = (time.perf_counter() - started) * 1000.0
        return DeliveryResult(
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            response_excerpt=excerpt.decode("utf-8", errors="replace") if excerpt else "",
            retry_after_seconds=retry_after[0] if retry_after else None,
        )

    def _target(self, url: str) -> _Target:
        """The parsed form of an endpoint URL, parsed once per URL (a worker sends to the same
        few thousand endpoints all day; parsing was a tenth of a webhook's CPU)."""
        target = self._targets.get(url)
        if target is None:
            if len(self._targets) >= _MAX_CACHED_TARGETS:
                self._targets.clear()
            target = self._targets[url] = _Target.of(url)
        return target

    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]:
        """Results in the order of ``deliveries``; at most ``max_concurrency`` run at once."""
        checks: dict[WebhookOrigin, asyncio.Future[tuple[str, ...] | str]] = {}
        return list(await asyncio.gather(*(self._send_reporting_bugs(d, checks) for d in deliveries)))

    async def _send_reporting_bugs(self, delivery: OutgoingDelivery, checks: dict) -> DeliveryResult:
        # A bug in one delivery must not lose the results of the rest of the batch.
        try:
            return await self.send(delivery, checks=checks)
        except Exception as error:
            log.exception("delivery %s failed unexpectedly", delivery.id)
            return DeliveryResult(status_code=None, latency_ms=0.0, error=f"internal error: {error!r}")

    async def _addresses(
        self, origin: WebhookOrigin, checks: dict[WebhookOrigin, asyncio.Future[tuple[str, ...] | str]]
    ) -> tuple[str, ...] | str:
        """The addresses ``origin`` may be called on, or why it must not be called. The check runs
        at send time, not only at subscription time, because the name may now resolve somewhere
        else, and the request then goes to exactly these addresses (no second lookup for DNS to
        answer differently). It depends only on the origin, so one batch resolves each origin
        once (getaddrinfo blocks, so it runs in a thread) instead of once per delivery; a
        delivery that times out waiting leaves the lookup to the others (shield)."""
        check = checks.get(origin)
        if check is None:
            check = checks[origin] = asyncio.ensure_future(asyncio.to_thread(self._check, origin))
        elif check.done():
            return check.result()
        return await asyncio.shield(check)

    def _check(self, origin: WebhookOrigin) -> tuple[str, ...] | str:
        try:
            return checked_addresses(origin, allow_private=self._allow_private, resolver=self._resolver)
        except UnsafeURL as refusal:
            return str(refusal)

    async def _attempt(self, delivery: OutgoingDelivery, target: _Target, checks: dict) -> _Answer:
        url, origin = target.url, target.origin
        if url is None or isinstance(origin, str):  # a URL Varsel does not call: the origin is the refusal
            return None, b"", f"refused before sending: {target.refusal}"
        resolving = True
        try:
            async with asyncio.timeout(self._total_timeout_seconds):
                addresses = await self._addresses(origin, checks)
                resolving = False
                if isinstance(addresses, str):
                    return None, b"", f"refused before sending: {addresses}"
                return await self._post(delivery, target, url, addresses)
        except TimeoutError:
            within = f"within {self._total_timeout_seconds:g} s"
            if resolving:
                return None, b"", f"host {origin.host!r} did not resolve {within}"
            return None, b"", f"no complete response {within}"

    async def _post(
        self, delivery: OutgoingDelivery, target: _Target, url: httpx.URL, addresses: tuple[str, ...]
    ) -> _Answer:
        body = delivery.body
        signed = headers_for(secrets=delivery.secrets, msg_id=delivery.message_id, timestamp=self._clock(), body=body)
        # The request is built here rather than by client.stream(), whose merging of URL,
        # headers and cookies cost twice as much CPU as everything else about a webhook. What
        # goes out is the same: httpx's own Host header, the client's User-Agent, the length.
        request = httpx.Request(
            "POST",
            url,
            headers=[
                (b"Host", target.host),
                (b"User-Agent", self._user_agent),
                (b"Content-Type", delivery.content_type.encode("latin-1")),
                # A compressed response could expand far beyond the bytes we agree to read.
                (b"Accept-Encoding", b"identity"),
                (b"Content-Length", str(len(body)).encode("ascii")),
                (b"webhook-id", signed["webhook-id"].encode("utf-8")),
                (b"webhook-timestamp", signed["webhook-timestamp"].encode("ascii")),
                (b"webhook-signature", signed["webhook-signature"].encode("ascii")),
            ],
            stream=httpx.ByteStream(body),
            extensions={CONNECT_TO: addresses},
        )
        try:
            # client.send applies the client's timeouts, its transport and its refusal to
            # follow redirects; stream=True so that at most max_response_bytes are read
            response = await self._client.send(request, stream=True)
            try:
                excerpt = await _read_at_most(response, self._max_response_bytes)
            finally:
                await response.aclose()
        except httpx.TimeoutException as timeout:
            return None, b"", f"timed out ({type(timeout).__name__})"
        except (httpx.HTTPError, httpx.InvalidURL) as failure:
            return None, b"", f"{type(failure).__name__}: {failure}"
        if response.status_code in (429, 503):
            return (
                response.status_code,
                excerpt,
                _error_for_status(response),
                retry_after_seconds(response.headers.get("retry-after"), now=self._clock()),
            )
        return response.status_code, excerpt, _error_for_status(response)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """RFC 9110 ``Retry-After``: delay-seconds or an HTTP-date; None when absent or unreadable
    (the retry policy's own backoff applies then)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # an HTTP-date is GMT
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - now).total_seconds())


async def _read_at_most(response: httpx.Response, limit: int) -> bytes:
    # Leaving the stream early closes the connection instead of draining a body we will not read.
    received = bytearray()
    async for chunk in response.aiter_raw():
        received += chunk[: limit - len(received)]
        if len(received) >= limit:
            break
    return bytes(received)


def _error_for_status(response: httpx.Response) -> str | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = response.headers.get("location", "no Location header")
        return f"HTTP {status}: redirects are not followed ({location}); register the final URL"
    return f"HTTP {status}"
