"""Send signed webhooks: one shared HTTP client, bounded concurrency, nothing followed blindly.

A delivery is one POST of one message to one endpoint. The sender never raises for a network or
HTTP failure: it returns a :class:`DeliveryResult` that says what happened, and leaves the
decision to retry, dead-letter or disable to :mod:`alerts.dispatch`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType

import httpx

from alerts.cloudevents import CONTENT_TYPE
from alerts.signing import headers_for
from alerts.ssrf import Resolver, UnsafeURL, check_webhook_url, system_resolver

__all__ = ["DeliveryResult", "OutgoingDelivery", "WebhookSender"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Per-read timeouts do not stop a receiver that trickles one byte every few seconds.
DEFAULT_TOTAL_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_RESPONSE_BYTES = 4096


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
    secrets: tuple[str, ...]
    attempts_made: int = 0
    first_attempt_at: datetime | None = None
    endpoint_failing_since: datetime | None = None
    content_type: str = CONTENT_TYPE


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryResult:
    status_code: int | None
    latency_ms: float
    error: str | None
    response_excerpt: str = ""

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def endpoint_gone(self) -> bool:
        """410 Gone: the receiver says this URL will never accept webhooks again."""
        return self.status_code == 410


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class WebhookSender:
    """Owns one ``httpx.AsyncClient`` for its lifetime; use ``async with`` or call :meth:`aclose`.

    ``max_concurrency`` bounds both in-flight requests and the connection pool, so a burst of
    alerts cannot open more sockets than the dispatcher was sized for.
    """

    def __init__(
        self,
        *,
        max_concurrency: int = 16,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        total_timeout_seconds: float = DEFAULT_TOTAL_TIMEOUT_SECONDS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_private: bool = False,
        resolver: Resolver = system_resolver,
        clock: Callable[[], datetime] = _utc_now,
        user_agent: str = "Varsel-Webhooks/0.1",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._slots = asyncio.Semaphore(max_concurrency)
        self._total_timeout_seconds = total_timeout_seconds
        self._max_response_bytes = max_response_bytes
        self._allow_private = allow_private
        self._resolver = resolver
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency),
            follow_redirects=False,
            # Proxies from the environment would connect on our behalf to addresses the SSRF
            # check never saw.
            trust_env=False,
            headers={"user-agent": user_agent},
            transport=transport,
        )

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

    async def send(self, delivery: OutgoingDelivery) -> DeliveryResult:
        async with self._slots:
            started = time.perf_counter()
            status_code, excerpt, error = await self._attempt(delivery)
            latency_ms = (time.perf_counter() - started) * 1000.0
        return DeliveryResult(
            status_code=status_code,
            latency_ms=latency_ms,
            error=error,
            response_excerpt=excerpt.decode("utf-8", errors="replace"),
        )

    async def send_many(self, deliveries: Sequence[OutgoingDelivery]) -> list[DeliveryResult]:
        """Results in the order of ``deliveries``; at most ``max_concurrency`` run at once."""
        return list(await asyncio.gather(*(self._send_reporting_bugs(d) for d in deliveries)))

    async def _send_reporting_bugs(self, delivery: OutgoingDelivery) -> DeliveryResult:
        # A bug in one delivery must not lose the results of the rest of the batch.
        try:
            return await self.send(delivery)
        except Exception as error:
            log.exception("delivery %s failed unexpectedly", delivery.id)
            return DeliveryResult(status_code=None, latency_ms=0.0, error=f"internal error: {error!r}")

    async def _attempt(self, delivery: OutgoingDelivery) -> tuple[int | None, bytes, str | None]:
        try:
            # getaddrinfo blocks; the check runs here, not only at subscription time, because the
            # name may now resolve somewhere else.
            await asyncio.to_thread(
                check_webhook_url, delivery.url, allow_private=self._allow_private, resolver=self._resolver
            )
        except UnsafeURL as refusal:
            return None, b"", f"refused before sending: {refusal}"

        headers = {
            "content-type": delivery.content_type,
            # A compressed response could expand far beyond the bytes we agree to read.
            "accept-encoding": "identity",
            **headers_for(
                secrets=delivery.secrets,
                msg_id=delivery.message_id,
                timestamp=self._clock(),
                body=delivery.body,
            ),
        }
        try:
            async with asyncio.timeout(self._total_timeout_seconds):
                async with self._client.stream(
                    "POST", delivery.url, content=delivery.body, headers=headers
                ) as response:
                    excerpt = await _read_at_most(response, self._max_response_bytes)
        except TimeoutError:
            return None, b"", f"no complete response within {self._total_timeout_seconds:g} s"
        except httpx.TimeoutException as timeout:
            return None, b"", f"timed out ({type(timeout).__name__})"
        except (httpx.HTTPError, httpx.InvalidURL) as failure:
            return None, b"", f"{type(failure).__name__}: {failure}"
        return response.status_code, excerpt, _error_for_status(response)


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
