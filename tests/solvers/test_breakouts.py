"""Breakout rooms: exact against brute force, hard rules as properties, rounds and repeats,
soft rules, every feasibility error, and the Leuven 2018 workshop."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.breakouts import EXACT_LIMIT, BreakoutsResult, solve_breakouts

LEUVEN = DEMO_DATA / "leuven-2018" / "event.json"


def sym(rng: np.random.Generator, n: int, *, negative: bool = False) -> np.ndarray:
    a = rng.random((n, n)) - (0.5 if negative else 0.0)
    a = (a + a.T) / 2
    np.fill_diagonal(a, 0.0)
    return a


def value(matrix: np.ndarray, rooms: np.ndarray) -> float:
    """Sum of ``matrix`` over the pairs that share a room (one round)."""
    same = rooms[:, None] == rooms[None, :]
    return float(np.triu(np.where(same, matrix, 0.0), 1).sum())


def brute_force(
    matrix: np.ndarray,
    sizes: list[tuple[int, int]],
    *,
    seats: np.ndarray | None = None,
    fit: np.ndarray | None = None,
    pins: list[tuple[int, int, Any]] = (),  # type: ignore[assignment]
    apart: list[set[int]] = (),  # type: ignore[assignment]
    together: list[set[int]] = (),  # type: ignore[assignment]
) -> float:
    n, g = len(matrix), len(sizes)
    seats = np.ones(n, dtype=int) if seats is None else seats
    best = -math.inf
    for combo in itertools.product(range(g), repeat=n):
        rooms = np.array(combo)
        used = np.bincount(rooms, weights=seats, minlength=g)
        if any(not lo <= u <= hi for u, (lo, hi) in zip(used, sizes, strict=True)):
            continue
        if any(rooms[i] != room for i, room, _ in pins):
            continue
        if any(len({rooms[i] for i in s}) < len(s) for s in apart):
            continue
        if any(len({rooms[i] for i in s}) > 1 for s in together):
            continue
        v = value(matrix, rooms) + (0.0 if fit is None else float(fit[np.arange(n), rooms].sum()))
        best = max(best, v)
    return best


def check_hard(
    res: BreakoutsResult,
    sizes: list[tuple[int, int]],
    *,
    seats: np.ndarray | None = None,
    pins: list[tuple[int, int, int | None]] = (),  # type: ignore[assignment]
    apart: list[set[int]] = (),  # type: ignore[assignment]
    together: list[set[int]] = (),  # type: ignore[assignment]
) -> None:
    rounds, n = res.rooms.shape
    seats = np.ones(n, dtype=int) if seats is None else seats
    for r in range(rounds):
        row = res.rooms[r]
        used = np.bincount(row, weights=seats, minlength=len(sizes))
        for g, (lo, hi) in enumerate(sizes):
            assert lo <= used[g] <= hi, (r, g, used[g])
        for i, room, rnd in pins:
            if rnd is None or rnd == r:
                assert row[i] == room
        for s in apart:
            assert len({int(row[i]) for i in s}) == len(s)
        for s in together:
            assert len({int(row[i]) for i in s}) == 1


# --------------------------------------------------------------------------- exact


def test_hand_computed_mdgp_objective() -> None:
    # Two pairs of close friends: affinity keeps them together, diversity splits them.
    a = np.array(
        [[0, 0.9, 0.1, 0.2], [0.9, 0, 0.3, 0.1], [0.1, 0.3, 0, 0.8], [0.2, 0.1, 0.8, 0]],
    )
    res = solve_breakouts(a, [(2, 2), (2, 2)], seed=0)
    assert res.rooms[0, 0] == res.rooms[0, 1]
    assert res.rooms[0, 2] == res.rooms[0, 3]
    assert res.objective == pytest.approx(0.9 + 0.8)
    assert res.status == "optimal"
    assert res.upper_bound == res.objective
    assert res.gap == 0
    assert res.stats["method"] == "exact"
    div = solve_breakouts(a, [(2, 2), (2, 2)], mode="diversity", seed=0)
    # {0, 2} with {1, 3}: (1 - 0.1) + (1 - 0.1) = 1.8; {0, 3} with {1, 2}: 0.8 + 0.7 = 1.5.
    assert div.objective == pytest.approx(1.8)
    assert div.rooms[0, 0] == div.rooms[0, 2]
    assert div.rooms[0, 1] == div.rooms[0, 3]


@pytest.mark.parametrize("seed", range(12))
def test_exact_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 9))
    g = int(rng.integers(2, 4))
    a = sym(rng, n, negative=bool(seed % 2))
    seats = rng.integers(1, 3, n) if seed % 3 == 0 else np.ones(n, dtype=int)
    total = int(seats.sum())
    hi = math.ceil(total / g) + 1
    sizes = [(1, hi)] * g
    fit = rng.random((n, g)) if seed % 4 == 1 else None
    pins = [(0, 0, None)] if seed % 2 else []
    apart = [{1, 2}] if seed % 3 == 1 else []
    together = [{3, 4}] if seed % 4 == 2 else []
    mode = "diversity" if seed % 5 == 0 else "affinity"
    matrix = a if mode == "affinity" else 1 - a
    res = solve_breakouts(
        a,
        sizes,
        seats=seats,
        fit=fit,
        pins=pins,
        apart=apart,
        together=together,
        mode=mode,
        balance=False,
    )
    best = brute_force(
        matrix, sizes, seats=seats, fit=fit, pins=pins, apart=apart, together=together
    )
    assert res.objective == pytest.approx(best, abs=1e-7)
    assert res.status == "optimal"
    assert res.gap == 0
    check_hard(res, sizes, seats=seats, pins=pins, apart=apart, together=together)


def test_local_search_is_near_the_milp_optimum() -> None:
    # Beyond EXACT_LIMIT the local search runs; on a clustered instance it finds the plant.
    rng = np.random.default_rng(5)
    n, g = 15, 3
    label = np.repeat(np.arange(g), n // g)
    a = (label[:, None] == label[None, :]) * 1.0 + 0.1 * sym(rng, n)
    np.fill_diagonal(a, 0)
    perm = rng.permutation(n)
    a = a[np.ix_(perm, perm)]
    res = solve_breakouts(a, [(5, 5)] * g, seed=0)
    assert n > EXACT_LIMIT
    assert res.stats["method"] == "local search"
    best = value(a, label[np.argsort(perm)])
    assert res.objective >= best - 1e-9
    assert res.upper_bound >= res.objective
    assert res.status == "feasible"


# --------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(14, 40),
    g=st.integers(2, 5),
    rounds=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_hard_rules_always_kept(n: int, g: int, rounds: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = sym(rng, n, negative=True)
    seats = rng.integers(1, 3, n)
    total = int(seats.sum())
    sizes = [(max(0, total // g - 3), total // g + 4)] * g
    people = rng.permutation(n)
    apart = [set(people[:g].tolist())]
    together = [set(people[g : g + 2].tolist())]
    pins = [(int(people[g + 2]), 0, None), (int(people[g + 3]), g - 1, rounds - 1)]
    res = solve_breakouts(
        a,
        sizes,
        seats=seats,
        rounds=rounds,
        pins=pins,
        apart=apart,
        together=together,
        seed=seed,
        max_iterations=300,
    )
    assert res.rooms.shape == (rounds, n)
    check_hard(res, sizes, seats=seats, pins=pins, apart=apart, together=together)
    assert res.repeats >= res.repeats_lower_bound
    assert res.upper_bound >= res.objective - 1e-9


def test_deterministic_with_a_seed() -> None:
    rng = np.random.default_rng(3)
    a = sym(rng, 40)
    kwargs: dict[str, Any] = {"rounds": 2, "seed": 7, "apart": [{0, 1, 2}], "together": [{3, 4}]}
    first = solve_breakouts(a, [(8, 12)] * 4, **kwargs)
    second = solve_breakouts(a, [(8, 12)] * 4, **kwargs)
    np.testing.assert_array_equal(first.rooms, second.rooms)
    assert first.objective == second.objective


# --------------------------------------------------------------------------- rounds


def test_repeats_meet_the_lower_bound_on_a_small_case() -> None:
    # Six people, two rooms of three, two rounds: each second-round room takes two people of
    # one first-round room, so two repeats are unavoidable, and the bound says so.
    a = sym(np.random.default_rng(0), 6)
    res = solve_breakouts(a, [(3, 3), (3, 3)], rounds=2, seed=0)
    assert res.repeats_lower_bound == 2
    assert res.repeats == 2
    assert "2 repeated encounters (at least 2 unavoidable)" in res.message


def test_rounds_avoid_repeats() -> None:
    rng = np.random.default_rng(1)
    n, g = 120, 6
    a = sym(rng, n)
    res = solve_breakouts(a, [(18, 22)] * g, rounds=3, seed=0, max_iterations=2000)
    met = np.zeros((n, n), dtype=int)
    for row in res.rooms:
        met += row[:, None] == row[None, :]
    np.fill_diagonal(met, 0)
    assert res.repeats == int(np.triu(np.maximum(met - 1, 0), 1).sum())
    # Without the penalty the same affinity brings the same people together again.
    free = solve_breakouts(
        a, [(18, 22)] * g, rounds=3, seed=0, repeat_penalty=0.0, max_iterations=2000
    )
    assert res.repeats < free.repeats / 2
    assert res.repeats >= res.repeats_lower_bound > 0


def test_together_pairs_are_forced_repeats() -> None:
    a = sym(np.random.default_rng(2), 30)
    res = solve_breakouts(a, [(10, 10)] * 3, rounds=3, together=[{0, 1}], seed=0)
    assert res.stats["forced_repeats"] == 2
    assert res.repeats_lower_bound >= 2
    assert res.repeats >= 2


# --------------------------------------------------------------------------- soft rules


def test_soft_rules_spread_countries_and_report_misses() -> None:
    rng = np.random.default_rng(4)
    n = 30
    a = sym(rng, n)
    country = np.repeat([0, 1, 2], 10)
    res = solve_breakouts(a, [(10, 10)] * 3, country=country, max_per_country=4, seed=0)
    for g in range(3):
        counts = np.bincount(country[res.rooms[0] == g], minlength=3)
        assert counts.max() <= 4
    assert res.violations == ()
    # A cap that cannot be met is reported, naming the rule, the round and the room.
    tight = solve_breakouts(a, [(10, 10)] * 3, country=country, max_per_country=2, seed=0)
    assert tight.violations
    assert all(v.startswith("country cap: round 1, room '") for v in tight.violations)


def test_type_mix_and_language_violations() -> None:
    n = 12
    a = np.zeros((n, n))
    a[:6, :6] = a[6:, 6:] = 1.0  # affinity pulls each group together
    np.fill_diagonal(a, 0)
    groups = np.repeat([0, 1], 6)
    weak = solve_breakouts(a, [(6, 6), (6, 6)], groups=groups, mix_weight=0.1, seed=0)
    assert len(weak.violations) == 2
    assert "type mix: round 1, room '0' has no participant of group" in weak.violations[0]
    mixed = solve_breakouts(a, [(6, 6), (6, 6)], groups=groups, mix_weight=5.0, seed=0)
    assert mixed.violations == ()
    language = np.zeros((n, 2), dtype=bool)
    language[:, 0] = True
    language[0] = [False, True]
    res = solve_breakouts(a, [(6, 6), (6, 6)], language=language, room_names=["A", "B"], seed=0)
    assert res.violations == (
        f"shared language: round 1, room '{'AB'[res.rooms[0, 0]]}' has no language shared "
        "by all 6 participants",
    )


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "rule", "match"),
    [
        (
            {"sizes": [(0, 4), (0, 4)]},
            "sizes",
            r"the participants take 10 seats but the rooms hold at most 8",
        ),
        (
            {"sizes": [(6, 8), (6, 8)]},
            "sizes",
            r"the rooms need at least 12 seats .* but the participants take only 10",
        ),
        (
            {"pins": [(i, "A", None) for i in range(6)]},
            "pins",
            r"^6 participants pinned to room 'A' of capacity 5$",
        ),
        (
            {"pins": [(i, 1, 1) for i in range(6)], "rounds": 2},
            "pins",
            r"^6 participants pinned to room 'B' of capacity 5 in round 2$",
        ),
        ({"apart": [{0, 1, 2}]}, "apart", r"apart\[0\] = \{0, 1, 2\} has 3 participants but"),
        ({"together": [set(range(6))]}, "together", r"take 6 seats but the largest room holds 5"),
        (
            {"together": [{0, 1}], "apart": [{1, 0}]},
            "together/apart",
            r"participants 0 and 1 must share a room \(keep-together\) and be in different",
        ),
        (
            {"together": [{0, 1}], "pins": [(0, 0, None), (1, 1, None)]},
            "together/pins",
            r"participants 0 and 1 must share a room .* pinned to rooms 'A' and 'B'",
        ),
        (
            {"pins": [(3, 0, 0), (3, 1, None)], "rounds": 2},
            "pins",
            r"participant 3 is pinned to rooms 'A' and 'B' in round 1",
        ),
        (
            {"pins": [(2, 0, None), (3, 0, None)], "apart": [{2, 3}]},
            "pins/apart",
            r"participants 2 and 3 are pinned to room 'A' but must be in different rooms",
        ),
        ({"pins": [(10, 0, None)]}, "pins", r"participant 10, out of range: indices are 0..9"),
        ({"pins": [(1, "C", None)]}, "pins", r"names room 'C', which is not one of"),
        ({"pins": [(1, 0, 3)], "rounds": 2}, "pins", r"names round 3, out of range"),
        ({"apart": [{1, 12}]}, "apart", r"apart\[0\] names participant 12, out of range"),
        ({"together": [{-1, 2}]}, "together", r"together\[0\] names participant -1"),
    ],
)
def test_infeasible_before_searching(kwargs: dict[str, Any], rule: str, match: str) -> None:
    a = sym(np.random.default_rng(0), 10)
    kwargs = {"sizes": [(0, 5), (0, 5)], "room_names": ["A", "B"], **kwargs}
    with pytest.raises(InfeasibleError, match=match) as err:
        solve_breakouts(a, **kwargs)
    assert err.value.rule == rule


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "similar"}, r"mode 'similar' must be in \['affinity', 'diversity'\]"),
        ({"affinity": np.ones((3, 4))}, r"affinity must be a square"),
        ({"affinity": np.array([[0, 1], [2, 0.0]])}, r"affinity must be symmetric"),
        ({"affinity": np.array([[0, np.inf], [np.inf, 0]])}, r"affinity must be finite"),
        ({"sizes": [(3, 2)]}, r"sizes\[0\] = \(3, 2\) must satisfy"),
        ({"sizes": []}, r"sizes must list at least one room"),
        ({"rounds": 0}, r"rounds must be an integer >= 1"),
        ({"fit": np.ones((2, 3))}, r"fit must be a finite array of shape \(2, 1\)"),
        ({"country": [0, 1]}, r"country and max_per_country go together"),
        ({"room_names": ["A", "B"]}, r"room_names must give 1 distinct names"),
        ({"repeat_penalty": -1.0}, r"repeat_penalty must be a finite number >= 0"),
        ({"initial": [0, 3]}, r"initial must hold room indices 0..0"),
    ],
)
def test_invalid_input(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"affinity": np.array([[0, 1.0], [1.0, 0]]), "sizes": [(0, 2)]}
    with pytest.raises(InvalidInputError, match=match):
        solve_breakouts(**{**args, **kwargs})


# --------------------------------------------------------------------------- Leuven 2018


def test_leuven_workshop() -> None:
    """32 participants of 20 organisations in the three working groups, over two rounds.

    Colleagues are spread: an organisation of ``k`` people cannot be fully apart with 3 rooms
    when ``k > 3``, so its people are cut into keep-apart sets of at most 3 (in order); each
    set has one member per room, so no room holds more than ``ceil(k / 3)`` of them.
    """
    from matchmaker.io import read_event
    from matchmaker.plan.meetings import event_matrices

    event = read_event(LEUVEN)
    scores = event_matrices(event).scores
    affinity = np.where(np.isfinite(scores), scores, 0.0)
    g = len(event.rooms)
    sizes = [(r.min_size, r.capacity) for r in event.rooms]
    names = [r.id for r in event.rooms]
    by_org: dict[str, list[int]] = {}
    for i, p in enumerate(event.participants):
        by_org.setdefault(p.organisation, []).append(i)
    apart = [set(m[k : k + g]) for m in by_org.values() for k in range(0, len(m), g)]
    apart = [s for s in apart if len(s) > 1]
    orgs = {o.id: o for o in event.organisations}
    types = sorted({o.type for o in event.organisations})
    groups = np.array([types.index(orgs[p.organisation].type) for p in event.participants])
    codes = sorted({c for o in event.organisations for c in o.languages})
    language = np.array(
        [[c in orgs[p.organisation].languages for c in codes] for p in event.participants]
    )
    res = solve_breakouts(
        affinity,
        sizes,
        rounds=len(event.rounds),
        apart=apart,
        groups=groups,
        language=language,
        room_names=names,
        seed=1,
    )
    n = len(event.participants)
    assert (n, g, res.rooms.shape) == (32, 3, (2, 32))
    check_hard(res, sizes, apart=apart)
    for members in by_org.values():
        for row in res.rooms:
            assert np.bincount(row[members], minlength=g).max() <= math.ceil(len(members) / g)
    # Rooms of about 11 over 3 rooms: each second-round room holds at least 4 people of one
    # first-round room, so at least 42 repeats; the search stays close to that.
    assert res.repeats_lower_bound == 42
    assert 42 <= res.repeats <= 60
    assert res.message.startswith(
        f"32 participants in 3 rooms over 2 rounds; {res.repeats} repeated encounters"
    )
    assert "every hard rule kept" in res.message
    assert len(res.stats["per_room"]) == 6
    assert sum(d["participants"] for d in res.stats["per_room"]) == 64


def test_contracted_weights_stay_symmetric() -> None:
    # Regression: sums over keep-together nodes in another order differ in the last bit, and
    # the engine rejects weights that are not exactly symmetric.
    rng = np.random.default_rng(8)
    n = 200
    a = sym(rng, n).astype(np.float32)
    together = [{2 * t, 2 * t + 1} for t in range(20)]
    res = solve_breakouts(a, [(18, 22)] * 10, together=together, seed=0, max_iterations=50)
    check_hard(res, [(18, 22)] * 10, together=together)
