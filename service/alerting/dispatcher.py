"""The worker's side of delivery: one event loop and one HTTP client for the worker's life.

APScheduler runs :meth:`Dispatcher.run_once` from its thread pool every
``dispatch_interval_seconds``; the coroutine runs on a private event loop (uvloop when installed,
as it is with uvicorn[standard]) in a thread of its own, where the
:class:`alerts.delivery.WebhookSender` (and its ``httpx.AsyncClient`` connection pool) lives.

A run drains, and overlaps the database with the network: while one batch is being sent, the
next is claimed and the previous one's attempts are written (each in a thread), so a burst of a
thousand deliveries neither waits for a tick per batch nor idles the HTTP client during SQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import threading
import uuid
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy import Engine

from alerts.delivery import OutgoingDelivery, WebhookSender
from alerts.dispatch import ChannelSenders, DispatchPolicy, DispatchStats, dispatch_claimed
from alerts.email import EmailSender, SmtpSettings, compose
from alerts.retry import RetryPolicy
from chemistry.depict import png_of_smiles
from service import __version__
from service.alerting.outbox import DELIVERIES_CHANNEL, public_base
from service.alerting.store import RenderEmail, SqlDeliveryStore
from service.observability.metrics import record_dispatch
from service.settings import Settings
from service.subscriptions.secret_box import SecretBox, secret_box

log = logging.getLogger("varsel.dispatch")

# A run stops draining after this long so the scheduler's other jobs and a shutdown get a turn.
MAX_RUN_SECONDS = 30.0
# Time to claim and to record a batch, on top of the send timeouts a prefetched lease must cover.
PREFETCH_MARGIN_SECONDS = 30.0
# The listener (PostgreSQL) checks this often whether the worker is closing; after losing its
# connection it tries again this long after.
LISTEN_POLL_SECONDS = 1.0
LISTEN_RETRY_SECONDS = 5.0


def _new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def policy_from(settings: Settings, *, worker_id: str) -> DispatchPolicy:
    return DispatchPolicy(
        worker_id=worker_id,
        batch_size=settings.dispatch_batch_size,
        lease_seconds=settings.dispatch_lease_seconds,
        retry=RetryPolicy(
            base=dt.timedelta(seconds=settings.retry_base_seconds),
            cap=dt.timedelta(seconds=max(settings.retry_cap_seconds, settings.retry_base_seconds)),
            horizon=dt.timedelta(hours=settings.retry_horizon_hours),
            disable_endpoint_after=dt.timedelta(hours=settings.endpoint_disable_after_hours),
            max_retry_after=dt.timedelta(seconds=settings.retry_after_max_seconds),
        ),
    )


def unsubscribe_url(settings: Settings, subscription_id: str, *, box: SecretBox) -> str:
    from service.subscriptions.service import unsubscribe_token  # the domain that owns the route

    token = unsubscribe_token(subscription_id, secret_box=box)
    return f"{public_base(settings)}/unsubscribe?token={quote(token, safe='')}"


def email_renderer(settings: Settings, *, box: SecretBox) -> RenderEmail:
    """Composes an e-mail delivery's message from its CloudEvent (alerts.email.compose)."""

    def render(subscription_id: str, address: str, message_id: str, event: bytes) -> bytes:
        message = compose(
            json.loads(event),
            sender=settings.smtp_from,
            recipient=address,
            message_id=message_id,
            unsubscribe_url=unsubscribe_url(settings, subscription_id, box=box),
            depict=png_of_smiles,
        )
        return message.as_bytes()

    return render


def smtp_settings(settings: Settings) -> SmtpSettings | None:
    if not settings.smtp_host:
        return None
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password.get_secret_value() or None,
        starttls=settings.smtp_starttls,
        ssl=settings.smtp_ssl,
        ca_file=settings.smtp_ca_file or None,
        timeout_seconds=settings.smtp_timeout_seconds,
        sender=settings.smtp_from,
    )


class Dispatcher:
    """Sends what is due each time :meth:`run_once` is called (the scheduler's tick) and, once
    :meth:`start_listening` is called on PostgreSQL, also as soon as report intake commits new
    deliveries (LISTEN/NOTIFY), so a fan-out does not wait up to a tick before its first claim.
    Drains never overlap within a worker; between workers the leases keep deliveries apart."""

    def __init__(self, settings: Settings, engine: Engine, *, worker_id: str | None = None) -> None:
        self.worker_id = worker_id or default_worker_id()
        box = secret_box(settings)
        self.store = SqlDeliveryStore(engine, secret_box=box, render_email=email_renderer(settings, box=box))
        self.policy = policy_from(settings, worker_id=self.worker_id)
        self._settings = settings
        self._engine = engine
        self._loop = _new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="varsel-dispatch", daemon=True)
        self._thread.start()
        self._webhooks = self._call(self._make_sender())
        # e-mail goes through the same claim, retry, log and dead letter; without an SMTP server
        # configured, e-mail deliveries fail with that reason and are retried until one is
        smtp = smtp_settings(settings)
        self._sender = ChannelSenders(
            {"webhook": self._webhooks, **({"email": EmailSender(smtp)} if smtp is not None else {})}
        )
        # A batch claimed ahead waits for the current one (at most one total timeout) before its
        # own sends begin; only claim ahead when its lease outlasts both, or a second worker
        # could take it over mid-send.
        self._prefetch = self.policy.lease_seconds > 2 * self._webhooks.total_timeout_seconds + PREFETCH_MARGIN_SECONDS
        self._drain_lock = asyncio.Lock()  # one drain at a time: the tick's or a notification's
        self._wake_queued = False  # a notification's drain is waiting for the lock (loop thread only)
        self._wakes: set[asyncio.Task[None]] = set()
        self._closing = threading.Event()
        self._listener: threading.Thread | None = None

    async def _make_sender(self) -> WebhookSender:
        total = self._settings.webhook_timeout_seconds
        return WebhookSender(
            max_concurrency=self._settings.dispatch_concurrency,
            max_connections_per_origin=self._settings.dispatch_concurrency_per_origin,
            timeout=httpx.Timeout(min(10.0, total), connect=min(5.0, total)),
            total_timeout_seconds=total,
            allow_private=self._settings.webhook_allow_private,
            user_agent=f"Varsel-Webhooks/{__version__}",
        )

    def _call(self, coroutine):  # noqa: ANN001, ANN202
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def run_once(self) -> DispatchStats:
        """Claim and send until nothing is due (or MAX_RUN_SECONDS pass); totals of the run."""
        return self._call(self._serialised_drain())

    async def _serialised_drain(self) -> DispatchStats:
        async with self._drain_lock:
            # deliveries notified from here on may come after this drain's last claim: a new
            # notification queues another drain
            self._wake_queued = False
            return await self._drain()

    # --- waking on PostgreSQL's notifications ---------------------------------------------------

    def start_listening(self) -> bool:
        """On PostgreSQL, drain as soon as new deliveries are committed (NOTIFY from
        service.alerting.outbox), besides every tick; False (and nothing started) elsewhere."""
        if self._engine.dialect.name != "postgresql" or self._listener is not None:
            return False
        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._listener = threading.Thread(target=self._listen, args=(url,), name="varsel-dispatch-listen", daemon=True)
        self._listener.start()
        return True

    def _listen(self, url: str) -> None:
        while not self._closing.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
                    connection.execute(f"LISTEN {DELIVERIES_CHANNEL}")
                    self._notified()  # whatever was committed before we listened
                    while not self._closing.is_set():
                        for _ in connection.notifies(timeout=LISTEN_POLL_SECONDS, stop_after=1):
                            self._notified()
            except psycopg.Error as error:
                if self._closing.is_set():
                    return
                log.warning(
                    "worker %s: not listening for new deliveries (ticks go on), retrying in %.0f s: %s",
                    self.worker_id,
                    LISTEN_RETRY_SECONDS,
                    error,
                )
                self._closing.wait(LISTEN_RETRY_SECONDS)

    def _notified(self) -> None:
        if not self._closing.is_set():
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        """On the loop thread: queue one drain, unless one is already waiting for the lock."""
        if self._wake_queued or self._closing.is_set():
            return
        self._wake_queued = True
        task = self._loop.create_task(self._woken())
        self._wakes.add(task)
        task.add_done_callback(self._wakes.discard)

    async def _woken(self) -> None:
        try:
            await self._serialised_drain()
        except Exception:
            # the next tick (or notification) tries again; leases keep what this drain held
            log.exception("worker %s: a drain on notification failed", self.worker_id)

    # --- draining ------------------------------------------------------------------------------

    async def _claim(self) -> tuple[list[OutgoingDelivery], dt.datetime]:
        now = dt.datetime.now(dt.UTC)
        claimed = await self.store.claim_due_deliveries(
            now=now, limit=self.policy.batch_size, worker_id=self.worker_id, lease_seconds=self.policy.lease_seconds
        )
        return claimed, now

    async def _drain(self) -> DispatchStats:
        total = DispatchStats()
        deadline = self._loop.time() + MAX_RUN_SECONDS
        next_claim: asyncio.Future | None = asyncio.ensure_future(self._claim())
        writing: asyncio.Future | None = None
        try:
            while next_claim is not None:
                claimed, now = await next_claim
                next_claim = None
                if not claimed:
                    break
                if len(claimed) == self.policy.batch_size and self._loop.time() < deadline and self._prefetch:
                    next_claim = asyncio.ensure_future(self._claim())
                stats = await dispatch_claimed(self.store, self._sender, claimed, now=now, policy=self.policy)
                record_dispatch(stats)
                for name in ("claimed", "delivered", "retry_scheduled", "dead_lettered", "endpoints_disabled"):
                    setattr(total, name, getattr(total, name) + getattr(stats, name))
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(self.store.flush())
        finally:
            # A batch claimed ahead but not sent (only after an error) keeps its lease until it
            # runs out, as after a crash; attempts already made are always written.
            if writing is not None:
                await writing
            await self.store.flush()
        if total.claimed:
            log.info(
                "worker %s: claimed %d, delivered %d, retrying %d, dead-lettered %d, endpoints disabled %d",
                self.worker_id,
                total.claimed,
                total.delivered,
                total.retry_scheduled,
                total.dead_lettered,
                total.endpoints_disabled,
            )
        return total

    async def _close_sender(self) -> None:
        async with self._drain_lock:  # a notification's drain finishes first
            await self._webhooks.aclose()

    def close(self) -> None:
        self._closing.set()
        if self._listener is not None:
            self._listener.join(timeout=LISTEN_POLL_SECONDS + 5)
        self._call(self._close_sender())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
