"""How a worker shares its interpreter: requests in arrival order, long ones beside them, one
scorer at a time.

A uvicorn worker answers requests in threads that share one interpreter lock. It runs few of
them at once (``MATCHMAKER_REQUEST_THREADS``, taken first come, first served), and the routes
that may take seconds in threads of their own (:func:`long_request`); :class:`Gate` makes
sure that at most one of them scores suggestions (a shortlist's complementarity, the
reasons in words), the others waiting without holding the lock, in the order they came (a
queue of their own events, not a lock's wake-up order, which favours late-comers). Scoring
is a run of numpy steps that each let go of the interpreter lock; two scorers at once, or a
scorer among a dozen busy threads, wait for the lock at every step. Measured with 32 clients
without pauses on 2 workers (``benchmarks/api_soak.py``, docs/reliability.md): with forty
threads a worker, p50 3 ms but p99 730 ms, organisation reads as slow as suggestions.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

__all__ = ["LONG_THREADS", "Gate", "long_request"]

P = ParamSpec("P")
R = TypeVar("R")


class Gate:
    """A first-come, first-served lock for threads (a context manager).

    Examples
    --------
    >>> gate = Gate()
    >>> with gate:
    ...     gate.waiting
    0
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._busy = False
        self._queue: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """How many threads wait to come in."""
        return len(self._queue)

    def acquire(self) -> None:
        with self._mutex:
            if not self._busy:
                self._busy = True
                return
            turn = threading.Event()
            self._queue.append(turn)
        turn.wait()  # the thread that leaves hands the gate over: _busy stays True

    def release(self) -> None:
        with self._mutex:
            if not self._busy:
                raise RuntimeError("the gate is not held")
            if self._queue:
                self._queue.popleft().set()
            else:
                self._busy = False

    def __enter__(self) -> Gate:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def long_request(route: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run a route that may take seconds (an import, an export, learning a scorer) in threads
    of its own, not in the few that every request takes turns on (``MATCHMAKER_REQUEST_THREADS``):
    a long import then does not hold up the short requests queued behind it. At most
    :data:`LONG_THREADS` of them run at once in a worker; the others wait their turn, first
    come, first served.

    Decorate a plain ``def`` route below its ``@router`` decorator; FastAPI reads the route's
    own signature for its parameters.
    """

    @functools.wraps(route)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        limiter = _LONG.get(None)
        if limiter is None:
            limiter = anyio.CapacityLimiter(LONG_THREADS)
            _LONG.set(limiter)
        return await anyio.to_thread.run_sync(
            functools.partial(route, *args, **kwargs), limiter=limiter
        )

    return run


#: How many long requests a worker runs at once (:func:`long_request`).
LONG_THREADS = 2
_LONG: RunVar[anyio.CapacityLimiter] = RunVar("long_requests")
