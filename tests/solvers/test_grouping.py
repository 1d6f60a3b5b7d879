"""The grouping engine: exact optima (MDGPLIB n = 10/12, brute force), hard rules, errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.instances import read_instance
from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.grouping import local_search

MDGP = Path(__file__).resolve().parents[3] / "shared" / "data" / "benchmarks" / "mdgplib"
OPTIMA = MDGP / "exact_optima_n10_n12.json"


def random_instance(
    rng: np.random.Generator, n: int, groups: int, *, max_seats: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    w = np.triu(rng.normal(size=(n, n)), 1)
    w = w + w.T
    seats = rng.integers(1, max_seats + 1, n)
    total = int(seats.sum())
    lo = np.full(groups, max(0, total // groups - max_seats - 1))
    hi = np.full(groups, total // groups + max_seats + 1)
    return w, seats, lo, hi


def value_of(w: np.ndarray, bonus: np.ndarray | None, assign: np.ndarray) -> float:
    same = np.equal.outer(assign, assign)
    total = float(np.triu(w * same, 1).sum())
    if bonus is not None:
        total += float(bonus[np.arange(len(assign)), assign].sum())
    return total


def feasible(assign, seats, lo, hi, fixed=None, conflict=None) -> bool:  # type: ignore[no-untyped-def]
    size = np.bincount(assign, weights=seats, minlength=len(lo))
    if np.any(size < lo) or np.any(size > hi):
        return False
    if fixed is not None and np.any((fixed >= 0) & (fixed != assign)):
        return False
    return not (conflict is not None and np.any(conflict & np.equal.outer(assign, assign)))


def brute_force(w, seats, lo, hi, bonus=None, fixed=None, conflict=None) -> float:  # type: ignore[no-untyped-def]
    best = -np.inf
    for combo in itertools.product(range(len(lo)), repeat=len(seats)):
        assign = np.array(combo)
        if feasible(assign, seats, lo, hi, fixed, conflict):
            best = max(best, value_of(w, bonus, assign))
    return best


# --- exact optima ---------------------------------------------------------------------------


@pytest.mark.skipif(not OPTIMA.is_file(), reason=f"MDGPLIB instances not found at {MDGP}")
def test_mdgplib_n10_n12_reach_the_exact_optimum() -> None:
    optima = json.loads(OPTIMA.read_text())
    missed = {}
    for name, optimum in optima.items():
        inst = read_instance(MDGP / name.split("_")[0] / f"{name}.txt")
        assign, value = local_search(inst.weights, inst.seats, inst.lo, inst.hi)
        assert feasible(assign, inst.seats, inst.lo, inst.hi)
        if abs(value - optimum) > 1e-6 * max(1.0, abs(optimum)):
            missed[name] = (value, optimum)
    assert not missed


@pytest.mark.parametrize("seed", range(12))
def test_brute_force_with_seats_pins_conflicts_and_bonus(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, groups = int(rng.integers(5, 8)), int(rng.integers(2, 4))
    w, seats, lo, hi = random_instance(rng, n, groups, max_seats=2)
    bonus = rng.normal(size=(n, groups)) if seed % 2 else None
    fixed = np.full(n, -1)
    fixed[0] = 0
    if seed % 3 == 0:
        fixed[1] = groups - 1
    conflict = np.zeros((n, n), dtype=bool)
    for i, j in itertools.combinations(range(n), 2):
        if rng.random() < 0.15:
            conflict[i, j] = conflict[j, i] = True
    best = brute_force(w, seats, lo, hi, bonus, fixed, conflict)
    if best == -np.inf:
        with pytest.raises(InfeasibleError):
            local_search(w, seats, lo, hi, bonus=bonus, fixed=fixed, conflict=conflict)
        return
    try:
        assign, value = local_search(w, seats, lo, hi, bonus=bonus, fixed=fixed, conflict=conflict)
    except InfeasibleError:  # the greedy start may fail where a solution exists; say so
        pytest.skip("no start was constructed for a feasible tiny instance")
    assert feasible(assign, seats, lo, hi, fixed, conflict)
    assert value == pytest.approx(best, abs=1e-9)


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 30), st.integers(2, 5))
def test_rules_kept_and_objective_recomputed(seed: int, n: int, groups: int) -> None:
    rng = np.random.default_rng(seed)
    w, seats, lo, hi = random_instance(rng, n, groups, max_seats=3)
    bonus = rng.normal(size=(n, groups))
    fixed = np.where(rng.random(n) < 0.1, rng.integers(0, groups, n), -1)
    conflict = np.triu(rng.random((n, n)) < 0.05, 1)
    conflict = conflict | conflict.T
    conflict[np.ix_(fixed >= 0, fixed >= 0)] &= ~np.equal.outer(fixed, fixed)[
        np.ix_(fixed >= 0, fixed >= 0)
    ]
    outcome: tuple[np.ndarray, float] | InfeasibleError
    try:
        outcome = local_search(
            w, seats, lo, hi, bonus=bonus, fixed=fixed, conflict=conflict, max_iterations=300
        )
    except InfeasibleError as exc:  # a rule no start can meet is named
        outcome = exc
    if isinstance(outcome, InfeasibleError):
        assert outcome.rule in {"size", "conflict"}
        return
    assign, value = outcome
    assert feasible(assign, seats, lo, hi, fixed, conflict)
    assert value == pytest.approx(value_of(w, bonus, assign), rel=1e-9, abs=1e-9)


def test_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(5)
    w, seats, lo, hi = random_instance(rng, 40, 4, max_seats=2)
    first = local_search(w, seats, lo, hi, seed=3, max_iterations=2_000)
    again = local_search(w, seats, lo, hi, seed=3, max_iterations=2_000)
    np.testing.assert_array_equal(first[0], again[0])
    assert first[1] == again[1]


def test_initial_solution_is_improved_not_worsened() -> None:
    rng = np.random.default_rng(8)
    w, seats, lo, hi = random_instance(rng, 30, 3)
    start = np.arange(30) % 3
    _, value = local_search(w, seats, lo, hi, initial=start, max_iterations=500)
    assert value >= value_of(w, None, start) - 1e-9


def test_time_limit_is_kept() -> None:
    import time

    rng = np.random.default_rng(2)
    w, seats, lo, hi = random_instance(rng, 60, 6)
    t0 = time.perf_counter()
    local_search(w, seats, lo, hi, time_limit=0.3)
    assert time.perf_counter() - t0 < 1.5


def test_all_fixed_returns_the_pins() -> None:
    w = np.ones((4, 4)) - np.eye(4)
    assign, value = local_search(w, np.ones(4), [2, 2], [2, 2], fixed=[0, 1, 0, 1])
    np.testing.assert_array_equal(assign, [0, 1, 0, 1])
    assert value == 2.0


# --- errors ---------------------------------------------------------------------------------


def test_no_room_without_a_conflict() -> None:
    w = np.zeros((3, 3))
    conflict = ~np.eye(3, dtype=bool)
    with pytest.raises(InfeasibleError, match=r"no room has space for node .* keep-apart") as exc:
        local_search(w, np.ones(3), [0, 0], [3, 3], conflict=conflict)
    assert exc.value.rule == "conflict"


def test_too_many_seats() -> None:
    with pytest.raises(InfeasibleError, match="more than the 4 the rooms' upper bounds"):
        local_search(np.zeros((3, 3)), [2, 2, 1], [0, 0], [2, 2])


def test_too_few_seats() -> None:
    with pytest.raises(InfeasibleError, match="fewer than the 6"):
        local_search(np.zeros((3, 3)), [1, 1, 1], [3, 3], [4, 4])


def test_pinned_nodes_overflow_their_room() -> None:
    with pytest.raises(InfeasibleError, match="fixed to room 0 need 3 seats") as exc:
        local_search(np.zeros((3, 3)), [1, 1, 1], [0, 0], [2, 3], fixed=[0, 0, 0])
    assert exc.value.rule == "size"


def test_pinned_nodes_kept_apart() -> None:
    conflict = np.zeros((3, 3), dtype=bool)
    conflict[0, 1] = conflict[1, 0] = True
    with pytest.raises(InfeasibleError, match="both fixed to room 0 but are kept apart"):
        local_search(
            np.zeros((3, 3)), [1, 1, 1], [0, 0], [3, 3], fixed=[0, 0, -1], conflict=conflict
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": np.zeros((2, 3))}, r"weights must be a square matrix; got shape \(2, 3\)"),
        ({"weights": np.array([[0, 1], [2, 0]])}, r"weights must be symmetric"),
        ({"weights": np.array([[0, np.nan], [np.nan, 0]])}, "weights must be finite"),
        ({"seats": [1, 0]}, r"seats must be >= 1; seats\[1\] = 0"),
        ({"seats": [1.5, 1]}, "seats must hold integers"),
        ({"lo": [2, 0], "hi": [1, 2]}, "room 0 has lo 2 > hi 1"),
        ({"bonus": np.zeros((2, 3))}, r"bonus must have shape \(2, 2\)"),
        ({"fixed": [0, 5]}, r"fixed\[1\] = 5"),
        ({"conflict": np.ones((2, 2))}, "conflict must be a boolean matrix"),
        ({"initial": [0, 0]}, "initial must be a feasible assignment; room 0 holds 2 seats"),
        ({"time_limit": 0}, "time_limit must be > 0"),
    ],
)
def test_bad_input(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "weights": np.array([[0.0, 1.0], [1.0, 0.0]]),
        "seats": [1, 1],
        "lo": [1, 1],
        "hi": [1, 1],
    }
    args.update(kwargs)
    positional = [args.pop(k) for k in ("weights", "seats", "lo", "hi")]
    with pytest.raises(InvalidInputError, match=message):
        local_search(*positional, **args)  # type: ignore[arg-type]


def test_kernels_compile_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where numba finds no folder to cache in (read-only checkout and home), the kernels are
    compiled in the process instead of failing at import."""
    import numba.core.caching

    from matchmaker.solvers.grouping import cached_jit

    monkeypatch.setattr(numba.core.caching.CacheImpl, "_locator_classes", [])

    def add_one(x: int) -> int:
        return x + 1

    assert cached_jit(add_one)(2) == 3


def test_rooms_at_their_bounds_regroup_nodes_of_different_seats() -> None:
    # Rooms of exactly 4 seats: from {a, b, c} | {d, e, f} (2 + 1 + 1 seats each) no feasible
    # relocation or swap of equal seats leads to {a, d} | {b, c, e, f}; the answer must still
    # be that feasible optimum.
    seats = np.array([2, 1, 1, 2, 1, 1])
    w = np.zeros((6, 6))
    w[0, 3] = w[3, 0] = 10.0
    for i, j in itertools.combinations([1, 2, 4, 5], 2):
        w[i, j] = w[j, i] = 1.0
    lo = hi = np.array([4, 4])
    initial = np.array([0, 0, 0, 1, 1, 1])
    best = brute_force(w, seats, lo, hi)
    assign, value = local_search(w, seats, lo, hi, initial=initial, max_iterations=2_000)
    assert feasible(assign, seats, lo, hi)
    assert value == pytest.approx(best) == pytest.approx(16.0)


@pytest.mark.parametrize("seed", range(6))
def test_oscillating_sizes_end_feasible_with_tight_bounds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, groups = 36, 4
    w = np.triu(rng.random((n, n)), 1)
    w = w + w.T
    seats = rng.integers(1, 6, n)
    total = int(seats.sum())
    lo = np.full(groups, total // groups - 3)
    hi = np.full(groups, total // groups + 3)
    conflict = np.triu(rng.random((n, n)) < 0.03, 1)
    conflict = conflict | conflict.T
    try:
        assign, value = local_search(w, seats, lo, hi, conflict=conflict, max_iterations=3_000)
    except InfeasibleError:
        pytest.skip("no start was constructed")
    assert feasible(assign, seats, lo, hi, conflict=conflict)
    assert value == pytest.approx(value_of(w, None, assign), rel=1e-9)
