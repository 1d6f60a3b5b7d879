"""Baselines the solvers are measured against, in the same run and on the same input.

- pairs: a random maximal matching, the greedy matching (edges by score, taken when both ends
  are free), and the exact maximum-weight matching of rustworkx and of networkx;
- schedules: first-fit of the candidate meetings into the first slot where both are free, in
  random order or greedily (requests first, then by score);
- grouping (breakout rooms, MDGPLIB): a random feasible allocation, greedy room filling, and a
  plain first-improvement swap local search from a random start (no tabu, no restarts).

Every baseline keeps the hard rules the solver keeps (sizes, pins, keep-apart and
keep-together sets, availability, tables), so that its figures are of a valid answer.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]

_EPS = 1e-9


# --- pairs ----------------------------------------------------------------------------------


def positive_edges(scores: Array) -> tuple[Array, Array, Array]:
    """The pairs ``i < j`` worth meeting: finite and positive score."""
    s = np.asarray(scores, dtype=np.float64)
    i, j = np.triu_indices(len(s), k=1)
    w = s[i, j]
    keep = np.isfinite(w) & (w > 0)
    return i[keep], j[keep], w[keep]


def _take_free(n: int, i: Array, j: Array, order: Array) -> list[tuple[int, int]]:
    free = np.ones(n, dtype=bool)
    left = n
    pairs: list[tuple[int, int]] = []
    for e in order.tolist():
        a, b = int(i[e]), int(j[e])
        if free[a] and free[b]:
            free[a] = free[b] = False
            pairs.append((a, b))
            left -= 2
            if left < 2:
                break
    return pairs


def greedy_matching(scores: Array) -> list[tuple[int, int]]:
    """Edges by decreasing score, each taken when both ends are still free (a 1/2-approximation
    of the maximum-weight matching)."""
    i, j, w = positive_edges(scores)
    return _take_free(len(scores), i, j, np.argsort(-w, kind="stable"))


def random_matching(scores: Array, rng: np.random.Generator) -> list[tuple[int, int]]:
    """A random maximal matching of the pairs worth meeting."""
    i, j, _ = positive_edges(scores)
    return _take_free(len(scores), i, j, rng.permutation(len(i)))


def rustworkx_matching(scores: Array) -> list[tuple[int, int]]:
    """The exact maximum-weight matching by rustworkx on the full graph of pairs worth
    meeting (integer weights, scaled as the solver scales them)."""
    import rustworkx as rx

    from matchmaker.solvers.pairs import WEIGHT_BITS

    i, j, w = positive_edges(scores)
    graph = rx.PyGraph()
    graph.add_nodes_from(range(len(scores)))
    if len(w):
        iw = np.rint(w * (2.0**WEIGHT_BITS / float(w.max()))).astype(np.int64)
        graph.add_edges_from(list(zip(i.tolist(), j.tolist(), iw.tolist(), strict=True)))
    found = rx.max_weight_matching(graph, weight_fn=int)
    return sorted((min(a, b), max(a, b)) for a, b in found)


def networkx_matching(scores: Array) -> list[tuple[int, int]]:
    """The exact maximum-weight matching by networkx (pure Python, the slow reference)."""
    import networkx as nx

    i, j, w = positive_edges(scores)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(scores)))
    graph.add_weighted_edges_from(zip(i.tolist(), j.tolist(), w.tolist(), strict=True))
    return sorted((min(a, b), max(a, b)) for a, b in nx.max_weight_matching(graph))


# --- schedules ------------------------------------------------------------------------------


def schedule_candidates(
    scores: Array, requests: Array | None, forbidden: Array | None
) -> tuple[Array, Array, Array, Array]:
    """Pairs ``a < b`` that may meet: not forbidden, finite score, and either asked for or of
    positive score; with their tier (requests satisfied, 0-2) and score."""
    s = np.asarray(scores, dtype=np.float64)
    n = len(s)
    req = np.zeros((n, n), dtype=np.int64) if requests is None else np.asarray(requests, np.int64)
    tier_m = req + req.T
    a, b = np.triu_indices(n, k=1)
    w, tier = s[a, b], tier_m[a, b]
    keep = np.isfinite(w) & ((w > 0) | (tier > 0))
    if forbidden is not None:
        keep &= ~np.asarray(forbidden, dtype=bool)[a, b]
    return a[keep], b[keep], tier[keep], w[keep]


def first_fit_schedule(
    a: Array,
    b: Array,
    order: Array,
    *,
    n: int,
    slots: int,
    tables: int | Sequence[int],
    availability: Array | None,
    max_meetings: Array | int | None,
) -> tuple[list[tuple[int, int, int]], Array]:
    """Place the candidate meetings in ``order``, each in the first slot where both are free
    and available and a table is left, within each one's maximum of meetings.

    Returns the meetings ``(slot, a, b)`` and the meetings of each participant.
    """
    avail = np.ones((n, slots), dtype=bool) if availability is None else np.asarray(availability)
    cap = np.broadcast_to(np.asarray(tables, dtype=np.int64), (slots,)).copy()
    most = np.broadcast_to(
        np.asarray(slots if max_meetings is None else max_meetings, dtype=np.int64), (n,)
    )
    open_ = avail.copy()  # available and not yet in a meeting
    counts = np.zeros(n, dtype=np.int64)
    meetings: list[tuple[int, int, int]] = []
    tables_left = int(cap.sum())
    for e in order.tolist():
        x, y = int(a[e]), int(b[e])
        if counts[x] >= most[x] or counts[y] >= most[y]:
            continue
        ok = open_[x] & open_[y] & (cap > 0)
        if not ok.any():
            continue
        s = int(np.argmax(ok))
        open_[x, s] = open_[y, s] = False
        cap[s] -= 1
        counts[x] += 1
        counts[y] += 1
        meetings.append((s, x, y))
        tables_left -= 1
        if tables_left == 0:
            break
    return meetings, counts


def schedule_value(
    meetings: Sequence[tuple[int, int, int]],
    scores: Array,
    requests: Array | None,
    tier_weight: float,
) -> float:
    """The solver's objective of a schedule: the sum of ``tier * tier_weight + score``."""
    s = np.asarray(scores, dtype=np.float64)
    req = None if requests is None else np.asarray(requests, dtype=np.int64)
    total = 0.0
    for _, x, y in meetings:
        tier = 0 if req is None else int(req[x, y] + req[y, x])
        total += tier * tier_weight + float(s[x, y])
    return total


def schedule_optimum(
    scores: Array,
    *,
    slots: int,
    tables: int | Sequence[int],
    availability: Array | None,
    max_meetings: Array | int | None,
    forbidden: Array | None,
    time_limit: float = 60.0,
    min_meetings: Array | None = None,
) -> float | None:
    """The exact best total score of a schedule without requests (HiGHS through
    ``scipy.optimize.milp``): a binary per candidate meeting and slot; each participant at
    most once a slot and within its maximum (and at least ``min_meetings``), each pair at
    most once, each slot within its tables, nobody in a slot they are not available in.
    ``None`` when not proven optimal within ``time_limit`` seconds. For small events only
    (pairs x slots binaries)."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(scores)
    i, j, _, w = schedule_candidates(scores, None, forbidden)
    e = np.repeat(np.arange(len(w)), slots)
    t = np.tile(np.arange(slots), len(w))
    a, b = i[e], j[e]
    blocks = [n * slots, len(w), slots]  # participant-slot, pair, slot rows; then participants
    rows = np.concatenate(
        [
            a * slots + t,
            b * slots + t,
            blocks[0] + e,
            sum(blocks[:2]) + t,
            sum(blocks) + a,
            sum(blocks) + b,
        ]
    )
    cols = np.tile(np.arange(len(e)), 6)
    matrix = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(sum(blocks) + n, len(e)))
    most = np.broadcast_to(np.asarray(slots if max_meetings is None else max_meetings), (n,))
    upper = np.concatenate(
        [
            np.ones(blocks[0] + blocks[1]),
            np.broadcast_to(np.asarray(tables, dtype=np.float64), (slots,)),
            most.astype(np.float64),
        ]
    )
    lower = np.full(len(upper), -np.inf)
    if min_meetings is not None:
        lower[sum(blocks) :] = np.asarray(min_meetings, dtype=np.float64)
    avail = np.ones((n, slots), dtype=bool) if availability is None else np.asarray(availability)
    result = milp(
        -np.repeat(w, slots),
        constraints=LinearConstraint(matrix, lower, upper),
        integrality=np.ones(len(e)),
        bounds=Bounds(0, (avail[a, t] & avail[b, t]).astype(np.float64)),
        options={"time_limit": time_limit},
    )
    return float(-result.fun) if result.status == 0 else None


# --- grouping -------------------------------------------------------------------------------


def grouping_value(w: Array, assign: Array, bonus: Array | None = None) -> float:
    """Sum of ``w`` over the pairs that share a room, plus each node's bonus in its room."""
    same = assign[:, None] == assign[None, :]
    np.fill_diagonal(same, False)
    value = float(np.where(same, w, 0.0).sum()) / 2
    if bonus is not None:
        value += float(bonus[np.arange(len(assign)), assign].sum())
    return value


def random_grouping(
    w: Array,
    seats: Array,
    lo: Array,
    hi: Array,
    rng: np.random.Generator,
    *,
    fixed: Array | None = None,
    conflict: Array | None = None,
) -> Array:
    """A random allocation that keeps the sizes, pins and keep-apart pairs: every free node
    into a random room with space (the grouping engine's randomised construction)."""
    from matchmaker.solvers.grouping import construct

    fx = np.full(len(seats), -1, dtype=np.int64) if fixed is None else fixed
    return construct(w, seats, lo, hi, fx, conflict, rng, randomize=True)


def greedy_grouping(
    w: Array,
    seats: Array,
    lo: Array,
    hi: Array,
    rng: np.random.Generator,
    *,
    bonus: Array | None = None,
    fixed: Array | None = None,
    conflict: Array | None = None,
    attempts: int = 20,
) -> Array:
    """Greedy room filling: pins first; then the nodes (most seats first, then most keep-apart
    partners, ties at random), each into the room where it adds most (its weight with the
    members so far plus its bonus) among the rooms with space and no keep-apart conflict, as
    long as the lower bounds stay reachable; ties go to the emptier room. A room left below
    its lower bound takes the node other rooms can spare at the least loss. A dead end (a node
    with no room) starts again in another random order, up to ``attempts`` times.

    Raises
    ------
    InfeasibleError
        When every attempt walked into a dead end.
    """
    from matchmaker.errors import InfeasibleError

    w = np.array(w, dtype=np.float64)
    np.fill_diagonal(w, 0.0)
    failure: InfeasibleError | None = None
    for _ in range(attempts):
        try:
            return _greedy_once(w, seats, lo, hi, rng, bonus, fixed, conflict)
        except InfeasibleError as exc:
            failure = exc
    assert failure is not None
    raise failure


def _greedy_once(
    w: Array,
    seats: Array,
    lo: Array,
    hi: Array,
    rng: np.random.Generator,
    bonus: Array | None,
    fixed: Array | None,
    conflict: Array | None,
) -> Array:
    from matchmaker.errors import InfeasibleError

    n, g = len(seats), len(lo)
    assign = np.full(n, -1, dtype=np.int64) if fixed is None else fixed.astype(np.int64).copy()
    gain = np.zeros((n, g)) if bonus is None else np.array(bonus, dtype=np.float64)
    size = np.zeros(g, dtype=np.int64)
    clash = np.zeros((n, g), dtype=np.int64)

    def place(i: int, room: int) -> None:
        assign[i] = room
        size[room] += seats[i]
        gain[:, room] += w[:, i]
        if conflict is not None:
            clash[:, room] += conflict[:, i]

    for i in np.flatnonzero(assign >= 0).tolist():
        place(i, int(assign[i]))
    free = np.flatnonzero(assign < 0)
    degree = np.zeros(n) if conflict is None else conflict.sum(axis=1)
    order = free[np.lexsort((rng.random(len(free)), -degree[free], -seats[free]))]
    remaining = int(seats[free].sum())
    for i in order.tolist():
        s = int(seats[i])
        remaining -= s
        open_ = (size + s <= hi) & (clash[i] == 0)
        short = np.maximum(lo - size, 0)
        after = short.sum() - np.minimum(short, s)  # seats still missing if i goes to room g
        ok = open_ & (after <= remaining)
        if not ok.any():
            ok = open_
        if not ok.any():
            raise InfeasibleError(f"greedy room filling found no room for node {i}", rule="size")
        score = np.where(ok, gain[i] - 1e-12 * size, -np.inf)
        place(i, int(np.argmax(score)))
    # Keep-apart pairs can leave a room short at the end: lift it with the node that other
    # rooms can spare at the least loss.
    movable = np.zeros(n, dtype=bool)
    movable[free] = True
    for _ in range(4 * n):
        short_rooms = np.flatnonzero(size < lo)
        if not len(short_rooms):
            return assign
        room = int(short_rooms[0])
        spare = (
            movable
            & (assign != room)
            & (size[assign] - seats >= lo[assign])
            & (size[room] + seats <= hi[room])
            & (clash[:, room] == 0)
        )
        if not spare.any():
            break
        # w has a zero diagonal: gain[k, assign[k]] is k's weight with the others there
        change = np.where(spare, gain[:, room] - gain[np.arange(n), assign], -np.inf)
        k = int(np.argmax(change))
        old = int(assign[k])
        size[old] -= seats[k]
        gain[:, old] -= w[:, k]
        if conflict is not None:
            clash[:, old] -= conflict[:, k]
        place(k, room)
    raise InfeasibleError("greedy room filling left a room below its lower bound", rule="size")


def swap_local_search(
    w: Array,
    seats: Array,
    start: Array,
    rng: np.random.Generator,
    *,
    bonus: Array | None = None,
    fixed: Array | None = None,
    conflict: Array | None = None,
    max_passes: int = 10_000,
) -> tuple[Array, int]:
    """Plain first-improvement swap local search (no tabu, no perturbation, no restart).

    Nodes are visited in a random order; for each, the first partner (in a random order fixed
    for the run) in another room whose swap raises the value is swapped with it, keeping the
    sizes (only nodes of equal seats swap), the pins and the keep-apart pairs. Stops after a
    pass over all nodes without an improving swap: a swap-local optimum.

    Returns the allocation and the number of passes. O(n) per node visited, O(n²) per pass.
    """
    a = start.astype(np.int64).copy()
    n = len(a)
    g = int(max(a.max() + 1, 0 if bonus is None else bonus.shape[1]))
    b = np.zeros((n, g)) if bonus is None else np.asarray(bonus, dtype=np.float64)
    movable = np.ones(n, dtype=bool) if fixed is None else fixed < 0
    cf = None if conflict is None else np.asarray(conflict, dtype=np.int64)
    onehot = np.zeros((n, g))
    onehot[np.arange(n), a] = 1.0
    ww = np.array(w, dtype=np.float64)
    np.fill_diagonal(ww, 0.0)
    d = ww @ onehot  # d[i, room]: weight of i with the members of room
    clash = None if cf is None else cf @ onehot.astype(np.int64)
    idx = np.arange(n)
    rank = rng.permutation(n)  # the scan order of partners
    eps = _EPS * max(1.0, float(np.abs(ww).max()))
    passes = 0
    improved = True
    while improved and passes < max_passes:
        improved = False
        passes += 1
        for i in rng.permutation(np.flatnonzero(movable)).tolist():
            gi = int(a[i])
            delta = (d[i, a] - d[i, gi] + d[:, gi] - d[idx, a] - 2 * ww[i] + b[i, a] - b[i, gi]) + (
                b[:, gi] - b[idx, a]
            )
            ok = movable & (a != gi) & (seats == seats[i]) & (delta > eps)
            if clash is not None and cf is not None:
                ok &= (clash[i, a] - cf[i] == 0) & (clash[:, gi] - cf[:, i] == 0)
            cand = np.flatnonzero(ok)
            if cand.size == 0:
                continue
            j = int(cand[np.argmin(rank[cand])])
            gj = int(a[j])
            a[i], a[j] = gj, gi
            d[:, gi] += ww[:, j] - ww[:, i]
            d[:, gj] += ww[:, i] - ww[:, j]
            if clash is not None and cf is not None:
                clash[:, gi] += cf[:, j] - cf[:, i]
                clash[:, gj] += cf[:, i] - cf[:, j]
            improved = True
    return a, passes


# --- breakout rooms over rounds -------------------------------------------------------------

GROUPING_BASELINES = ("random", "greedy", "swap_ls")


def breakout_instance(
    affinity: Array, sizes: Sequence[tuple[int, int]], kwargs: dict[str, Any]
) -> Any:
    """The solver's own validated instance of ``solve_breakouts(affinity, sizes, **kwargs)``:
    its mode matrix, soft-rule penalties, repeat penalty, pins and sets, so that the baselines
    optimise exactly what the solver optimises."""
    from matchmaker.solvers.breakouts import breakouts_instance, solve_breakouts

    bound = inspect.signature(solve_breakouts).bind(affinity, sizes, **kwargs)
    bound.apply_defaults()
    # What the instance holds; the solver's other options (its progress reports) are not.
    takes = inspect.signature(breakouts_instance).parameters
    return breakouts_instance(**{k: v for k, v in bound.arguments.items() if k in takes})


def breakout_baselines(
    affinity: Array,
    sizes: Sequence[tuple[int, int]],
    kwargs: dict[str, Any],
    seed: int,
    methods: Sequence[str] = GROUPING_BASELINES,
) -> dict[str, tuple[Array, float]]:
    """Random allocation, greedy room filling and swap local search over the rounds.

    Each method plans round after round on the solver's weights (pair value minus soft-rule
    penalties, plus the rooms' fit), charging its own earlier encounters with the solver's
    repeat penalty; keep-together sets move as one node. Returns ``{method: (rooms, seconds)}``
    with ``rooms`` rounds x n.
    """
    import scipy.sparse as sp

    from matchmaker.solvers.breakouts import contract_together

    p = breakout_instance(affinity, sizes, kwargs)
    node_of, members = contract_together(p)
    n, nn, rounds = p.n, len(members), p.rounds
    c = sp.csr_array((np.ones(n), (np.arange(n), node_of)), shape=(n, nn))
    base = p.matrix - p.soft
    seats = np.asarray(c.T @ p.seats).astype(np.int64)
    bonus = None if p.fit is None else np.asarray(c.T @ p.fit)
    conflict_p = np.zeros((n, n))
    for s in p.apart:
        conflict_p[np.ix_(s, s)] = 1.0
    conflict = np.asarray(c.T @ (c.T @ conflict_p).T) > 0
    np.fill_diagonal(conflict, False)
    has_conflict = bool(conflict.any())
    fixed = np.full((rounds, nn), -1, dtype=np.int64)
    for r in range(rounds):
        np.maximum.at(fixed[r], node_of, p.pins[r])

    out: dict[str, tuple[Array, float]] = {}
    for method in methods:
        rng = np.random.default_rng(seed + GROUPING_BASELINES.index(method))
        t0 = time.perf_counter()
        rooms = np.zeros((rounds, n), dtype=np.int64)
        met = np.zeros((n, n))
        for r in range(rounds):
            wp = base - p.repeat_penalty * met
            w = np.asarray(c.T @ (c.T @ wp).T)
            w = (w + w.T) / 2
            np.fill_diagonal(w, 0.0)
            common: dict[str, Any] = {
                "fixed": fixed[r],
                "conflict": conflict if has_conflict else None,
            }
            if method == "greedy":
                assign = greedy_grouping(w, seats, p.lo, p.hi, rng, bonus=bonus, **common)
            else:
                assign = random_grouping(w, seats, p.lo, p.hi, rng, **common)
                if method == "swap_ls":
                    assign, _ = swap_local_search(w, seats, assign, rng, bonus=bonus, **common)
            rooms[r] = assign[node_of]
            same = rooms[r][:, None] == rooms[r][None, :]
            np.fill_diagonal(same, False)
            met += same
        out[method] = (rooms, time.perf_counter() - t0)
    return out
