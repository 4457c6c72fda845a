"""Helpers for the alerting tests: run the real worker code in the test process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from alerts.dispatch import DispatchStats
from service.alerting.dispatcher import Dispatcher
from service.settings import Settings


@contextmanager
def dispatcher(settings: Settings, engine: Engine, **overrides: object) -> Iterator[Dispatcher]:
    worker = Dispatcher(settings.model_copy(update=overrides), engine, worker_id="test-worker")
    try:
        yield worker
    finally:
        worker.close()


def dispatch(settings: Settings, engine: Engine, **overrides: object) -> DispatchStats:
    with dispatcher(settings, engine, **overrides) as worker:
        return worker.run_once()


def count(engine: Engine, sql: str, **params: object) -> int:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def events(receiver) -> list[dict]:  # noqa: ANN001
    return [json.loads(r.body) for r in receiver.requests]
