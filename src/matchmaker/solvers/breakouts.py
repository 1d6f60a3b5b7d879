"""Breakout rooms: who sits in which room, round after round.

Participants are split into rooms of given sizes (in seats) so that the sum of a pair matrix
over the pairs that share a room is as large as possible: the affinity (similar people
together) or a diversity matrix (the maximally diverse grouping problem). Hard rules are kept
by construction: room sizes, pins, keep-apart sets (never in one room) and keep-together sets
(contracted into one node before the search and expanded back after it). Soft rules (a cap per
country, a mix of types, a shared language) enter the pair weights as penalties and are
reported in ``violations`` when a room misses them.

Several rounds are solved one after the other; each round's weights charge
``repeat_penalty`` for every earlier encounter of a pair, so that people meet new people. The
result reports the repeated encounters and a proven lower bound on them.

A tiny single round (at most :data:`EXACT_LIMIT` nodes after contraction) is solved exactly by
an exhaustive search over room subsets; anything else by the local search of
:mod:`matchmaker.solvers.grouping`, with a simple proven upper bound.

Decisions
---------
* Rooms are even by default (``balance``): with capacities to spare, a search that maximises
  the pairs within rooms fills rooms to capacity and leaves the last one nearly empty (66 seats
  for 60 people: five rooms of 11 and one of 5), which no organiser accepts. Rather than a
  penalty on uneven sizes (a weight to tune against the pair values), each round is searched
  with the most even size ranges (:func:`~matchmaker.solvers.rules.even_sizes`), a room's
  minimum and pins as floors; the engine keeps size ranges by construction.
* ``status == "optimal"`` only when the exhaustive search finished: it is the proof. A time
  limit that stops it first gives the local search's answer, status ``feasible``, the simple
  bound and a message that says the limit was reached. (A mixed-integer model solved by HiGHS
  took about a minute to prove a 12-node MDGPLIB optimum, and its incumbent at a time limit was
  1-10 % below the optimum; the subset search proves it in milliseconds.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.grouping import exact_search, local_search
from matchmaker.solvers.progress import Progress, ProgressFn
from matchmaker.solvers.result import SolverResult, Status, check_magnitude, relative_gap
from matchmaker.solvers.rules import BreakoutsInstance, Violation, check_allocation, even_sizes

__all__ = [
    "EXACT_LIMIT",
    "MODES",
    "BreakoutsResult",
    "SolverInstance",
    "breakouts_instance",
    "contract_together",
    "solve_breakouts",
]

Array = npt.NDArray[Any]

EXACT_LIMIT = 12
"""A single round of at most this many nodes (participants after contraction of the
keep-together sets) is solved exactly (:func:`~matchmaker.solvers.grouping.exact_search`,
O(rooms x 3**nodes): about 0.01 s for 12 nodes in 4 rooms)."""

MODES = ("affinity", "diversity")
"""``affinity``: maximise the affinity within rooms. ``diversity``: maximise ``1 - affinity``
within rooms (the maximally diverse grouping problem when the rooms' sizes are fixed)."""

_SYMMETRY_RTOL = 1e-9


@dataclass(frozen=True)
class BreakoutsResult(SolverResult):
    """Breakout rooms over one or more rounds.

    Attributes
    ----------
    rooms:
        ``rooms[r, i]`` is the room of participant ``i`` in round ``r`` (int64, rounds x n).
    repeats:
        Repeated encounters: the sum over pairs of ``max(0, times met - 1)``.
    repeats_lower_bound:
        A proven lower bound on ``repeats`` for any allocation that keeps the hard rules.
    rule_violations:
        The soft rules missed, as :class:`~matchmaker.solvers.rules.Violation`; ``violations``
        holds their messages.

    ``stats["per_room"]`` lists, per round and room, the participants, seats, the matrix value
    within the room, and the soft-rule penalty paid there.
    """

    rooms: Array = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    repeats: int = 0
    repeats_lower_bound: int = 0
    rule_violations: tuple[Violation, ...] = ()


@dataclass(frozen=True, kw_only=True, eq=False)
class SolverInstance(BreakoutsInstance):
    """A validated instance: the rules (:class:`~matchmaker.solvers.rules.BreakoutsInstance`),
    the pair matrices and the search's settings."""

    matrix: Array  # (n, n) mode matrix, zero diagonal
    soft: Array  # (n, n) soft-rule penalties, >= 0, zero diagonal
    fit: Array | None  # (n, G)
    repeat_penalty: float
    time_limit: float | None
    seed: int | None
    initial: Array | None  # (R, n)
    max_iterations: int | None
    balance: bool = True


# --------------------------------------------------------------------------- validation


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _affinity_iv(affinity: npt.ArrayLike) -> Array:
    a = np.asarray(affinity)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise InvalidInputError(f"affinity must be a square non-empty 2-d array; got {a.shape}")
    if a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.number):
        raise InvalidInputError(f"affinity must hold numbers; got dtype {a.dtype}")
    w = a.astype(np.float64, copy=True)
    np.fill_diagonal(w, 0.0)  # the diagonal is ignored
    if not np.isfinite(w).all():
        i, j = (int(v) for v in np.argwhere(~np.isfinite(w))[0])
        raise InvalidInputError(
            f"affinity must be finite; affinity[{i}, {j}] is {w[i, j]} "
            "(use apart=[{i, j}] for people who must not share a room)"
        )
    check_magnitude("affinity", w)
    rtol = max(_SYMMETRY_RTOL, 16 * float(np.finfo(a.dtype).eps)) if a.dtype.kind == "f" else 0
    bad = np.abs(w - w.T) > rtol * np.maximum(np.abs(w), np.abs(w.T)) + 1e-12
    if bad.any():
        i, j = (int(v) for v in np.argwhere(np.triu(bad, 1) | np.tril(bad, -1))[0])
        raise InvalidInputError(
            f"affinity must be symmetric: affinity[{i}, {j}] = {w[i, j]!r} but "
            f"affinity[{j}, {i}] = {w[j, i]!r}"
        )
    return (w + w.T) / 2


def _sizes_iv(sizes: Sequence[tuple[int, int]]) -> tuple[Array, Array]:
    try:
        rows = [tuple(s) for s in sizes]
    except TypeError:
        raise InvalidInputError(
            f"sizes must be a list of (min, max) seats per room; got {sizes!r}"
        ) from None
    if not rows:
        raise InvalidInputError("sizes must list at least one room as (min, max) seats")
    lo = np.zeros(len(rows), dtype=np.int64)
    hi = np.zeros(len(rows), dtype=np.int64)
    for g, row in enumerate(rows):
        if len(row) != 2 or not all(_is_int(v) for v in row):
            raise InvalidInputError(f"sizes[{g}] must be two integers (min, max); got {row!r}")
        lo[g], hi[g] = int(row[0]), int(row[1])
        if lo[g] < 0 or hi[g] < 1 or lo[g] > hi[g]:
            raise InvalidInputError(
                f"sizes[{g}] = {row!r} must satisfy 0 <= min <= max and max >= 1"
            )
    return lo, hi


def _labels_iv(value: npt.ArrayLike, name: str, n: int) -> Array:
    a = np.asarray(value)
    if a.shape != (n,) or not np.issubdtype(a.dtype, np.integer):
        raise InvalidInputError(
            f"{name} must be an int array of length {n}; got shape {a.shape}, dtype {a.dtype}"
        )
    return a.astype(np.int64)


def _index_sets_iv(value: Iterable[Iterable[int]] | None, name: str, n: int) -> list[Array]:
    if value is None:
        return []
    out: list[Array] = []
    for k, members in enumerate(value):
        try:
            items = list(members)
        except TypeError:
            raise InvalidInputError(
                f"{name}[{k}] must be a set of participant indices; got {members!r}"
            ) from None
        if not all(_is_int(v) for v in items):
            raise InvalidInputError(f"{name}[{k}] must hold integer indices; got {items!r}")
        bad = [int(v) for v in items if not 0 <= int(v) < n]
        if bad:
            raise InfeasibleError(
                f"{name}[{k}] names participant {bad[0]}, out of range: indices are 0..{n - 1}",
                rule=name,
            )
        out.append(np.unique(np.asarray(items, dtype=np.int64)))
    return out


def _room_index(room: Any, names: list[str], what: str) -> int:
    if isinstance(room, str):
        if room not in names:
            raise InfeasibleError(
                f"{what} names room '{room}', which is not one of {names}", rule="pins"
            )
        return names.index(room)
    if not _is_int(room) or not 0 <= int(room) < len(names):
        raise InfeasibleError(
            f"{what} names room {room!r}, out of range: rooms are 0..{len(names) - 1}",
            rule="pins",
        )
    return int(room)


def _pins_iv(
    pins: Iterable[tuple[int, int | str, int | None]] | None,
    n: int,
    rounds: int,
    names: list[str],
) -> Array:
    out = np.full((rounds, n), -1, dtype=np.int64)
    if pins is None:
        return out
    for k, pin in enumerate(pins):
        row = tuple(pin)
        if len(row) == 2:
            row = (*row, None)
        if len(row) != 3:
            raise InvalidInputError(
                f"pins[{k}] must be (participant, room, round or None); got {pin!r}"
            )
        who_: Any
        rnd: Any
        who_, room, rnd = row
        if not _is_int(who_) or not 0 <= int(who_) < n:
            raise InfeasibleError(
                f"pins[{k}] names participant {who_!r}, out of range: indices are 0..{n - 1}",
                rule="pins",
            )
        g = _room_index(room, names, f"pins[{k}]")
        if rnd is not None and (not _is_int(rnd) or not 0 <= int(rnd) < rounds):
            raise InfeasibleError(
                f"pins[{k}] names round {rnd!r}, out of range: rounds are 0..{rounds - 1}",
                rule="pins",
            )
        who = int(who_)
        for r in range(rounds) if rnd is None else [int(rnd)]:
            old = int(out[r, who])
            if old not in (-1, g):
                raise InfeasibleError(
                    f"participant {who} is pinned to rooms '{names[old]}' and '{names[g]}' "
                    f"in round {r + 1}",
                    rule="pins",
                )
            out[r, who] = g
    return out


def _weight_iv(value: float | None, name: str, default: float) -> float:
    if value is None:
        return default
    if not isinstance(value, int | float | np.number) or not math.isfinite(value) or value < 0:
        raise InvalidInputError(f"{name} must be a finite number >= 0; got {value!r}")
    return float(value)


def breakouts_instance(
    affinity: npt.ArrayLike,
    sizes: Sequence[tuple[int, int]],
    seats: npt.ArrayLike | None,
    rounds: int,
    fit: npt.ArrayLike | None,
    pins: Iterable[tuple[int, int | str, int | None]] | None,
    apart: Iterable[Iterable[int]] | None,
    together: Iterable[Iterable[int]] | None,
    repeat_penalty: float | None,
    time_limit: float | None,
    seed: int | None,
    mode: str,
    room_names: Sequence[str] | None,
    country: npt.ArrayLike | None,
    max_per_country: int | None,
    country_weight: float | None,
    groups: npt.ArrayLike | None,
    mix_weight: float | None,
    language: npt.ArrayLike | None,
    language_weight: float | None,
    initial: npt.ArrayLike | None,
    max_iterations: int | None,
    *,
    balance: bool = True,
) -> SolverInstance:
    """The arguments of :func:`solve_breakouts`, checked, as the instance the search works on
    (its mode matrix, soft-rule penalties, pins and sets): baselines that must optimise
    exactly what the solver optimises start from it."""
    if mode not in MODES:
        raise InvalidInputError(f"mode '{mode}' must be in {list(MODES)}")
    if not isinstance(balance, bool | np.bool_):
        raise InvalidInputError(f"balance must be True or False; got {balance!r}")
    a = _affinity_iv(affinity)
    n = a.shape[0]
    matrix = a if mode == "affinity" else 1.0 - a
    np.fill_diagonal(matrix, 0.0)
    lo, hi = _sizes_iv(sizes)
    g = lo.shape[0]
    if room_names is None:
        names = [str(k) for k in range(g)]
    else:
        names = [str(s) for s in room_names]
        if len(names) != g or len(set(names)) != g:
            raise InvalidInputError(
                f"room_names must give {g} distinct names, one per room; got {list(room_names)}"
            )
    if not _is_int(rounds) or rounds < 1:
        raise InvalidInputError(f"rounds must be an integer >= 1; got {rounds!r}")
    if seats is None:
        st = np.ones(n, dtype=np.int64)
    else:
        st = np.asarray(seats)
        if st.shape != (n,) or not np.issubdtype(st.dtype, np.integer) or (st < 1).any():
            raise InvalidInputError(
                f"seats must be an int array of length {n} with values >= 1; got {seats!r}"
            )
        st = st.astype(np.int64)
    fit_arr = None
    if fit is not None:
        fit_arr = np.asarray(fit, dtype=np.float64)
        if fit_arr.shape != (n, g) or not np.isfinite(fit_arr).all():
            raise InvalidInputError(
                f"fit must be a finite array of shape ({n}, {g}) (participants x rooms); "
                f"got shape {fit_arr.shape}"
            )
        check_magnitude("fit", fit_arr)
    if max_iterations is not None and (not _is_int(max_iterations) or max_iterations < 0):
        raise InvalidInputError(
            f"max_iterations must be None or an integer >= 0; got {max_iterations!r}"
        )
    if time_limit is not None and not (isinstance(time_limit, int | float) and time_limit > 0):
        raise InvalidInputError(f"time_limit must be None or a number > 0; got {time_limit!r}")
    off = np.abs(matrix[~np.eye(n, dtype=bool)]) if n > 1 else np.zeros(1)
    # Soft rules weigh like a typical pair; a repeat like twice the strongest pair.
    scale = float(off.mean()) if off.size and off.max() > 0 else 1.0
    strongest = float(off.max()) if off.size and off.max() > 0 else 1.0

    soft = np.zeros((n, n), dtype=np.float64)
    ctry = None
    cap = 0
    if (country is None) != (max_per_country is None):
        raise InvalidInputError("country and max_per_country go together: give both or neither")
    if country is not None:
        ctry = _labels_iv(country, "country", n)
        if not _is_int(max_per_country) or int(max_per_country) < 1:  # type: ignore[arg-type]
            raise InvalidInputError(
                f"max_per_country must be an integer >= 1; got {max_per_country!r}"
            )
        cap = int(max_per_country)  # type: ignore[arg-type]
        labels, counts = np.unique(ctry, return_counts=True)
        crowded = np.isin(ctry, labels[counts > cap])
        same = (ctry[:, None] == ctry[None, :]) & crowded[:, None]
        soft += _weight_iv(country_weight, "country_weight", scale) * same
    grp = None
    if groups is not None:
        grp = _labels_iv(groups, "groups", n)
        soft += _weight_iv(mix_weight, "mix_weight", scale / 2) * (grp[:, None] == grp[None, :])
    lang = None
    if language is not None:
        lang = np.asarray(language)
        if lang.ndim != 2 or lang.shape[0] != n or lang.dtype != np.bool_:
            raise InvalidInputError(
                f"language must be a boolean array of shape ({n}, languages); "
                f"got shape {lang.shape}, dtype {lang.dtype}"
            )
        shared = (lang.astype(np.int64) @ lang.T.astype(np.int64)) > 0
        soft += _weight_iv(language_weight, "language_weight", scale) * ~shared
    np.fill_diagonal(soft, 0.0)

    init = None
    if initial is not None:
        init = np.asarray(initial)
        if init.ndim == 1:
            init = np.broadcast_to(init, (rounds, *init.shape))
        if (
            init.shape != (rounds, n)
            or not np.issubdtype(init.dtype, np.integer)
            or (init < 0).any()
            or (init >= g).any()
        ):
            raise InvalidInputError(
                f"initial must hold room indices 0..{g - 1} of shape ({n},) or ({rounds}, {n}); "
                f"got shape {init.shape}"
            )
        init = init.astype(np.int64)
    return SolverInstance(
        matrix=matrix,
        soft=soft,
        seats=st,
        lo=lo,
        hi=hi,
        fit=fit_arr,
        pins=_pins_iv(pins, n, rounds, names),
        apart=[s for s in _index_sets_iv(apart, "apart", n) if s.size > 1],
        together=[s for s in _index_sets_iv(together, "together", n) if s.size > 1],
        names=names,
        rounds=int(rounds),
        repeat_penalty=_weight_iv(repeat_penalty, "repeat_penalty", 2 * strongest),
        time_limit=None if time_limit is None else float(time_limit),
        seed=seed,
        initial=init,
        max_iterations=max_iterations,
        balance=bool(balance),
        country=ctry,
        max_per_country=cap,
        groups=grp,
        language=lang,
    )


# --------------------------------------------------------------------------- feasibility


def _fmt_set(members: Array) -> str:
    shown = ", ".join(str(int(v)) for v in members[:8])
    return "{" + shown + (", ..." if members.size > 8 else "") + "}"


def contract_together(p: SolverInstance) -> tuple[Array, list[Array]]:
    """Node of each participant: keep-together sets that overlap are merged (union-find)."""
    parent = np.arange(p.n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for members in p.together:
        root = find(int(members[0]))
        for v in members[1:]:
            other = find(int(v))
            if other != root:
                parent[other] = root
    roots = np.array([find(i) for i in range(p.n)])
    _, node_of = np.unique(roots, return_inverse=True)
    node_of = node_of.astype(np.int64)
    order = np.argsort(node_of, kind="stable")
    bounds = np.flatnonzero(np.diff(node_of[order])) + 1
    return node_of, list(np.split(order, bounds))


def _check_feasible(p: SolverInstance, node_of: Array, members: list[Array]) -> None:
    """Raise :class:`InfeasibleError` on every hard rule that cannot be met, before searching."""
    total = int(p.seats.sum())
    if total > int(p.hi.sum()):
        raise InfeasibleError(
            f"the participants take {total} seats but the rooms hold at most "
            f"{int(p.hi.sum())} (the sum of their maximum sizes)",
            rule="sizes",
        )
    if total < int(p.lo.sum()):
        raise InfeasibleError(
            f"the rooms need at least {int(p.lo.sum())} seats (the sum of their minimum sizes) "
            f"but the participants take only {total}",
            rule="sizes",
        )
    for k, s in enumerate(p.apart):
        if s.size > p.g:
            raise InfeasibleError(
                f"keep-apart set apart[{k}] = {_fmt_set(s)} has {s.size} participants but "
                f"there are only {p.g} rooms",
                rule="apart",
            )
    largest = int(p.hi.max())
    for nodes in members:
        if nodes.size < 2:
            continue
        need = int(p.seats[nodes].sum())
        if need > largest:
            raise InfeasibleError(
                f"keep-together participants {_fmt_set(nodes)} take {need} seats but the "
                f"largest room holds {largest}",
                rule="together",
            )
    for k, s in enumerate(p.apart):
        nodes, first = np.unique(node_of[s], return_index=True)
        if nodes.size < s.size:
            dup = np.setdiff1d(np.arange(s.size), first)[0]
            j = int(s[dup])
            i = int(s[node_of[s] == node_of[j]][0])
            raise InfeasibleError(
                f"participants {i} and {j} must share a room (keep-together) and be in "
                f"different rooms (keep-apart set apart[{k}])",
                rule="together/apart",
            )
    for r in range(p.rounds):
        where = f" in round {r + 1}" if p.rounds > 1 else ""
        for nodes in members:
            rooms = p.pins[r, nodes]
            pinned = np.unique(rooms[rooms >= 0])
            if pinned.size > 1:
                a = int(nodes[rooms == pinned[0]][0])
                b = int(nodes[rooms == pinned[1]][0])
                raise InfeasibleError(
                    f"participants {a} and {b} must share a room (keep-together) but are "
                    f"pinned to rooms '{p.names[pinned[0]]}' and '{p.names[pinned[1]]}'{where}",
                    rule="together/pins",
                )
        for g in range(p.g):
            mask = p.pins[r] == g
            # A keep-together partner of a pinned participant goes with them.
            mask = np.isin(node_of, node_of[mask])
            count, need = int(mask.sum()), int(p.seats[mask].sum())
            if need > int(p.hi[g]):
                taken = f" ({need} seats)" if need != count else ""
                raise InfeasibleError(
                    f"{count} participants{taken} pinned to room '{p.names[g]}' of capacity "
                    f"{int(p.hi[g])}{where}",
                    rule="pins",
                )
        for k, s in enumerate(p.apart):
            rooms = p.pins[r, s]
            for g in np.unique(rooms[rooms >= 0]):
                both = s[rooms == g]
                if both.size > 1:
                    raise InfeasibleError(
                        f"participants {int(both[0])} and {int(both[1])} are pinned to room "
                        f"'{p.names[int(g)]}'{where} but must be in different rooms "
                        f"(keep-apart set apart[{k}])",
                        rule="pins/apart",
                    )


def _hard_rule_breaks(p: SolverInstance, rooms: Array) -> list[str]:
    """What of the hard rules an allocation ``rooms`` (rounds x participants) breaks: room
    sizes, pins, keep-apart, keep-together (:func:`~matchmaker.solvers.rules.check_allocation`).
    Empty for every answer the solver gives; checked on each answer all the same, so that an
    answer breaking one is an error, never a result."""
    return [v.message for v in check_allocation(p, rooms) if v.hard]


# --------------------------------------------------------------------------- bounds


def _water_fill(n: int, caps: Array, cost: Any) -> int:
    """Minimum of ``sum_g f(m_g)`` over ``sum m_g = n``, ``0 <= m_g <= caps[g]`` for a convex
    ``f`` given by its marginal ``cost(m) = f(m + 1) - f(m)`` (greedy is exact)."""
    m = np.zeros(caps.size, dtype=np.int64)
    total = 0
    for _ in range(n):
        open_ = m < caps
        if not open_.any():
            break
        marg = np.where(open_, [cost(int(v)) for v in m], np.iinfo(np.int64).max)
        g = int(np.argmin(marg))
        total += int(marg[g])
        m[g] += 1
    return total


def _repeats_lower_bound(p: SolverInstance, members: list[Array]) -> tuple[int, int]:
    """A lower bound on repeated encounters, and the part forced by the hard rules.

    Three counts, each valid alone (the bound is their maximum):

    1. forced: a pair pinned to one room (or kept together) in ``f`` rounds repeats ``f - 1``.
    2. pigeonhole on pairs: every round holds at least ``P`` pairs (``n`` people spread as
       evenly as the capacities allow, ``P = sum C(m_g, 2)``), so ``R`` rounds hold ``R * P``
       encounters among the ``C(n, 2)`` pairs minus the keep-apart pairs; the surplus repeats.
    3. pairs of rounds: the ``m`` people of a room in one round come from the ``G`` rooms of
       any other round, so at least ``Q(m)`` of their pairs met there already (``m`` split
       into ``G`` parts as evenly as possible, ``Q = sum C(x_h, 2)``); over the ``C(R, 2)``
       pairs of rounds this counts ``sum_pairs C(k, 2) >= C(R, 2) * sum_g Q(m_g)``, and
       ``k - 1 >= C(k, 2) * 2 / R`` for ``k <= R`` meetings, so repeats ``>= (R - 1) * Q``.
    """
    n, rounds, g = p.n, p.rounds, p.g
    # People per room: at most the number of smallest delegations that fit in its seats.
    cum = np.cumsum(np.sort(p.seats))
    caps = np.searchsorted(cum, p.hi, side="right").astype(np.int64)
    forced_meet = np.zeros((n, n), dtype=np.int64)
    for r in range(rounds):
        pinned = p.pins[r]
        same = (pinned[:, None] == pinned[None, :]) & (pinned[:, None] >= 0)
        forced_meet += same
    for nodes in members:
        if nodes.size > 1:
            forced_meet[np.ix_(nodes, nodes)] = rounds
    np.fill_diagonal(forced_meet, 0)
    forced = int(np.triu(np.maximum(forced_meet - 1, 0), 1).sum())
    apart_pairs = np.zeros((n, n), dtype=bool)
    for s in p.apart:
        apart_pairs[np.ix_(s, s)] = True
    np.fill_diagonal(apart_pairs, False)
    available = n * (n - 1) // 2 - int(np.triu(apart_pairs, 1).sum())
    per_round = _water_fill(n, caps, lambda m: m)
    pigeonhole = rounds * per_round - available
    across = (rounds - 1) * _water_fill(n, caps, lambda m: m // g)
    return max(forced, pigeonhole, across, 0), forced


def _upper_bound(w: Array, bonus: Array | None, fixed: Array, seats: Array, hi: Array) -> float:
    """Proven bound of one round on the contracted graph: a node shares a room with at most
    ``k`` others (the most nodes any room can seat, minus one), so the pairs within rooms sum
    to at most half the sum over nodes of their ``k`` largest positive weights; plus each
    node's best allowed room bonus."""
    nn = w.shape[0]
    cum = np.cumsum(np.sort(seats))
    k = int(np.searchsorted(cum, int(hi.max()), side="right")) - 1
    pos = np.clip(w, 0.0, None)
    if 0 < k < nn - 1:
        top = -np.partition(-pos, k - 1, axis=1)[:, :k]
        pairs = 0.5 * float(top.sum())
    else:
        pairs = 0.5 * float(pos.sum()) if k > 0 else 0.0
    if bonus is None:
        return pairs
    best = bonus.max(axis=1)
    pinned = fixed >= 0
    best[pinned] = bonus[pinned, fixed[pinned]]
    return pairs + float(best.sum())


# --------------------------------------------------------------------------- exact


def _exact(
    p: SolverInstance,
    w: Array,
    seats: Array,
    bounds: tuple[Array, Array],
    bonus: Array | None,
    fixed: Array,
    conflict: Array,
    t0: float,
) -> Array | None:
    """The optimal room of each node of one round within the room sizes ``bounds`` (exhaustive
    search over room subsets), or ``None`` when the time limit (counted from ``t0``) ran out
    before the search finished."""
    left = None if p.time_limit is None else p.time_limit - (time.perf_counter() - t0)
    try:
        found = exact_search(
            w,
            seats,
            *bounds,
            bonus=bonus,
            fixed=fixed,
            conflict=conflict if conflict.any() else None,
            time_limit=left,
        )
    except InfeasibleError:
        raise InfeasibleError(
            "no allocation keeps the room sizes, pins and keep-apart sets together",
            rule="sizes",
        ) from None
    return None if found is None else np.asarray(found[0], dtype=np.int64)


# --------------------------------------------------------------------------- balance


def _size_ranges(
    p: SolverInstance, seats: Array, fixed: Array, start: Array | None
) -> Iterator[tuple[Array, Array]]:
    """The room sizes one round is searched with, the most even first.

    With ``p.balance`` the first range is :func:`~matchmaker.solvers.rules.even_sizes` of the
    seats, where the seats pinned to a room (``fixed``, nodes) and its minimum are floors, and
    widened to hold the sizes of a ``start`` (a re-plan starts from the rooms people have).
    Delegations or keep-together sets of several seats can make those sizes unreachable; the
    caller then takes the next range, one seat wider each side, the last one the rooms' own
    ``(lo, hi)``: the first range reached has the smallest distance from even. Without
    ``p.balance`` that is the only range.
    """
    own = (p.lo, p.hi)
    total = int(seats.sum())
    pinned = np.bincount(fixed[fixed >= 0], weights=seats[fixed >= 0], minlength=p.g)
    floor = np.maximum(p.lo, pinned.astype(np.int64))
    if not p.balance or int(floor.sum()) > total:
        yield own
        return
    lo, hi = even_sizes(total, floor, p.hi)
    if start is not None:
        used = np.bincount(start, weights=seats, minlength=p.g).astype(np.int64)
        lo, hi = np.minimum(lo, used), np.maximum(hi, used)
    k = 0
    while True:
        a, b = np.maximum(p.lo, lo - k), np.minimum(p.hi, hi + k)
        yield a, b
        if (a == p.lo).all() and (b == p.hi).all():
            return
        k += 1


# --------------------------------------------------------------------------- start


def _budget(nodes: int, max_iterations: int | None, time_limit: float | None) -> int | None:
    """Moves per round: as given; else, without a time limit, the engine's budget
    ``20,000 + 200 N`` capped at ``max(1,000, 10**9 / N**2)``, as a move costs O(N²)."""
    if max_iterations is not None or time_limit is not None:
        return max_iterations
    return min(20_000 + 200 * nodes, max(1_000, 10**9 // max(nodes, 1) ** 2))


def _draft(
    w: Array,
    seats: Array,
    lo: Array,
    hi: Array,
    bonus: Array | None,
    fixed: Array,
    conflict: Array,
    rng: np.random.Generator,
) -> Array | None:
    """A weight-aware feasible start, or ``None`` when the draft cannot keep every rule.

    Pins first; then rooms take turns, the one furthest below its share of the seats first,
    each taking the free node of most weight with its members (so a round with repeat
    penalties starts from few repeats). The engine's own construction ignores the weights.
    """
    nn, g = w.shape[0], lo.shape[0]
    total = int(seats.sum())
    slack = (total - int(lo.sum())) / max(int((hi - lo).sum()), 1)
    target = lo + slack * (hi - lo)
    assign = fixed.copy()
    size = np.bincount(assign[assign >= 0], weights=seats[assign >= 0], minlength=g)
    gain = np.zeros((nn, g)) if bonus is None else bonus.copy()
    clash = np.zeros((nn, g), dtype=np.int64)
    for i in np.flatnonzero(assign >= 0):
        gain[:, assign[i]] += w[:, i]
        clash[:, assign[i]] += conflict[:, i]
    gain += 1e-9 * rng.random((nn, g))  # random ties
    free = assign < 0
    open_ = size < hi
    while free.any():
        room = np.where(open_, target - size, -np.inf)
        h = int(np.argmax(room))
        if not open_[h]:
            return None
        ok = free & (clash[:, h] == 0) & (size[h] + seats <= hi[h])
        if not ok.any():
            open_[h] = False
            continue
        pick = int(np.argmax(np.where(ok, gain[:, h], -np.inf)))
        assign[pick] = h
        size[h] += seats[pick]
        free[pick] = False
        gain[:, h] += w[:, pick]
        clash[:, h] += conflict[:, pick]
    if (size < lo).any() or (size > hi).any():
        return None
    return assign


# --------------------------------------------------------------------------- one round


def _round(
    p: SolverInstance,
    r: int,
    bounds: tuple[Array, Array],
    exact: bool,
    w_nodes: Array,
    seats_nodes: Array,
    fit_nodes: Array | None,
    fixed: Array,
    conflict: Array,
    contract: Any,
    met: Array,
    given: Array | None,
    rng: np.random.Generator,
    seed: int,
    t0: float,
) -> tuple[Array, bool, bool]:
    """The room of each node in round ``r`` with room sizes within ``bounds``, whether the
    exact search proved it optimal, and whether the time limit cut that search short. Raises
    :class:`InfeasibleError` when no allocation within ``bounds`` was found."""
    if exact:
        found = _exact(p, w_nodes, seats_nodes, bounds, fit_nodes, fixed, conflict, t0)
        if found is not None:
            return found, True, False
    lo, hi = bounds
    left = None
    if p.time_limit is not None:
        left = max(1e-3, (p.time_limit - (time.perf_counter() - t0)) / (p.rounds - r))
    weights = w_nodes
    if r > 0 and p.repeat_penalty > 0:
        seen = np.asarray(contract.T @ (contract.T @ met.astype(np.float64)).T)
        seen = (seen + seen.T) / 2
        weights = w_nodes - p.repeat_penalty * seen
        np.fill_diagonal(weights, 0.0)
    start = given
    if start is None:
        start = _draft(weights, seats_nodes, lo, hi, fit_nodes, fixed, conflict, rng)
    node_room, _ = local_search(
        np.ascontiguousarray(weights),
        seats_nodes,
        lo,
        hi,
        bonus=fit_nodes,
        fixed=fixed if (fixed >= 0).any() else None,
        conflict=conflict if conflict.any() else None,
        initial=start,
        time_limit=left,
        max_iterations=_budget(seats_nodes.shape[0], p.max_iterations, p.time_limit),
        seed=seed,
    )
    return np.asarray(node_room, dtype=np.int64), False, exact


# --------------------------------------------------------------------------- reporting


def _room_report(p: SolverInstance, rooms: Array) -> tuple[list[dict[str, Any]], list[Violation]]:
    """Per round and room: the participants, seats, matrix value and soft-rule penalty; and
    the soft rules missed (:func:`~matchmaker.solvers.rules.check_allocation`)."""
    per_room: list[dict[str, Any]] = []
    for r in range(p.rounds):
        for g in range(p.g):
            who = np.flatnonzero(rooms[r] == g)
            sub = np.ix_(who, who)
            per_room.append(
                {
                    "round": r,
                    "room": p.names[g],
                    "participants": int(who.size),
                    "seats": int(p.seats[who].sum()),
                    "value": float(np.triu(p.matrix[sub], 1).sum()),
                    "soft_penalty": float(np.triu(p.soft[sub], 1).sum()),
                }
            )
    violations = [v for v in check_allocation(p, rooms) if not v.hard]
    return per_room, violations


# --------------------------------------------------------------------------- public


def solve_breakouts(
    affinity: npt.ArrayLike,
    sizes: Sequence[tuple[int, int]],
    *,
    seats: npt.ArrayLike | None = None,
    rounds: int = 1,
    fit: npt.ArrayLike | None = None,
    pins: Iterable[tuple[int, int | str, int | None]] | None = None,
    apart: Iterable[Iterable[int]] | None = None,
    together: Iterable[Iterable[int]] | None = None,
    repeat_penalty: float | None = None,
    time_limit: float | None = None,
    seed: int | None = None,
    mode: str = "affinity",
    room_names: Sequence[str] | None = None,
    country: npt.ArrayLike | None = None,
    max_per_country: int | None = None,
    country_weight: float | None = None,
    groups: npt.ArrayLike | None = None,
    mix_weight: float | None = None,
    language: npt.ArrayLike | None = None,
    language_weight: float | None = None,
    initial: npt.ArrayLike | None = None,
    max_iterations: int | None = None,
    balance: bool = True,
    progress: ProgressFn | None = None,
) -> BreakoutsResult:
    """Split participants into breakout rooms, over one or more rounds.

    Parameters
    ----------
    affinity:
        Symmetric ``n x n`` matrix of finite pair values within ``±MAX_ABS_VALUE`` (1e9; the
        diagonal is ignored).
    sizes:
        ``(min, max)`` seats of each room.
    seats:
        Seats each participant (a delegation) takes; 1 each by default.
    rounds:
        Number of rounds; each is solved in turn, charging earlier encounters.
    fit:
        ``n x rooms`` bonus of a participant in a room (topic fit), added in every round.
    pins:
        ``(participant, room, round)`` triples; ``room`` is an index or a name of
        ``room_names``; ``round`` (0-based) ``None`` pins every round. Hard.
    apart:
        Sets of participants who are in different rooms in every round. Hard.
    together:
        Sets of participants who share a room in every round. Hard. Overlapping sets merge.
    repeat_penalty:
        Charged per earlier encounter of a pair in the next rounds' weights. Default: twice
        the largest ``|value|`` of the mode matrix, so that a repeated pair always weighs less
        than any pair that has not met (before soft rules).
    time_limit:
        Seconds for the whole search (shared by the rounds); ``None``: the search stops at a
        local optimum, deterministic for a given ``seed``.
    seed:
        Seed of the search (``np.random.default_rng(seed)`` draws one per round).
    mode:
        ``"affinity"``: maximise the sum of ``affinity`` over pairs that share a room (similar
        people together). ``"diversity"``: maximise the sum of ``1 - affinity`` (the maximally
        diverse grouping problem; to maximise a dissimilarity ``d`` of your own, pass
        ``affinity = 1 - d``).
    room_names:
        Names of the rooms, for messages, pins and violations; the indices by default.
    country, max_per_country, country_weight:
        Soft cap: at most ``max_per_country`` participants of one country (int labels) per
        room. Same-country pairs of countries with more than the cap pay ``country_weight``
        (default: the mean ``|value|`` over pairs, called the scale below).
    groups, mix_weight:
        Soft mix of types (int labels, e.g. helix roles): same-group pairs pay ``mix_weight``
        (default: half the scale), which spreads each group over the rooms. A room without a
        group that has at least one member per room is reported.
    language, language_weight:
        ``n x L`` booleans, the languages each participant speaks. Pairs without a common
        language pay ``language_weight`` (default: the scale); a room where no language is
        spoken by all is reported.
    initial:
        Room of each participant, ``(n,)`` for every round or ``(rounds, n)``: a start for the
        search (it must keep every hard rule). By default each round starts from a greedy
        draft on its weights.
    max_iterations:
        Moves of the local search per round; ``None``: until the time is up with a
        ``time_limit``, else ``min(20,000 + 200 N, max(1,000, 10**9 / N**2))`` for ``N`` nodes
        (a move costs O(N²); about 10 s a round for 1,000 participants).
    balance:
        Rooms as even as their sizes allow (default): each round is searched with the room
        sizes of :func:`~matchmaker.solvers.rules.even_sizes`, where a room's minimum and the
        seats pinned to it are floors, so that rooms differ by at most one seat unless a
        capacity, a minimum or a pin forces otherwise (a room holds as many as it can, or as
        many as it must); when delegations of several seats make those sizes unreachable,
        they widen one seat at a time up to ``sizes``. ``stats["size_bounds"]`` gives the
        sizes each round was searched with. ``False``: any size within ``sizes`` (with
        positive affinities the search then fills rooms to capacity).
    progress:
        ``progress(fraction, message)``, called at the boundaries of the phases (each
        round's start and its improvement, the final check) with the share done (0..1, never
        going back) and a phrase ("improving the rooms, round 2 of 3"). An exception it
        raises stops the search and goes to the caller.

    Returns
    -------
    BreakoutsResult
        ``objective`` is the sum over rounds of the mode matrix over pairs in a room, plus the
        ``fit`` of each participant's room, minus the soft-rule penalties (repeat penalties are
        not part of it). ``upper_bound`` (for the room sizes searched, see ``balance``): for
        one round of at most :data:`EXACT_LIMIT` nodes, the proven optimum
        (``stats["method"] == "exact"``, status ``optimal``); otherwise, or when
        ``time_limit`` stops the exact search first (``stats["time_limit_reached"]``),
        per round half the sum over nodes of their ``k`` largest positive weights (``k + 1``
        the most nodes a room can hold) plus each node's best fit (``stats["method"] ==
        "local search"``, status ``feasible``).

    Raises
    ------
    InfeasibleError
        Before any search, naming the rule (``err.rule``): total seats outside the sum of the
        rooms' minimum and maximum (``sizes``); more seats pinned to a room than it holds, a
        participant pinned to two rooms in one round, out-of-range indices (``pins``); a
        keep-apart set larger than the number of rooms (``apart``); a keep-together set larger
        than the largest room (``together``); a keep-together set holding two members of one
        keep-apart set (``together/apart``) or pinned to two rooms (``together/pins``); two
        members of a keep-apart set pinned to one room (``pins/apart``).
    InvalidInputError
        When an argument has the wrong shape, type or range.

    Notes
    -----
    Keep-together sets are contracted into nodes (summed seats, summed pair values, summed
    fit). Each round costs one local search over the ``N x N`` node weights, O(N²) memory.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=float)
    >>> res = solve_breakouts(a, [(2, 2), (2, 2)], seed=0)
    >>> res.objective, res.status, bool(res.rooms[0, 0] == res.rooms[0, 1])
    (2.0, 'optimal', True)
    """
    t0 = time.perf_counter()
    report = Progress(progress)
    report(0.0, "checking the rooms and the rules")
    p = breakouts_instance(
        affinity,
        sizes,
        seats,
        rounds,
        fit,
        pins,
        apart,
        together,
        repeat_penalty,
        time_limit,
        seed,
        mode,
        room_names,
        country,
        max_per_country,
        country_weight,
        groups,
        mix_weight,
        language,
        language_weight,
        initial,
        max_iterations,
        balance=balance,
    )
    node_of, members = contract_together(p)
    _check_feasible(p, node_of, members)
    n, nn, g, rounds_ = p.n, len(members), p.g, p.rounds
    contract = sp.csr_array((np.ones(n), (np.arange(n), node_of)), shape=(n, nn))
    base = p.matrix - p.soft
    w_nodes = np.asarray(contract.T @ (contract.T @ base).T)
    w_nodes = (w_nodes + w_nodes.T) / 2  # exactly symmetric after the sums
    inside = float(base.sum() - w_nodes.sum()) / 2  # pairs within keep-together nodes
    np.fill_diagonal(w_nodes, 0.0)
    seats_nodes = np.asarray(contract.T @ p.seats).astype(np.int64)
    fit_nodes = None if p.fit is None else np.asarray(contract.T @ p.fit)
    conflict_p = np.zeros((n, n), dtype=np.float64)
    for s in p.apart:
        conflict_p[np.ix_(s, s)] = 1.0
    conflict = np.asarray(contract.T @ (contract.T @ conflict_p).T) > 0
    np.fill_diagonal(conflict, False)
    first = np.array([m[0] for m in members])
    fixed_nodes = np.full((rounds_, nn), -1, dtype=np.int64)
    for r in range(rounds_):
        np.maximum.at(fixed_nodes[r], node_of, p.pins[r])
    rng = np.random.default_rng(p.seed)
    seeds = rng.integers(0, 2**31 - 1, size=rounds_)
    exact = rounds_ == 1 and nn <= EXACT_LIMIT
    rooms = np.zeros((rounds_, n), dtype=np.int64)
    met = np.zeros((n, n), dtype=np.int64)
    objective = 0.0
    bound = 0.0
    proven = False  # the exact search finished: its answer is optimal
    cut_short = False  # the time limit stopped the exact search before it finished
    size_bounds: list[tuple[Array, Array]] = []
    for r in range(rounds_):
        report(0.05 + 0.9 * r / rounds_, f"placing people in rooms, round {r + 1} of {rounds_}")
        given = None if p.initial is None else p.initial[r, first]
        ranges = _size_ranges(p, seats_nodes, fixed_nodes[r], given)
        bounds = next(ranges)
        while True:  # the most even sizes that some allocation reaches
            report(
                0.05 + 0.9 * (r + 0.1) / rounds_, f"improving the rooms, round {r + 1} of {rounds_}"
            )
            try:
                node_room, proven, cut_short = _round(
                    p, r, bounds, exact, w_nodes, seats_nodes, fit_nodes, fixed_nodes[r],
                    conflict, contract, met, given, rng, int(seeds[r]), t0,
                )  # fmt: skip
                break
            except InfeasibleError:
                wider = next(ranges, None)
                if wider is None:
                    raise
                bounds = wider
        size_bounds.append(bounds)
        rooms[r] = node_room[node_of]
        same = rooms[r][:, None] == rooms[r][None, :]
        np.fill_diagonal(same, False)
        value = float(np.triu(np.where(same, base, 0.0), 1).sum())
        if p.fit is not None:
            value += float(p.fit[np.arange(n), rooms[r]].sum())
        objective += value
        if proven:
            bound += value
        else:
            bound += inside + _upper_bound(
                w_nodes, fit_nodes, fixed_nodes[r], seats_nodes, bounds[1]
            )
        met += same
    report(0.95, "checking the rooms against every rule")
    repeats = int(np.triu(np.maximum(met - 1, 0), 1).sum())
    lower, forced = _repeats_lower_bound(p, members)
    broken = _hard_rule_breaks(p, rooms)
    if broken:  # a defect of the solver, not of the input: never an answer
        raise RuntimeError("the allocation breaks hard rules: " + "; ".join(broken[:5]))
    per_room, violations = _room_report(p, rooms)
    bound = max(bound, objective)
    status: Status = "optimal" if proven else "feasible"
    rounds_word = "round" if rounds_ == 1 else "rounds"
    met_word = f"; {repeats} repeated encounters" if rounds_ > 1 else ""
    if rounds_ > 1 and lower > 0:
        met_word += f" (at least {lower} unavoidable)"
    soft_word = f"; {len(violations)} soft-rule shortfalls" if violations else ""
    message = (
        f"{n} participants in {g} rooms over {rounds_} {rounds_word}{met_word}; every hard rule "
        f"kept{soft_word}; "
        + (
            "proven optimal (exhaustive search)"
            if proven
            else ("time limit reached before the exact search finished; " if cut_short else "")
            + f"local search, within {100 * relative_gap(objective, bound):.1f}"
            " % of the upper bound"
        )
    )
    stats: dict[str, Any] = {
        "method": "exact" if proven else "local search",
        "time_limit_reached": cut_short,
        "n": n,
        "nodes": nn,
        "rooms": g,
        "rounds": rounds_,
        "mode": mode,
        "matrix_value": float(sum(d["value"] for d in per_room)),
        "fit_value": 0.0
        if p.fit is None
        else float(sum(p.fit[np.arange(n), rooms[r]].sum() for r in range(rounds_))),
        "soft_penalty": float(sum(d["soft_penalty"] for d in per_room)),
        "repeat_penalty": p.repeat_penalty,
        "forced_repeats": forced,
        "balance": p.balance,
        "size_bounds": [[lo.tolist(), hi.tolist()] for lo, hi in size_bounds],
        "per_room": per_room,
        "time_s": time.perf_counter() - t0,
    }
    result = BreakoutsResult(
        objective=objective,
        upper_bound=bound,
        gap=relative_gap(objective, bound),
        status=status,
        message=message,
        violations=tuple(v.message for v in violations),
        stats=stats,
        rooms=rooms,
        repeats=repeats,
        repeats_lower_bound=lower,
        rule_violations=tuple(violations),
    )
    report(1.0, "done")
    return result
