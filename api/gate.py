"""One request's scoring at a time in a worker, in arrival order.

A uvicorn worker answers requests in threads that share one interpreter lock. It runs few of
them at once (``MATCHMAKER_REQUEST_THREADS``, taken first come, first served); :class:`Gate`
makes sure that at most one of them scores suggestions (a shortlist's complementarity, the
reasons in words), the others waiting without holding the lock, in the order they came (a
queue of their own events, not a lock's wake-up order, which favours late-comers). Scoring
is a run of numpy steps that each let go of the interpreter lock; two scorers at once, or a
scorer among a dozen busy threads, wait for the lock at every step. Measured with 32 clients
without pauses on 2 workers (``benchmarks/api_soak.py``, docs/reliability.md): with forty
threads a worker, p50 3 ms but p99 730 ms, organisation reads as slow as suggestions.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType

__all__ = ["Gate"]


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
