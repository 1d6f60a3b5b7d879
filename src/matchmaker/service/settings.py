"""The service's settings, read from the environment (prefix ``MATCHMAKER_``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from matchmaker.limits import LIMITS

__all__ = ["Settings"]

KIB = 2**10
MIB = 2**20
RATE_LIMIT_STORAGES = ("auto", "memory", "database")
REDIS_SCHEMES = ("redis", "rediss", "redis+unix")


def shown_storage(value: str) -> str:
    """A storage setting as a message may show it: without a password."""
    scheme, sep, rest = value.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else value[:100]


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
    rate_limit_storage:
        Where the requests of each key are counted (``matchmaker.service.limits``): ``memory``
        (in each process), ``database`` (in the store's database, shared by the processes that
        use it), a Redis URL (``redis://host:6379/0``, shared by every process and host that
        uses it), or ``auto``: ``database`` in one of several worker processes, else
        ``memory``.
    rate_limit_prefix:
        The prefix of the rate limit's keys in Redis; each deployment sharing one Redis needs
        its own.
    cors_origins:
        Origins allowed to call the API from a browser (comma-separated); none by default.
    job_workers:
        Threads that run jobs (allocations, schedules, pairs) in each process; two by
        default, so that one long run does not hold everyone else's back. 0: this process
        only queues jobs, and ``matchmaker worker`` processes on the same database run them
        (``matchmaker-server --worker`` starts one beside the web server).
    job_owner_max_running:
        Jobs one owner (organiser) may have running at once, in all processes; by default
        one less than ``job_workers`` (at least 1).
    job_lease_seconds:
        How long a process holds a job without renewing its lease; a job whose process died
        goes back to the queue after this long (once; a second time it is ended
        ``interrupted``).
    job_shutdown_grace_s:
        Seconds the running jobs get to finish when the server or worker stops; then they go
        back to the queue for another worker (or, for a job only this process could run, are
        ended ``interrupted``) and the process exits.
    organiser_time_limit_s:
        The longest ``time_limit`` (seconds) an organiser's run may ask for; an admin's may
        ask for up to ``LIMITS.time_limit_s``.
    shutdown_timeout_s:
        Seconds the server waits for open requests after ``SIGTERM`` before it cancels them.
    max_header_bytes, max_header_count:
        The request line and headers of a request, in bytes, and how many headers it may
        send; more is answered 431 before anything else is read.
    background_refit:
        After a change of the registry, answer suggestions from the previous fit while the
        new one is built (``False``: wait for it; tests use that).
    refit_share:
        After edits, the suggestion index transforms only the changed profiles and puts them in
        place; once the profiles changed since the last fit reach this share of the registry,
        the text space is fitted again from scratch (0: fit again after every change).
    key_cache_seconds:
        How long a key's role is remembered before the database is asked again; a key revoked
        through another worker process is refused after at most this long.
    request_threads:
        How many requests a worker process works on at once; the others wait their turn,
        first come, first served. Requests share one interpreter lock per process, so more
        threads do not make more work: with dozens of them at once, every request waited for
        all the others at each step and the slowest hundredth took 0.5 to 1 s
        (docs/reliability.md, "Load"); one at a time, each waits about as long as the others.
        Routes that may take seconds (imports, exports, learning a scorer) run in threads of
        their own (``matchmaker.service.gate.long_request``), so they do not hold up the others.
        More
        workers, not more threads, use more cores.
    """

    model_config = SettingsConfigDict(env_prefix="MATCHMAKER_", extra="ignore")

    database_url: str = "sqlite:///var/matchmaker.db"
    admin_key: SecretStr | None = None
    max_upload_bytes: int = Field(default=20 * MIB, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    rate_limit_storage: str = "auto"
    rate_limit_prefix: str = Field(default="matchmaker", min_length=1, max_length=100)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    job_workers: int = Field(default=2, ge=0, le=64)
    job_owner_max_running: int | None = Field(default=None, ge=1)
    job_lease_seconds: float = Field(default=30.0, ge=0.5, le=3600)
    job_shutdown_grace_s: float = Field(default=3.0, ge=0, le=600)
    organiser_time_limit_s: float = Field(default=300.0, gt=0, le=LIMITS.time_limit_s)
    shutdown_timeout_s: int = Field(default=5, ge=0, le=600)
    max_header_bytes: int = Field(default=32 * KIB, ge=KIB, le=MIB)
    max_header_count: int = Field(default=100, ge=10, le=10_000)
    background_refit: bool = True
    refit_share: float = Field(default=0.1, ge=0, le=1)
    key_cache_seconds: float = Field(default=5.0, ge=0)
    request_threads: int = Field(default=1, ge=1, le=1000)

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in RATE_LIMIT_STORAGES:
            return text.lower()
        if text.partition("://")[0].lower() in REDIS_SCHEMES and "://" in text:
            return text
        raise ValueError(
            "give auto, memory, database or a Redis URL (redis://host:6379/0, rediss://..., "
            f"redis+unix:///path); got {shown_storage(text)!r}"
        )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value
