"""Alerts, their deliveries and every delivery attempt: the outbox the workers drain.

``alert.dedup_key`` is unique, so a condition is stored once however many reports or replicas
raise it at once. A delivery is one message for one subscription; ``(subscription_id,
message_id)`` is unique, so an alert reaches a subscription once. A worker holds a delivery
while ``lease_until`` is in the future; a lease that runs out (the worker crashed) frees it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from alerts.model import Alert
from service.db import UTCDateTime, utcnow
from service.validation import RequestModel


class AlertRow(SQLModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_created", "created_at", "id"),)

    id: str = SQLField(sa_column=Column(String(36), primary_key=True))  # UUID derived from dedup_key
    dedup_key: str = SQLField(sa_column=Column(String(500), nullable=False, unique=True))
    type: str = SQLField(sa_column=Column(String(60), nullable=False, index=True))
    severity: str = SQLField(sa_column=Column(String(10), nullable=False))
    severity_rank: int = SQLField(sa_column=Column(Integer, nullable=False))
    substance_inchikey: str | None = SQLField(default=None, sa_column=Column(String(27), nullable=True, index=True))
    family_id: str | None = SQLField(default=None, sa_column=Column(String(100), nullable=True))
    # ",DK,SE," so a country filter is one portable LIKE
    countries: str = SQLField(sa_column=Column(String(1000), nullable=False))
    document: dict[str, Any] = SQLField(sa_column=Column(JSON, nullable=False))  # Alert.model_dump(mode="json")
    event: str = SQLField(sa_column=Column(Text, nullable=False))  # the CloudEvent bytes every subscriber gets
    created_at: dt.datetime = SQLField(sa_type=UTCDateTime, nullable=False)
    stored_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def to_alert(self) -> Alert:
        return Alert.model_validate(self.document)


class DeliveryKind(str, enum.Enum):
    alert = "alert"
    digest = "digest"
    test = "test"


class DeliveryState(str, enum.Enum):
    pending = "pending"  # due at next_attempt_at
    delivered = "delivered"
    dead_lettered = "dead_lettered"  # retries exhausted, endpoint gone, or its channel disabled; kept for replay


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "message_id", name="uq_delivery_message"),
        Index("ix_delivery_due", "state", "next_attempt_at", "id"),  # the claim's whole ORDER BY
    )

    id: str = SQLField(sa_column=Column(String(26), primary_key=True))  # ULID
    subscription_id: str = SQLField(
        sa_column=Column(String(26), ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    alert_id: str | None = SQLField(
        default=None, sa_column=Column(String(36), ForeignKey("alert.id", ondelete="RESTRICT"), nullable=True)
    )
    kind: str = SQLField(sa_column=Column(String(10), nullable=False))
    channel: str = SQLField(default="webhook", sa_column=Column(String(10), nullable=False, server_default="webhook"))
    # webhook-id (or the e-mail's Message-ID), the same on every retry
    message_id: str = SQLField(sa_column=Column(String(64), nullable=False))
    body: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))  # None: the alert's event
    state: str = SQLField(sa_column=Column(String(15), nullable=False))
    next_attempt_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    attempts_made: int = SQLField(default=0, sa_column=Column(Integer, nullable=False))
    first_attempt_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    last_attempt_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    leased_by: str | None = SQLField(default=None, sa_column=Column(String(100), nullable=True))
    lease_until: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # the X-Request-ID of the report that raised its alert (none for digests, tests, family alerts)
    request_id: str | None = SQLField(default=None, sa_column=Column(String(64), nullable=True))
    # why it was dead-lettered: retries used up, 410 Gone, or its channel disabled (cleared on replay)
    dead_letter_reason: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = SQLField(default=None, primary_key=True)
    delivery_id: str = SQLField(
        sa_column=Column(String(26), ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    worker_id: str = SQLField(sa_column=Column(String(100), nullable=False))
    attempted_at: dt.datetime = SQLField(sa_type=UTCDateTime, nullable=False)
    status_code: int | None = SQLField(default=None, sa_column=Column(Integer, nullable=True))
    latency_ms: float = SQLField(sa_column=Column(Float, nullable=False))
    error: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    response_excerpt: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    outcome: str = SQLField(sa_column=Column(String(20), nullable=False))
    # False when the worker had lost its lease: the attempt happened but did not move the delivery
    counted: bool = SQLField(default=True, nullable=False)


class DigestEntry(SQLModel, table=True):
    """An alert waiting for a digest subscription's next digest (``delivery_id`` null) or sent in one."""

    __tablename__ = "digest_entry"
    __table_args__ = (PrimaryKeyConstraint("subscription_id", "alert_id"),)

    subscription_id: str = SQLField(
        sa_column=Column(String(26), ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False)
    )
    alert_id: str = SQLField(sa_column=Column(String(36), ForeignKey("alert.id", ondelete="RESTRICT"), nullable=False))
    delivery_id: str | None = SQLField(default=None, sa_column=Column(String(26), nullable=True, index=True))
    added_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


# --- response bodies -------------------------------------------------------------------------


class AlertPage(BaseModel):
    items: list[Alert]
    next_cursor: str | None


class AttemptRead(BaseModel):
    attempted_at: dt.datetime
    status_code: int | None
    latency_ms: float
    error: str | None
    outcome: str
    worker_id: str


class DeliveryRead(BaseModel):
    id: str
    subscription_id: str
    kind: DeliveryKind
    channel: str = Field(description="webhook or email")
    alert_id: str | None
    message_id: str = Field(description="The webhook-id header: the same on every retry and replay")
    state: DeliveryState
    attempts_made: int
    next_attempt_at: dt.datetime | None
    first_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    created_at: dt.datetime
    dead_letter_reason: str | None = Field(
        default=None,
        description="Why the delivery was dead-lettered: retries used up, 410 Gone, or its channel disabled",
    )
    attempts: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None


class ReplayRequest(RequestModel):
    """Name deliveries, ask for every dead-lettered one, or both; a request asking for neither is
    refused (422) rather than answered with an empty list."""

    delivery_ids: list[str] = Field(default=[], max_length=1000, description="Deliveries to send again")
    dead_lettered: bool = Field(default=False, description="Also every dead-lettered delivery of the subscription")

    @model_validator(mode="after")
    def _asks_for_something(self) -> "ReplayRequest":
        if not self.delivery_ids and not self.dead_lettered:
            raise ValueError(
                "name the deliveries to replay in 'delivery_ids', or set 'dead_lettered': true "
                "to replay every dead-lettered delivery"
            )
        return self


class ReplayResult(BaseModel):
    replayed: list[str]
    held: list[str] = Field(
        default=[],
        description="Dead-lettered deliveries not replayed because their channel is still disabled: "
        "re-enable it (POST .../enable) and replay again",
    )


class TestSendResult(BaseModel):
    delivery_id: str
    message_id: str
    detail: str
