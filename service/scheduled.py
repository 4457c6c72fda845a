"""The worker's scheduler (APScheduler 3.x): the periodic jobs of the service.

Jobs are small functions of the engine; the worker process owns the scheduler, API replicas
never run jobs. Alert dispatch and digests register here as they land.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from service.reports.models import Report
from service.settings import Settings
from service.substances.models import Substance

log = logging.getLogger("varsel.worker")


def log_registry_size(engine: Engine) -> None:
    with Session(engine) as session:
        substances = session.exec(select(func.count()).select_from(Substance)).one()
        reports = session.exec(select(func.count()).select_from(Report)).one()
    log.info("registry: %d substances, %d reports", substances, reports)


def build_scheduler(settings: Settings, engine: Engine) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(log_registry_size, "interval", minutes=5, args=[engine], id="registry-size")
    return scheduler
