"""CloudEvents 1.0 envelopes for alerts, in the JSON structured content mode.

Structured mode puts the context attributes and the alert in one JSON document, so the bytes we
sign are the bytes a receiver stores; binary mode would spread them over HTTP headers that the
Standard Webhooks signature does not cover.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from alerts.model import ALERT_ID_NAMESPACE, Alert, rfc3339_utc

__all__ = [
    "CONTENT_TYPE",
    "DIGEST_EVENT_TYPE",
    "alert_event",
    "digest_event",
    "event_type_for",
    "source_for",
    "to_json_bytes",
]

CONTENT_TYPE = "application/cloudevents+json"
EVENT_TYPE_PREFIX = "eu.varsel.alert."
DIGEST_EVENT_TYPE = "eu.varsel.alert.digest"


def source_for(instance: str) -> str:
    """``source`` must identify the producer; one URN per Varsel installation does."""
    return f"urn:varsel:{instance}"


def event_type_for(alert: Alert) -> str:
    return EVENT_TYPE_PREFIX + alert.type.value


def alert_event(alert: Alert, *, instance: str) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(alert.id),
        "source": source_for(instance),
        "type": event_type_for(alert),
        "time": rfc3339_utc(alert.created_at),
        "datacontenttype": "application/json",
        # An extension attribute, so a router can filter on severity without parsing data.
        "severity": alert.severity.value,
        "data": alert.model_dump(mode="json"),
    }
    subject = alert.substance_inchikey or alert.family_id
    if subject is not None:
        event["subject"] = subject
    return event


def digest_event(
    alerts: Sequence[Alert],
    *,
    instance: str,
    time: datetime,
    period_start: datetime | None = None,
    left_out: int = 0,
    left_out_query: str | None = None,
) -> dict[str, Any]:
    """One event carrying several alerts, for subscribers who asked for a digest.

    The digest states its period (``period_start`` to ``time``), how many alerts of each type it
    holds, and what it leaves out: ``left_out`` alerts beyond its size limit (the oldest, findable
    at ``left_out_query``), and, always, alerts the subscription's filters did not match.

    Its id is derived from the alert ids, so rebuilding the same digest after a crash gives the
    same event id and a receiver that deduplicates on ``id`` stores it once.
    """
    if not alerts:
        raise ValueError("a digest needs at least one alert")
    ordered = sorted(alerts, key=lambda a: (a.created_at, str(a.id)))
    digest_id = uuid.uuid5(ALERT_ID_NAMESPACE, "digest:" + ",".join(sorted(str(a.id) for a in alerts)))
    counts: dict[str, int] = {}
    for alert in ordered:
        counts[alert.type.value] = counts.get(alert.type.value, 0) + 1
    omitted: dict[str, Any] = {
        "count": left_out,
        "not_included": "Alerts that do not match this subscription's filters are not included; "
        "the full list is at /v1/alerts.",
    }
    if left_out:
        omitted["see"] = left_out_query or "/v1/alerts"
    return {
        "specversion": "1.0",
        "id": str(digest_id),
        "source": source_for(instance),
        "type": DIGEST_EVENT_TYPE,
        "time": rfc3339_utc(time),
        "datacontenttype": "application/json",
        "data": {
            "period": {"from": rfc3339_utc(period_start or ordered[0].created_at), "to": rfc3339_utc(time)},
            "counts_by_type": dict(sorted(counts.items())),
            "left_out": omitted,
            "alerts": [a.model_dump(mode="json") for a in ordered],
        },
    }


def to_json_bytes(event: dict[str, Any]) -> bytes:
    """The exact bytes to sign and send; compact and key-sorted so equal events are equal bytes."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
