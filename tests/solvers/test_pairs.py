"""Partner pairs: exact against networkx and brute force, properties, candidate graph, errors."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.pairs import solve_pairs
from matchmaker.solvers.result import PairsResult, relative_gap

Pair = tuple[int, int]


def random_scores(
    rng: np.random.Generator,
    n: int,
    *,
    density: float = 1.0,
    negative: float = 0.0,
    integer: bool = False,
) -> np.ndarray:
    """Symmetric scores: a ``density`` share of pairs may meet, a ``negative`` share scores < 0."""
    s = rng.integers(-5, 20, (n, n)).astype(float) if integer else rng.random((n, n))
    s = np.triu(s, 1)
    s[np.triu(rng.random((n, n)) < negative, 1)] *= -1
    s[np.triu(rng.random((n, n)) >= density, 1)] = -np.inf
    s = s + s.T
    np.fill_diagonal(s, 0.0)
    return s


def random_forbidden(rng: np.random.Generator, n: int, share: float) -> list[Pair]:
    return [(i, j) for i, j in itertools.combinations(range(n), 2) if rng.random() < share]


def usable(s: np.ndarray, forbidden: list[Pair], sides: np.ndarray | None = None) -> np.ndarray:
    """The scores with every pair that cannot or should not meet at -inf."""
    w = s.copy()
    for i, j in forbidden:
        w[i, j] = w[j, i] = -np.inf
    if sides is not None:
        w[np.equal.outer(sides, sides)] = -np.inf
    np.fill_diagonal(w, -np.inf)
    return w


def nx_optimum(w: np.ndarray) -> float:
    g = nx.Graph()
    g.add_nodes_from(range(len(w)))
    for i, j in zip(*np.nonzero(np.triu(w > 0, 1)), strict=True):
        g.add_edge(int(i), int(j), weight=float(w[i, j]))
    return float(sum(w[i, j] for i, j in nx.max_weight_matching(g)))


def matchings(nodes: list[int], w: np.ndarray) -> Iterator[float]:
    """Value of every matching of ``nodes`` on pairs with a finite score."""
    if len(nodes) < 2:
        yield 0.0
        return
    first, rest = nodes[0], nodes[1:]
    yield from matchings(rest, w)
    for k, j in enumerate(rest):
        if w[first, j] > -np.inf:
            for v in matchings(rest[:k] + rest[k + 1 :], w):
                yield w[first, j] + v


def brute_force(w: np.ndarray) -> float:
    return max(matchings(list(range(len(w))), w))


def brute_force_b(w: np.ndarray, caps: np.ndarray) -> float:
    """Best b-matching by enumerating every set of pairs with a finite score."""
    edges = [(i, j) for i, j in itertools.combinations(range(len(w)), 2) if w[i, j] > -np.inf]
    best = 0.0
    for mask in range(1 << len(edges)):
        chosen = [e for k, e in enumerate(edges) if mask >> k & 1]
        deg = np.bincount(np.array(chosen, dtype=int).ravel(), minlength=len(w))
        if (deg <= caps).all():
            best = max(best, sum(w[i, j] for i, j in chosen))
    return best


def check_result(
    res: object,
    s: np.ndarray,
    *,
    caps: np.ndarray,
    forbidden: Sequence[Pair] = (),
    sides: np.ndarray | None = None,
    required: Sequence[Pair] = (),
) -> None:
    assert isinstance(res, PairsResult)
    pairs = list(res.pairs)
    assert pairs == sorted(set(pairs))
    assert all(i < j for i, j in pairs)
    deg = np.bincount(np.array(pairs, dtype=int).ravel(), minlength=len(s))
    assert (deg <= caps).all()
    bad = {(min(p), max(p)) for p in forbidden}
    assert not bad & set(pairs)
    assert all(s[i, j] > -np.inf for i, j in pairs)
    assert {(min(p), max(p)) for p in required} <= set(pairs)
    if sides is not None:
        assert all(sides[i] != sides[j] for i, j in pairs)
    assert res.objective == pytest.approx(sum(s[i, j] for i, j in pairs), rel=1e-12, abs=1e-12)
    assert res.upper_bound >= res.objective
    assert res.gap == relative_gap(res.objective, res.upper_bound)


# --------------------------------------------------------------------------- exact oracles


def test_small_example() -> None:
    s = np.array([[0, 5, 1, 0], [5, 0, 4, 1], [1, 4, 0, 6], [0, 1, 6, 0]], float)
    res = solve_pairs(s)
    assert res.pairs == ((0, 1), (2, 3))
    assert res.objective == 11
    assert res.status == "optimal"
    assert res.gap == 0
    assert res.upper_bound == res.objective
    assert res.stats["method"] == "blossom"
    assert res.message.startswith("matched 4 of 4 participants in 2 pairs; total score 11")


@pytest.mark.parametrize("seed", range(200))
def test_blossom_equals_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    s = random_scores(
        rng, n, density=rng.uniform(0.1, 1), negative=rng.uniform(0, 0.5), integer=seed % 3 == 0
    )
    forbidden = random_forbidden(rng, n, rng.uniform(0, 0.3))
    res = solve_pairs(s, forbidden=forbidden)
    check_result(res, s, caps=np.ones(n, int), forbidden=forbidden)
    assert res.objective == pytest.approx(nx_optimum(usable(s, forbidden)), rel=1e-9, abs=1e-12)
    assert res.status == "optimal"


@pytest.mark.parametrize("seed", range(4))
def test_blossom_equals_networkx_large(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n = [120, 160, 200, 200][seed]
    s = random_scores(rng, n, density=[1.0, 0.3, 0.1, 0.5][seed], negative=0.2)
    res = solve_pairs(s)
    assert res.objective == pytest.approx(nx_optimum(usable(s, [])), rel=1e-9)


@pytest.mark.parametrize("seed", range(60))
def test_blossom_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 11))
    s = random_scores(rng, n, density=rng.uniform(0.3, 1), negative=rng.uniform(0, 0.6))
    res = solve_pairs(s)
    assert res.objective == pytest.approx(brute_force(np.where(s > 0, s, -np.inf)), abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_assignment_equals_brute_force_and_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 11)) if seed < 40 else int(rng.integers(20, 80))
    s = random_scores(rng, n, density=rng.uniform(0.3, 1), negative=rng.uniform(0, 0.5))
    sides = rng.integers(0, 2, n)
    forbidden = random_forbidden(rng, n, 0.1)
    res = solve_pairs(s, sides=sides, forbidden=forbidden)
    assert res.stats["method"] == "assignment"
    check_result(res, s, caps=np.ones(n, int), forbidden=forbidden, sides=sides)
    w = usable(s, forbidden, sides)
    assert res.objective == pytest.approx(nx_optimum(w), rel=1e-9, abs=1e-12)
    if n <= 10:
        assert res.objective == pytest.approx(brute_force(np.where(w > 0, w, -np.inf)), abs=1e-12)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("two_sides", [False, True])
def test_b_matching_equals_brute_force(seed: int, two_sides: bool) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    s = random_scores(rng, n, density=rng.uniform(0.5, 1), negative=rng.uniform(0, 0.4))
    caps = rng.integers(0, 4, n)
    caps[0] = 2  # at least one capacity above 1: a b-matching
    sides = rng.integers(0, 2, n) if two_sides else None
    res = solve_pairs(s, capacities=caps, sides=sides)
    assert res.stats["method"] == ("bipartite-lp" if two_sides else "milp")
    assert res.status == "optimal"
    check_result(res, s, caps=caps, sides=sides)
    w = usable(s, [], sides)
    assert res.objective == pytest.approx(brute_force_b(np.where(w > 0, w, -np.inf), caps))


def test_b_matching_odd_cycle_needs_integrality() -> None:
    # A triangle with capacity 1 each: the LP takes every edge at 1/2, the integer optimum one.
    s = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float)
    caps = np.array([1, 1, 2])
    res = solve_pairs(s, capacities=caps)
    assert res.objective == 2
    assert res.stats["method"] == "milp"


def test_capacity_one_everywhere_given_as_int() -> None:
    rng = np.random.default_rng(5)
    s = random_scores(rng, 12)
    assert solve_pairs(s, capacities=1).pairs == solve_pairs(s).pairs


def test_capacity_zero_leaves_a_participant_out() -> None:
    s = np.full((4, 4), 1.0)
    res = solve_pairs(s, capacities=[0, 1, 1, 1])
    assert all(0 not in p for p in res.pairs)
    assert len(res.pairs) == 1


def test_score_at_or_below_zero_is_not_worth_meeting() -> None:
    s = np.array([[0, 0, -1], [0, 0, 2], [-1, 2, 0]], float)
    assert solve_pairs(s).pairs == ((1, 2),)
    assert solve_pairs(s, sides=[0, 1, 0]).pairs == ((1, 2),)
    assert solve_pairs(np.zeros((3, 3))).pairs == ()
    assert solve_pairs(np.zeros((3, 3)), sides=[0, 1, 1]).pairs == ()


def test_required_pairs_are_forced_and_the_rest_is_optimal() -> None:
    rng = np.random.default_rng(3)
    s = random_scores(rng, 14, negative=0.3)
    neg = tuple(int(v) for v in np.argwhere(np.triu(s < 0, 1))[0])
    res = solve_pairs(s, required=[neg])
    assert neg in res.pairs
    rest = usable(s, [])
    rest[list(neg), :] = rest[:, list(neg)] = -np.inf
    assert res.objective == pytest.approx(s[neg] + nx_optimum(rest))
    assert res.status == "optimal"


def test_empty_and_single_participant() -> None:
    for n in (0, 1):
        res = solve_pairs(np.zeros((n, n)))
        assert res.pairs == ()
        assert res.objective == 0
        assert res.status == "optimal"


def test_float32_scores_symmetric_to_their_resolution() -> None:
    rng = np.random.default_rng(0)
    s = random_scores(rng, 30).astype(np.float32)
    s[3, 5] = np.nextafter(s[3, 5], np.float32(2))
    res = solve_pairs(s)
    assert res.status == "optimal"


def test_seed_breaks_ties_and_is_deterministic() -> None:
    s = np.ones((10, 10))
    results = {solve_pairs(s, seed=k).pairs for k in range(8)}
    assert len(results) > 1
    assert solve_pairs(s, seed=4).pairs == solve_pairs(s, seed=4).pairs
    assert solve_pairs(s).pairs == solve_pairs(s).pairs
    assert all(solve_pairs(s, seed=k).objective == 5 for k in range(3))


def test_seed_with_required_and_forbidden_maps_back() -> None:
    rng = np.random.default_rng(11)
    s = random_scores(rng, 20)
    res = solve_pairs(s, required=[(2, 7)], forbidden=[(0, 1)], seed=9)
    check_result(res, s, caps=np.ones(20, int), forbidden=[(0, 1)], required=[(2, 7)])
    assert res.objective == pytest.approx(
        solve_pairs(s, required=[(2, 7)], forbidden=[(0, 1)]).objective
    )


def test_forbidden_as_boolean_mask() -> None:
    rng = np.random.default_rng(2)
    s = random_scores(rng, 16)
    pairs = random_forbidden(rng, 16, 0.4)
    mask = np.zeros((16, 16), bool)
    for i, j in pairs:
        mask[j, i] = True  # one triangle is enough
    assert solve_pairs(s, forbidden=mask).pairs == solve_pairs(s, forbidden=pairs).pairs


# --------------------------------------------------------------------------- properties


@st.composite
def instances(draw: st.DrawFn) -> dict[str, object]:
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(0, 14))
    rng = np.random.default_rng(seed)
    s = random_scores(rng, n, density=draw(st.floats(0.2, 1)), negative=draw(st.floats(0, 0.5)))
    caps = rng.integers(0, draw(st.integers(1, 3)) + 1, n)
    sides = rng.integers(0, 2, n) if draw(st.booleans()) else None
    forbidden = random_forbidden(rng, n, draw(st.floats(0, 0.3)))
    w = usable(s, forbidden, sides)
    left = caps.copy()
    required: list[Pair] = []
    for i, j in itertools.combinations(range(n), 2):
        if w[i, j] > -np.inf and left[i] and left[j] and rng.random() < 0.1:
            required.append((j, i) if rng.random() < 0.5 else (i, j))
            left[i] -= 1
            left[j] -= 1
    return {
        "scores": s,
        "capacities": caps,
        "sides": sides,
        "forbidden": forbidden,
        "required": required,
        "seed": draw(st.none() | st.integers(0, 99)),
    }


@settings(max_examples=150, deadline=None)
@given(instances())
def test_properties(inst: dict[str, object]) -> None:
    res = solve_pairs(**inst)  # type: ignore[arg-type]
    check_result(
        res,
        inst["scores"],  # type: ignore[arg-type]
        caps=inst["capacities"],  # type: ignore[arg-type]
        forbidden=inst["forbidden"],  # type: ignore[arg-type]
        sides=inst["sides"],  # type: ignore[arg-type]
        required=inst["required"],  # type: ignore[arg-type]
    )
    assert res.success
    again = solve_pairs(**inst)  # type: ignore[arg-type]
    assert again.pairs == res.pairs
    assert again.objective == res.objective


# --------------------------------------------------------------------------- candidate graph


@pytest.mark.parametrize("seed", range(12))
def test_candidate_graph_bound_and_gap(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 120))
    s = random_scores(rng, n, density=rng.uniform(0.3, 1), negative=rng.uniform(0, 0.3))
    forbidden = random_forbidden(rng, n, 0.05)
    required = [(0, 1)] if s[0, 1] > -np.inf and (0, 1) not in forbidden else []
    res = solve_pairs(s, forbidden=forbidden, required=required, candidates=2, exact_limit=10)
    assert res.stats["method"] == "blossom-candidates"
    check_result(res, s, caps=np.ones(n, int), forbidden=forbidden, required=required)
    w = usable(s, forbidden)
    if required:
        w[[0, 1], :] = w[:, [0, 1]] = -np.inf
    best = nx_optimum(w) + sum(s[p] for p in required)
    assert res.objective <= best + 1e-9
    assert res.upper_bound >= best - 1e-9
    assert res.gap == relative_gap(res.objective, res.upper_bound)
    assert res.status == ("optimal" if res.gap <= 1e-12 else "feasible")
    assert res.stats["edges"] <= 2 * n


def test_candidate_graph_close_to_optimum_with_default_candidates() -> None:
    rng = np.random.default_rng(7)
    s = random_scores(rng, 300)
    res = solve_pairs(s, exact_limit=100)
    assert res.stats["method"] == "blossom-candidates"
    best = solve_pairs(s, exact_limit=300)
    assert best.stats["method"] == "blossom"
    assert res.objective >= best.objective * (1 - 1e-3)
    assert res.gap < 1e-3
    assert "participants" in res.message


def test_candidate_graph_holding_every_pair_is_exact() -> None:
    rng = np.random.default_rng(8)
    s = random_scores(rng, 30, density=0.05)
    res = solve_pairs(s, exact_limit=5, candidates=29)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(nx_optimum(usable(s, [])))


@pytest.mark.parametrize("two_sides", [False, True])
def test_large_b_matching_on_candidates(two_sides: bool) -> None:
    rng = np.random.default_rng(4)
    n = 40
    s = random_scores(rng, n)
    sides = rng.integers(0, 2, n) if two_sides else None
    exact = solve_pairs(s, capacities=2, sides=sides)
    res = solve_pairs(s, capacities=2, sides=sides, exact_limit=10, candidates=4)
    assert res.stats["candidates"] == 4
    check_result(res, s, caps=np.full(n, 2), sides=sides)
    assert res.objective <= exact.objective + 1e-9
    assert res.upper_bound >= exact.objective - 1e-9
    assert res.gap < 0.05


def test_milp_time_limit_still_reports_a_bound() -> None:
    rng = np.random.default_rng(1)
    s = random_scores(rng, 30)
    res = solve_pairs(s, capacities=3, time_limit=1e-3)
    check_result(res, s, caps=np.full(30, 3))
    exact = solve_pairs(s, capacities=3)
    assert exact.status == "optimal"
    assert res.objective <= exact.objective + 1e-9
    assert math.isfinite(res.upper_bound)
    assert res.upper_bound >= exact.objective - 1e-9


# --------------------------------------------------------------------------- errors


S3 = np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]], float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scores": np.zeros((2, 3))}, r"scores must be a square 2-d array; got shape \(2, 3\)"),
        ({"scores": np.array([["a", "b"], ["c", "d"]])}, "scores must hold numbers"),
        ({"scores": np.array([[0, 1], [np.nan, 0]])}, r"must not contain NaN; scores\[1, 0\]"),
        ({"scores": np.array([[0, np.inf], [np.inf, 0]])}, r"\+inf \(use -inf .*scores\[0, 1\]"),
        (
            {"scores": np.array([[0, 1, 2], [1, 0, 3], [2.1, 3, 0]])},
            r"symmetric .*scores\[0, 2\] = 2\.0 but scores\[2, 0\] = 2\.1",
        ),
        (
            {"scores": np.array([[0, -np.inf], [1, 0]])},
            r"symmetric .*scores\[0, 1\] = -inf but scores\[1, 0\] = 1\.0",
        ),
        ({"capacities": [1, 1]}, r"capacities must be None, an int .* length 3; got shape \(2,\)"),
        ({"capacities": [1, 1.5, 1]}, r"capacities must be integers; got capacities\[1\] = 1\.5"),
        ({"capacities": [1, 1, -2]}, r"capacities must be >= 0; got capacities\[2\] = -2"),
        ({"capacities": -1}, r"capacities must be >= 0; got capacities\[0\] = -1"),
        ({"capacities": [True, True, False]}, r"capacities must be integers; got dtype bool"),
        ({"capacities": [1, 1, -2.0]}, r"capacities must be >= 0; got capacities\[2\] = -2\.0"),
        ({"forbidden": [(0, 5)]}, r"forbidden pair \(0, 5\) is out of range: .* 0\.\.2"),
        ({"forbidden": [(1, 1)]}, r"forbidden pair \(1, 1\) pairs participant 1 with itself"),
        ({"forbidden": [(0, 1, 2)]}, r"forbidden must be an iterable of index pairs"),
        ({"forbidden": 3}, r"forbidden must be an iterable of index pairs"),
        ({"forbidden": [(0.5, 1)]}, r"forbidden pair \(0\.5, 1\) must hold two integer indices"),
        ({"forbidden": np.zeros((2, 2), bool)}, r"boolean mask must have shape \(3, 3\)"),
        ({"sides": [0, 1]}, r"sides must be an array of 0/1 labels of length 3; got shape \(2,\)"),
        ({"sides": [0, 1, 2]}, r"sides must hold only 0 and 1; got sides\[2\] = 2"),
        ({"candidates": 0}, r"candidates must be None or an int >= 1; got 0"),
        ({"exact_limit": -1}, r"exact_limit must be an int >= 0; got -1"),
        ({"time_limit": 0}, r"time_limit must be a number of seconds > 0; got 0"),
        ({"seed": "x"}, r"seed must be None, an int or a numpy Generator; got 'x'"),
        ({"required": [(1, 2, 3)]}, r"required must be an iterable of index pairs"),
    ],
)
def test_invalid_input(kwargs: dict[str, object], match: str) -> None:
    scores = kwargs.pop("scores", S3)
    with pytest.raises(InvalidInputError, match=match):
        solve_pairs(scores, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"required": [(0, 3)]}, r"required pair \(0, 3\) is out of range: .* 0\.\.2"),
        ({"required": [(-1, 0)]}, r"required pair \(-1, 0\) is out of range"),
        ({"required": [(2, 2)]}, r"required pair \(2, 2\) repeats index 2: .* cannot meet itself"),
        ({"required": [(0, 1), (1, 0)]}, r"required pair \(1, 0\) is listed twice"),
        (
            {"required": [(0, 1)], "forbidden": [(1, 0)]},
            r"required pair \(0, 1\) is also forbidden",
        ),
        (
            {
                "required": [(0, 1)],
                "scores": np.array([[0, -np.inf, 1], [-np.inf, 0, 1], [1, 1, 0]]),
            },
            r"required pair \(0, 1\) has score -inf",
        ),
        (
            {"required": [(0, 2)], "sides": [1, 0, 1]},
            r"required pair \(0, 2\) is within side 1: pairs only meet across sides",
        ),
        (
            {"required": [(0, 1), (2, 0)], "capacities": [1, 2, 2]},
            r"participant 0 has 2 required pairs \(\(0, 1\), \(0, 2\)\) but capacity 1",
        ),
        ({"required": [(0, 1)], "capacities": [1, 0, 1]}, r"participant 1 has 1 required pairs"),
    ],
)
def test_infeasible_required(kwargs: dict[str, object], match: str) -> None:
    scores = kwargs.pop("scores", S3)
    with pytest.raises(InfeasibleError, match=match) as info:
        solve_pairs(scores, **kwargs)  # type: ignore[arg-type]
    assert info.value.rule == "required"


def test_candidate_graph_on_registry_scores() -> None:
    from matchmaker.score import make_scorer, score_matrix
    from matchmaker.synth import generate_registry
    from matchmaker.vectorise import ProfileSpace

    orgs = generate_registry(400, seed=1).organisations
    s = score_matrix(ProfileSpace().fit_transform(orgs), make_scorer())[0]
    exact = solve_pairs(s)
    res = solve_pairs(s, exact_limit=100)
    assert res.stats["method"] == "blossom-candidates"
    assert res.objective >= exact.objective * (1 - 1e-3)
    assert res.upper_bound >= exact.objective
    if res.status == "feasible":
        assert re.search(
            r"; within [\d.e+-]+ % of the best possible \(bound [\d,.]+\)$", res.message
        )
