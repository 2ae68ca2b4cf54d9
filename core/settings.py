"""The one settings object, read at the edge (API, command line, benchmarks)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "development"}


class Settings(BaseSettings):
    """Relief Reserve settings, from `RELIEF_*` environment variables or a `.env` file."""

    model_config = SettingsConfigDict(env_prefix="RELIEF_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "RELIEF_DATABASE_URL")
    )
    db_echo: bool = False

    # Tokens (issue: users, roles and scopes). Generated into data_dir for development.
    token_secret: SecretStr | None = None
    token_ttl_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed: sign-in throttling keys on the client address they
    # give. Empty: the socket's address is the client, and those headers are ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Ledger: the log's name (C2SP origin line) and its signing key file.
    ledger_origin: str = "relief-reserve.example/district-log"
    ledger_key_file: Path | None = None

    # Optimiser limits.
    routing_time_limit_s: float = Field(default=10.0, gt=0, le=3600)
    # Worker processes per routing search (1: in the request's thread); at most one a core.
    routing_workers: int = Field(default=1, ge=1, le=64)
    # On SIGTERM, requests in flight get this long to finish; then they are cancelled and
    # the solvers' worker processes ended, so the server always stops.
    shutdown_grace_s: float = Field(default=30.0, ge=0, le=3600)
    allocation_time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    forecast_time_limit_s: float = Field(default=120.0, gt=0, le=3600)
    # An OSRM server (e.g. http://osrm:5000) for road distances and times when a district
    # has no travel table; unset: great-circle estimate. Asked with this timeout.
    osrm_url: str | None = None
    osrm_timeout_s: float = Field(default=10.0, gt=0, le=300)

    # Spreadsheet import.
    import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=1_000_000, ge=1)

    # Idempotency-Key and page-form key records: kept this many days, then pruned daily by
    # the server and by `relief db prune-keys` (0: kept for ever).
    idempotency_retention_days: int = Field(default=30, ge=0, le=3650)

    # Alerts (alerts): when something is an alert, and how often they are recorded.
    alerts_refresh_interval_s: float = Field(default=900.0, ge=0, le=24 * 3600)  # 0: off
    alerts_service_level: float = Field(default=0.95, ge=0.5, lt=1)
    alerts_days_of_supply: float = Field(default=7.0, gt=0, le=365)
    alerts_supply_window_days: int = Field(default=30, ge=1, le=3650)
    alerts_lot_expiry_days: int = Field(default=30, ge=0, le=3650)
    alerts_document_expiry_days: int = Field(default=30, ge=0, le=3650)
    alerts_spot_check_days: int = Field(default=90, ge=1, le=3650)
    alerts_dispatch_grace_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for part in value:
                try:
                    ipaddress.ip_network(str(part), strict=False)
                except ValueError as exc:
                    raise ValueError(f"{part!r} is not an IP address or network") from exc
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            secret = self.token_secret.get_secret_value() if self.token_secret else ""
            if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
                raise ValueError(
                    "RELIEF_TOKEN_SECRET must be set to a random value of 32+ characters "
                    "in production"
                )
        return self

    @property
    def token_ttl(self) -> timedelta:
        return timedelta(minutes=self.token_ttl_minutes)

    @property
    def resolved_token_secret_file(self) -> Path:
        return self.data_dir / "token-secret"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'relief.db').as_posix()}"

    @property
    def resolved_ledger_key_file(self) -> Path:
        return self.ledger_key_file or self.data_dir / "ledger-signing.key"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
