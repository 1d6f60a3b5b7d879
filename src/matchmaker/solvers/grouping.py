"""The grouping engine: nodes into rooms, maximising the weight of pairs that share a room.

Rooms have bounds on their size counted in seats (a node may stand for a delegation of several
seats), nodes may be pinned to a room and pairs may be kept apart. Without seats and pins this
is the maximally diverse grouping problem (MDGP); with seats it is the capacitated clustering
problem (CCP). Both are NP-hard, and exact solvers are out of reach beyond about 30 nodes, so
the engine is an iterated tabu search in the line of the best published heuristics (iterated
maxima search, Lai & Hao, EJOR 2016; three-phase search, Yang et al., EJOR 2022):

* an ``n x G`` matrix ``D[i, g]`` (the weight of ``i`` with the members of room ``g``, plus the
  bonus of ``i`` in ``g``) gives the gain of every relocate and swap move in O(1) and is
  updated in O(n) per move;
* a tabu search over both neighbourhoods takes the best admissible move at every step (a node
  may not re-enter the room it just left for a random tenure, unless that beats the best value
  of the run) until it stops improving;
* the local optimum is perturbed by random feasible moves and searched again, keeping the best.

Every move keeps the pins and the keep-apart pairs. With nodes of equal seats every move keeps
the size bounds too; with different seats rooms tend to end at their bounds, where few moves
stay feasible, so the tabu search may let sizes leave the bounds by a few seats at an adaptive
penalty (strategic oscillation) and keeps only feasible solutions. The hot loops are compiled
with numba.

A small instance (at most :data:`EXACT_NODES` nodes) is solved to a proven optimum by
:func:`exact_search`, dynamic programming over the node subsets room by room (O(G 3^n)).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

from matchmaker.errors import InfeasibleError, InvalidInputError

__all__ = ["EXACT_NODES", "construct", "exact_search", "local_search"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_F = TypeVar("_F", bound=Callable[..., Any])

_EPS = 1e-9
# Iterations of one tabu search without a better value before it stops, and the default budget
# (tabu iterations in all) when neither a time limit nor an iteration limit is given.
_DEPTH_BASE, _DEPTH_PER_NODE = 200, 10
_BUDGET_BASE, _BUDGET_PER_NODE = 20_000, 200
_TENURE_SHARE = 0.05
_ACCEPT_WORSE = 0.05
_BACK_TO_BEST = 10
_STRENGTH = (0.02, 0.1)
_RELOCATE_SHARE = 0.5
# Factor by which the penalty per seat outside the size bounds rises at every infeasible step
# of the oscillation and falls at every feasible one.
_OSCILLATION_STEP = 1.005


def cached_jit(func: _F) -> _F:
    """``numba.njit(cache=True)``; without any writable cache folder (a read-only checkout and
    home), compile in every process instead of failing at import."""
    try:
        return cast(_F, numba.njit(cache=True)(func))
    except RuntimeError:  # numba found no cache locator it can write to
        return cast(_F, numba.njit(func))


# --- compiled kernels (private; their callers pass validated, contiguous arrays) ------------


@cached_jit
def _clock() -> float:  # pragma: no cover - compiled
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t


@cached_jit
def _seed(seed: int) -> None:  # pragma: no cover - compiled
    np.random.seed(seed)  # noqa: NPY002 (numba has only the legacy API)


@cached_jit
def _build_state(
    weights: FloatArray,
    bonus: FloatArray,
    conflict: BoolArray,
    has_conflict: bool,
    assign: IntArray,
    n_groups: int,
    seats: IntArray,
) -> tuple[FloatArray, npt.NDArray[np.int32], IntArray]:  # pragma: no cover - compiled
    n = weights.shape[0]
    gain = bonus.copy()
    clash = np.zeros((n, n_groups), dtype=np.int32)
    size = np.zeros(n_groups, dtype=np.int64)
    for j in range(n):
        gj = assign[j]
        size[gj] += seats[j]
        for i in range(n):
            gain[i, gj] += weights[i, j]
        if has_conflict:
            for i in range(n):
                if conflict[i, j]:
                    clash[i, gj] += 1
    return gain, clash, size


@cached_jit
def _value(weights: FloatArray, bonus: FloatArray, assign: IntArray) -> float:  # pragma: no cover
    n = weights.shape[0]
    total = 0.0
    for i in range(n):
        total += bonus[i, assign[i]]
        for j in range(i + 1, n):
            if assign[i] == assign[j]:
                total += weights[i, j]
    return total


@cached_jit
def _relocate(  # pragma: no cover - compiled
    i: int,
    g: int,
    weights: FloatArray,
    conflict: BoolArray,
    has_conflict: bool,
    seats: IntArray,
    assign: IntArray,
    gain: FloatArray,
    clash: npt.NDArray[np.int32],
    size: IntArray,
) -> None:
    old = assign[i]
    n = weights.shape[0]
    for k in range(n):
        w = weights[k, i]
        gain[k, old] -= w
        gain[k, g] += w
    if has_conflict:
        for k in range(n):
            if conflict[k, i]:
                clash[k, old] -= 1
                clash[k, g] += 1
    size[old] -= seats[i]
    size[g] += seats[i]
    assign[i] = g


@cached_jit
def _shift(size: int, by: int, lo: int, hi: int) -> int:  # pragma: no cover - compiled
    """The change in a room's seats outside ``[lo, hi]`` when its size moves by ``by``."""
    new = size + by
    return (max(0, lo - new) + max(0, new - hi)) - (max(0, lo - size) + max(0, size - hi))


@cached_jit
def _tabu(  # pragma: no cover - compiled
    weights: FloatArray,
    bonus: FloatArray,
    seats: IntArray,
    lo: IntArray,
    hi: IntArray,
    free: IntArray,
    conflict: BoolArray,
    has_conflict: bool,
    assign: IntArray,
    gain: FloatArray,
    clash: npt.NDArray[np.int32],
    size: IntArray,
    tabu: IntArray,
    start_iteration: int,
    max_iterations: int,
    depth: int,
    tenure_min: int,
    tenure_span: int,
    deadline: float,
    floor: FloatArray,
    best_assign: IntArray,
    slack: int,
    penalty: float,
) -> tuple[float, int]:
    """Tabu search from ``assign``; returns (best value, iterations done).

    With ``slack > 0`` the room sizes may leave ``[lo, hi]`` by up to ``slack`` seats
    (strategic oscillation): a move is then judged by its gain less ``penalty`` per seat of
    added violation, the penalty rising while the search is infeasible and falling while it is
    feasible, and only feasible solutions count as the best of the run.

    ``floor[a]`` is the smallest weight of node ``free[a]`` to another free node (it bounds
    the pair term of a swap). ``best_assign`` receives
    the best solution of the run; the state arrays end at the last
    solution visited. ``tabu[i, g]`` is the iteration up to which ``i`` may not enter ``g``.
    """
    n_groups = lo.shape[0]
    m = free.shape[0]
    current = 0.0
    n = weights.shape[0]
    for i in range(n):
        current += 0.5 * (gain[i, assign[i]] + bonus[i, assign[i]])
    best = current
    best_assign[:] = assign
    bound = np.empty(m)
    it = start_iteration
    stale = 0
    done = 0
    viol = 0
    for g in range(n_groups):
        viol += max(0, lo[g] - size[g]) + max(0, size[g] - hi[g])
    pen = penalty
    smax = 0
    for a in range(m):
        smax = max(smax, seats[free[a]])
    while done < max_iterations and stale < depth:
        if done % 64 == 63 and _clock() > deadline:
            break
        # The most a move can gain from a smaller violation: the prunes below must allow it.
        relief = 2.0 * pen * smax if slack > 0 else 0.0
        best_delta = -np.inf
        ties = 0
        move_i = -1
        move_j = -1
        move_g = -1
        move_dv = 0
        # Relocations first (n G of them), then swaps. The best relocation gain of a node,
        # less its smallest weight to a free node, bounds its part in any swap: a swap of i and
        # j gains at most bound[i] + bound[j]. Scanning the nodes by decreasing bound lets the
        # scan stop once no remaining pair can beat the best move.
        for a in range(m):
            i = free[a]
            gi = assign[i]
            si = seats[i]
            gi_gain = gain[i, gi]
            top = -np.inf
            for g in range(n_groups):
                if g != gi and gain[i, g] > top:
                    top = gain[i, g]
            bound[a] = top - gi_gain - floor[a]
            if size[gi] - si < lo[gi] - slack or top - gi_gain + relief < best_delta - _EPS:
                continue
            for g in range(n_groups):
                if g == gi or size[g] + si > hi[g] + slack:
                    continue
                if has_conflict and clash[i, g] > 0:
                    continue
                d = gain[i, g] - gi_gain
                dv = 0
                if slack > 0:
                    dv = _shift(size[gi], -si, lo[gi], hi[gi]) + _shift(size[g], si, lo[g], hi[g])
                    d -= pen * dv
                if d < best_delta - _EPS:
                    continue
                if tabu[i, g] > it and (viol + dv > 0 or current + d + pen * dv <= best + _EPS):
                    continue
                if d > best_delta + _EPS:
                    best_delta = d
                    ties = 1
                    move_i, move_j, move_g = i, -1, g
                    move_dv = dv
                else:
                    ties += 1
                    if np.random.randint(ties) == 0:  # noqa: NPY002 (numba has only the legacy API)
                        move_i, move_j, move_g = i, -1, g
                        move_dv = dv
        order = np.argsort(-bound)
        for a in range(m - 1):
            ia = order[a]
            ub_i = bound[ia]
            if ub_i + bound[order[a + 1]] + relief < best_delta - _EPS:
                break
            i = free[ia]
            gi = assign[i]
            si = seats[i]
            gi_gain = gain[i, gi]
            for b in range(a + 1, m):
                jb = order[b]
                if ub_i + bound[jb] + relief < best_delta - _EPS:
                    break
                j = free[jb]
                gj = assign[j]
                if gj == gi:
                    continue
                sj = seats[j]
                dv = 0
                if si != sj:
                    ni = size[gi] - si + sj
                    nj = size[gj] - sj + si
                    if (
                        ni < lo[gi] - slack
                        or ni > hi[gi] + slack
                        or nj < lo[gj] - slack
                        or nj > hi[gj] + slack
                    ):
                        continue
                    if slack > 0:
                        dv = _shift(size[gi], sj - si, lo[gi], hi[gi]) + _shift(
                            size[gj], si - sj, lo[gj], hi[gj]
                        )
                if has_conflict:
                    c = 1 if conflict[i, j] else 0
                    if clash[i, gj] - c > 0 or clash[j, gi] - c > 0:
                        continue
                d = gain[i, gj] - gi_gain + gain[j, gi] - gain[j, gj] - 2.0 * weights[i, j]
                d -= pen * dv
                if d < best_delta - _EPS:
                    continue
                if (tabu[i, gj] > it or tabu[j, gi] > it) and (
                    viol + dv > 0 or current + d + pen * dv <= best + _EPS
                ):
                    continue
                if d > best_delta + _EPS:
                    best_delta = d
                    ties = 1
                    move_i, move_j, move_g = i, j, -1
                    move_dv = dv
                else:
                    ties += 1
                    if np.random.randint(ties) == 0:  # noqa: NPY002 (numba has only the legacy API)
                        move_i, move_j, move_g = i, j, -1
                        move_dv = dv
        if move_i < 0:
            break
        it += 1
        done += 1
        gi = assign[move_i]
        if move_j < 0:
            _relocate(
                move_i, move_g, weights, conflict, has_conflict, seats, assign, gain, clash, size
            )
            tabu[move_i, gi] = it + tenure_min + np.random.randint(tenure_span)  # noqa: NPY002 (numba has only the legacy API)
        else:
            gj = assign[move_j]
            _relocate(move_i, gj, weights, conflict, has_conflict, seats, assign, gain, clash, size)
            _relocate(move_j, gi, weights, conflict, has_conflict, seats, assign, gain, clash, size)
            tabu[move_i, gi] = it + tenure_min + np.random.randint(tenure_span)  # noqa: NPY002 (numba has only the legacy API)
            tabu[move_j, gj] = it + tenure_min + np.random.randint(tenure_span)  # noqa: NPY002 (numba has only the legacy API)
        current += best_delta + pen * move_dv
        viol += move_dv
        if slack > 0:
            if viol > 0:
                pen = min(pen * _OSCILLATION_STEP, 1e6 * penalty)
            else:
                pen = max(pen / _OSCILLATION_STEP, 1e-3 * penalty)
        if viol == 0 and current > best + _EPS:
            best = current
            best_assign[:] = assign
            stale = 0
        else:
            stale += 1
    return best, done


@cached_jit
def _perturb(  # pragma: no cover - compiled
    weights: FloatArray,
    seats: IntArray,
    lo: IntArray,
    hi: IntArray,
    free: IntArray,
    conflict: BoolArray,
    has_conflict: bool,
    assign: IntArray,
    gain: FloatArray,
    clash: npt.NDArray[np.int32],
    size: IntArray,
    strength: int,
    relocate_share: float,
) -> int:
    """Apply ``strength`` random feasible swaps or relocations; returns how many were made."""
    m = free.shape[0]
    n_groups = lo.shape[0]
    made = 0
    attempts = 0
    while made < strength and attempts < 50 * strength + 100:
        attempts += 1
        i = free[np.random.randint(m)]  # noqa: NPY002 (numba has only the legacy API)
        gi = assign[i]
        si = seats[i]
        if np.random.random() < relocate_share and size[gi] - si >= lo[gi]:  # noqa: NPY002 (numba has only the legacy API)
            g = np.random.randint(n_groups)  # noqa: NPY002 (numba has only the legacy API)
            if g == gi or size[g] + si > hi[g]:
                continue
            if has_conflict and clash[i, g] > 0:
                continue
            _relocate(i, g, weights, conflict, has_conflict, seats, assign, gain, clash, size)
            made += 1
            continue
        j = free[np.random.randint(m)]  # noqa: NPY002 (numba has only the legacy API)
        gj = assign[j]
        if gj == gi:
            continue
        sj = seats[j]
        ni = size[gi] - si + sj
        nj = size[gj] - sj + si
        if ni < lo[gi] or ni > hi[gi] or nj < lo[gj] or nj > hi[gj]:
            continue
        if has_conflict:
            c = 1 if conflict[i, j] else 0
            if clash[i, gj] - c > 0 or clash[j, gi] - c > 0:
                continue
        _relocate(i, gj, weights, conflict, has_conflict, seats, assign, gain, clash, size)
        _relocate(j, gi, weights, conflict, has_conflict, seats, assign, gain, clash, size)
        made += 1
    return made


@cached_jit
def _subset_dp(  # pragma: no cover - compiled
    weights: FloatArray,
    bonus: FloatArray,
    seats: IntArray,
    lo: IntArray,
    hi: IntArray,
    fixed: IntArray,
    conflict: BoolArray,
    has_conflict: bool,
    seconds: float,
) -> tuple[IntArray, float, bool]:
    """Best assignment by dynamic programming over subsets; returns (assign, value, finished).

    ``best[g, S]`` is the best value of rooms ``0..g-1`` holding exactly the node set ``S``;
    room ``g`` then takes any feasible subset ``T`` of the nodes left, so each room costs
    O(3^n) and the whole search O(G 3^n). ``finished`` is False when ``seconds`` (counted from
    the start of this kernel, not its compilation) ran out first (the assignment is then
    meaningless); ``value`` is ``-inf`` when no assignment keeps the rules.
    """
    deadline = _clock() + seconds
    n = weights.shape[0]
    n_groups = lo.shape[0]
    size = 1 << n
    full = size - 1
    assign = np.full(n, -1, dtype=np.int64)
    # Pair weight, seats and keep-apart check of every subset, each from the subset without
    # its lowest node.
    low = np.zeros(size, dtype=np.int64)
    pair_sum = np.zeros(size)
    seat_sum = np.zeros(size, dtype=np.int64)
    clean = np.ones(size, dtype=np.bool_)
    clash = np.zeros(n, dtype=np.int64)
    if has_conflict:
        for i in range(n):
            for j in range(n):
                if i != j and conflict[i, j]:
                    clash[i] |= 1 << j
    for t in range(1, size):
        i = 0
        while not (t >> i) & 1:
            i += 1
        low[t] = i
        rest = t & (t - 1)
        acc = pair_sum[rest]
        for j in range(i + 1, n):
            if (rest >> j) & 1:
                acc += weights[i, j]
        pair_sum[t] = acc
        seat_sum[t] = seat_sum[rest] + seats[i]
        clean[t] = clean[rest] and (clash[i] & rest) == 0
    total = seat_sum[full]
    lo_after = np.zeros(n_groups + 1, dtype=np.int64)
    hi_after = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups - 1, -1, -1):
        lo_after[g] = lo_after[g + 1] + lo[g]
        hi_after[g] = hi_after[g + 1] + hi[g]
    best = np.full((n_groups + 1, size), -np.inf)
    pick = np.zeros((n_groups + 1, size), dtype=np.int64)
    best[0, 0] = 0.0
    room_bonus = np.zeros(size)
    for g in range(n_groups):
        pinned = 0
        allowed = 0
        for i in range(n):
            if fixed[i] == g:
                pinned |= 1 << i
            if fixed[i] < 0 or fixed[i] == g:
                allowed |= 1 << i
        for t in range(1, size):
            room_bonus[t] = room_bonus[t & (t - 1)] + bonus[low[t], g]
        for s in range(size):
            if (s & 255) == 0 and _clock() > deadline:
                return assign, -np.inf, False
            base = best[g, s]
            if base == -np.inf:
                continue
            free = allowed & ~s & ~pinned & full
            used = seat_sum[s]
            sub = free
            while True:
                t = sub | pinned
                st = seat_sum[t]
                left = total - used - st
                if lo[g] <= st <= hi[g] and lo_after[g + 1] <= left <= hi_after[g + 1] and clean[t]:
                    v = base + pair_sum[t] + room_bonus[t]
                    if v > best[g + 1, s | t]:
                        best[g + 1, s | t] = v
                        pick[g + 1, s | t] = t
                if sub == 0:
                    break
                sub = (sub - 1) & free
    value = best[n_groups, full]
    if value == -np.inf:
        return assign, value, True
    s = full
    for g in range(n_groups, 0, -1):
        t = pick[g, s]
        for i in range(n):
            if (t >> i) & 1:
                assign[i] = g - 1
        s ^= t
    return assign, value, True


# --- validation and construction -----------------------------------------------------------


def _square(name: str, value: Any, n: int | None, dtype: type) -> npt.NDArray[Any]:
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or (n is not None and arr.shape[0] != n):
        want = "a square matrix" if n is None else f"an ({n}, {n}) matrix"
        raise InvalidInputError(f"{name} must be {want}; got shape {arr.shape}")
    if dtype is np.bool_:
        if arr.dtype != np.bool_:
            raise InvalidInputError(f"{name} must be a boolean matrix; got dtype {arr.dtype}")
        out = np.array(arr, dtype=np.bool_)
        if not np.array_equal(out, out.T):
            i, j = np.argwhere(out != out.T)[0]
            raise InvalidInputError(
                f"{name} must be symmetric; {name}[{i}, {j}] = {out[i, j]} but "
                f"{name}[{j}, {i}] = {out[j, i]}"
            )
        np.fill_diagonal(out, False)
        return out
    try:
        out = np.array(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be numeric; got dtype {arr.dtype}") from None
    if not np.all(np.isfinite(out)):
        i, j = np.argwhere(~np.isfinite(out))[0]
        raise InvalidInputError(f"{name} must be finite; {name}[{i}, {j}] = {out[i, j]}")
    if not np.array_equal(out, out.T):
        i, j = np.argwhere(out != out.T)[0]
        raise InvalidInputError(
            f"{name} must be symmetric; {name}[{i}, {j}] = {out[i, j]} but "
            f"{name}[{j}, {i}] = {out[j, i]}"
        )
    np.fill_diagonal(out, 0.0)
    return out


def _integers(name: str, value: Any, length: int) -> IntArray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise InvalidInputError(f"{name} must have shape ({length},); got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.rint(arr)):
            return np.ascontiguousarray(arr, dtype=np.int64)
        raise InvalidInputError(f"{name} must hold integers; got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.int64)


def _check_assignment(
    assign: IntArray,
    seats: IntArray,
    lo: IntArray,
    hi: IntArray,
    fixed: IntArray,
    conflict: BoolArray | None,
) -> str | None:
    """What ``assign`` breaks, in a sentence, or ``None`` when it keeps every rule."""
    n_groups = len(lo)
    bad = np.flatnonzero((assign < 0) | (assign >= n_groups))
    if len(bad):
        i = int(bad[0])
        return f"node {i} is in room {assign[i]}, not one of 0..{n_groups - 1}"
    size = np.bincount(assign, weights=seats, minlength=n_groups).astype(np.int64)
    for g in range(n_groups):
        if not lo[g] <= size[g] <= hi[g]:
            return f"room {g} holds {size[g]} seats, outside its bounds [{lo[g]}, {hi[g]}]"
    pinned = np.flatnonzero((fixed >= 0) & (fixed != assign))
    if len(pinned):
        i = int(pinned[0])
        return f"node {i} is in room {assign[i]} but is fixed to room {fixed[i]}"
    if conflict is not None:
        together = np.argwhere(np.triu(conflict & np.equal.outer(assign, assign), 1))
        if len(together):
            i, j = together[0]
            return f"nodes {i} and {j} are kept apart but share room {assign[i]}"
    return None


def _mean_weight(weights: FloatArray, free: IntArray) -> float:
    m = len(free)
    if m < 2:
        return 0.0
    return float(weights[np.ix_(free, free)].sum()) / (m * (m - 1))


def _target_sizes(lo: IntArray, hi: IntArray, total: int, mean_weight: float) -> IntArray:
    """Room sizes in seats to aim for: with positive weights on average, the sizes that
    maximise the number of pairs (the sum of squared sizes, by dynamic programming over the
    rooms: large rooms hold many pairs); otherwise sizes as even as the bounds allow."""
    n_groups = len(lo)
    if mean_weight <= 0:
        return hi.copy()  # the construction then fills the room with the most space left
    total = min(max(total, int(lo.sum())), int(hi.sum()))
    # best[t]: the largest sum of squares of the rooms so far holding t seats together.
    best = np.full(total + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((n_groups, total + 1), dtype=np.int64)
    for g in range(n_groups):
        new = np.full(total + 1, -np.inf)
        for k in range(int(lo[g]), int(hi[g]) + 1):
            if k > total:
                break
            cand = np.full(total + 1, -np.inf)
            cand[k:] = best[: total + 1 - k] + float(k) * k
            better = cand > new
            new[better] = cand[better]
            choice[g, better] = k
        best = new
    sizes = np.zeros(n_groups, dtype=np.int64)
    t = total
    for g in range(n_groups - 1, -1, -1):
        sizes[g] = choice[g, t]
        t -= int(sizes[g])
    return sizes


def construct(
    weights: FloatArray,
    seats: IntArray,
    lo: IntArray,
    hi: IntArray,
    fixed: IntArray,
    conflict: BoolArray | None,
    rng: np.random.Generator,
    randomize: bool = False,
) -> IntArray:
    """A feasible start: pins first, then the largest nodes first into the room furthest below
    its lower bound (else the one furthest below its target size), then moves that lift rooms
    still below their lower bound; ``randomize`` picks a random open room instead (restarts).
    Raises :class:`InfeasibleError` naming the rule that blocks."""
    n, n_groups = len(seats), len(lo)
    assign = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n_groups, dtype=np.int64)
    clash = np.zeros((n, n_groups), dtype=np.int64)

    def place(i: int, g: int) -> None:
        assign[i] = g
        size[g] += seats[i]
        if conflict is not None:
            clash[conflict[i], g] += 1

    for i in np.flatnonzero(fixed >= 0):
        g = int(fixed[i])
        if conflict is not None and clash[i, g]:
            other = int(np.flatnonzero(conflict[i] & (assign == g))[0])
            raise InfeasibleError(
                f"nodes {other} and {i} are both fixed to room {g} but are kept apart",
                rule="conflict",
            )
        place(int(i), g)
        if size[g] > hi[g]:
            raise InfeasibleError(
                f"the nodes fixed to room {g} need {size[g]} seats, more than its upper "
                f"bound {hi[g]}",
                rule="size",
            )
    free = np.flatnonzero(fixed < 0)
    target = _target_sizes(np.maximum(lo, size), hi, int(seats.sum()), _mean_weight(weights, free))
    degree = conflict.sum(axis=1) if conflict is not None else np.zeros(n, dtype=np.int64)
    order = free[np.lexsort((rng.random(len(free)), -degree[free], -seats[free]))]
    for i in order:
        s = int(seats[i])
        open_ = (size + s <= hi) & (clash[i] == 0)
        if not open_.any():
            fits = size + s <= hi
            if fits.any():
                raise InfeasibleError(
                    f"no room has space for node {i} ({s} seats) without a keep-apart conflict",
                    rule="conflict",
                )
            raise InfeasibleError(
                f"no room has space for node {i} ({s} seats): the rooms are full up to their "
                "upper bounds",
                rule="size",
            )
        deficit = np.where(open_, lo - size, np.iinfo(np.int64).min)
        if randomize:
            g = int(rng.choice(np.flatnonzero(open_)))  # the lift below repairs lower bounds
        elif deficit.max() > 0:
            g = int(np.argmax(deficit))
        else:
            g = int(np.argmax(np.where(open_, target - size, np.iinfo(np.int64).min)))
        place(int(i), g)
    # Lift the rooms still below their lower bound with nodes that other rooms can spare.
    for _ in range(4 * n + 4):
        short = np.flatnonzero(size < lo)
        if not len(short):
            break
        g = int(short[0])
        spare = (
            (fixed < 0)
            & (assign != g)
            & (size[assign] - seats >= lo[assign])
            & (size[g] + seats <= hi[g])
            & (clash[:, g] == 0)
        )
        if not spare.any():
            raise InfeasibleError(
                f"room {g} holds {size[g]} seats, below its lower bound {lo[g]}, and no other "
                "room can spare a node for it (sizes, pins or keep-apart pairs block)",
                rule="size",
            )
        # The largest node that does not overshoot the deficit, else the smallest one.
        cand = np.flatnonzero(spare)
        need = lo[g] - size[g]
        fit = cand[seats[cand] <= need]
        k = int(fit[np.argmax(seats[fit])] if len(fit) else cand[np.argmin(seats[cand])])
        h = int(assign[k])
        size[h] -= seats[k]
        if conflict is not None:
            clash[conflict[k], h] -= 1
        place(k, g)
    else:
        raise InfeasibleError(
            "could not bring every room up to its lower bound", rule="size"
        )  # pragma: no cover - the loop ends long before
    return assign


def _validate(
    weights: npt.ArrayLike,
    seats: npt.ArrayLike,
    lo: npt.ArrayLike,
    hi: npt.ArrayLike,
    bonus: npt.ArrayLike | None,
    fixed: npt.ArrayLike | None,
    conflict: npt.ArrayLike | None,
    initial: npt.ArrayLike | None,
    time_limit: float | None,
    max_iterations: int | None,
) -> tuple[
    FloatArray,
    IntArray,
    IntArray,
    IntArray,
    FloatArray,
    IntArray,
    BoolArray | None,
    IntArray | None,
]:
    w = _square("weights", weights, None, np.float64)
    n = w.shape[0]
    if n == 0:
        raise InvalidInputError("weights must hold at least one node; got a (0, 0) matrix")
    s = _integers("seats", seats, n)
    if s.min() < 1:
        i = int(np.argmin(s))
        raise InvalidInputError(f"seats must be >= 1; seats[{i}] = {s[i]}")
    lo_arr = np.asarray(lo)
    if lo_arr.ndim != 1 or len(lo_arr) == 0:
        raise InvalidInputError(f"lo must be a non-empty 1-d array; got shape {lo_arr.shape}")
    n_groups = len(lo_arr)
    lo_ = _integers("lo", lo_arr, n_groups)
    hi_ = _integers("hi", hi, n_groups)
    if lo_.min() < 0:
        g = int(np.argmin(lo_))
        raise InvalidInputError(f"lo must be >= 0; lo[{g}] = {lo_[g]}")
    wrong = np.flatnonzero(lo_ > hi_)
    if len(wrong):
        g = int(wrong[0])
        raise InvalidInputError(f"lo must not exceed hi; room {g} has lo {lo_[g]} > hi {hi_[g]}")
    if bonus is None:
        b = np.zeros((n, n_groups))
    else:
        b = np.array(bonus, dtype=np.float64)
        if b.shape != (n, n_groups):
            raise InvalidInputError(f"bonus must have shape ({n}, {n_groups}); got {b.shape}")
        if not np.all(np.isfinite(b)):
            i, g = np.argwhere(~np.isfinite(b))[0]
            raise InvalidInputError(f"bonus must be finite; bonus[{i}, {g}] = {b[i, g]}")
    fx = np.full(n, -1, dtype=np.int64) if fixed is None else _integers("fixed", fixed, n)
    bad = np.flatnonzero((fx < -1) | (fx >= n_groups))
    if len(bad):
        i = int(bad[0])
        raise InvalidInputError(
            f"fixed must be -1 (free) or a room in 0..{n_groups - 1}; fixed[{i}] = {fx[i]}"
        )
    cf = None if conflict is None else _square("conflict", conflict, n, np.bool_)
    if time_limit is not None and not time_limit > 0:
        raise InvalidInputError(f"time_limit must be > 0 seconds or None; got {time_limit}")
    if max_iterations is not None and max_iterations < 0:
        raise InvalidInputError(f"max_iterations must be >= 0 or None; got {max_iterations}")
    total = int(s.sum())
    if total < lo_.sum():
        raise InfeasibleError(
            f"the nodes hold {total} seats, fewer than the {lo_.sum()} the rooms' lower bounds "
            "need together",
            rule="size",
        )
    if total > hi_.sum():
        raise InfeasibleError(
            f"the nodes hold {total} seats, more than the {hi_.sum()} the rooms' upper bounds "
            "allow together",
            rule="size",
        )
    init = None
    if initial is not None:
        init = _integers("initial", initial, n)
        broken = _check_assignment(init, s, lo_, hi_, fx, cf)
        if broken is not None:
            raise InvalidInputError(f"initial must be a feasible assignment; {broken}")
    return w, s, lo_, hi_, b, fx, cf, init


# --- the public entry point ----------------------------------------------------------------


def local_search(
    weights: npt.ArrayLike,
    seats: npt.ArrayLike,
    lo: npt.ArrayLike,
    hi: npt.ArrayLike,
    *,
    bonus: npt.ArrayLike | None = None,
    fixed: npt.ArrayLike | None = None,
    conflict: npt.ArrayLike | None = None,
    initial: npt.ArrayLike | None = None,
    time_limit: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
) -> tuple[IntArray, float]:
    """Assign nodes to rooms, maximising the weight of the pairs that share a room.

    Parameters
    ----------
    weights : (n, n) float array
        Symmetric; ``weights[i, j]`` is the value of ``i`` and ``j`` in the same room. The
        diagonal is ignored.
    seats : (n,) int array
        What each node counts toward room sizes (>= 1).
    lo, hi : (G,) int arrays
        The size of room ``g`` in seats must lie in ``[lo[g], hi[g]]``.
    bonus : (n, G) float array, optional
        ``bonus[i, g]`` is added when node ``i`` is in room ``g`` (topic fit).
    fixed : (n,) int array, optional
        ``-1`` for a free node, else the room the node must be in.
    conflict : (n, n) bool array, optional
        Symmetric; ``True`` keeps the two nodes in different rooms. The diagonal is ignored.
    initial : (n,) int array, optional
        A feasible start (re-planning); built by a greedy construction otherwise.
    time_limit : float, optional
        Seconds of search. With a time limit the result depends on the speed of the machine;
        without one the search runs a deterministic iteration budget that grows with ``n``
        (``20,000 + 200 n`` tabu iterations).
    max_iterations : int, optional
        Bound on the tabu iterations (moves) in all; with ``time_limit``, whichever comes first.
    seed : int
        Seed of the random choices; the same input and seed give the same answer when
        ``time_limit`` is ``None``.

    Returns
    -------
    assign : (n,) int64 array
        The room of each node.
    objective : float
        The sum of ``weights`` over pairs in the same room plus ``bonus[i, assign[i]]``.

    Raises
    ------
    InvalidInputError
        An array of the wrong shape or type, asymmetric weights, bad bounds or an ``initial``
        assignment that breaks a rule.
    InfeasibleError
        No feasible start could be built; the message and ``rule`` (``size``, ``conflict``)
        say what blocks.

    Notes
    -----
    Iterated tabu search over relocate and swap moves with O(1) move gains from an ``n x G``
    matrix of node-to-room weights; one iteration costs O(n^2 + nG), a move O(n). Every
    solution returned keeps the sizes, pins and keep-apart pairs.

    Examples
    --------
    >>> w = np.array([[0, 5, 0, 0], [5, 0, 0, 0], [0, 0, 0, 3], [0, 0, 3, 0]], float)
    >>> assign, value = local_search(w, np.ones(4, int), np.array([2, 2]), np.array([2, 2]))
    >>> value, bool(assign[0] == assign[1])
    (8.0, True)
    """
    w, s, lo_, hi_, b, fx, cf, init = _validate(
        weights, seats, lo, hi, bonus, fixed, conflict, initial, time_limit, max_iterations
    )
    n, n_groups = len(s), len(lo_)
    rng = np.random.default_rng(seed)
    assign = construct(w, s, lo_, hi_, fx, cf, rng) if init is None else init.copy()
    free = np.ascontiguousarray(np.flatnonzero(fx < 0), dtype=np.int64)
    if n_groups < 2 or len(free) == 0:
        return assign, float(_value(w, b, assign))

    has_conflict = cf is not None and bool(cf.any())
    conf = cf if cf is not None else np.zeros((1, 1), dtype=np.bool_)
    budget = (
        max_iterations
        if max_iterations is not None
        else (_BUDGET_BASE + _BUDGET_PER_NODE * n if time_limit is None else np.iinfo(np.int64).max)
    )
    start = time.perf_counter()
    deadline = np.inf if time_limit is None else start + time_limit
    depth = _DEPTH_BASE + _DEPTH_PER_NODE * n
    m = len(free)
    tenure_min = max(3, min(int(m * _TENURE_SHARE), 30))
    tenure_span = max(2, tenure_min)

    among = w[np.ix_(free, free)]
    np.fill_diagonal(among, np.inf)
    floor = np.ascontiguousarray(among.min(axis=1)) if m > 1 else np.zeros(m)
    # Nodes of different seats: rooms end at their bounds, where only swaps of equal seats
    # remain feasible; let the sizes oscillate by up to the largest seat count, at a penalty
    # per seat that starts at the mean weight a seat brings to a room.
    free_seats = s[free]
    slack = int(free_seats.max()) if free_seats.min() != free_seats.max() else 0
    penalty = 0.0
    if slack:
        finite = np.abs(among[np.isfinite(among)])
        penalty = max(float(finite.mean()) * m / n_groups / float(free_seats.mean()), _EPS)
    gain, clash, size = _build_state(w, b, conf, has_conflict, assign, n_groups, s)
    tabu = np.zeros((n, n_groups), dtype=np.int64)
    local = assign.copy()
    best_assign = assign.copy()
    best_value = float(_value(w, b, assign))
    accepted = assign.copy()
    accepted_value = best_value
    iteration = 0
    rounds_stale = 0
    _seed(int(rng.integers(2**31)))
    while iteration < budget:
        value, done = _tabu(
            w,
            b,
            s,
            lo_,
            hi_,
            free,
            conf,
            has_conflict,
            assign,
            gain,
            clash,
            size,
            tabu,
            iteration,
            budget - iteration,
            depth,
            tenure_min,
            tenure_span,
            deadline,
            floor,
            local,
            slack,
            penalty,
        )
        iteration += max(int(done), 1)  # a round without any move still uses the budget
        value = float(value)
        if value > best_value + _EPS:
            best_value = value
            best_assign[:] = local
            rounds_stale = 0
        else:
            rounds_stale += 1
        if value > accepted_value + _EPS or rng.random() < _ACCEPT_WORSE:
            accepted[:] = local
            accepted_value = value
        if rounds_stale and rounds_stale % _BACK_TO_BEST == 0:
            accepted[:] = best_assign
            accepted_value = best_value
            if rounds_stale % (2 * _BACK_TO_BEST) == 0:
                # A fresh random start: with seats, pins and keep-apart pairs the moves need
                # not connect every feasible solution.
                try:
                    accepted[:] = construct(w, s, lo_, hi_, fx, cf, rng, randomize=True)
                    accepted_value = -np.inf
                except InfeasibleError:
                    pass
        if time.perf_counter() >= deadline:
            break
        assign[:] = accepted
        gain, clash, size = _build_state(w, b, conf, has_conflict, assign, n_groups, s)
        strength = int(
            rng.integers(max(2, int(m * _STRENGTH[0])), max(3, int(m * _STRENGTH[1])) + 1)
        )
        _perturb(
            w,
            s,
            lo_,
            hi_,
            free,
            conf,
            has_conflict,
            assign,
            gain,
            clash,
            size,
            strength,
            _RELOCATE_SHARE,
        )
    return best_assign, float(_value(w, b, best_assign))


EXACT_NODES = 16
"""The most nodes :func:`exact_search` takes: its tables hold ``rooms x 2**n`` values and its
work grows as ``rooms x 3**n`` (about 0.01 s for 12 nodes in 4 rooms, minutes for 20)."""


def exact_search(
    weights: npt.ArrayLike,
    seats: npt.ArrayLike,
    lo: npt.ArrayLike,
    hi: npt.ArrayLike,
    *,
    bonus: npt.ArrayLike | None = None,
    fixed: npt.ArrayLike | None = None,
    conflict: npt.ArrayLike | None = None,
    time_limit: float | None = None,
) -> tuple[IntArray, float] | None:
    """The best assignment of a small instance, proven by exhaustive dynamic programming.

    Same problem and arguments as :func:`local_search`, for at most :data:`EXACT_NODES`
    nodes. Every assignment that keeps the sizes, pins and keep-apart pairs is accounted for,
    so the answer is optimal whenever one is returned. ``time_limit`` counts the search, not
    the one-time compilation of its kernel.

    Returns
    -------
    (assign, objective) or None
        The room of each node and its value; ``None`` when ``time_limit`` (seconds) ran out
        first: nothing is then known about the optimum.

    Raises
    ------
    InvalidInputError
        As :func:`local_search`, and for more than :data:`EXACT_NODES` nodes.
    InfeasibleError
        No assignment keeps every rule (``rule="size"``): proven by the search itself.

    Notes
    -----
    ``best[g, S]``, the best value of rooms ``0..g-1`` holding exactly the node set ``S``,
    extends room by room over every feasible subset of the nodes left: O(G 3^n) time and
    O(G 2^n) memory.

    Examples
    --------
    >>> w = np.array([[0, 5, 0, 0], [5, 0, 0, 0], [0, 0, 0, 3], [0, 0, 3, 0]], float)
    >>> assign, value = exact_search(w, np.ones(4, int), np.array([2, 2]), np.array([2, 2]))
    >>> value, bool(assign[0] == assign[1])
    (8.0, True)
    """
    if time_limit is not None and not time_limit > 0:
        return None
    start = time.perf_counter()
    w, s, lo_, hi_, b, fx, cf, _ = _validate(
        weights, seats, lo, hi, bonus, fixed, conflict, None, None, None
    )
    n = len(s)
    if n > EXACT_NODES:
        raise InvalidInputError(
            f"exact_search takes at most {EXACT_NODES} nodes; got {n} (use local_search)"
        )
    has_conflict = cf is not None and bool(cf.any())
    conf = cf if cf is not None else np.zeros((1, 1), dtype=np.bool_)
    seconds = np.inf if time_limit is None else time_limit - (time.perf_counter() - start)
    assign, value, finished = _subset_dp(w, b, s, lo_, hi_, fx, conf, has_conflict, seconds)
    if not finished:
        return None
    if value == -np.inf:
        raise InfeasibleError(
            "no assignment keeps the room sizes, pins and keep-apart pairs together",
            rule="size",
        )
    return assign, float(_value(w, b, assign))
