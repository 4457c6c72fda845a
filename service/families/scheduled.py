"""The worker's family job: recluster on request, place new substances, keep cores and proposals
current, name the unnamed (legal status is the classification domain's job). One tick does a bounded amount of
each, so no step starves the others."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from service.families.placement import name_unnamed, place_pending, refresh_families, run_recomputes
from service.settings import Settings

log = logging.getLogger("varsel.families")


def update_families(engine: Engine, *, settings: Settings) -> None:
    ran = run_recomputes(engine, settings=settings)
    placed = place_pending(engine, settings=settings)
    named = name_unnamed(engine, limit=500, time_budget=2.0)  # families from before migration 0012
    refreshed = refresh_families(engine, settings=settings, limit=10, time_budget=5.0)
    if ran or placed or named or refreshed:
        log.info("families: %d recomputes, %d placed, %d named, %d refreshed", ran, placed, named, refreshed)
