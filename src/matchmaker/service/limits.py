"""Limits: the size of a request body, and requests per key per minute.

The body limit is exact in every process. The rate limit counts each API key's requests where
``MATCHMAKER_RATE_LIMIT_STORAGE`` says:

- ``memory``: in this process (:class:`RateLimiter`, a token bucket per key). With several
  worker processes each counts on its own: a key may make up to ``workers`` times the rate.
- ``database``: in the store's database (:class:`DatabaseRateLimiter`, table ``rate_limits``),
  shared by every process that uses it: the same token bucket, kept in one row per key and
  changed by one atomic statement (:mod:`matchmaker.store.rate_limits`). About 0.06 ms a
  request on SQLite and 0.2 ms on PostgreSQL (median of 3,000 calls), plus a thread hop.
- ``redis://host:port/db`` (also ``rediss://``, ``redis+unix://``): in Redis
  (:class:`RedisRateLimiter`, the ``limits`` library's moving window), shared by every process
  and host that uses it: at most ``per_minute`` requests of a key in any 60 seconds. Keys are
  prefixed with ``MATCHMAKER_RATE_LIMIT_PREFIX``.
- ``auto`` (the default): ``database`` in a process that is one of several workers
  (:func:`several_workers`: ``matchmaker-server --workers N`` with N above 1) on PostgreSQL,
  else ``memory``. On SQLite, which has one writer at a time, a write per request would wait
  behind every import (measured: under eight concurrent writers with two workers, the counts
  fell back to memory again and again), so several workers there count each on their own
  unless the setting says ``database`` or names a Redis.

Either way a key gets a burst of up to ``per_minute`` requests; the token bucket then lets one
more through every ``60 / per_minute`` seconds, the moving window when the oldest request of
the last ``per_minute`` is a minute old. A refused request is 429 with ``Retry-After``: the
seconds until the bucket has a token again, or until the window's reset time in Redis.

A shared storage that fails (the database or Redis does not answer, a SQLite file stays locked
by another writer for more than 0.1 s) does not fail the request: the process counts in its
own memory for that request and the next second, and logs a warning at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matchmaker.service.problems import problem_response

if TYPE_CHECKING:
    from matchmaker.service.settings import Settings
    from matchmaker.store import Store

__all__ = [
    "BodySizeLimitMiddleware",
    "DatabaseRateLimiter",
    "Limiter",
    "RateLimiter",
    "RedisRateLimiter",
    "make_rate_limiter",
    "several_workers",
]

log = logging.getLogger("matchmaker.service")

# A shared storage that failed is not asked again for this long: the process counts alone.
RETRY_SHARED_AFTER_S = 1.0
WARN_EVERY_S = 60.0


class Limiter(Protocol):
    """What the routes need of a rate limiter."""

    per_minute: int
    storage: str  # "memory", "database" or "redis"

    def take(self, key: str) -> float | None:
        """Count a request of ``key``: ``None`` when it may pass, else the seconds to wait."""

    async def check(self, key: str) -> float | None:
        """:meth:`take` from the event loop (off it, when the storage is not in memory)."""

    def close(self) -> None:
        """Let go of connections and threads."""


class RateLimiter:
    """A token bucket per key, in this process: ``per_minute`` tokens, refilled evenly over a
    minute.

    A burst of up to ``per_minute`` requests passes at once; after that, one more every
    ``60 / per_minute`` seconds. Thread-safe.

    Parameters
    ----------
    per_minute:
        Requests per key per minute.
    clock:
        Seconds, monotonic (for tests).
    """

    storage = "memory"

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be 1 or more; got {per_minute}")
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Take a token from ``key``'s bucket: ``None`` when taken, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self._rate

    async def check(self, key: str) -> float | None:
        """:meth:`take`, on the event loop: it does no I/O."""
        return self.take(key)

    def close(self) -> None:
        """Nothing to let go of."""


class _SharedLimiter:
    """A limiter whose counts live outside the process; its own memory when they cannot."""

    storage = "shared"
    _errors: tuple[type[BaseException], ...] = ()

    def __init__(self, per_minute: int, where: str) -> None:
        if per_minute < 1:
            raise ValueError(f"per_minute must be 1 or more; got {per_minute}")
        self.per_minute = per_minute
        self.where = where
        self._local = RateLimiter(per_minute)
        self._alone_until = -math.inf
        self._warned_at = -math.inf
        # Off the event loop, beside the threads of the routes (a count must not wait for a
        # route to finish, nor a slow storage hold the loop); made again after close().
        self._threads: ThreadPoolExecutor | None = None
        self._threads_lock = threading.Lock()

    def _take_shared(self, key: str) -> float | None:
        raise NotImplementedError

    def take(self, key: str) -> float | None:
        """Count a request of ``key`` in the shared storage (in this process's memory while
        the storage fails): ``None`` when it may pass, else the seconds to wait."""
        if time.monotonic() < self._alone_until:
            return self._local.take(key)
        try:
            return self._take_shared(key)
        except self._errors as exc:
            now = time.monotonic()
            self._alone_until = now + RETRY_SHARED_AFTER_S
            if now - self._warned_at >= WARN_EVERY_S:
                self._warned_at = now
                log.warning(
                    "the rate limit's %s %s did not answer (%s: %s); this process counts "
                    "requests on its own until it does",
                    self.storage,
                    self.where,
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "",
                )
            return self._local.take(key)

    async def check(self, key: str) -> float | None:
        """:meth:`take` in a thread of the limiter's own."""
        with self._threads_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rate-limit")
            threads = self._threads
        return await asyncio.get_running_loop().run_in_executor(threads, self.take, key)

    def close(self) -> None:
        """Let the threads go (new ones are made if it is used again)."""
        with self._threads_lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=False)


class DatabaseRateLimiter(_SharedLimiter):
    """The token bucket of :class:`RateLimiter`, kept in the store's database: every process
    on that database counts each key's requests together.

    Parameters
    ----------
    per_minute:
        Requests per key per minute (and the burst).
    url:
        The store's database; its schema must be current (a :class:`~matchmaker.store.Store`
        opened on it migrates it).
    clock:
        Seconds since the epoch: the processes sharing the database must share the clock.
    busy_timeout:
        SQLite: seconds a count waits for another writer's lock before this process counts
        alone (for :data:`RETRY_SHARED_AFTER_S`).
    """

    storage = "database"

    def __init__(
        self,
        per_minute: int,
        url: str,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 0.1,
    ) -> None:
        from sqlalchemy.exc import DBAPIError

        from matchmaker.store.rate_limits import RateBuckets

        self._buckets = RateBuckets(url, busy_timeout=busy_timeout)
        super().__init__(per_minute, self._buckets.database)
        self._errors = (DBAPIError,)
        self._clock = clock
        self._step_us = 60_000_000 // per_minute
        self._burst_us = self._step_us * per_minute

    def _take_shared(self, key: str) -> float | None:
        wait = self._buckets.take(
            key,
            step_us=self._step_us,
            burst_us=self._burst_us,
            now_us=int(self._clock() * 1_000_000),
        )
        return None if wait is None else wait / 1_000_000

    def close(self) -> None:
        super().close()
        self._buckets.close()


def shown_redis(url: str) -> str:
    """A Redis URL without its password, for messages.

    Examples
    --------
    >>> shown_redis("redis://:secret@cache.example:6379/2")
    'redis://cache.example:6379/2'
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class RedisRateLimiter(_SharedLimiter):
    """Requests per key counted in Redis with the ``limits`` library's moving window: at most
    ``per_minute`` requests of a key in any 60 seconds, for every process and host that uses
    this Redis.

    Parameters
    ----------
    per_minute:
        Requests per key in any 60 seconds (and the burst).
    url:
        ``redis://[:password@]host:port/db``, ``rediss://...`` (TLS) or
        ``redis+unix:///path/to/socket``.
    prefix:
        The prefix of the keys in Redis: each deployment that shares one Redis needs its own.
    timeout:
        Seconds to connect and to wait for an answer before this process counts alone.
    """

    storage = "redis"

    def __init__(
        self, per_minute: int, url: str, *, prefix: str = "matchmaker", timeout: float = 0.5
    ) -> None:
        from limits import RateLimitItemPerMinute
        from limits.errors import StorageError
        from limits.storage import RedisStorage
        from limits.strategies import MovingWindowRateLimiter

        super().__init__(per_minute, shown_redis(url))
        self._errors = (StorageError,)
        self._redis = RedisStorage(
            url,
            key_prefix=prefix,
            wrap_exceptions=True,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
        self._strategy = MovingWindowRateLimiter(self._redis)
        self._item = RateLimitItemPerMinute(per_minute, namespace="rate")

    def _take_shared(self, key: str) -> float | None:
        if self._strategy.hit(self._item, key):
            return None
        reset_at = self._strategy.get_window_stats(self._item, key).reset_time
        return max(reset_at - time.time(), 0.001)

    def reachable(self) -> bool:
        """Whether Redis answers a ``PING``."""
        return self._redis.check()

    def clear(self, key: str) -> None:
        """Forget ``key``'s requests."""
        self._strategy.clear(self._item, key)

    def close(self) -> None:
        super().close()
        self._redis.storage.close()


def several_workers() -> bool:
    """Whether this process is one of several worker processes of a server.

    ``matchmaker-server --workers N`` (N above 1) runs each worker in a process that uvicorn
    starts with ``multiprocessing``; with one worker the server is this process. Gunicorn and
    uvicorn's own command line are told their workers by ``WEB_CONCURRENCY``, read here too. A
    process manager that starts workers otherwise needs ``MATCHMAKER_RATE_LIMIT_STORAGE``.
    """
    if multiprocessing.parent_process() is not None:
        return True
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1")) > 1
    except ValueError:
        return False


def make_rate_limiter(settings: Settings, store: Store) -> Limiter:
    """The rate limiter ``settings.rate_limit_storage`` asks for (see the module's notes)."""
    per_minute = settings.rate_limit_per_minute
    storage = settings.rate_limit_storage
    reason = "MATCHMAKER_RATE_LIMIT_STORAGE"
    if storage == "auto":
        several = several_workers()
        storage = "database" if several and store.dialect != "sqlite" else "memory"
        if storage == "database":
            reason = "several worker processes"
        elif several:
            reason = (
                "several worker processes on SQLite, which has one writer: each counts on its "
                "own; set MATCHMAKER_RATE_LIMIT_STORAGE to a Redis URL or 'database' to share"
            )
        else:
            reason = "one process"
    limiter: Limiter
    if storage == "memory":
        limiter = RateLimiter(per_minute)
    elif storage == "database":
        if store.read_only:
            log.warning(
                "the rate limit is counted in each process: the database '%s' is read-only",
                store.database,
            )
            return RateLimiter(per_minute)
        limiter = DatabaseRateLimiter(per_minute, store.url)
    else:
        redis = RedisRateLimiter(per_minute, storage, prefix=settings.rate_limit_prefix)
        if not redis.reachable():
            log.error(
                "the rate limit's Redis %s does not answer; each process counts requests on "
                "its own until it does",
                redis.where,
            )
        limiter = redis
    where = (
        "this process's memory"
        if isinstance(limiter, RateLimiter)
        else f"the {limiter.storage} {getattr(limiter, 'where', '')}"
    )
    log.info(
        "rate limit: %d requests per key per minute, counted in %s (%s)",
        per_minute,
        where,
        reason,
    )
    return limiter


class _TooLarge(HTTPException):
    pass


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413.

    ``Content-Length`` is checked before anything is read; a body sent without it (chunked)
    is counted while it is read, and reading stops at the limit. (Starlette's
    ``RequestBodyLimitMiddleware``, behind FastAPI's ``max_body_size``, answers in plain text;
    this one answers with a problem document, like every other error.)
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"the request body is larger than the limit of {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length > self.max_bytes:
                    response = problem_response(
                        None,
                        413,
                        "too-large",
                        "Too large",
                        self._detail(),
                        instance=scope.get("path", ""),
                    )
                    await response(scope, receive, send)
                    return
                break
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing unchanged and is
                    # answered by the problem handler.
                    raise _TooLarge(413, self._detail())
            return message

        await self.app(scope, counting_receive, send)
