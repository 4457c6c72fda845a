"""Subscriptions: who wants which alerts, at which webhook, how often.

A subscription is also the webhook *endpoint*: its URL, its signing secrets and its health
(failing since, disabled and why) live on the same row, one endpoint per subscription.

The signing secret cannot be hashed, since HMAC needs the secret itself at every send; it is
stored sealed with the operator's keys (service.subscriptions.secret_box) and opened only by the
worker that signs. It is returned once, by the request that creates or rotates it, and is never
logged, audited or shown again.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from alerts.model import AlertType, Severity, SubscriptionFilter
from service.db import UTCDateTime, utcnow
from service.organisations.models import check_country
from service.validation import RequestModel


@cache
def _iana_zones() -> frozenset[str]:
    """The IANA zone names this machine knows (a directory walk: once per process)."""
    return frozenset(available_timezones())


class Channel(str, enum.Enum):
    webhook = "webhook"  # a signed CloudEvent POSTed to ``url``
    email = "email"  # an HTML and plain-text message to ``email``


class Mode(str, enum.Enum):
    immediate = "immediate"  # one webhook per alert, as soon as a worker claims it
    digest = "digest"  # one webhook per period carrying every matching alert


class Frequency(str, enum.Enum):
    daily = "daily"
    weekly = "weekly"


class Weekday(str, enum.Enum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"

    @property
    def number(self) -> int:
        """Monday 0 to Sunday 6, as datetime.date.weekday() counts (``index`` is str's own)."""
        return list(Weekday).index(self)


class Subscription(SQLModel, table=True):
    __tablename__ = "subscription"

    id: str = SQLField(sa_column=Column(String(26), primary_key=True))  # ULID
    organisation_id: int = SQLField(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False, index=True)
    )
    name: str | None = SQLField(default=None, sa_column=Column(String(200), nullable=True))
    # '' when the subscription has no webhook (e-mail only): the column predates e-mail and stays
    # NOT NULL rather than rebuild the table on SQLite; the API shows null.
    url: str = SQLField(sa_column=Column(Text, nullable=False))
    email: str | None = SQLField(default=None, sa_column=Column(String(320), nullable=True))
    # sealed (Fernet tokens of ~160-210 characters); a value starting whsec_ is not yet sealed
    secret: str = SQLField(sa_column=Column(Text, nullable=False))
    previous_secret: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    previous_secret_expires_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    filters: dict[str, Any] = SQLField(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mode: str = SQLField(sa_column=Column(String(10), nullable=False))
    digest: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON, nullable=True))
    next_digest_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True, index=True)
    last_digest_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    enabled: bool = SQLField(sa_column=Column(Boolean, nullable=False))
    # when the webhook channel's current run of failures began (the e-mail channel's is below)
    failing_since: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    # the subscription as a whole stopped: every channel it has is disabled (or it has none left)
    disabled_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    disabled_reason: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    # One channel alone stopped (its receiver answered 410 Gone, or it failed every attempt for
    # VARSEL_ENDPOINT_DISABLE_AFTER_HOURS): the other keeps delivering. The stopped channel's
    # pending deliveries are dead-lettered with the reason, for replay once it is re-enabled.
    webhook_disabled_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    webhook_disabled_reason: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    email_failing_since: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    email_disabled_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)
    email_disabled_reason: str | None = SQLField(default=None, sa_column=Column(Text, nullable=True))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    def subscription_filter(self) -> SubscriptionFilter:
        return Filters.model_validate(self.filters).to_domain()

    def channels(self) -> tuple[Channel, ...]:
        return tuple(c for c, there in ((Channel.webhook, bool(self.url)), (Channel.email, bool(self.email))) if there)


# the columns each channel's health lives in: (failing since, disabled at, disabled reason)
CHANNEL_HEALTH: dict[Channel, tuple[str, str, str]] = {
    Channel.webhook: ("failing_since", "webhook_disabled_at", "webhook_disabled_reason"),
    Channel.email: ("email_failing_since", "email_disabled_at", "email_disabled_reason"),
}


def channel_stopped(row: Any, channel: Channel) -> tuple[dt.datetime | None, str] | None:
    """(when, why) ``channel`` of a subscription row (the ORM object or a row with the same
    column names) stopped, or None while it runs. A subscription disabled as a whole stops
    every channel, with its own time and reason."""
    _, at_column, reason_column = CHANNEL_HEALTH[channel]
    at = getattr(row, at_column)
    if at is not None:
        return at, getattr(row, reason_column) or "no reason recorded"
    if not row.enabled:
        return row.disabled_at, row.disabled_reason or "no reason recorded"
    return None


# --- request and response bodies -------------------------------------------------------------

_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^EU$|^UN$")


_EMAIL = re.compile(
    r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)


def check_email(value: str) -> str:
    """One plain address (``duty@health.example``): no display name, no list, no header breaks."""
    address = value.strip()
    if not _EMAIL.match(address):
        raise ValueError(f"{value!r} is not an e-mail address such as duty-officer@health.example")
    return address


def _jurisdiction(value: str) -> str:
    code = value.strip().upper()
    if not _JURISDICTION.match(code):
        raise ValueError(f"{value!r} is not a jurisdiction code: use ISO 3166-1 alpha-2 (DK, DE, GB), EU or UN")
    return code


class Filters(RequestModel):
    """Which alerts: an empty list means any; criteria combine with AND (see alerts.model.matches)."""

    model_config = ConfigDict(extra="forbid")

    event_types: list[AlertType] = Field(default=[], description="Alert types, e.g. substance.first_detection")
    jurisdictions: list[str] = Field(
        default=[], description="Jurisdictions the alert speaks about; those encoded: CN, DE, DK, EU, GB, UN, US"
    )
    countries: list[str] = Field(default=[], description="ISO 3166-1 countries of the reports behind the alert")
    family_ids: list[str] = Field(default=[], description="Families of related substances")
    group_ids: list[str] = Field(default=[], description="Group definitions (generic bans) that capture the substance")
    uncontrolled_in: str | None = Field(
        default=None, description="Only substances uncontrolled in this jurisdiction (CN, DE, DK, EU, GB, UN, US)"
    )
    min_severity: Severity = Severity.info

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return sorted({check_country(v) for v in values})

    @field_validator("jurisdictions")
    @classmethod
    def _jurisdictions(cls, values: list[str]) -> list[str]:
        return sorted({_jurisdiction(v) for v in values})

    @field_validator("uncontrolled_in")
    @classmethod
    def _uncontrolled(cls, value: str | None) -> str | None:
        return None if value is None else _jurisdiction(value)

    @field_validator("event_types")
    @classmethod
    def _distinct_types(cls, values: list[AlertType]) -> list[AlertType]:
        return sorted(set(values), key=lambda t: t.value)

    @field_validator("family_ids", "group_ids")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        return sorted({v.strip() for v in values if v.strip()})

    def to_domain(self) -> SubscriptionFilter:
        return SubscriptionFilter(
            event_types=frozenset(self.event_types),
            jurisdictions=frozenset(self.jurisdictions),
            countries=frozenset(self.countries),
            family_ids=frozenset(self.family_ids),
            group_ids=frozenset(self.group_ids),
            uncontrolled_in=self.uncontrolled_in,
            min_severity=self.min_severity,
        )


class DigestSchedule(RequestModel):
    """When a digest goes out: every day (or one weekday) at a local wall-clock time."""

    model_config = ConfigDict(extra="forbid")

    frequency: Frequency = Frequency.daily
    at: dt.time = Field(description="Local time of day, e.g. 08:00", examples=["08:00"])
    timezone: str = Field(description="IANA time zone name, e.g. Europe/Copenhagen", examples=["Europe/Copenhagen"])
    weekday: Weekday | None = Field(default=None, description="Required for weekly digests")

    @field_validator("at")
    @classmethod
    def _whole_minutes(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("give a local time without an offset; the zone goes in 'timezone'")
        return value.replace(second=0, microsecond=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        # the name is looked up in the list of zones before ZoneInfo opens a file named after it:
        # ZoneInfo itself raises OSError for a name longer than a file name (a 500 before)
        if value != "UTC" and value not in _iana_zones():
            raise ValueError(f"{value[:64]!r} is not an IANA time zone name (e.g. Europe/Copenhagen, UTC)")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"{value!r} is not an IANA time zone name (e.g. Europe/Copenhagen, UTC)") from None
        return value

    @model_validator(mode="after")
    def _weekday_for_weekly(self) -> "DigestSchedule":
        if self.frequency is Frequency.weekly and self.weekday is None:
            raise ValueError("a weekly digest needs a weekday")
        if self.frequency is Frequency.daily and self.weekday is not None:
            raise ValueError("a daily digest takes no weekday; use frequency 'weekly'")
        return self


class SubscriptionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Cathinones and intoxications, Denmark",
                    "url": "https://alerts.example.dk/varsel",
                    "filters": {
                        "event_types": ["report.intoxication", "substance.first_detection"],
                        "countries": ["DK"],
                        "min_severity": "moderate",
                    },
                    "mode": "immediate",
                }
            ]
        },
    )

    name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(
        default=None,
        min_length=8,
        max_length=2000,
        description="HTTPS (or HTTP) URL that receives the webhooks; give it, `email`, or both",
    )
    email: str | None = Field(
        default=None, max_length=320, description="Address that receives each alert (or digest) as an e-mail"
    )
    filters: Filters = Filters()
    mode: Mode = Mode.immediate
    digest: DigestSchedule | None = Field(default=None, description="Required when mode is 'digest'")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @model_validator(mode="after")
    def _digest_needs_schedule(self) -> "SubscriptionCreate":
        if not self.url and not self.email:
            raise ValueError("give a webhook 'url', an 'email' address, or both")
        if self.mode is Mode.digest and self.digest is None:
            raise ValueError("mode 'digest' needs a 'digest' schedule (frequency, at, timezone)")
        if self.mode is Mode.immediate and self.digest is not None:
            raise ValueError("a 'digest' schedule only applies to mode 'digest'")
        return self


class SubscriptionUpdate(RequestModel):
    """Only the fields given change; ``filters`` and ``digest`` are replaced as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, min_length=8, max_length=2000, description="null removes the webhook")
    email: str | None = Field(default=None, max_length=320, description="null removes the e-mail channel")
    filters: Filters | None = None
    mode: Mode | None = None
    digest: DigestSchedule | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)


class SubscriptionRead(BaseModel):
    id: str
    organisation_id: int
    name: str | None
    url: str | None = Field(description="The webhook, if the subscription has one")
    email: str | None = Field(description="The e-mail address, if the subscription has one")
    channels: list[Channel]
    filters: Filters
    mode: Mode
    digest: DigestSchedule | None
    next_digest_at: dt.datetime | None
    enabled: bool
    failing_since: dt.datetime | None = Field(
        description="When the current run of failures began on a channel that is failing (the earlier of the two)"
    )
    disabled_at: dt.datetime | None
    disabled_reason: str | None = Field(
        description="Why the subscription stopped as a whole (no channel left that runs), if it did"
    )
    webhook_failing_since: dt.datetime | None = Field(
        default=None, description="When the webhook channel's current run of failures began"
    )
    webhook_disabled_at: dt.datetime | None = Field(
        default=None,
        description="When the webhook channel alone stopped (410 Gone, or failing for too long); e-mail runs on",
    )
    webhook_disabled_reason: str | None = Field(
        default=None, description="Why the webhook channel stopped; e-mail, if the subscription has it, still runs"
    )
    email_failing_since: dt.datetime | None = Field(
        default=None, description="When the e-mail channel's current run of failures began"
    )
    email_disabled_at: dt.datetime | None = Field(
        default=None, description="When the e-mail channel alone stopped (failing for too long); the webhook runs on"
    )
    email_disabled_reason: str | None = Field(
        default=None, description="Why the e-mail channel stopped; the webhook, if the subscription has it, still runs"
    )
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then, webhooks carry a second signature made with the previous secret"
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionWithSecret(SubscriptionRead):
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...). Shown once: store it now")


class SubscriptionPage(BaseModel):
    items: list[SubscriptionRead]


class FeedToken(SQLModel, table=True):
    """A token that opens one subscription's Atom feed and nothing else.

    Feed readers cannot send an Authorization header, so the token travels in the URL
    (``?token=``), where proxies and browser histories may keep it: that is why it is a separate
    credential from the API keys, stored only as its SHA-256, revocable on its own, and accepted
    by the feed route alone.
    """

    __tablename__ = "feed_token"

    id: str = SQLField(sa_column=Column(String(26), primary_key=True))  # ULID
    subscription_id: str = SQLField(
        sa_column=Column(String(26), ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    token_hash: str = SQLField(sa_column=Column(String(64), nullable=False, unique=True))
    label: str | None = SQLField(default=None, sa_column=Column(String(200), nullable=True))
    created_at: dt.datetime = SQLField(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: dt.datetime | None = SQLField(default=None, sa_type=UTCDateTime, nullable=True)


class FeedTokenCreate(RequestModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=200, description="Which reader or person uses it")


class FeedTokenRead(BaseModel):
    id: str
    subscription_id: str
    label: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class FeedTokenWithSecret(FeedTokenRead):
    token: str = Field(description="Shown once: it opens this subscription's feed, and nothing else")
    feed_url: str = Field(description="The feed's address with the token in it, for a feed reader")


class FeedTokenPage(BaseModel):
    items: list[FeedTokenRead]
