"""Every metric of the service, in one place (prometheus-client).

Counters and histograms live in the process that does the work: the API counts requests,
reports and classification time; the worker counts delivery outcomes and times its jobs. The
state of the store (deliveries pending and dead-lettered, substances waiting for a family) is
read from the database at scrape time by :class:`StoreCollector`, so any replica answers it
correctly and nothing is counted twice.

Several processes (``varsel serve --workers N``): prometheus-client's multiprocess mode. With
``PROMETHEUS_MULTIPROC_DIR`` set (``varsel serve`` sets a fresh one when N > 1), each process
writes its values to files there and a scrape of any process sums them
(:func:`process_registry`). The directory must be empty when the server starts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import Engine, func, select
from sqlmodel import Session

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Latency buckets from a cached key check (~1 ms) to a large batch or a slow classification.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "varsel_http_requests",
    "HTTP requests answered, per route template (not per raw path)",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "varsel_http_request_duration_seconds",
    "Time to answer a request, per route template",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
REPORTS_INGESTED = Counter(
    "varsel_reports_ingested",
    "Reports answered by intake (single, batch and upload): created or replayed",
    ["outcome"],
)
CLASSIFICATION_SECONDS = Histogram(
    "varsel_classification_seconds",
    "Time to classify one structure against the rulebook: for a caller (request) or to store it (stored)",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
DELIVERY_OUTCOMES = Counter(
    "varsel_delivery_outcomes",
    "Webhook delivery attempts by the worker, by what they led to",
    ["outcome"],
)
WORKER_JOB_SECONDS = Histogram(
    "varsel_worker_job_duration_seconds",
    "Duration of one run of a worker job",
    ["job"],
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
WORKER_JOB_FAILURES = Counter(
    "varsel_worker_job_failures",
    "Runs of a worker job that raised",
    ["job"],
)

DELIVERY_OUTCOME_NAMES = ("delivered", "retry_scheduled", "dead_lettered")


def record_reports(outcomes: Iterator[str] | list[str]) -> None:
    """Count intake's answers (``created``/``replayed``); rejected items are counted by status."""
    for outcome in outcomes:
        REPORTS_INGESTED.labels(outcome).inc()


def record_dispatch(stats: object) -> None:
    """Count one dispatched batch (an :class:`alerts.dispatch.DispatchStats`)."""
    for outcome in DELIVERY_OUTCOME_NAMES:
        count = getattr(stats, outcome)
        if count:
            DELIVERY_OUTCOMES.labels(outcome).inc(count)


class StoreCollector(Collector):
    """Gauges read from the database when scraped: the outbox's backlog and the families' lag."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        # imported here: the models import half the service, the metrics module nothing of it
        from service.alerting.models import Delivery, DeliveryState
        from service.db import table_of
        from service.families.models import FamilyMember
        from service.substances.models import Substance

        substances, members = table_of(Substance), table_of(FamilyMember)
        deliveries_c = table_of(Delivery).c  # Core columns: typed, and cheaper than the ORM's
        substances_c, members_c = substances.c, members.c
        with Session(self._engine) as session:
            counts: dict[str, int] = {
                state: count
                for state, count in session.execute(
                    select(deliveries_c.state, func.count())
                    .where(deliveries_c.state.in_([DeliveryState.pending.value, DeliveryState.dead_lettered.value]))
                    .group_by(deliveries_c.state)
                ).all()
            }
            unplaced = (
                select(func.count(), func.min(substances_c.created_at))
                .select_from(substances)
                .outerjoin(members, members_c.substance_id == substances_c.id)
                .where(members_c.id.is_(None))
            )
            waiting, oldest = session.execute(unplaced).one()
        deliveries = GaugeMetricFamily(
            "varsel_deliveries", "Deliveries in the outbox, by state (read at scrape)", labels=["state"]
        )
        for state in (DeliveryState.pending.value, DeliveryState.dead_lettered.value):
            deliveries.add_metric([state], counts.get(state, 0))
        yield deliveries
        yield GaugeMetricFamily(
            "varsel_substances_awaiting_family",
            "Registered substances the worker has not placed in a family yet",
            value=waiting,
        )
        lag = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
            lag = max(0.0, (dt.datetime.now(dt.UTC) - oldest).total_seconds())
        yield GaugeMetricFamily(
            "varsel_family_placement_lag_seconds",
            "Age of the oldest substance not yet placed in a family (0 when every substance is placed)",
            value=lag,
        )


def process_registry() -> CollectorRegistry:
    """What this process (or, in multiprocess mode, every process of the server) has counted."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(engine: Engine | None) -> bytes:
    """The Prometheus text format: the process's metrics, then the store's gauges."""
    text = generate_latest(process_registry())
    if engine is not None:
        store = CollectorRegistry(auto_describe=False)
        store.register(StoreCollector(engine))
        text += generate_latest(store)
    return text
