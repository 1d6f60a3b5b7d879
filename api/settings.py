"""The service's settings, read from the environment (prefix ``MATCHMAKER_``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings"]

MIB = 2**20


class Settings(BaseSettings):
    """What the service needs to run; every field can be set as ``MATCHMAKER_<FIELD>``.

    Attributes
    ----------
    database_url:
        An SQLAlchemy URL or a SQLite file path.
    admin_key:
        An admin key accepted at start-up (stored hashed), to create the first keys.
    max_upload_bytes, max_page_size, rate_limit_per_minute:
        Limits: larger uploads get 413, a larger ``limit`` 422, more requests per key and
        minute 429.
    cors_origins:
        Origins allowed to call the API from a browser (comma-separated); none by default.
    job_workers:
        Threads that run jobs (allocations, schedules, pairs).
    background_refit:
        After a change of the registry, answer suggestions from the previous fit while the
        new one is built (``False``: wait for it; tests use that).
    key_cache_seconds:
        How long a key's role is remembered before the database is asked again; a key revoked
        through another worker process is refused after at most this long.
    """

    model_config = SettingsConfigDict(env_prefix="MATCHMAKER_", extra="ignore")

    database_url: str = "sqlite:///var/matchmaker.db"
    admin_key: SecretStr | None = None
    max_upload_bytes: int = Field(default=20 * MIB, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    job_workers: int = Field(default=1, ge=1)
    background_refit: bool = True
    key_cache_seconds: float = Field(default=5.0, ge=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value
