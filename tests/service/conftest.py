"""Builders for request bodies and a view of what the database holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

TABLES = ("organisation", "api_key", "substance", "substance_name", "report", "audit_log")


@pytest.fixture
def report_body() -> Callable[..., dict[str, Any]]:
    def build(**overrides: Any) -> dict[str, Any]:
        body = {
            "structure": "CNC(C)C(=O)c1ccc(C)cc1.Cl",  # mephedrone hydrochloride
            "substance_name": "mephedrone hydrochloride",
            "sample_type": "seizure",
            "country": "DK",
            "sampled_on": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
            "techniques": ["GC-MS", "NMR"],
            "confidence": "confirmed",
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    return build


@pytest.fixture
def row_counts(engine: Engine) -> Callable[[], dict[str, int]]:
    def count() -> dict[str, int]:
        with engine.connect() as connection:
            return {t: connection.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    return count
