"""One settings object for the whole service, read from the environment (prefix ``VARSEL_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var/varsel.db")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VARSEL_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///./{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL; sqlite:///path or postgresql://user@host/db",
    )
    migrate_database_url: str = Field(
        default="",
        description="URL `varsel migrate` and `varsel db grant-app-role` use: on PostgreSQL the role that owns the "
        "schema, while database_url names a role that cannot alter it (see README). Empty: database_url",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    instance_name: str = Field(default="varsel", description="Names this deployment in alert sources")
    public_url: str = Field(default="", description="Base URL used in links of feeds and alerts")

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest accepted request body")
    max_batch_items: int = Field(default=1000, ge=1, le=10_000)
    draft_impact_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest a draft rule's impact (and activation check) may match for"
    )
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=500, ge=1)

    db_pool_size: int = Field(default=10, ge=1)
    write_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="SQLite: longest a write waits for the write lock before a 503 with Retry-After",
    )
    auth_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long a checked API key is trusted before the database is asked again (0: every "
        "request). A key revoked through this process stops at once; through another, within this time.",
    )
    demo_keys_file: Path = Field(default=Path("var/demo-keys.txt"))

    # webhook signing secrets are sealed at rest (service.subscriptions.secret_box)
    secret_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Fernet keys, comma-separated: the first seals webhook secrets, every one opens them "
        "(`varsel secrets new-key` makes one). Empty: the keys in secret_keys_file",
    )
    secret_keys_file: Path = Field(
        default=Path("var/secret-keys.txt"),
        description="Used when secret_keys is empty; created with a new key on first use (the demo)",
    )

    # outbound webhooks: private, loopback and link-local targets are refused unless allowed
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=30.0, gt=0, description="Longest one webhook POST may take")
    webhook_secret_grace_hours: float = Field(
        default=24.0, ge=0, description="After a rotation the previous secret keeps signing this long"
    )

    # signal thresholds (alerts.signals.SignalThresholds)
    signal_escalation_min_organisations: int = Field(default=3, ge=1)
    signal_escalation_min_countries: int = Field(default=2, ge=1)
    signal_escalation_window_days: int = Field(default=30, ge=1)
    signal_advisory_min_similarity: float = Field(default=0.7, gt=0, le=1)
    signal_family_growth_step: int = Field(default=5, ge=2)

    # the worker's own HTTP server: /healthz, and /metrics for an admin key (service.observability.worker)
    worker_http_host: str = Field(
        default="127.0.0.1", description="Address the worker's /healthz and /metrics listen on"
    )
    worker_http_port: int = Field(default=9101, ge=0, le=65535, description="Their port; 0: no HTTP server")

    # dispatch (varsel worker)
    dispatch_interval_seconds: float = Field(default=1.0, gt=0, description="How often a worker claims due deliveries")
    # at most 5,000: a batch travels as one IN list, and SQLite takes at most 32,766 parameters
    dispatch_batch_size: int = Field(default=200, ge=1, le=5000, description="Deliveries claimed per claim")
    dispatch_concurrency: int = Field(default=16, ge=1, description="Webhook requests in flight per worker")
    dispatch_concurrency_per_origin: int = Field(
        default=4,
        ge=1,
        description="Of those, at most this many (and as many kept-alive connections) to one scheme, host and port",
    )
    dispatch_lease_seconds: int = Field(
        default=120, ge=1, description="How long a claim lasts; must exceed webhook_timeout_seconds"
    )
    retry_base_seconds: float = Field(default=5.0, gt=0)
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    retry_horizon_hours: float = Field(default=24.0, gt=0, description="Retries stop (dead letter) after this")
    endpoint_disable_after_hours: float = Field(default=120.0, gt=0, description="Continuous failure before disabling")
    digest_interval_seconds: float = Field(default=30.0, gt=0, description="How often due digests are built")
    cap_sender: str = Field(default="varsel@varsel.invalid", description="CAP <sender>: this installation's address")
    retry_after_max_seconds: float = Field(
        default=3600.0, ge=0, description="Longest wait honoured from a receiver's Retry-After (429, 503)"
    )
    digest_max_alerts: int = Field(
        default=200, ge=1, description="Most alerts one digest carries; it says how many it left out"
    )

    # e-mail deliveries (alerts.email): the SMTP server the worker hands messages to
    smtp_host: str = Field(default="", description="SMTP server; empty: e-mail deliveries wait and are retried")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = Field(default="", description="SMTP AUTH user; empty: no login")
    smtp_password: SecretStr = Field(default=SecretStr(""))
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_ssl: bool = Field(default=False, description="Implicit TLS from the first byte (usually port 465)")
    smtp_ca_file: str = Field(
        default="",
        description="PEM file of the CA(s) that sign the SMTP server's certificate, for a private CA; "
        "empty: the system's trust store. The certificate is always verified",
    )
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    smtp_from: str = Field(default="varsel@varsel.invalid", description="From: address of alert e-mails")

    # families of related substances (service.families)
    family_threshold: float = Field(
        default=0.45,
        gt=0,
        le=1,
        description="ECFP4 Tanimoto to join a family; a change takes effect fully after a recompute",
    )
    family_scaffold_threshold: float = Field(
        default=0.30, gt=0, le=1, description="Lower Tanimoto accepted when a distinctive ring scaffold is shared"
    )
    family_interval_seconds: float = Field(default=1.0, gt=0, description="How often the worker places new substances")
    family_mcs_timeout_seconds: int = Field(default=2, ge=1, description="Bound on one family core (rdFMCS) search")
    family_min_shared: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of a new substance's heavy atoms that its common part (ring system plus linker) with "
        "the nearest member must cover for it to join that family below Tanimoto 0.7 (0: similarity "
        "alone); 0.5 is measured in bench/families.py --quality",
    )

    # the web pages (service.web): a browser session lasts this long after signing in
    web_session_minutes: int = Field(default=480, ge=1, description="Lifetime of a web sign-in session")

    @property
    def migrations_url(self) -> str:
        """The URL schema changes run with: migrate_database_url, else database_url."""
        return self.migrate_database_url or self.database_url

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> "Settings":
        # A lease that can expire while its send is still running lets a second worker send it too.
        if self.dispatch_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                f"dispatch_lease_seconds ({self.dispatch_lease_seconds}) must exceed "
                f"webhook_timeout_seconds ({self.webhook_timeout_seconds})"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
