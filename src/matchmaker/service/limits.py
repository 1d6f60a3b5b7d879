"""Limits: the size of a request body, and requests per key per minute.

Both are kept in memory of one process: with several uvicorn workers, each worker counts on
its own (a key may then make up to ``workers`` times the rate; the body limit is exact).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matchmaker.service.problems import problem_response

__all__ = ["BodySizeLimitMiddleware", "RateLimiter"]


class RateLimiter:
    """A token bucket per key: ``per_minute`` tokens, refilled evenly over a minute.

    A burst of up to ``per_minute`` requests passes at once; after that, one more every
    ``60 / per_minute`` seconds. Thread-safe.

    Parameters
    ----------
    per_minute:
        Requests per key per minute.
    clock:
        Seconds, monotonic (for tests).
    """

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
