"""Alert traffic for the e2e tests: subscriptions at a loopback receiver and reports that raise
one first-detection alert each."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import httpx
from sqlalchemy import text


def new_substances(count: int) -> list[str]:
    """``count`` distinct, valid structures: primary amines with growing alkyl chains."""
    return ["C" * n + "N" for n in range(1, count + 1)]


def subscribe_all(base_url: str, headers: dict[str, str], urls: list[str]) -> list[dict]:
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        created = [
            client.post(
                "/v1/subscriptions", json={"url": url, "filters": {"event_types": ["substance.first_detection"]}}
            )
            for url in urls
        ]
    assert all(r.status_code == 201 for r in created), [r.text for r in created if r.status_code != 201]
    return [r.json() for r in created]


def report_new_substances(base_url: str, headers: dict[str, str], structures: list[str]) -> None:
    sampled_on = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    items = [
        {
            "structure": s,
            "sample_type": "seizure",
            "country": "DK",
            "sampled_on": sampled_on,
            "techniques": ["GC-MS"],
            "confidence": "confirmed",
        }
        for s in structures
    ]
    response = httpx.post(f"{base_url}/v1/reports:batch", json={"items": items}, headers=headers, timeout=60)
    assert response.status_code == 200 and response.json()["stored"] == len(structures), response.text


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def delivered(engine) -> int:  # noqa: ANN001
    # A fresh connection per look: a long-lived SQLite read transaction would keep its snapshot.
    with engine.connect() as connection:
        return connection.execute(text("SELECT COUNT(*) FROM delivery WHERE state = 'delivered'")).scalar_one()
