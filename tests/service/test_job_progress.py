"""A job hears its solver: the solver's progress moves the job's progress within the range
its work gives it, throttled, and a cancel stops the solver at its next report."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest

from matchmaker.service.job_runner import JobCancelled, JobContext
from matchmaker.solvers.schedule import solve_schedule


class _Progresses:
    """The part of a store a job's context writes its progress to."""

    def __init__(self) -> None:
        self.written: list[tuple[float, str]] = []

    def set_job_progress(self, job_id: str, progress: float, message: str, **_: Any) -> None:
        self.written.append((progress, message))


def _context(cancel: threading.Event | None = None) -> tuple[JobContext, _Progresses]:
    store = _Progresses()
    return JobContext(store, "job-1", cancel), store  # type: ignore[arg-type]


def _solve(progress: Any) -> Any:
    rng = np.random.default_rng(0)
    raw = rng.random((80, 80))
    return solve_schedule(
        (raw + raw.T) / 2,
        slots=8,
        tables=15,
        availability=rng.random((80, 8)) < 0.85,
        seed=0,
        progress=progress,
    )


def test_the_solver_moves_the_job_within_its_range() -> None:
    ctx, store = _context()
    _solve(ctx.solver_progress(0.1, 0.8, every=0.0))
    shares = [f for f, _ in store.written]
    assert len(shares) >= 5  # more than the two marks a job had before its solver spoke
    assert shares[0] == pytest.approx(0.1)
    assert shares[-1] == pytest.approx(0.8)
    assert all(0.1 <= f <= 0.8 for f in shares)
    assert all(b - a >= 0.01 - 1e-12 for a, b in itertools.pairwise(shares))
    assert any("slot" in m for _, m in store.written)


def test_reports_are_throttled_in_time() -> None:
    ctx, store = _context()
    _solve(ctx.solver_progress(0.1, 0.8, every=3600.0))
    assert len(store.written) == 1  # the first report; the next would come an hour later


def test_a_cancel_stops_the_solver_at_its_next_report() -> None:
    cancel = threading.Event()
    ctx, store = _context(cancel)
    inner = ctx.solver_progress(0.1, 0.8, every=0.0)
    heard: list[str] = []

    def report(fraction: float, message: str) -> None:
        heard.append(message)
        if len(heard) == 4:
            cancel.set()  # the organiser cancels while the solver runs
        inner(fraction, message)

    with pytest.raises(JobCancelled):
        _solve(report)
    assert len(heard) == 4
    assert len(store.written) == 3
