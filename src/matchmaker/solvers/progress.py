"""How far a solver is: a share done in [0, 1] and a short phrase, for whoever waits.

The solvers take an optional ``progress(fraction, message)`` callback and call it at the
boundaries of their phases ("matching slot 3 of 12"). :class:`Progress` wraps that callback
once, at the solver's entry, so that the inside may call it freely: without a callback it does
nothing; with one, the share never goes back, stays within [0, 1], and a part of the work can
be given a part of the range (:meth:`Progress.part`).

Decisions
---------
- The callback may raise: a job's progress report is where a cancelled job stops
  (``JobCancelled``). The solvers let that exception through untouched, so a cancel stops the
  search at its next phase boundary and nothing half-done is returned.
- Reports are not throttled here: the solvers report at phase boundaries (tens to a few
  hundred per run); a caller that writes each one to a database throttles on its side.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "ProgressFn"]

#: ``progress(fraction, message)``: the share done (0..1) and what the solver is doing.
ProgressFn = Callable[[float, str], None]


class Progress:
    """A monotone progress report over a part ``[start, end]`` of the whole run.

    Parameters
    ----------
    callback : callable or None
        ``callback(fraction, message)``; None reports nothing.
    start, end : float
        The part of the whole run this object reports on: its own 0 is ``start`` of the
        callback's range and its 1 is ``end``.

    Examples
    --------
    >>> seen = []
    >>> p = Progress(lambda f, m: seen.append((round(f, 2), m)))
    >>> p(0.5, "half way"); p(0.2, "not back"); p.part(0.5, 1.0)(0.5, "three quarters")
    >>> seen
    [(0.5, 'half way'), (0.5, 'not back'), (0.75, 'three quarters')]
    """

    def __init__(self, callback: ProgressFn | None, start: float = 0.0, end: float = 1.0) -> None:
        self._callback = callback
        self._start = start
        self._end = end
        self._last = [start]  # shared with the parts, so that no part goes back either

    def __call__(self, fraction: float, message: str) -> None:
        """Report ``fraction`` (0..1 of this part) done, doing ``message``."""
        if self._callback is None:
            return
        f = min(1.0, max(0.0, float(fraction)))
        at = max(self._last[0], self._start + f * (self._end - self._start))
        self._last[0] = at
        self._callback(at, message)

    def part(self, start: float, end: float) -> Progress:
        """The part ``[start, end]`` of this one (both in 0..1 of this part)."""
        span = self._end - self._start
        sub = Progress(self._callback, self._start + start * span, self._start + end * span)
        sub._last = self._last
        return sub
