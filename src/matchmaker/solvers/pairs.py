"""Partner pairs: who should meet whom, as a maximum-weight matching of the score matrix.

One pool of participants is a general graph (Edmonds' blossom algorithm, exact); two sides
(buyers and suppliers) are a bipartite graph (the assignment problem, exact). Capacities above 1
make a b-matching: a linear program on two sides (its constraint matrix is totally unimodular, so
the optimum is integral) and a mixed-integer program on one pool. A large dense pool is solved on
a sparse candidate graph, each participant's best ``candidates`` partners, and the answer comes
with a proven upper bound computed on the full matrix, so the gap to the optimum is known.

Every method returns a :class:`~matchmaker.solvers.result.PairsResult`; the method used is in
``stats["method"]``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import rustworkx as rx
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, linear_sum_assignment, linprog, milp

from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.progress import Progress, ProgressFn
from matchmaker.solvers.result import (
    PairsResult,
    Status,
    check_magnitude,
    milp_certificate,
    relative_gap,
)

__all__ = ["DEFAULT_CANDIDATES", "WEIGHT_BITS", "solve_pairs"]

Array = npt.NDArray[Any]
Pairs = Iterable[tuple[int, int]] | Iterable[Iterable[int]]

DEFAULT_CANDIDATES = 24
"""Partners kept per participant in the candidate graph of a large pool."""

WEIGHT_BITS = 40
"""rustworkx matches integer weights: a score ``s`` becomes ``round(s * 2**40 / max score)``.

The matching found is optimal for the rounded weights, so its float objective is within
``n / 2 * max score * 2**-41`` of the float optimum (about 1e-9 of it for ``n = 2,000``).
"""

_SYMMETRY_RTOL = 1e-9
# Float rounding leaves bounds a few ulps above an optimal objective; this is "no gap".
_GAP_TOL = 1e-12


@dataclass(frozen=True)
class _Problem:
    """A validated instance in working form.

    ``weights`` is a float64 copy of the scores with every pair that cannot meet at ``-inf``:
    the diagonal, ``-inf`` scores, forbidden pairs, pairs within one side, pairs that are
    already required, and participants whose capacity the required pairs use up.
    ``capacities`` is what is left after the required pairs.
    """

    weights: Array
    capacities: Array
    sides: Array | None
    candidates: int
    exact_limit: int
    time_limit: float

    @property
    def n(self) -> int:
        return int(self.weights.shape[0])


@dataclass
class _Solution:
    """Pairs of a method (residual problem), its proven upper bound, and its figures."""

    pairs: list[tuple[int, int]]
    upper_bound: float | None  # None: the pairs are proven optimal
    stats: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- validation


def _as_pairs(value: Pairs, name: str, n: int) -> Array:
    try:
        arr = np.asarray([tuple(p) for p in value], dtype=object)
    except TypeError:
        raise InvalidInputError(
            f"{name} must be an iterable of index pairs (i, j); got {value!r}"
        ) from None
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InvalidInputError(
            f"{name} must be an iterable of index pairs (i, j); got {arr.tolist()[:3]!r}"
        )
    out = np.zeros(arr.shape, dtype=np.int64)
    for k, (i, j) in enumerate(arr):
        if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (i, j)):
            raise InvalidInputError(f"{name} pair {(i, j)!r} must hold two integer indices")
        out[k] = (int(i), int(j))
    return out


def _scores_iv(scores: npt.ArrayLike) -> Array:
    a = np.asarray(scores)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise InvalidInputError(f"scores must be a square 2-d array; got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise InvalidInputError(f"scores must hold numbers; got dtype {a.dtype}")
    rtol = _SYMMETRY_RTOL
    if np.issubdtype(a.dtype, np.floating):
        # A float32 matrix cannot be symmetric to better than its own resolution.
        rtol = max(rtol, 16 * float(np.finfo(a.dtype).eps))
    w = a.astype(np.float64, copy=True)
    np.fill_diagonal(w, 0.0)  # the diagonal is ignored
    for bad, what in ((np.isnan(w), "NaN"), (np.isposinf(w), "+inf")):
        if bad.any():
            i, j = (int(v) for v in np.argwhere(bad)[0])
            hint = " (use -inf for pairs that must not meet)" if what == "+inf" else ""
            raise InvalidInputError(
                f"scores must not contain {what}{hint}; scores[{i}, {j}] is {what}"
            )
    check_magnitude("scores", w)
    t = w.T
    with np.errstate(invalid="ignore"):
        ok = (w == t) | (
            np.isfinite(w)
            & np.isfinite(t)
            & (np.abs(w - t) <= rtol * np.maximum(np.abs(w), np.abs(t)))
        )
    if not ok.all():
        i, j = (int(v) for v in np.argwhere(np.triu(~ok, 1))[0])
        raise InvalidInputError(
            f"scores must be symmetric (within {rtol:.3g} relative): "
            f"scores[{i}, {j}] = {a[i, j].item()!r} but scores[{j}, {i}] = {a[j, i].item()!r}"
        )
    w += t
    w *= 0.5
    np.fill_diagonal(w, -np.inf)
    return w


def _capacities_iv(capacities: int | npt.ArrayLike | None, n: int) -> Array:
    if capacities is None:
        return np.ones(n, dtype=np.int64)
    c = np.asarray(capacities)
    if c.ndim == 0:
        c = np.full(n, c.item())
    if c.shape != (n,):
        raise InvalidInputError(
            f"capacities must be None, an int or an int array of length {n}; got shape {c.shape}"
        )
    if c.dtype == np.bool_ or not np.issubdtype(c.dtype, np.number):
        raise InvalidInputError(f"capacities must be integers; got dtype {c.dtype}")
    whole = np.isfinite(c) & (c == np.round(c)) if np.issubdtype(c.dtype, np.inexact) else None
    if whole is not None and not whole.all():
        k = int(np.argmin(whole))
        raise InvalidInputError(
            f"capacities must be integers; got capacities[{k}] = {c[k].item()!r}"
        )
    if (c < 0).any():
        k = int(np.argmax(c < 0))
        raise InvalidInputError(f"capacities must be >= 0; got capacities[{k}] = {c[k].item()!r}")
    return c.astype(np.int64)


def _forbidden_iv(forbidden: Pairs | npt.ArrayLike | None, n: int) -> Array:
    mask = np.zeros((n, n), dtype=bool)
    if forbidden is None:
        return mask
    if isinstance(forbidden, np.ndarray) and forbidden.dtype == np.bool_:
        if forbidden.shape != (n, n):
            raise InvalidInputError(
                f"forbidden as a boolean mask must have shape ({n}, {n}); "
                f"got shape {forbidden.shape}"
            )
        mask |= forbidden
    else:
        for i, j in _as_pairs(forbidden, "forbidden", n).tolist():  # type: ignore[arg-type]
            if not (0 <= i < n and 0 <= j < n):
                raise InvalidInputError(
                    f"forbidden pair ({i}, {j}) is out of range: indices must be in 0..{n - 1}"
                )
            if i == j:
                raise InvalidInputError(
                    f"forbidden pair ({i}, {j}) pairs participant {i} with itself"
                )
            mask[i, j] = True
    mask |= mask.T
    np.fill_diagonal(mask, False)
    return mask


def _sides_iv(sides: npt.ArrayLike | None, n: int) -> Array | None:
    if sides is None:
        return None
    s = np.asarray(sides)
    if s.shape != (n,):
        raise InvalidInputError(
            f"sides must be an array of 0/1 labels of length {n}; got shape {s.shape}"
        )
    ok = np.isin(s, (0, 1)) if s.dtype != object else np.zeros(n, bool)
    if not ok.all():
        k = int(np.argmin(ok))
        raise InvalidInputError(f"sides must hold only 0 and 1; got sides[{k}] = {s[k].item()!r}")
    return s.astype(np.int8)


def _required_iv(
    required: Pairs | None,
    n: int,
    weights: Array,
    forbidden: Array,
    sides: Array | None,
    capacities: Array,
) -> list[tuple[int, int]]:
    if required is None:
        return []
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for i, j in _as_pairs(required, "required", n).tolist():
        pair = (i, j)
        if not (0 <= i < n and 0 <= j < n):
            raise InfeasibleError(
                f"required pair {pair} is out of range: indices must be in 0..{n - 1}",
                rule="required",
            )
        if i == j:
            raise InfeasibleError(
                f"required pair {pair} repeats index {i}: a participant cannot meet itself",
                rule="required",
            )
        key = (min(i, j), max(i, j))
        if key in seen:
            raise InfeasibleError(
                f"required pair {pair} is listed twice: a pair meets at most once",
                rule="required",
            )
        if forbidden[i, j]:
            raise InfeasibleError(
                f"required pair {pair} is also forbidden: it cannot both meet and not meet",
                rule="required",
            )
        if weights[i, j] == -np.inf:
            raise InfeasibleError(
                f"required pair {pair} has score -inf, which marks a pair that must not meet",
                rule="required",
            )
        if sides is not None and sides[i] == sides[j]:
            raise InfeasibleError(
                f"required pair {pair} is within side {int(sides[i])}: "
                "pairs only meet across sides",
                rule="required",
            )
        seen.add(key)
        out.append(key)
    counts = np.zeros(n, dtype=np.int64)
    for i, j in out:
        counts[i] += 1
        counts[j] += 1
    over = np.flatnonzero(counts > capacities)
    if over.size:
        k = int(over[0])
        mine = ", ".join(str(p) for p in out if k in p)
        raise InfeasibleError(
            f"participant {k} has {int(counts[k])} required pairs ({mine}) "
            f"but capacity {int(capacities[k])}",
            rule="required",
        )
    return sorted(out)


def _pairs_iv(
    scores: npt.ArrayLike,
    capacities: int | npt.ArrayLike | None,
    forbidden: Pairs | npt.ArrayLike | None,
    sides: npt.ArrayLike | None,
    required: Pairs | None,
    seed: int | np.random.Generator | None,
    candidates: int | None,
    exact_limit: int,
    time_limit: float,
) -> tuple[_Problem, list[tuple[int, int]], Array, Array | None]:
    """Check every input once; return the residual problem, the required pairs, the full
    (symmetrised) scores and the participant order to solve in (``None``: as given)."""
    weights = _scores_iv(scores)
    n = weights.shape[0]
    caps = _capacities_iv(capacities, n)
    mask = _forbidden_iv(forbidden, n)
    labels = _sides_iv(sides, n)
    if candidates is None:
        candidates = DEFAULT_CANDIDATES
    if (
        isinstance(candidates, bool)
        or not isinstance(candidates, int | np.integer)
        or candidates < 1
    ):
        raise InvalidInputError(f"candidates must be None or an int >= 1; got {candidates!r}")
    if (
        isinstance(exact_limit, bool)
        or not isinstance(exact_limit, int | np.integer)
        or exact_limit < 0
    ):
        raise InvalidInputError(f"exact_limit must be an int >= 0; got {exact_limit!r}")
    if not isinstance(time_limit, int | float) or not time_limit > 0:
        raise InvalidInputError(f"time_limit must be a number of seconds > 0; got {time_limit!r}")
    order = None
    if seed is not None:
        try:
            rng = np.random.default_rng(seed)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"seed must be None, an int or a numpy Generator; got {seed!r} ({exc})"
            ) from None
        order = rng.permutation(n)
    req = _required_iv(required, n, weights, mask, labels, caps)

    full = weights.copy()
    weights[mask] = -np.inf
    if labels is not None:
        weights[np.equal.outer(labels, labels)] = -np.inf
    residual = caps.copy()
    for i, j in req:
        weights[i, j] = weights[j, i] = -np.inf
        residual[i] -= 1
        residual[j] -= 1
    spent = residual == 0
    weights[spent, :] = -np.inf
    weights[:, spent] = -np.inf
    if order is not None:
        weights = weights[np.ix_(order, order)]
        residual = residual[order]
        labels = labels[order] if labels is not None else None
    problem = _Problem(
        weights=weights,
        capacities=residual,
        sides=labels,
        candidates=int(candidates),
        exact_limit=int(exact_limit),
        time_limit=float(time_limit),
    )
    return problem, req, full, order


# --------------------------------------------------------------------------- building blocks


def _all_edges(w: Array) -> tuple[Array, Array]:
    """Every pair ``i < j`` worth meeting (score > 0)."""
    i, j = np.nonzero(np.triu(w > 0, 1))
    return i, j


def _candidate_edges(w: Array, k: int) -> tuple[Array, Array]:
    """Union over participants of their ``k`` best partners with a positive score.

    O(n²) time for the partial sorts, O(n·k) edges.
    """
    n = w.shape[0]
    if k >= n - 1:
        return _all_edges(w)
    top = np.argpartition(-w, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = top.ravel()
    good = w[rows, cols] > 0
    lo = np.minimum(rows[good], cols[good])
    hi = np.maximum(rows[good], cols[good])
    keys = np.unique(lo * n + hi)
    return keys // n, keys % n


def _incidence(n: int, i: Array, j: Array) -> sp.csr_array:
    m = i.size
    data = np.ones(2 * m)
    rows = np.concatenate([i, j])
    cols = np.concatenate([np.arange(m), np.arange(m)])
    return sp.csr_array((data, (rows, cols)), shape=(n, m))


def _blossom_pairs(n: int, i: Array, j: Array, w: Array) -> list[tuple[int, int]]:
    """Exact maximum-weight matching of the edges ``(i, j)`` with float weights ``w`` > 0."""
    if i.size == 0:
        return []
    # Divided by the largest weight first: 2**WEIGHT_BITS / w.max() is infinite for denormal
    # weights.
    iw = np.rint(w / float(w.max()) * 2.0**WEIGHT_BITS).astype(np.int64)
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(list(zip(i.tolist(), j.tolist(), iw.tolist(), strict=True)))
    found = rx.max_weight_matching(graph, weight_fn=int)
    return [(min(a, b), max(a, b)) for a, b in found]


def _assignment_bound(w: Array) -> float:
    """Upper bound on any matching: half the best assignment of ``max(w, 0)``.

    A matching M gives the assignment i→j, j→i on its pairs and i→i (value 0) elsewhere, of
    value 2·w(M). O(n³) worst case, far less on dense score matrices.
    """
    active = np.flatnonzero((w > 0).any(axis=1))
    if active.size == 0:
        return 0.0
    b = np.maximum(w[np.ix_(active, active)], 0.0)
    r, c = linear_sum_assignment(b, maximize=True)
    return float(b[r, c].sum()) / 2.0


def _dual_bound(w: Array, capacities: Array, y: Array) -> float:
    """Upper bound on any b-matching from degree duals ``y >= 0`` (weak LP duality).

    Every pair pays what ``y_i + y_j`` does not cover: ``Σ c_i y_i + Σ_{i<j} max(0, w_ij - y_i
    - y_j)``. Valid for any ``y >= 0``; tight when ``y`` is optimal for the LP on a graph that
    holds the optimum. O(n²).
    """
    y = np.maximum(y, 0.0)
    slack = np.maximum(w, 0.0) - y[:, None] - y[None, :]
    np.maximum(slack, 0.0, out=slack)
    return float(capacities @ y) + float(np.triu(slack, 1).sum())


def _degree_bound(w: Array, capacities: Array) -> float:
    """Upper bound on any b-matching: each participant's ``c_i`` best scores, halved.

    O(n² log n).
    """
    best = -np.sort(-np.maximum(w, 0.0), axis=1)
    keep = np.arange(w.shape[1])[None, :] < capacities[:, None]
    return float(best[keep].sum()) / 2.0


def _lp(n: int, i: Array, j: Array, w: Array, capacities: Array) -> tuple[Array, Array] | None:
    """The b-matching LP on edges ``(i, j)``: its vertex solution and the degree duals, or
    ``None`` when HiGHS did not report the LP solved (nothing is then proven by it)."""
    res = linprog(
        -w,
        A_ub=_incidence(n, i, j),
        b_ub=capacities,
        bounds=(0, 1),
        method="highs-ds",
    )
    if res.status != 0 or res.x is None:  # pragma: no cover - the LP is always feasible
        return None
    return np.asarray(res.x), -np.asarray(res.ineqlin.marginals)


def _greedy(i: Array, j: Array, w: Array, capacities: Array) -> Array:
    """Feasible b-matching: best pairs first. O(m log m)."""
    left = capacities.copy()
    take = np.zeros(i.size, dtype=bool)
    for e in np.argsort(-w, kind="stable"):
        a, b = i[e], j[e]
        if left[a] > 0 and left[b] > 0:
            take[e] = True
            left[a] -= 1
            left[b] -= 1
    return take


# --------------------------------------------------------------------------- methods


def _blossom(p: _Problem) -> _Solution:
    i, j = _all_edges(p.weights)
    pairs = _blossom_pairs(p.n, i, j, p.weights[i, j])
    return _Solution(pairs, None, {"edges": int(i.size)})


def _blossom_candidates(p: _Problem) -> _Solution:
    t0 = time.perf_counter()
    i, j = _candidate_edges(p.weights, p.candidates)
    t1 = time.perf_counter()
    pairs = _blossom_pairs(p.n, i, j, p.weights[i, j])
    t2 = time.perf_counter()
    complete = int(i.size) == int(np.count_nonzero(np.triu(p.weights > 0, 1)))
    bound = None if complete else _assignment_bound(p.weights)
    t3 = time.perf_counter()
    stats = {
        "edges": int(i.size),
        "candidates": p.candidates,
        "time_candidates": t1 - t0,
        "time_match": t2 - t1,
        "time_bound": t3 - t2,
    }
    return _Solution(pairs, bound, stats)


def _assignment(p: _Problem) -> _Solution:
    assert p.sides is not None
    rows = np.flatnonzero((p.sides == 0) & (p.capacities > 0))
    cols = np.flatnonzero((p.sides == 1) & (p.capacities > 0))
    block = p.weights[np.ix_(rows, cols)]
    r, c = linear_sum_assignment(np.maximum(block, 0.0), maximize=True)
    keep = block[r, c] > 0
    pairs = [
        (min(a, b), max(a, b))
        for a, b in zip(rows[r[keep]].tolist(), cols[c[keep]].tolist(), strict=True)
    ]
    return _Solution(pairs, None, {"edges": int(np.count_nonzero(block > 0))})


def _b_matching(p: _Problem, *, bipartite: bool) -> _Solution:
    sparse = p.n > p.exact_limit
    if sparse:
        k = max(p.candidates, 2 * int(p.capacities.max(initial=0)))
        i, j = _candidate_edges(p.weights, k)
    else:
        i, j = _all_edges(p.weights)
    w = p.weights[i, j]
    stats: dict[str, Any] = {"edges": int(i.size)}
    if sparse:
        stats["candidates"] = k
    if i.size == 0:
        return _Solution([], None, stats)
    bound: float | None = None
    if bipartite:
        # Totally unimodular: the simplex vertex of the solved LP is integral.
        lp = _lp(p.n, i, j, w, p.capacities)
        if lp is None or np.abs(lp[0] - (lp[0] > 0.5)).max() > 1e-6:  # pragma: no cover
            bipartite = False  # numerical safeguard: the MILP decides
        else:
            take = lp[0] > 0.5
            if sparse:
                bound = _dual_bound(p.weights, p.capacities, lp[1])
    if not bipartite:
        res = milp(
            -w,
            integrality=np.ones(i.size),
            bounds=(0, 1),
            constraints=LinearConstraint(_incidence(p.n, i, j), -np.inf, p.capacities),
            options={"time_limit": p.time_limit, "mip_rel_gap": 0.0},
        )
        stats["milp_status"] = str(res.message)
        proven, dual = milp_certificate(res)
        stats["milp_proven"] = proven
        take = np.asarray(res.x) > 0.5 if res.x is not None else _greedy(i, j, w, p.capacities)
        if sparse:
            # The MILP saw the candidate pairs only; the bound must hold for every pair.
            lp = _lp(p.n, i, j, w, p.capacities)
            bound = (
                _degree_bound(p.weights, p.capacities)
                if lp is None
                else _dual_bound(p.weights, p.capacities, lp[1])
            )
        elif not proven:
            # Cut short (time limit) or unsolved: HiGHS's dual bound, never its incumbent.
            bound = min(_degree_bound(p.weights, p.capacities), -dual)
    pairs = list(zip(i[take].tolist(), j[take].tolist(), strict=True))
    return _Solution(pairs, bound, stats)


def _bipartite_lp(p: _Problem) -> _Solution:
    return _b_matching(p, bipartite=True)


def _milp(p: _Problem) -> _Solution:
    return _b_matching(p, bipartite=False)


_METHODS: dict[str, Callable[[_Problem], _Solution]] = {
    "blossom": _blossom,
    "blossom-candidates": _blossom_candidates,
    "assignment": _assignment,
    "bipartite-lp": _bipartite_lp,
    "milp": _milp,
}


#: Each method in words, for the progress report.
_PHASE = {
    "blossom": "the best pairs of the whole group",
    "blossom-candidates": "the best pairs among each one's closest matches",
    "assignment": "the best pairs across the two sides",
    "bipartite-lp": "the best partners across the two sides",
    "milp": "the best partners of the whole group",
}


def _method(p: _Problem) -> str:
    single = int(p.capacities.max(initial=0)) <= 1
    if p.sides is not None:
        return "assignment" if single else "bipartite-lp"
    if not single:
        return "milp"
    return "blossom" if p.n <= p.exact_limit else "blossom-candidates"


# --------------------------------------------------------------------------- public


def _fmt(x: float) -> str:
    return f"{x:,.6g}"


def solve_pairs(
    scores: npt.ArrayLike,
    *,
    capacities: int | npt.ArrayLike | None = None,
    forbidden: Pairs | npt.ArrayLike | None = None,
    sides: npt.ArrayLike | None = None,
    required: Pairs | None = None,
    seed: int | np.random.Generator | None = None,
    candidates: int | None = None,
    exact_limit: int = 300,
    time_limit: float = 60.0,
    progress: ProgressFn | None = None,
) -> PairsResult:
    """Pair participants so that the total score of the pairs is as high as possible.

    Parameters
    ----------
    scores : array_like, shape (n, n)
        Symmetric scores, higher is better (float32 input is checked to its own resolution,
        other input to 1e-9 relative, and averaged with its transpose). ``-inf`` marks a pair
        that must not meet; the diagonal is ignored; NaN, ``+inf`` and finite values beyond
        ``±MAX_ABS_VALUE`` (1e9) are errors. A pair with
        score ``<= 0`` is not worth meeting and is never chosen unless it is required.
    capacities : int or array_like of int, shape (n,), optional
        How many partners each participant may have (>= 0); default 1. Above 1 the problem is
        a b-matching.
    forbidden : iterable of (i, j) or bool array, shape (n, n), optional
        Pairs that must never meet (order does not matter).
    sides : array_like of {0, 1}, shape (n,), optional
        Two sides (for example buyers and suppliers): pairs only meet across sides. Default:
        one pool, any two participants may meet.
    required : iterable of (i, j), optional
        Pairs that must meet; they use up capacity and count in the objective whatever their
        score.
    seed : int or numpy.random.Generator, optional
        Breaks ties among equally good pairings: the participants are solved in the order
        ``np.random.default_rng(seed).permutation(n)``. ``None`` keeps the given order. The
        result is the same for the same input and seed.
    candidates : int, optional
        Partners kept per participant in the candidate graph of a large pool (default
        ``DEFAULT_CANDIDATES``); also used for large b-matchings.
    exact_limit : int, default 300
        A pool of at most this many participants is solved exactly on the full graph; a
        larger one on the candidate graph, with a bound from the full matrix.
    time_limit : float, default 60
        Seconds allowed to the mixed-integer solver (one pool, capacities above 1).
    progress : callable, optional
        ``progress(fraction, message)``, called at the boundaries of the phases (checking
        the input, pairing, done) with the share done (0..1, never going back) and a phrase.
        An exception it raises stops the solver and goes to the caller.

    Returns
    -------
    PairsResult
        ``pairs`` sorted, each ``(i, j)`` with ``i < j``; ``objective`` the sum of their scores;
        ``upper_bound`` a proven bound on the best possible objective and ``gap`` the relative
        distance to it; ``status`` ``optimal`` (proven) or ``feasible``; ``stats`` holds ``n``,
        ``edges`` (pairs considered), ``method`` and times in seconds.

    Raises
    ------
    InvalidInputError
        An input breaks its rule; the message names the parameter and the value.
    InfeasibleError
        The required pairs cannot all meet (``rule="required"``): a pair is out of range,
        repeats an index, is listed twice, is forbidden or ``-inf``, is within one side, or a
        participant has more required pairs than its capacity.

    Notes
    -----
    Methods, chosen from the input (``stats["method"]``):

    - ``blossom``: one pool, capacity 1, ``n <= exact_limit``. Edmonds' blossom algorithm
      (``rustworkx.max_weight_matching``) on the pairs with a positive score; O(n³). Scores
      are rounded to integers, see ``WEIGHT_BITS``.
    - ``blossom-candidates``: one pool, capacity 1, ``n > exact_limit``. The blossom
      algorithm on the union of each participant's ``candidates`` best partners (O(n·k)
      edges), bounded by half the best assignment of ``max(scores, 0)`` over the full matrix
      (``scipy.optimize.linear_sum_assignment``, about 0.3 s for n = 2,000).
    - ``assignment``: two sides, capacity 1. ``linear_sum_assignment`` on the side-0 × side-1
      block; exact; O(n³).
    - ``bipartite-lp``: two sides, capacities above 1. The b-matching LP (HiGHS dual
      simplex) is totally unimodular, so its vertex optimum is integral and exact. Above
      ``exact_limit`` it runs on the candidate graph and is bounded through its duals.
    - ``milp``: one pool, capacities above 1. Binary pairs, degree <= capacity, solved by
      HiGHS (``scipy.optimize.milp``) within ``time_limit``; proven optimal only when HiGHS
      says so (status 0 with a closed gap, ``stats["milp_proven"]``), else the bound is
      HiGHS' dual bound, never its incumbent; above ``exact_limit``, on the candidate graph
      with the LP-dual bound over the full matrix.

    Required pairs are taken first; the rest is solved with the capacity they leave.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[0, 5, 1, 0], [5, 0, 4, 1], [1, 4, 0, 6], [0, 1, 6, 0]], float)
    >>> solve_pairs(s).pairs
    ((0, 1), (2, 3))
    >>> solve_pairs(s, required=[(1, 2)]).pairs
    ((1, 2),)
    """
    t0 = time.perf_counter()
    report = Progress(progress)
    report(0.0, "checking the scores and the rules")
    problem, required_pairs, full, order = _pairs_iv(
        scores, capacities, forbidden, sides, required, seed, candidates, exact_limit, time_limit
    )
    n = problem.n
    method = _method(problem)
    report(0.1, f"pairing {n:,} participants ({_PHASE[method]})")
    solution = _METHODS[method](problem)
    report(0.95, "checking how good the pairs are")

    found = solution.pairs
    if order is not None:
        found = [(int(order[a]), int(order[b])) for a, b in found]
    pairs = sorted({(min(a, b), max(a, b)) for a, b in found} | set(required_pairs))
    fixed = math.fsum(full[a, b] for a, b in required_pairs)
    objective = math.fsum(full[a, b] for a, b in pairs)
    if solution.upper_bound is None:
        upper_bound = objective
    else:
        # The bound covers the residual problem; the required pairs add their own score.
        upper_bound = max(objective, solution.upper_bound + fixed)
    gap = relative_gap(objective, upper_bound)
    status: Status = "optimal" if gap <= _GAP_TOL else "feasible"

    matched = len({k for p in pairs for k in p})
    how = (
        "optimal"
        if status == "optimal"
        else f"within {100 * gap:.2g} % of the best possible (bound {_fmt(upper_bound)})"
    )
    message = (
        f"matched {matched:,} of {n:,} participants in {len(pairs):,} pairs; "
        f"total score {_fmt(objective)}; {how}"
    )
    stats: dict[str, Any] = {
        "n": n,
        "method": method,
        "required": len(required_pairs),
        **solution.stats,
        "time_total": time.perf_counter() - t0,
    }
    result = PairsResult(
        objective=objective,
        upper_bound=upper_bound,
        gap=gap,
        status=status,
        message=message,
        stats=stats,
        pairs=tuple(pairs),
    )
    report(1.0, "done")
    return result
