"""The worker's side of delivery: one event loop and one HTTP client for the worker's life.

APScheduler runs :meth:`Dispatcher.run_once` from its thread pool every
``dispatch_interval_seconds``; the coroutine runs on a private asyncio loop in a thread of its
own, where the :class:`alerts.delivery.WebhookSender` (and its ``httpx.AsyncClient`` connection
pool) lives. A run drains: after a full batch it claims again at once, so a burst of a thousand
deliveries does not wait for a tick per batch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import threading
import uuid

import httpx
from sqlalchemy import Engine

from alerts.delivery import WebhookSender
from alerts.dispatch import DispatchPolicy, DispatchStats
from alerts.retry import RetryPolicy
from service.alerting.store import SqlDeliveryStore, dispatch_batch
from service.settings import Settings

log = logging.getLogger("varsel.dispatch")

# A run stops draining after this long so the scheduler's other jobs and a shutdown get a turn.
MAX_RUN_SECONDS = 30.0


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
        ),
    )


class Dispatcher:
    def __init__(self, settings: Settings, engine: Engine, *, worker_id: str | None = None) -> None:
        self.worker_id = worker_id or default_worker_id()
        self.store = SqlDeliveryStore(engine)
        self.policy = policy_from(settings, worker_id=self.worker_id)
        self._settings = settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="varsel-dispatch", daemon=True)
        self._thread.start()
        self._sender = self._call(self._make_sender())

    async def _make_sender(self) -> WebhookSender:
        total = self._settings.webhook_timeout_seconds
        return WebhookSender(
            max_concurrency=self._settings.dispatch_concurrency,
            timeout=httpx.Timeout(min(10.0, total), connect=min(5.0, total)),
            total_timeout_seconds=total,
            allow_private=self._settings.webhook_allow_private,
        )

    def _call(self, coroutine):  # noqa: ANN001, ANN202
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def run_once(self) -> DispatchStats:
        """Claim and send until nothing is due (or MAX_RUN_SECONDS pass); totals of the run."""
        return self._call(self._drain())

    async def _drain(self) -> DispatchStats:
        total = DispatchStats()
        started = self._loop.time()
        while True:
            stats = await dispatch_batch(self.store, self._sender, now=dt.datetime.now(dt.UTC), policy=self.policy)
            for name in ("claimed", "delivered", "retry_scheduled", "dead_lettered", "endpoints_disabled"):
                setattr(total, name, getattr(total, name) + getattr(stats, name))
            if stats.claimed < self.policy.batch_size or self._loop.time() - started > MAX_RUN_SECONDS:
                break
        if total.claimed:
            log.info("worker %s: claimed %d, delivered %d, retrying %d, dead-lettered %d, endpoints disabled %d",
                     self.worker_id, total.claimed, total.delivered, total.retry_scheduled, total.dead_lettered,
                     total.endpoints_disabled)
        return total

    def close(self) -> None:
        self._call(self._sender.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
