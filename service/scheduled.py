"""The worker's scheduler (APScheduler 3.x): the periodic jobs of the service.

Jobs are small functions of the engine; the worker process owns the scheduler, API replicas
never run jobs. Every job is safe to run in several workers at once: deliveries and digests are
claimed through the database (service.alerting.store, service.alerting.digests).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from service.alerting.digests import build_due_digests
from service.alerting.dispatcher import Dispatcher
from service.classification.service import reclassify_job
from service.db import make_engine
from service.families.scheduled import update_families
from service.observability.worker import WorkerHealth, instrument_jobs
from service.reports.models import Report
from service.settings import Settings
from service.substances.models import Substance

log = logging.getLogger("varsel.worker")

# The heartbeat file is touched this often; a health check calls the worker stale after a few misses.
HEARTBEAT_SECONDS = 15


def write_heartbeat(engine: Engine, path: Path | None, health: WorkerHealth | None = None) -> None:
    """Record that the scheduler still runs jobs and the database answers: in ``health`` (the
    worker's /healthz, which docker-compose.yml asks) and by touching ``path`` (for a check that
    reads the file's age)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    if path is not None:
        path.touch()
    if health is not None:
        health.beat()


def log_registry_size(engine: Engine) -> None:
    with Session(engine) as session:
        substances = session.exec(select(func.count()).select_from(Substance)).one()
        reports = session.exec(select(func.count()).select_from(Report)).one()
    log.info("registry: %d substances, %d reports", substances, reports)


# The families job (RDKit placement and family refreshes: CPU-bound Python and C++ that hold the
# GIL for long stretches) runs in a child process of its own. In the worker's own process it
# shared the GIL with the dispatcher's event loop: a 1,000-webhook fan-out on PostgreSQL took a
# median of ~1.4 s while the previous report's substance was being placed, ~0.4 s without
# (bench/alerts.py --fanout-only), and a CPU-bound thread beside a drain tripled it.
_CHILD_ENGINES: dict[str, Engine] = {}


# how often the child checks that the worker that started it is still alive
_PARENT_CHECK_SECONDS = 1.0


def _start_families_child(log_level: str, parent: int) -> None:
    from service.observability.logs import configure_logging

    configure_logging(log_level)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="varsel-families-parent", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker killed outright (SIGKILL, a crash) cannot stop its child: the child stops itself
    once its parent is gone, instead of living on as an orphan."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_SECONDS)
    os._exit(0)


def _families_in_child(url: str, settings: Settings) -> int:
    """In the child process: the families job on an engine of its own; returns the child's pid."""
    engine = _CHILD_ENGINES.get(url)
    if engine is None:
        engine = _CHILD_ENGINES[url] = make_engine(url, pool_size=1)
    update_families(engine, settings=settings)
    return os.getpid()


class FamiliesInChildProcess:
    """The families job, run by one long-lived child process (spawned, not forked: the worker has
    threads). The scheduler's thread waits for it, so the job keeps its one-at-a-time schedule and
    its duration metric; a child that dies is replaced at the next tick."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._settings = settings
        self._url = engine.url.render_as_string(hide_password=False)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_families_child,
                    initargs=(self._settings.log_level, os.getpid()),
                )
            return self._pool

    def __call__(self) -> int:
        try:
            return self._executor().submit(_families_in_child, self._url, self._settings).result()
        except BrokenProcessPool:
            with self._lock:
                self._pool = None
            raise

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def build_scheduler(
    settings: Settings, engine: Engine, *, heartbeat: Path | None = None, health: WorkerHealth | None = None
) -> BlockingScheduler:
    # "Running job ..." every second would drown the worker's own log lines.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # A one-second job that sometimes runs longer is skipped for one tick, by design (coalesce,
    # max_instances=1); APScheduler reports each skip as a warning, which would flood the log.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    # httpx logs every request at INFO: a line per webhook, thousands a second in a burst, that
    # the delivery log (GET /v1/subscriptions/{id}/deliveries) already records.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(log_registry_size, "interval", minutes=5, args=[engine], id="registry-size")
    dispatcher = Dispatcher(settings, engine)
    # PostgreSQL: claim as soon as intake commits deliveries. Listening starts with the scheduler,
    # not when it is built: a scheduler that is built and never started (a test driving its jobs
    # by hand) must not leave a thread behind that drains the database's deliveries.
    scheduler.add_listener(lambda _event: dispatcher.start_listening(), EVENT_SCHEDULER_STARTED)
    scheduler.add_listener(lambda _event: dispatcher.close(), EVENT_SCHEDULER_SHUTDOWN)
    families = FamiliesInChildProcess(settings, engine)
    scheduler.add_listener(lambda _event: families.close(), EVENT_SCHEDULER_SHUTDOWN)
    log.info("dispatch worker id %s", dispatcher.worker_id)
    scheduler.add_job(
        dispatcher.run_once,
        "interval",
        seconds=settings.dispatch_interval_seconds,
        id="dispatch",
        misfire_grace_time=None,
    )
    scheduler.add_job(
        build_due_digests,
        "interval",
        seconds=settings.digest_interval_seconds,
        id="digests",
        args=[engine],
        kwargs={"instance": settings.instance_name},
        misfire_grace_time=None,
    )
    scheduler.add_job(
        families,
        "interval",
        seconds=settings.family_interval_seconds,
        id="families",
        misfire_grace_time=None,
    )
    # stored classifications go stale when drafts are activated or a rule comes into force
    scheduler.add_job(reclassify_job, "interval", minutes=5, args=[engine], id="reclassify", misfire_grace_time=None)
    if heartbeat is not None or health is not None:
        scheduler.add_job(
            write_heartbeat,
            "interval",
            seconds=HEARTBEAT_SECONDS,
            args=[engine, heartbeat, health],
            id="heartbeat",
            next_run_time=dt.datetime.now(dt.timezone.utc),
        )
    instrument_jobs(scheduler)  # every job's duration and failures, as metrics
    return scheduler
