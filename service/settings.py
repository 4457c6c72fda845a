"""One settings object for the whole service, read from the environment (prefix ``VARSEL_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var/varsel.db")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VARSEL_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///./{DEFAULT_SQLITE_PATH}",
        description="SQLAlchemy URL; sqlite:///path or postgresql://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    instance_name: str = Field(default="varsel", description="Names this deployment in alert sources")
    public_url: str = Field(default="", description="Base URL used in links of feeds and alerts")

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Largest accepted request body")
    max_batch_items: int = Field(default=1000, ge=1, le=10_000)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=500, ge=1)

    db_pool_size: int = Field(default=10, ge=1)
    demo_keys_file: Path = Field(default=Path("var/demo-keys.txt"))

    # outbound webhooks: private, loopback and link-local targets are refused unless allowed
    webhook_allow_private: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
