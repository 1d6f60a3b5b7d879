"""Solvers report their progress: monotone, within [0, 1], ending at 1, in words; an
exception raised by the callback (a cancelled job) stops the solver."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from matchmaker.solvers.breakouts import solve_breakouts
from matchmaker.solvers.pairs import solve_pairs
from matchmaker.solvers.progress import Progress
from matchmaker.solvers.schedule import solve_schedule


class Stop(Exception):
    """What a cancelled job's progress report raises."""


def _scores(n: int, seed: int = 0) -> np.ndarray:
    raw = np.random.default_rng(seed).random((n, n))
    return (raw + raw.T) / 2


def _schedule(progress: Any) -> Any:
    avail = np.random.default_rng(1).random((60, 8)) < 0.85
    return solve_schedule(
        _scores(60), slots=8, tables=12, availability=avail, seed=0, progress=progress
    )


def _pairs(progress: Any) -> Any:
    return solve_pairs(_scores(40), seed=0, progress=progress)


def _breakouts(progress: Any) -> Any:
    return solve_breakouts(
        _scores(40), [(10, 10)] * 4, rounds=3, seed=0, max_iterations=2_000, progress=progress
    )


SOLVERS: dict[str, Callable[[Any], Any]] = {
    "schedule": _schedule,
    "pairs": _pairs,
    "breakouts": _breakouts,
}


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_progress_is_monotone_in_range_and_ends_at_one(name: str) -> None:
    seen: list[tuple[float, str]] = []
    SOLVERS[name](lambda f, m: seen.append((f, m)))
    shares = [f for f, _ in seen]
    assert len(seen) >= 3
    assert all(0.0 <= f <= 1.0 for f in shares)
    assert all(a <= b for a, b in itertools.pairwise(shares))
    assert shares[-1] == 1.0
    assert shares[0] < 0.5
    assert all(isinstance(m, str) and m for _, m in seen)


def test_the_schedule_names_its_phases() -> None:
    seen: list[str] = []
    _schedule(lambda f, m: seen.append(m))
    assert any("matching slot" in m or "improving the meetings" in m for m in seen)
    assert any(m.startswith("giving everyone at least") for m in seen)
    assert seen[-1] == "done"


def test_breakout_rounds_are_named() -> None:
    seen: list[str] = []
    _breakouts(lambda f, m: seen.append(m))
    for r in (1, 2, 3):
        assert f"improving the rooms, round {r} of 3" in seen


@pytest.mark.parametrize("name", sorted(SOLVERS))
@pytest.mark.parametrize("stop_at", [1, 3])
def test_an_exception_from_progress_stops_the_solver(name: str, stop_at: int) -> None:
    calls = 0

    def report(fraction: float, message: str) -> None:
        nonlocal calls
        calls += 1
        if calls >= stop_at:
            raise Stop(message)

    with pytest.raises(Stop):
        SOLVERS[name](report)
    assert calls == stop_at  # nothing after the stop


def test_the_same_answer_with_and_without_progress() -> None:
    quiet = _schedule(None)
    heard = _schedule(lambda f, m: None)
    assert quiet.meetings == heard.meetings


def test_progress_parts_map_into_their_range_and_never_go_back() -> None:
    seen: list[tuple[float, str]] = []
    whole = Progress(lambda f, m: seen.append((round(f, 6), m)))
    first, second = whole.part(0.0, 0.4), whole.part(0.4, 1.0)
    first(0.5, "a")
    second(0.5, "b")
    first(1.0, "c")  # the first part again: stays where the second left it
    whole(-3.0, "d")
    second(2.0, "e")
    assert seen == [(0.2, "a"), (0.7, "b"), (0.7, "c"), (0.7, "d"), (1.0, "e")]
    Progress(None)(0.5, "nobody listens")  # no callback: nothing happens
