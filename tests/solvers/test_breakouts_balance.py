"""Even rooms: the most even sizes of the rooms' bounds (``even_sizes``), the solver's rooms
within them (exact cases, a brute-force oracle, properties), and what overrides them (a room's
minimum, pins, delegations, ``balance=False``)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.errors import InvalidInputError
from matchmaker.solvers.breakouts import solve_breakouts
from matchmaker.solvers.rules import even_sizes, size_spread


def sym(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.random((n, n))
    a = (a + a.T) / 2
    np.fill_diagonal(a, 0.0)
    return a


def room_seats(res: object, g: int, seats: np.ndarray | None = None) -> list[list[int]]:
    rooms = res.rooms  # type: ignore[attr-defined]
    w = np.ones(rooms.shape[1]) if seats is None else seats
    return [np.bincount(row, weights=w, minlength=g).astype(int).tolist() for row in rooms]


# --------------------------------------------------------------------------- even_sizes


def test_even_sizes_of_equal_rooms() -> None:
    lo, hi = even_sizes(60, [0] * 6, [11] * 6)
    assert lo.tolist() == [10] * 6
    assert hi.tolist() == [11] * 6
    lo, hi = even_sizes(61, [0] * 6, [11] * 6)
    assert lo.tolist() == [10] * 6
    assert hi.tolist() == [11] * 6


def test_even_sizes_keep_small_rooms_full_and_minimums() -> None:
    lo, hi = even_sizes(20, [0, 0, 0], [4, 12, 12])
    assert (lo.tolist(), hi.tolist()) == ([4, 8, 8], [4, 9, 9])
    # A minimum above the level: that room holds its minimum, the others share the rest.
    lo, hi = even_sizes(20, [10, 0, 0], [12, 12, 12])
    assert (lo.tolist(), hi.tolist()) == ([10, 5, 5], [10, 6, 6])
    # Exactly as many seats as people: every room full.
    lo, hi = even_sizes(30, [0, 0, 0], [10, 10, 10])
    assert lo.tolist() == hi.tolist() == [10, 10, 10]


def test_even_sizes_refuses_a_total_outside_the_bounds() -> None:
    with pytest.raises(ValueError, match=r"31 seats do not fit rooms of 0\.\.30"):
        even_sizes(31, [0, 0, 0], [10, 10, 10])


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 20)), min_size=1, max_size=12),
    st.integers(0, 10**6),
)
def test_even_sizes_properties(rooms: list[tuple[int, int]], draw: int) -> None:
    lo = np.array([a for a, _ in rooms])
    hi = np.array([a + max(b, 1) for a, b in rooms])
    total = int(lo.sum()) + draw % (int(hi.sum() - lo.sum()) + 1)
    a, b = even_sizes(total, lo, hi)
    assert (lo <= a).all()
    assert (a <= b).all()
    assert (b <= hi).all()
    assert (b - a <= 1).all()
    assert int(a.sum()) <= total <= int(b.sum())
    # A room holds more than another's upper size only when its minimum holds it up or the
    # other's capacity holds that one down.
    for i, j in itertools.permutations(range(lo.size), 2):
        if a[i] > b[j]:
            assert a[i] == lo[i] or b[j] == hi[j], (i, j, a, b)


# --------------------------------------------------------------------------- exact cases


def test_66_seats_for_60_people_make_six_rooms_of_10() -> None:
    # Positive affinities favour full rooms: without balance five rooms of 11 and one of 5.
    a = sym(np.random.default_rng(0), 60)
    uneven = solve_breakouts(a, [(0, 11)] * 6, seed=0, balance=False, max_iterations=2000)
    assert sorted(room_seats(uneven, 6)[0]) == [5, 11, 11, 11, 11, 11]
    even = solve_breakouts(a, [(0, 11)] * 6, seed=0, max_iterations=2000)
    assert room_seats(even, 6) == [[10] * 6]
    assert even.stats["size_bounds"] == [[[10] * 6, [11] * 6]]
    assert even.stats["balance"] is True


def test_rooms_of_different_capacities() -> None:
    a = sym(np.random.default_rng(1), 20)
    res = solve_breakouts(a, [(0, 4), (0, 12), (0, 12)], seed=0, rounds=2)
    assert room_seats(res, 3) == [[4, 8, 8], [4, 8, 8]]


def test_an_explicit_minimum_overrides_evenness() -> None:
    a = sym(np.random.default_rng(2), 20)
    res = solve_breakouts(a, [(10, 12), (0, 12), (0, 12)], seed=0)
    assert room_seats(res, 3) == [[10, 5, 5]]


def test_pins_are_floors_of_their_room() -> None:
    # Seven people pinned to room 0 in round 1: room 0 holds 7, the others share the rest.
    a = sym(np.random.default_rng(3), 21)
    pins = [(i, 0, 0) for i in range(7)]
    res = solve_breakouts(a, [(0, 10)] * 3, pins=pins, rounds=2, seed=0)
    first, second = room_seats(res, 3)
    assert first[0] == 7
    assert sorted(first[1:]) == [7, 7]
    assert second == [7, 7, 7]


def test_delegations_widen_the_sizes_only_as_far_as_needed() -> None:
    # Five delegations of 2 seats (10 seats) in 3 rooms: the even 3..4 seats a room cannot be
    # reached with even numbers, so the sizes widen by one seat: 4, 4 and 2.
    a = sym(np.random.default_rng(4), 5)
    seats = np.full(5, 2)
    res = solve_breakouts(a, [(0, 10)] * 3, seats=seats, seed=0)
    assert sorted(room_seats(res, 3, seats)[0]) == [2, 4, 4]
    lo, hi = res.stats["size_bounds"][0]
    assert (min(lo), max(hi)) == (2, 5)  # one seat wider each side than the even 3..4


def test_balance_must_be_a_bool() -> None:
    a = sym(np.random.default_rng(5), 4)
    with pytest.raises(InvalidInputError, match="balance must be True or False; got 'yes'"):
        solve_breakouts(a, [(0, 4)] * 2, balance="yes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- oracle


def _distance(used: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> int:
    return int(np.maximum(np.maximum(lo - used, used - hi), 0).max())


@pytest.mark.parametrize("seed", range(10))
def test_exact_against_brute_force_of_the_most_even_rooms(seed: int) -> None:
    """The oracle: among allocations that keep the rules, the smallest distance of the sizes
    from the most even ones (pins as floors), then the largest value."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(5, 9))
    g = int(rng.integers(2, 4))
    a = sym(rng, n)
    seats = rng.integers(1, 3, n) if seed % 3 == 0 else np.ones(n, dtype=int)
    total = int(seats.sum())
    cap = math.ceil(total / g) + 2
    lo_r = np.zeros(g, dtype=int)
    hi_r = np.full(g, cap)
    pins = [(0, 0, None)] if seed % 2 else []
    apart = [{1, 2}] if seed % 3 == 1 else []
    floor = lo_r.copy()
    for i, room, _ in pins:
        floor[room] += seats[i]
    e_lo, e_hi = even_sizes(total, floor, hi_r)
    best: tuple[int, float] = (10**9, -math.inf)
    for combo in itertools.product(range(g), repeat=n):
        rooms = np.array(combo)
        used = np.bincount(rooms, weights=seats, minlength=g).astype(int)
        if (used > hi_r).any() or any(rooms[i] != room for i, room, _ in pins):
            continue
        if any(len({rooms[i] for i in s}) < len(s) for s in apart):
            continue
        same = rooms[:, None] == rooms[None, :]
        v = float(np.triu(np.where(same, a, 0.0), 1).sum())
        d = _distance(used, e_lo, e_hi)
        if (d, -v) < (best[0], -best[1]):
            best = (d, v)
    res = solve_breakouts(a, [(0, cap)] * g, seats=seats, pins=pins, apart=apart, seed=0)
    used = np.bincount(res.rooms[0], weights=seats, minlength=g).astype(int)
    assert _distance(used, e_lo, e_hi) == best[0]
    assert res.objective == pytest.approx(best[1], abs=1e-7)
    assert res.status == "optimal"


# --------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(13, 70),
    caps=st.lists(st.integers(1, 30), min_size=2, max_size=8),
    rounds=st.integers(1, 2),
    seed=st.integers(0, 1000),
)
def test_rooms_are_within_one_of_even_when_capacities_allow(
    n: int, caps: list[int], rounds: int, seed: int
) -> None:
    hi = np.array(caps)
    if hi.sum() < n:
        hi = hi + math.ceil((n - hi.sum()) / hi.size)
    a = sym(np.random.default_rng(seed), n)
    res = solve_breakouts(
        a, [(0, int(c)) for c in hi], rounds=rounds, seed=seed, max_iterations=300
    )
    zeros = np.zeros(hi.size, dtype=int)
    for used in room_seats(res, hi.size):
        assert sum(used) == n
        assert size_spread(used, zeros, hi) == 0, used
        # Rooms below capacity differ by at most one person.
        open_ = [u for u, c in zip(used, hi.tolist(), strict=True) if u < c]
        if len(open_) > 1:
            assert max(open_) - min(open_) <= 1, used


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(10, 40),
    g=st.integers(2, 6),
    minimum=st.integers(1, 8),
    seed=st.integers(0, 1000),
)
def test_an_organisers_minimum_is_kept_and_the_rest_is_even(
    n: int, g: int, minimum: int, seed: int
) -> None:
    cap = math.ceil(n / g) + 4
    lo = np.array([min(minimum, cap)] + [0] * (g - 1))
    if lo.sum() > n:
        return
    hi = np.full(g, cap)
    a = sym(np.random.default_rng(seed), n)
    res = solve_breakouts(a, list(zip(lo.tolist(), hi.tolist(), strict=True)), seed=seed)
    used = room_seats(res, g)[0]
    assert used[0] >= lo[0]
    assert size_spread(used, lo, hi) == 0, used


# --------------------------------------------------------------------------- from an event


def test_an_event_with_seats_to_spare_gets_even_rooms() -> None:
    """The Leuven workshop: 32 people in 3 rooms of 12 seats give rooms of 11, 11 and 10 in
    every round (not 12, 12 and 8); a room's minimum of 12 holds that room full."""
    from matchmaker.demo import DATA as DEMO_DATA
    from matchmaker.io import read_event
    from matchmaker.plan.breakouts import plan_breakouts

    event = read_event(DEMO_DATA / "leuven-2018" / "event.json")
    assert [r.capacity for r in event.rooms] == [12, 12, 12]
    assert len(event.participants) == 32
    plan = plan_breakouts(event, seed=0)
    for rooms in plan.assignment.values():
        assert sorted(len(people) for people in rooms.values()) == [10, 11, 11]
    first = event.rooms[0].model_copy(update={"min_size": 12})
    fuller = event.model_copy(update={"rooms": [first, *event.rooms[1:]]})
    plan = plan_breakouts(fuller, seed=0)
    for rooms in plan.assignment.values():
        assert len(rooms[first.id]) == 12
        assert sorted(len(people) for people in rooms.values()) == [10, 10, 12]
