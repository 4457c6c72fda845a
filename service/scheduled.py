"""The worker's scheduler (APScheduler 3.x): the periodic jobs of the service.

Jobs are small functions of the engine; the worker process owns the scheduler, API replicas
never run jobs. Every job is safe to run in several workers at once: deliveries and digests are
claimed through the database (service.alerting.store, service.alerting.digests).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN, EVENT_SCHEDULER_STARTED
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from service.alerting.digests import build_due_digests
from service.alerting.dispatcher import Dispatcher
from service.classification.service import reclassify_job
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
        update_families,
        "interval",
        seconds=settings.family_interval_seconds,
        id="families",
        args=[engine],
        kwargs={"settings": settings},
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
