"""Shared test fixtures for alerts/: a real webhook receiver on loopback, an in-memory delivery
store, and a fixed clock.

The in-memory store is a test double of the storage *boundary* (the :class:`DeliveryStore`
Protocol the service implements on PostgreSQL/SQLite). It lets these tests drive the dispatch
logic through many retries at injected times; it does not prove anything about the service's
SQL, which the service's own tests cover.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from alerts.delivery import DeliveryResult, OutgoingDelivery
from alerts.storage import DeliveryOutcome

# The real receiver and its `receiver` fixture live in tests/webhook_receiver.py and
# tests/conftest.py, shared with the service and e2e tests.

# Any valid secret will do here; this one is the Standard Webhooks test-vector secret.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


# --- an in-memory implementation of the DeliveryStore Protocol -------------------------------


@dataclass
class Endpoint:
    url: str
    secrets: tuple[str, ...] = (SECRET,)
    enabled: bool = True
    failing_since: datetime | None = None
    disabled_reason: str | None = None


@dataclass
class StoredDelivery:
    id: str
    endpoint_id: str
    message_id: str
    body: bytes
    next_attempt_at: datetime | None
    state: str = "pending"
    attempts_made: int = 0
    first_attempt_at: datetime | None = None
    leased_by: str | None = None
    leased_until: datetime | None = None
    dead_letter_reason: str | None = None
    log: list[tuple[datetime, DeliveryResult, DeliveryOutcome, datetime | None]] = field(default_factory=list)


class InMemoryDeliveryStore:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.deliveries: dict[str, StoredDelivery] = {}

    def add_endpoint(self, endpoint_id: str, url: str, **fields: Any) -> None:
        self.endpoints[endpoint_id] = Endpoint(url=url, **fields)

    def add_delivery(self, delivery_id: str, *, endpoint_id: str, due_at: datetime, body: bytes = b'{"n":1}') -> None:
        self.deliveries[delivery_id] = StoredDelivery(
            id=delivery_id,
            endpoint_id=endpoint_id,
            message_id=f"msg_{delivery_id}",
            body=body,
            next_attempt_at=due_at,
        )

    async def claim_due_deliveries(
        self, *, now: datetime, limit: int, worker_id: str, lease_seconds: int
    ) -> list[OutgoingDelivery]:
        claimed: list[OutgoingDelivery] = []
        for row in self.deliveries.values():
            endpoint = self.endpoints[row.endpoint_id]
            due = row.state == "pending" and row.next_attempt_at is not None and row.next_attempt_at <= now
            free = row.leased_until is None or row.leased_until <= now
            if not (due and free and endpoint.enabled):
                continue
            row.leased_by, row.leased_until = worker_id, now + timedelta(seconds=lease_seconds)
            claimed.append(
                OutgoingDelivery(
                    id=row.id,
                    endpoint_id=row.endpoint_id,
                    url=endpoint.url,
                    message_id=row.message_id,
                    body=row.body,
                    secrets=endpoint.secrets,
                    attempts_made=row.attempts_made,
                    first_attempt_at=row.first_attempt_at,
                    endpoint_failing_since=endpoint.failing_since,
                )
            )
            if len(claimed) == limit:
                break
        return claimed

    async def record_attempt(
        self,
        *,
        delivery_id: str,
        worker_id: str,
        attempted_at: datetime,
        result: DeliveryResult,
        outcome: DeliveryOutcome,
        next_attempt_at: datetime | None,
        dead_letter_reason: str | None = None,
    ) -> None:
        row = self.deliveries[delivery_id]
        row.dead_letter_reason = dead_letter_reason
        row.log.append((attempted_at, result, outcome, next_attempt_at))
        if row.leased_by != worker_id:
            return
        row.attempts_made += 1
        row.first_attempt_at = row.first_attempt_at or attempted_at
        row.leased_by = row.leased_until = None
        row.next_attempt_at = next_attempt_at
        row.state = {"delivered": "delivered", "dead_lettered": "dead", "retry_scheduled": "pending"}[outcome.value]
        endpoint = self.endpoints[row.endpoint_id]
        if result.succeeded:
            endpoint.failing_since = None
        elif endpoint.failing_since is None:
            endpoint.failing_since = attempted_at

    async def disable_endpoint(
        self, *, endpoint_id: str, reason: str, at: datetime, channel: str | None = None
    ) -> None:
        endpoint = self.endpoints[endpoint_id]  # webhook only: stopping its webhook stops it all
        endpoint.enabled, endpoint.disabled_reason = False, reason


@pytest.fixture
def store() -> InMemoryDeliveryStore:
    return InMemoryDeliveryStore()


@pytest.fixture
def webhook_secret() -> str:
    return SECRET


@pytest.fixture
def make_delivery():
    def make(
        url: str, *, delivery_id: str = "d1", body: bytes = b'{"hello":"world"}', **fields: Any
    ) -> OutgoingDelivery:
        base = OutgoingDelivery(
            id=delivery_id,
            endpoint_id="e1",
            url=url,
            message_id=f"msg_{delivery_id}",
            body=body,
            secrets=(SECRET,),
        )
        return replace(base, **fields)

    return make


# --- alerts ------------------------------------------------------------------------------------


@pytest.fixture
def make_alert():
    from datetime import date, timezone

    from alerts.model import Alert, AlertType, Evidence, Severity

    def make(**changes: Any) -> Alert:
        fields: dict[str, Any] = dict(
            dedup_key="substance.first_detection:YELGFTGWJGBAQU-UHFFFAOYSA-N",
            type=AlertType.first_detection,
            severity=Severity.high,
            substance_inchikey="YELGFTGWJGBAQU-UHFFFAOYSA-N",
            substance_name="mephedrone",
            jurisdictions=("DK", "GB"),
            uncontrolled_in=("DK",),
            group_ids=("gb-mda-1971-cathinones",),
            evidence=Evidence(
                report_ids=("r1",),
                countries=("DK",),
                organisation_ids=("org-dk",),
                first_sampled_on=date(2025, 3, 1),
                last_sampled_on=date(2025, 3, 1),
            ),
            summary="First detection of mephedrone (YELGFTGWJGBAQU-UHFFFAOYSA-N): reported in DK.",
            created_at=datetime(2025, 3, 3, 9, 30, 15, 250000, tzinfo=timezone.utc),
        )
        fields.update(changes)
        return Alert.raise_for(**fields)

    return make
