"""1:1 meeting schedules: which pairs meet, in which time slot, at which table.

Every meeting has a slot and a table; nobody is in two meetings of one slot, no pair meets
twice, a slot never holds more meetings than it has tables, availability and forbidden pairs are
kept, required pairs are scheduled and kept meetings stay where they are. Every answer is checked
against these rules (:func:`~matchmaker.solvers.rules.check_schedule`) before it is returned, and
the minimums it misses are its ``violations``.

The objective is lexicographic:

1. **fairness** — the smallest number of meetings among the participants who may have one
   (``max_meetings`` > 0, available in a slot, someone they may meet; or, with
   ``fair_to="requesters"``, only those who asked for a meeting) is as large as possible, so
   that nobody is left with none, or with fewer than the others, when that can be avoided;
2. **total value** — the sum over meetings of ``tier weight + score``, where the tier counts the
   requests a meeting satisfies (2 for a mutual request, 1 for a one-sided one, 0 for a pair only
   suggested by the scorer). The tier weight is larger than the score of any possible schedule,
   so a requested meeting beats any number of scorer suggestions and a mutual request beats a
   one-sided one (two one-sided requests weigh as much as one mutual request).

The search is a construction and an improvement phase over a small candidate graph (every
requested pair, every required pair and each participant's best scorer suggestions): the
fairness levels are filled one after the other with maximum-weight matchings (rustworkx), then
the remaining capacity with the most valuable pairs, then single exchanges replace a meeting by
a more valuable one while every floor stays met. Each placement may move up to three meetings
to other slots. The fairness level is bounded by an LP over who is available when
(:func:`fairness_bound`); the search raises it level by level up to that bound. Where the
exchanges stop short of the bound, an event of up to 20,000 (candidate pair, slot) columns is
searched exactly for its fairest schedule (HiGHS MILP, 10 s at most); a tiny one (400
columns) gets its most valuable schedule as fair exactly too (half a second at most). The upper
bound on value is the Lagrangian bound of an LP relaxation (HiGHS through
:func:`scipy.optimize.linprog`) taken over *every* possible pair, not only the candidates.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import rustworkx as rx
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.solvers.progress import Progress, ProgressFn
from matchmaker.solvers.result import (
    Meeting,
    ScheduleResult,
    Status,
    check_magnitude,
    relative_gap,
)
from matchmaker.solvers.rules import ScheduleInstance, check_schedule

__all__ = ["Changes", "fairness_bound", "replan", "solve_schedule"]

Array = npt.NDArray[Any]
Pair = tuple[int, int]

#: Scorer suggestions kept as candidates per participant, beyond the requested pairs.
_SUGGESTIONS_PER_PARTICIPANT = 8
#: Up to this many participants every allowed pair is a candidate: the matchings stay small,
#: and where everyone meets in nearly every slot (each meeting held by a fairness floor) the
#: exchanges need partners beyond the best few to reach the value of the best schedule (the
#: Leuven workshop, 32 people in 6 slots: 96.8 % of the exact optimum with 8 suggestions per
#: person, 99.6 % with every pair, in 0.1 s).
_ALL_PAIRS_UP_TO = 100
#: Integer resolution of a score span in the matching weights.
_RESOLUTION = 10_000
#: Random low bits that break ties between equal matching weights.
_TIE_BITS = 20
#: Work of the two-slot re-matching, in candidate pairs looked at per candidate pair.
_PAIR_WORK = 16
#: Largest exact fairness search, in (candidate pair, slot) columns of its MILP: about the
#: candidates of an event of 150 participants over 12 slots.
_EXACT_FAIRNESS_COLUMNS = 20_000
#: Seconds the exact fairness search may take at most.
_EXACT_FAIRNESS_SECONDS = 10.0
#: The exact value search, after the exchanges, is harder for HiGHS: it is kept to tiny
#: events (a dozen participants over a few slots) and half a second.
_EXACT_VALUE_COLUMNS = 400
_EXACT_VALUE_SECONDS = 0.5


# --------------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class _Problem(ScheduleInstance):
    """The validated problem: the rules (:class:`~matchmaker.solvers.rules.ScheduleInstance`,
    with ``hi`` the most meetings each can have), the scores and the search's settings; arrays
    are owned and never changed after validation."""

    tables: Array  # (slots,) int
    avail: Array  # (n, slots) bool
    lo: Array  # (n,) int: min meetings
    required: tuple[Pair, ...]
    scores: Array  # (n, n) float, -inf on the diagonal and for forbidden pairs
    tier: Array  # (n, n) int8, requests satisfied by a meeting (0, 1, 2)
    requester: Array  # (n,) bool: asked for at least one meeting
    cap: Array  # (n,) int: min(max meetings, available slots)
    feasible: Array  # (n, n) bool: the pair can meet (score, forbidden, a common slot)
    keep: tuple[Meeting, ...]
    seed: Any
    time_limit: float | None
    opted_out: Array  # (n,) bool: max_meetings = 0, wants no meeting
    fair_to: str


def _is_int(x: object) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


def _per_participant(name: str, value: object, n: int, default: int | None = None) -> Array:
    if value is None:
        assert default is not None
        return np.full(n, default, dtype=np.int64)
    if _is_int(value):
        if int(value) < 0:  # type: ignore[call-overload]
            raise InvalidInputError(f"{name} must be a non-negative integer; got {value}")
        return np.full(n, int(value), dtype=np.int64)  # type: ignore[call-overload]
    arr = np.asarray(value)
    if arr.shape != (n,) or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise InvalidInputError(
            f"{name} must be an integer or an array of {n} integers (one per participant); "
            f"got shape {arr.shape} of {arr.dtype}"
        )
    if arr.size and arr.min() < 0:
        i = int(np.argmin(arr))
        raise InvalidInputError(f"{name} must be non-negative; participant {i} has {int(arr[i])}")
    return arr.astype(np.int64)


def _pairs(name: str, value: object, n: int) -> Array:
    """A (k, 2) int array of index pairs, or a boolean (n, n) matrix turned into pairs."""
    if value is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(value)
    if arr.dtype == bool and arr.shape == (n, n):
        i, j = np.nonzero(arr | arr.T)
        keep = i < j
        return np.stack([i[keep], j[keep]], axis=1).astype(np.int64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.dtype.kind not in "iu":
        raise InvalidInputError(
            f"{name} must be a sequence of index pairs (i, j) or a boolean {n}x{n} matrix; "
            f"got shape {arr.shape} of {arr.dtype}"
        )
    bad = np.nonzero((arr < 0).any(axis=1) | (arr >= n).any(axis=1) | (arr[:, 0] == arr[:, 1]))[0]
    if bad.size:
        a, b = (int(x) for x in arr[bad[0]])
        raise InvalidInputError(
            f"{name} pair ({a}, {b}) is not a pair of two different participants in 0..{n - 1}"
        )
    return arr.astype(np.int64)


def _keep(value: object, n: int, slots: int, tables: Array) -> tuple[Meeting, ...]:
    if value is None:
        return ()
    out = []
    for item in value:  # type: ignore[attr-defined]
        if isinstance(item, Meeting):
            m = item
        else:
            try:
                a, b, s, t = item
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"keep must hold Meeting objects or (a, b, slot, table) tuples; got {item!r}"
                ) from None
            if not all(_is_int(x) for x in (a, b, s, t)):
                raise InvalidInputError(f"keep entry {item!r} must hold four integers")
            m = Meeting(slot=int(s), table=int(t), a=min(int(a), int(b)), b=max(int(a), int(b)))
        if not (0 <= m.a < m.b < n):
            raise InvalidInputError(
                f"keep meeting {m} must join two different participants in 0..{n - 1}"
            )
        if not 0 <= m.slot < slots:
            raise InvalidInputError(f"keep meeting {m} has slot {m.slot}, not in 0..{slots - 1}")
        if not 0 <= m.table < tables[m.slot]:
            raise InvalidInputError(
                f"keep meeting {m} has table {m.table}, but slot {m.slot} has "
                f"{int(tables[m.slot])} tables"
            )
        out.append(m)
    return tuple(out)


def _schedule_iv(
    scores: object,
    slots: object,
    tables: object,
    availability: object,
    requests: object,
    min_meetings: object,
    max_meetings: object,
    forbidden: object,
    required: object,
    keep: object,
    seed: object,
    time_limit: object,
    fair_to: object = "everyone",
) -> _Problem:
    """Check every input once and every rule that can be refuted before the search."""
    s_arr = np.asarray(scores, dtype=np.float64) if scores is not None else np.zeros((0,))
    if s_arr.ndim != 2 or s_arr.shape[0] != s_arr.shape[1]:
        raise InvalidInputError(f"scores must be a square n x n matrix; got shape {s_arr.shape}")
    n = s_arr.shape[0]
    if np.isnan(s_arr).any() or np.isposinf(s_arr).any():
        i, j = (int(x) for x in np.argwhere(np.isnan(s_arr) | np.isposinf(s_arr))[0])
        raise InvalidInputError(
            f"scores must be finite or -inf (never meet); scores[{i}, {j}] is {s_arr[i, j]}"
        )
    check_magnitude("scores", s_arr)
    s_arr = s_arr.copy()
    np.fill_diagonal(s_arr, -np.inf)
    asym = ~((s_arr == s_arr.T) | np.isclose(s_arr, s_arr.T, rtol=1e-9, atol=1e-12))
    if asym.any():
        i, j = (int(x) for x in np.argwhere(asym)[0])
        raise InvalidInputError(
            f"scores must be symmetric; scores[{i}, {j}] = {s_arr[i, j]} but "
            f"scores[{j}, {i}] = {s_arr[j, i]}"
        )
    s_arr = np.maximum(s_arr, s_arr.T)

    if not _is_int(slots) or int(slots) < 1:  # type: ignore[call-overload]
        raise InvalidInputError(f"slots must be a positive integer; got {slots!r}")
    n_slots = int(slots)  # type: ignore[call-overload]
    if _is_int(tables):
        t_arr = np.full(n_slots, int(tables), dtype=np.int64)  # type: ignore[call-overload]
    else:
        t_arr = np.asarray(tables)
        if t_arr.shape != (n_slots,) or t_arr.dtype.kind not in "iu":
            raise InvalidInputError(
                f"tables must be an integer or {n_slots} integers (one per slot); got {tables!r}"
            )
        t_arr = t_arr.astype(np.int64)
    if (t_arr < 0).any():
        raise InvalidInputError(f"tables must be non-negative; got {t_arr.tolist()}")

    if availability is None:
        avail = np.ones((n, n_slots), dtype=bool)
    else:
        avail = np.asarray(availability)
        if avail.shape != (n, n_slots) or avail.dtype.kind not in "biu":
            raise InvalidInputError(
                f"availability must be a boolean {n} x {n_slots} matrix (participants x slots); "
                f"got shape {avail.shape} of {avail.dtype}"
            )
        if avail.dtype != bool and not np.isin(avail, (0, 1)).all():
            raise InvalidInputError("availability must hold only 0/1 or False/True")
        avail = avail.astype(bool)

    if requests is None:
        req = np.zeros((n, n), dtype=bool)
    else:
        r = np.asarray(requests)
        if r.shape != (n, n) or r.dtype.kind not in "biu":
            raise InvalidInputError(
                f"requests must be a {n} x {n} matrix of 0/1 (requests[i, j] = 1: participant "
                f"i asked to meet j); got shape {r.shape} of {r.dtype}"
            )
        if r.dtype != bool and not np.isin(r, (0, 1)).all():
            bad = next(int(x) for x in np.unique(r) if x not in (0, 1))
            raise InvalidInputError(
                f"requests must hold only 0 or 1 (requests[i, j] = 1: participant i asked to "
                f"meet j; a mutual request is 1 both ways); got {bad}"
            )
        req = r.astype(bool)
        if req.diagonal().any():
            i = int(np.nonzero(req.diagonal())[0][0])
            raise InvalidInputError(f"requests: participant {i} cannot ask to meet themselves")

    lo = _per_participant("min_meetings", min_meetings, n)
    hi = _per_participant("max_meetings", max_meetings, n, default=n_slots)
    forb = _pairs("forbidden", forbidden, n)
    req_pairs = _pairs("required", required, n)
    kept = _keep(keep, n, n_slots, t_arr)

    if fair_to not in ("requesters", "everyone"):
        raise InvalidInputError(f"fair_to must be 'requesters' or 'everyone'; got {fair_to!r}")
    if time_limit is not None and (
        not isinstance(time_limit, int | float)
        or isinstance(time_limit, bool)
        or not time_limit > 0
    ):
        raise InvalidInputError(
            f"time_limit must be a positive number of seconds; got {time_limit!r}"
        )
    try:
        np.random.default_rng(seed)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"seed must be None, an integer or a Generator; got {seed!r}"
        ) from exc

    # Rules a schedule has to meet, refuted here rather than by a failed search.
    forbidden_m = np.zeros((n, n), dtype=bool)
    forbidden_m[forb[:, 0], forb[:, 1]] = True
    forbidden_m |= forbidden_m.T
    common = (avail.astype(np.int32) @ avail.T.astype(np.int32)) > 0
    cap = np.minimum(hi, avail.sum(axis=1))
    feasible = np.isfinite(s_arr) & ~forbidden_m & common & (cap > 0)[:, None] & (cap > 0)[None, :]
    s_arr[forbidden_m] = -np.inf

    for m in kept:
        if forbidden_m[m.a, m.b] or not np.isfinite(s_arr[m.a, m.b]):
            raise InfeasibleError(
                f"keep meeting {m} joins participants {m.a} and {m.b}, who must never meet "
                "(forbidden or a score of -inf)",
                rule="keep",
            )
        for x in (m.a, m.b):
            if not avail[x, m.slot]:
                raise InfeasibleError(
                    f"keep meeting {m}: participant {x} is not available in slot {m.slot}",
                    rule="keep",
                )
    seen_tables: dict[tuple[int, int], Meeting] = {}
    seen_people: dict[tuple[int, int], Meeting] = {}
    seen_pairs: dict[Pair, Meeting] = {}
    kept_count = np.zeros(n, dtype=np.int64)
    for m in kept:
        other = seen_tables.get((m.slot, m.table)) or seen_pairs.get((m.a, m.b))
        for x in (m.a, m.b):
            other = other or seen_people.get((x, m.slot))
        if other is not None:
            raise InfeasibleError(
                f"keep meetings {other} and {m} clash (same table, same participant in one slot, "
                "or the same pair twice)",
                rule="keep",
            )
        seen_tables[m.slot, m.table] = m
        seen_pairs[m.a, m.b] = m
        seen_people[m.a, m.slot] = seen_people[m.b, m.slot] = m
        kept_count[[m.a, m.b]] += 1
    over = np.nonzero(kept_count > hi)[0]
    if over.size:
        i = int(over[0])
        raise InfeasibleError(
            f"keep gives participant {i} {int(kept_count[i])} meetings, more than "
            f"max_meetings = {int(hi[i])}",
            rule="keep",
        )

    required_set: dict[Pair, None] = {}
    for a, b in req_pairs.tolist():
        a, b = min(a, b), max(a, b)
        if forbidden_m[a, b] or not np.isfinite(s_arr[a, b]):
            raise InfeasibleError(
                f"required pair ({a}, {b}) is forbidden (or scored -inf), so it can never meet",
                rule="required",
            )
        if not common[a, b]:
            raise InfeasibleError(
                f"required pair ({a}, {b}) cannot meet: the two are not both available in any slot",
                rule="required",
            )
        required_set[a, b] = None
    need = np.zeros(n, dtype=np.int64)
    for a, b in required_set:
        need[[a, b]] += 1
    for a, b in seen_pairs:
        if (a, b) not in required_set:
            need[[a, b]] += 1
    over = np.nonzero(need > cap)[0]
    if over.size:
        i = int(over[0])
        raise InfeasibleError(
            f"participant {i} has {int(need[i])} required or kept meetings but can have at most "
            f"{int(cap[i])} (max_meetings = {int(hi[i])}, available in "
            f"{int(avail[i].sum())} slots)",
            rule="required",
        )
    if len(required_set.keys() | seen_pairs.keys()) > int(t_arr.sum()):
        raise InfeasibleError(
            f"{len(required_set.keys() | seen_pairs.keys())} required or kept meetings, but "
            f"only {int(t_arr.sum())} tables over all slots",
            rule="tables",
        )

    if (lo > hi).any():
        i = int(np.nonzero(lo > hi)[0][0])
        raise InfeasibleError(
            f"participant {i} needs min_meetings = {int(lo[i])} but max_meetings = {int(hi[i])}",
            rule="min_meetings",
        )
    partners = feasible.sum(axis=1)
    reachable = np.minimum(cap, partners)
    if (lo > reachable).any():
        i = int(np.nonzero(lo > reachable)[0][0])
        raise InfeasibleError(
            f"participant {i} needs min_meetings = {int(lo[i])} but can have at most "
            f"{int(reachable[i])} (available in {int(avail[i].sum())} slots, "
            f"{int(partners[i])} possible partners)",
            rule="min_meetings",
        )
    if int(lo.sum()) > 2 * int(t_arr.sum()):
        raise InfeasibleError(
            f"min_meetings add up to {int(lo.sum())} participations but {int(t_arr.sum())} "
            f"tables seat at most {2 * int(t_arr.sum())}",
            rule="min_meetings",
        )

    tier = (req.astype(np.int8) + req.T.astype(np.int8)).astype(np.int8)
    return _Problem(
        tables=t_arr,
        avail=avail,
        scores=s_arr,
        tier=tier,
        requester=(
            np.asarray(req.any(axis=1), dtype=bool)
            if fair_to == "requesters"
            else np.asarray(cap > 0, dtype=bool)
        ),
        lo=lo,
        hi=cap,
        never=~np.isfinite(s_arr),
        cap=cap,
        feasible=feasible,
        required=tuple(sorted(required_set)),
        keep=kept,
        seed=seed,
        time_limit=None if time_limit is None else float(time_limit),
        opted_out=np.asarray(hi == 0, dtype=bool),
        fair_to=str(fair_to),
    )


# --------------------------------------------------------------------------------------------
# Search state
# --------------------------------------------------------------------------------------------


class _Plan:
    """A partial schedule: who meets whom in which slot, with cheap moves and undo."""

    def __init__(self, p: _Problem, value: dict[Pair, float]) -> None:
        self.p = p
        self.value = value
        self.busy = [[-1] * p.slots for _ in range(p.n)]
        self.slot_of: dict[Pair, int] = {}
        self.in_slot: list[set[Pair]] = [set() for _ in range(p.slots)]
        self.count = [0] * p.n
        self.cap = p.cap.tolist()
        self.tables = p.tables.tolist()
        self.avail = p.avail.tolist()
        self.fixed: set[Pair] = set()  # kept: never moved, never removed
        self.locked: set[Pair] = set()  # required: moved, never removed
        self.floor = [0] * p.n
        self.total = sum(self.tables)
        self.used = 0
        self.version = 0  # bumped on every change; invalidates ``_cheap``
        self._cheap: dict[int, tuple[int, list[Pair]]] = {}

    def place(self, e: Pair, s: int) -> None:
        a, b = e
        self.busy[a][s] = b
        self.busy[b][s] = a
        self.slot_of[e] = s
        self.in_slot[s].add(e)
        self.count[a] += 1
        self.count[b] += 1
        self.used += 1
        self.version += 1

    def remove(self, e: Pair) -> int:
        a, b = e
        s = self.slot_of.pop(e)
        self.busy[a][s] = -1
        self.busy[b][s] = -1
        self.in_slot[s].discard(e)
        self.count[a] -= 1
        self.count[b] -= 1
        self.used -= 1
        self.version += 1
        return s

    def _free(self, e: Pair, s: int) -> bool:
        a, b = e
        return (
            self.avail[a][s]
            and self.avail[b][s]
            and self.busy[a][s] < 0
            and self.busy[b][s] < 0
            and len(self.in_slot[s]) < self.tables[s]
        )

    def _relocate(self, e: Pair, avoid: int, log: list[tuple[Pair, int]]) -> bool:
        """Move meeting ``e`` to another slot with room; record the move for undo."""
        if e in self.fixed:
            return False
        best, room = -1, 0
        for s in range(self.p.slots):
            if s != avoid and self._free(e, s) and self.tables[s] - len(self.in_slot[s]) > room:
                best, room = s, self.tables[s] - len(self.in_slot[s])
        if best < 0:
            return False
        log.append((e, self.remove(e)))
        self.place(e, best)
        return True

    def _undo(self, log: list[tuple[Pair, int]]) -> None:
        for e, s in reversed(log):
            self.remove(e)
            self.place(e, s)

    def insert(self, e: Pair) -> bool:
        """Place ``e`` in a slot, moving up to three other meetings when that makes room."""
        a, b = e
        if (
            e in self.slot_of
            or self.used >= self.total  # moves cannot make a table where none is free
            or self.count[a] >= self.cap[a]
            or self.count[b] >= self.cap[b]
        ):
            return False
        ok = [s for s in range(self.p.slots) if self.avail[a][s] and self.avail[b][s]]
        best, room = -1, 0
        for s in ok:
            if self._free(e, s) and self.tables[s] - len(self.in_slot[s]) > room:
                best, room = s, self.tables[s] - len(self.in_slot[s])
        if best >= 0:
            self.place(e, best)
            return True
        for s in ok:
            if self.tables[s] == 0:
                continue
            log: list[tuple[Pair, int]] = []
            blockers = {self._meeting(x, s) for x in e if self.busy[x][s] >= 0}
            if all(self._relocate(q, s, log) for q in blockers) and (
                len(self.in_slot[s]) < self.tables[s]
                or any(
                    self._relocate(q, s, log)
                    for q in sorted(self.in_slot[s], key=self.value.__getitem__)[:8]
                )
            ):
                self.place(e, s)
                return True
            self._undo(log)
        return False

    def _meeting(self, x: int, s: int) -> Pair:
        y = self.busy[x][s]
        return (x, y) if x < y else (y, x)

    def removable(self, q: Pair, gaining: Pair) -> bool:
        """Whether ``q`` may go for ``gaining``: not kept or required, every floor still met."""
        if q in self.fixed or q in self.locked:
            return False
        return all(x in gaining or self.count[x] - 1 >= self.floor[x] for x in q)

    def cheapest(self, s: int) -> list[Pair]:
        """The three cheapest meetings of slot ``s`` that may be removed (cached)."""
        hit = self._cheap.get(s)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        ok = sorted(
            (q for q in self.in_slot[s] if self.removable(q, (-1, -1))),
            key=self.value.__getitem__,
        )[:3]
        self._cheap[s] = (self.version, ok)
        return ok

    def exchange(self, e: Pair, need: int = -1) -> float | None:
        """Replace meetings by ``e`` in the best slot; return the gain, or None when nothing.

        Without ``need`` only a gain in value is accepted; with it, any exchange that gives
        participant ``need`` one more meeting (the floors decide what may be removed).
        """
        a, b = e
        v = self.value[e]
        best: tuple[float, int, list[Pair]] | None = None
        for s in range(self.p.slots):
            if not (self.avail[a][s] and self.avail[b][s]) or self.tables[s] == 0:
                continue
            if need >= 0 and self.busy[need][s] >= 0:
                continue
            out = [self._meeting(x, s) for x in e if self.busy[x][s] >= 0]
            out = list(dict.fromkeys(out))
            for x in e:  # a participant at capacity gives up one meeting somewhere
                if self.count[x] >= self.cap[x] and not any(x in q for q in out):
                    own = [self._meeting(x, t) for t in range(self.p.slots) if self.busy[x][t] >= 0]
                    own = [q for q in own if self.removable(q, e)]
                    if not own:
                        out = []
                        break
                    out.append(min(own, key=self.value.__getitem__))
            else:
                if len(self.in_slot[s]) - sum(self.slot_of[q] == s for q in out) >= self.tables[s]:
                    # a meeting of slot s that shares nobody with e is not one of its blockers
                    spare = [q for q in self.cheapest(s) if q not in out]
                    if not spare:
                        continue
                    out.append(min(spare, key=self.value.__getitem__))
                if not all(self.removable(q, e) for q in out):
                    continue
                counted: dict[int, int] = {}
                for q in out:
                    for x in q:
                        if x not in e:
                            counted[x] = counted.get(x, 0) + 1
                if any(self.count[x] - k < self.floor[x] for x, k in counted.items()):
                    continue
                loss = sum(self.value[q] for q in out)
                if (need >= 0 or v - loss > 1e-9) and (best is None or v - loss > best[0]):
                    best = (v - loss, s, out)
        if best is None:
            return None
        for q in best[2]:
            self.remove(q)
        self.place(e, best[1])
        return best[0]


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def _candidates(p: _Problem, rng: np.random.Generator) -> list[Pair]:
    """Requested and required pairs, and each participant's best scorer suggestions (every
    allowed pair in an event of at most ``_ALL_PAIRS_UP_TO`` participants)."""
    n = p.n
    if n < 2:
        return []
    if n <= _ALL_PAIRS_UP_TO:
        mask = np.triu(p.feasible, 1)
    else:
        mask = np.triu(p.feasible & (p.tier > 0), 1)
        k = min(n - 1, max(_SUGGESTIONS_PER_PARTICIPANT, p.slots))
        # A random tie-break among equal scores, fixed by the seed.
        noise = rng.random((n, n)) * 1e-9
        s = np.where(p.feasible, p.scores, -np.inf) + (noise + noise.T)
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        rows = np.repeat(np.arange(n), k)
        cols = top.ravel()
        ok = p.feasible[rows, cols]
        mask[np.minimum(rows, cols)[ok], np.maximum(rows, cols)[ok]] = True
    for a, b in p.required:
        mask[a, b] = True
    for m in p.keep:
        mask[m.a, m.b] = True
    i, j = np.nonzero(mask)
    return list(zip(i.tolist(), j.tolist(), strict=True))


def _matching_round(
    plan: _Plan, edges: list[Pair], tie: dict[Pair, int], under: set[int], big: int, scale: float
) -> int:
    """One maximum-weight matching over pairs that help participants under their floor."""
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(plan.p.n))
    count, cap = plan.count, plan.cap
    weighted = []
    for e in edges:
        a, b = e
        hits = (a in under) + (b in under)
        if hits and e not in plan.slot_of and count[a] < cap[a] and count[b] < cap[b]:
            w = hits * big + max(0, round(plan.value[e] * scale))
            # Seeded low bits make the optimum unique, so the matching does not depend on
            # the order in which the blossom algorithm meets equal-weight edges.
            weighted.append((a, b, (w << _TIE_BITS) + tie[e]))
    if not weighted:
        return 0
    graph.add_edges_from(weighted)
    matched = rx.max_weight_matching(graph, weight_fn=lambda w: w)
    weight = {(a, b): w for a, b, w in weighted}
    chosen = sorted(((min(a, b), max(a, b)) for a, b in matched), key=lambda e: -weight[e])
    return sum(plan.insert(e) for e in chosen)


def _repair(plan: _Plan, cands: list[Pair], want: list[int], deadline: float) -> bool:
    """Give participants under their floor a meeting by exchanges that keep every floor met;
    returns whether the deadline stopped it."""
    plan.floor = [min(c, w) for c, w in zip(plan.count, want, strict=True)]
    mine: dict[int, list[Pair]] = {}
    for e in cands:
        for x in e:
            mine.setdefault(x, []).append(e)
    for i in range(plan.p.n):
        while plan.count[i] < want[i]:
            if time.perf_counter() > deadline:
                return True
            options = sorted(
                (e for e in mine.get(i, ()) if e not in plan.slot_of),
                key=lambda e: -plan.value[e],
            )
            if not any(plan.insert(e) for e in options) and not any(
                plan.exchange(e, need=i) is not None for e in options
            ):
                break
            plan.floor[i] = min(plan.count[i], want[i])
    return False


def _match_slot(
    plan: _Plan,
    s: int,
    edges: list[Pair],
    tie: dict[Pair, int],
    big: int,
    scale: float,
    under: set[int],
) -> list[Pair]:
    """A maximum-weight matching of slot ``s`` over the pairs not met elsewhere.

    At most as many meetings as the slot has free tables; participants in ``under`` weigh
    ``big`` more per meeting. A uniform price per meeting is raised until the tables suffice.
    """
    room = plan.tables[s] - len(plan.in_slot[s])
    busy, count, cap = plan.busy, plan.count, plan.cap
    weighted = []
    for e in edges:
        a, b = e
        if (
            e in plan.slot_of
            or busy[a][s] >= 0
            or busy[b][s] >= 0
            or count[a] >= cap[a]
            or count[b] >= cap[b]
        ):
            continue
        w = ((a in under) + (b in under)) * big + round(plan.value[e] * scale)
        if w > 0:
            weighted.append((a, b, (w << _TIE_BITS) + tie[e]))
    if not weighted or room <= 0:
        return []
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(plan.p.n))
    price = 0
    chosen: list[Pair] = []
    for _ in range(8):
        graph.clear_edges()
        graph.add_edges_from([(a, b, w - price) for a, b, w in weighted if w > price])
        matched = rx.max_weight_matching(graph, weight_fn=lambda w: w)
        chosen = [(min(a, b), max(a, b)) for a, b in matched]
        if len(chosen) <= room:
            break
        ws = sorted((graph.get_edge_data(a, b) + price for a, b in matched), reverse=True)
        price = ws[room]
    weight = {(a, b): w for a, b, w in weighted}
    return sorted(chosen, key=lambda e: -weight[e])[:room]


def _reoptimise_pair(
    plan: _Plan,
    s: int,
    t: int,
    by_slot: list[list[Pair]],
    tie: dict[Pair, int],
    big: int,
    scale: float,
) -> float:
    """Empty two slots and match them again, one after the other; keep it if value rises."""
    old = {
        q: u
        for u in (s, t)
        for q in plan.in_slot[u]
        if q not in plan.fixed and q not in plan.locked
    }
    if not old:
        return 0.0
    people = {x for q in old for x in q}
    old_value = sum(plan.value[q] for q in old)
    best: tuple[float, dict[Pair, int]] = (old_value + 1e-9, old)
    for first, second in ((s, t), (t, s)):
        for q in list(plan.in_slot[s] | plan.in_slot[t]):
            if q not in plan.fixed and q not in plan.locked:
                plan.remove(q)
        placed: dict[Pair, int] = {}
        for u in (first, second):
            under = {x for x in people if plan.count[x] < plan.floor[x]}
            for e in _match_slot(plan, u, by_slot[u], tie, big, scale, under):
                plan.place(e, u)
                placed[e] = u
        value = sum(plan.value[q] for q in placed)
        if value > best[0] and all(plan.count[x] >= plan.floor[x] for x in people):
            best = (value, placed)
    for q in list(plan.in_slot[s] | plan.in_slot[t]):
        if q not in plan.fixed and q not in plan.locked:
            plan.remove(q)
    for q, u in best[1].items():
        plan.place(q, u)
    return max(0.0, best[0] - old_value) if best[1] is not old else 0.0


def _reoptimise_slot(
    plan: _Plan,
    s: int,
    edges: list[Pair],
    tie: dict[Pair, int],
    big: int,
    scale: float,
    want: list[int] | None = None,
) -> tuple[int, float]:
    """Re-match slot ``s`` from scratch (maximum-weight matching); keep it if it is better.

    Meetings of other slots stay; the slot's own (not kept, not required) meetings are taken
    out and the slot is matched again over the pairs not met elsewhere, with at most as many
    meetings as free tables. Participants under their target ``want`` (default: their floor)
    weigh ``big`` more; those whose floor needs a meeting in this slot must all be covered.
    The new matching is kept when it covers more participants under target, or as many with
    more value. Returns (participants under target gained, value gained).
    """
    movable = [q for q in plan.in_slot[s] if q not in plan.fixed and q not in plan.locked]
    if not movable and len(plan.in_slot[s]) >= plan.tables[s]:
        return 0, 0.0
    old_value = sum(plan.value[q] for q in movable)
    for q in movable:
        plan.remove(q)
    floor = plan.floor
    target = floor if want is None else want
    needy = {x for q in movable for x in q if plan.count[x] < floor[x]}
    under = {x for x in range(plan.p.n) if plan.count[x] < target[x]} | needy
    old_cover = sum(x in under for q in movable for x in q)
    chosen = _match_slot(plan, s, edges, tie, big, scale, under)
    covered = {x for e in chosen for x in e}
    new_value = sum(plan.value[e] for e in chosen)
    new_cover = len(covered & under)
    if needy <= covered and (
        new_cover > old_cover or (new_cover == old_cover and new_value > old_value + 1e-9)
    ):
        for e in chosen:
            plan.place(e, s)
        return new_cover - old_cover, new_value - old_value
    for q in movable:
        plan.place(q, s)
    return 0, 0.0


def _search(
    p: _Problem,
    plan: _Plan,
    cands: list[Pair],
    rng: np.random.Generator,
    deadline: float,
    level_cap: int,
    progress: Progress,
) -> tuple[list[int], bool]:
    """Fill the plan; return the floors every schedule as fair may assume, and whether time
    ran out. ``level_cap`` bounds the fairness level (:func:`fairness_bound`); ``progress``
    gets the first half of its range for fairness and the second for value."""
    value = plan.value
    span = max((abs(v) for v in value.values()), default=1.0) or 1.0
    # A floor on the span keeps the scale finite when every value is denormal.
    scale = _RESOLUTION / max(span, 1e-300)
    big = 4 * _RESOLUTION + 1
    tie = dict(zip(cands, rng.integers(0, 1 << _TIE_BITS, size=len(cands)).tolist(), strict=True))
    by_slot = [[e for e in cands if p.avail[e[0], s] and p.avail[e[1], s]] for s in range(p.slots)]
    reach: Array = np.asarray(p.feasible.any(axis=1), dtype=bool)
    fair = [i for i in range(p.n) if p.requester[i] and reach[i]]
    lo = p.lo.tolist()

    def targets(level: int) -> list[int]:
        t = list(lo)
        for i in fair:
            t[i] = max(t[i], level)
        return t

    # Fairness: raise the floor level by level while every requester can reach it.
    level, out_of_time, reached = 0, False, -1
    proven = [0] * p.n
    fairness, improving = progress.part(0.0, 0.5), progress.part(0.5, 1.0)
    while True:
        fairness(
            level / (level_cap + 1),
            f"giving everyone at least {level} meeting{'' if level == 1 else 's'} "
            f"(level {level} of {level_cap})",
        )
        want = targets(level)
        for _ in range(2 * p.slots + 4):
            under = {i for i in range(p.n) if plan.count[i] < want[i]}
            if not under:
                break
            if time.perf_counter() > deadline:
                out_of_time = True
                break
            if not _matching_round(plan, cands, tie, under, big, scale):
                break
        for _ in range(3):
            if all(plan.count[i] >= want[i] for i in range(p.n)):
                break
            plan.floor = [min(c, w) for c, w in zip(plan.count, want, strict=True)]
            gain = 0
            for s in range(p.slots):
                fairness(
                    level / (level_cap + 1),
                    f"giving everyone at least {level} meeting{'' if level == 1 else 's'}: "
                    f"matching slot {s + 1} of {p.slots}",
                )
                gain += _reoptimise_slot(plan, s, by_slot[s], tie, big, scale, want)[0]
                plan.floor = [min(c, w) for c, w in zip(plan.count, want, strict=True)]
            out_of_time |= _repair(plan, cands, want, deadline)
            if not gain:
                break
        if any(plan.count[i] < want[i] for i in range(p.n)):
            # The floors now protect what this level reached; the bound may assume only the
            # last level every requester reached (none when a minimum was missed).
            break
        plan.floor = proven = want
        reached = level
        if level >= level_cap:
            break
        if time.perf_counter() > deadline:
            out_of_time = True
            break
        level += 1

    if 0 <= reached < level_cap and not out_of_time:
        # The exchanges above move one or two meetings at a time; a fairer schedule may need
        # many to move together. A small event is searched exhaustively instead.
        fairness(0.95, "searching every way of placing the meetings for a fairer schedule")
        exact = _exact(p, plan, cands, fair, (reached + 1, level_cap), deadline)
        if exact is not None:
            best, placed = exact
            for q in list(plan.slot_of):
                if q not in plan.fixed:
                    plan.remove(q)
            for e, s in placed:
                if e not in plan.fixed:
                    plan.place(e, s)
            want = targets(best)
            plan.floor = proven = [min(c, w) for c, w in zip(plan.count, want, strict=True)]

    # Value: the most valuable pairs first, then single exchanges until nothing improves.
    fairness(1.0, "placing the most valuable meetings")
    order = sorted((e for e in cands if value[e] > 0), key=lambda e: -value[e])
    for e in order:
        if e not in plan.slot_of:
            plan.insert(e)
    # Two-slot re-matching is the strongest and the dearest move: it gets a fixed amount of
    # work (pairs looked at), so the result does not depend on the speed of the machine.
    work, budget = 0, _PAIR_WORK * len(cands)
    for rounds in range(20):
        # The rounds stop when nothing improves, mostly after a few: each takes half of what
        # is left of the range, so the share keeps moving and never reaches the end early.
        this_round = improving.part(1 - 0.5**rounds, 1 - 0.5 ** (rounds + 1))
        gained = 0.0
        for s in range(p.slots):
            this_round(
                s / p.slots,
                f"improving the meetings, round {rounds + 1}: slot {s + 1} of {p.slots}",
            )
            gained += _reoptimise_slot(plan, s, by_slot[s], tie, big, scale)[1]
        # Meeting values in the plan only rise during exchanges, so a pair worth no more than
        # the cheapest meeting now planned can never gain (each exchange removes one or more).
        floor_value = min((value[q] for q in plan.slot_of), default=-math.inf)
        for e in order:
            if value[e] <= floor_value:
                break
            if time.perf_counter() > deadline:
                out_of_time = True
                break
            if e not in plan.slot_of and not plan.insert(e):
                gained += plan.exchange(e) or 0.0
        if not out_of_time and gained <= 1e-9 and p.slots > 1:
            for s, t in itertools.combinations(range(p.slots), 2):
                if time.perf_counter() > deadline:
                    out_of_time = True
                    break
                if work > budget:
                    break
                work += 2 * (len(by_slot[s]) + len(by_slot[t]))
                gained += _reoptimise_pair(plan, s, t, by_slot, tie, big, scale)
        if out_of_time or gained <= 1e-9:
            break
    if not out_of_time:
        # Exchanges stop where every meeting is held by a floor (everyone at the fairness
        # level): a small event gets the most valuable schedule as fair, exactly.
        improving(1.0, "searching every way of placing the meetings for more value")
        limits = (_EXACT_VALUE_COLUMNS, _EXACT_VALUE_SECONDS)
        exact = _exact(p, plan, cands, [], (0, 0), deadline, limits)
        if exact is not None and sum(value[e] for e, _ in exact[1]) > sum(
            value[q] for q in plan.slot_of
        ) + 1e-9 * max(1.0, abs(sum(value[q] for q in plan.slot_of))):
            for q in list(plan.slot_of):
                if q not in plan.fixed:
                    plan.remove(q)
            for e, s in exact[1]:
                if e not in plan.fixed:
                    plan.place(e, s)
    return proven, out_of_time


def _exact(
    p: _Problem,
    plan: _Plan,
    cands: list[Pair],
    fair: list[int],
    levels: tuple[int, int],
    deadline: float,
    limits: tuple[int, float] = (_EXACT_FAIRNESS_COLUMNS, _EXACT_FAIRNESS_SECONDS),
) -> tuple[int, list[tuple[Pair, int]]] | None:
    """The best schedule over the candidate pairs, exactly (HiGHS MILP), keeping every floor
    the plan meets, the kept and required meetings. With ``fair``, the fairest: the largest
    smallest number of meetings among them within ``levels`` (ties broken by value); without,
    the most valuable. Returns the level and the meetings as (pair, slot); ``None`` when the
    problem is too large for it (more columns than ``limits[0]``), or nothing is found in
    ``limits[1]`` seconds.
    """
    cols = [(e, s) for e in cands for s in range(p.slots) if p.avail[e[0], s] and p.avail[e[1], s]]
    k = len(cols)
    if k == 0 or k > limits[0]:
        return None
    left = min(limits[1], deadline - time.perf_counter())
    if left <= 0.05:
        return None
    col = np.arange(k)
    ea = np.array([e[0] for e, _ in cols])
    eb = np.array([e[1] for e, _ in cols])
    slot = np.array([s for _, s in cols])
    pair_id = {e: i for i, e in enumerate(dict.fromkeys(e for e, _ in cols))}
    pid = np.array([pair_id[e] for e, _ in cols])
    n, slots = p.n, p.slots
    # Rows: each person once a slot, each pair once, tables, caps, floors, L <= each fair.
    person_slot = sparse.csr_matrix(
        (np.ones(2 * k), (np.concatenate([ea * slots + slot, eb * slots + slot]), np.tile(col, 2))),
        shape=(n * slots, k + 1),
    )
    once = sparse.csr_matrix((np.ones(k), (pid, col)), shape=(len(pair_id), k + 1))
    tables = sparse.csr_matrix((np.ones(k), (slot, col)), shape=(slots, k + 1))
    degree = sparse.csr_matrix(
        (np.ones(2 * k), (np.concatenate([ea, eb]), np.tile(col, 2))), shape=(n, k + 1)
    )
    fair_rows = degree[fair].tolil() if fair else sparse.lil_matrix((0, k + 1))
    fair_rows[:, k] = -1.0
    required = set(p.required)
    once_lo = np.array([1.0 if e in required else 0.0 for e in pair_id])
    constraints = [
        LinearConstraint(person_slot, 0, 1),
        LinearConstraint(once, once_lo, 1),
        LinearConstraint(tables, 0, p.tables.astype(np.float64)),
        LinearConstraint(
            degree, np.asarray(plan.floor, dtype=np.float64), p.cap.astype(np.float64)
        ),
        LinearConstraint(fair_rows.tocsr(), 0, np.inf),
    ]
    fixed = {(m.a, m.b): m.slot for m in p.keep}
    lower = np.array([1.0 if fixed.get(e) == s else 0.0 for e, s in cols] + [levels[0]])
    upper = np.array([0.0 if e in fixed and fixed[e] != s else 1.0 for e, s in cols])
    upper = np.concatenate([upper, [float(levels[1])]])
    values = np.array([plan.value[e] for e, _ in cols])
    if fair:
        spread = float(np.abs(values).sum()) + 1.0
        cost = np.concatenate([-0.5 * values / spread, [-1.0]])  # value breaks ties only
    else:
        cost = np.concatenate([-values, [0.0]])
    res = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(k + 1),
        bounds=Bounds(lower, upper),
        options={"time_limit": left, "mip_rel_gap": 1e-7},
    )
    if res.x is None:
        return None
    x = np.round(res.x).astype(np.int64)
    placed = [cols[i] for i in np.nonzero(x[:k])[0]]
    return int(x[k]), placed


def fairness_bound(
    availability: npt.ArrayLike,
    tables: npt.ArrayLike,
    max_meetings: npt.ArrayLike,
    fair: npt.ArrayLike,
    *,
    partners: npt.ArrayLike | None = None,
    keep: Sequence[Meeting] = (),
) -> int:
    """A proven upper bound on the smallest number of meetings among the participants ``fair``.

    Every schedule gives each participant ``x[i, s]`` in {0, 1} meetings in slot ``s``, only
    where ``i`` is available; each has at most ``max_meetings[i]``, a slot seats at most two
    people per table (and an even number of the people available in it), kept meetings are
    there already, and nobody has more meetings than possible partners. The largest ``L``
    with ``sum_s x[i, s] >= L`` for every participant of ``fair`` in the relaxation of these
    rules is an LP (HiGHS); its constraints form a transportation problem, so for an integer
    ``L`` it has a fractional solution exactly when it has an integer one, and the bound is
    the LP optimum rounded down. Who can meet whom is not looked at beyond the count of
    possible partners, so a schedule may fall short of the bound when the pairs do not allow
    it.

    Parameters
    ----------
    availability : (n, slots) array_like of bool
        Who can meet in which slot.
    tables : (slots,) array_like of int
        Tables of each slot.
    max_meetings : (n,) array_like of int
        The most meetings of each participant.
    fair : (n,) array_like of bool
        The participants whose smallest number of meetings is bounded.
    partners : (n,) array_like of int, optional
        How many participants each one may meet (default: everyone else).
    keep : sequence of Meeting
        Meetings already placed.

    Returns
    -------
    int
        The bound; 0 when ``fair`` is empty.

    Notes
    -----
    One LP with ``n * slots`` columns and ``n + slots`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> fairness_bound(np.ones((5, 3), bool), [2, 2, 2], [3] * 5, np.ones(5, bool))
    2
    """
    avail = np.asarray(availability, dtype=bool)
    n = avail.shape[0]
    people = np.nonzero(np.asarray(fair, dtype=bool))[0]
    if people.size == 0:
        return 0
    hi = np.minimum(np.asarray(max_meetings, dtype=np.int64), avail.sum(axis=1))
    others = np.full(n, n - 1) if partners is None else np.asarray(partners, dtype=np.int64)
    can = avail & (hi > 0)[:, None]
    seats = np.minimum(2 * np.asarray(tables, dtype=np.int64), 2 * (can.sum(axis=0) // 2))
    simple = int(min(hi[people].min(), others[people].min(), int(seats.sum()) // people.size))
    if simple <= 0:
        return 0
    rows, cols = np.nonzero(can)
    k = rows.size
    kept = np.zeros(avail.shape, dtype=bool)
    for m in keep:
        kept[m.a, m.slot] = kept[m.b, m.slot] = True
    # Columns: x[i, s] for each (i, s) of ``can``, then L; maximise L.
    cost = np.zeros(k + 1)
    cost[-1] = -1.0
    col = np.arange(k)
    per_person = sparse.csr_matrix((np.ones(k), (rows, col)), shape=(n, k + 1))
    per_slot = sparse.csr_matrix((np.ones(k), (cols, col)), shape=(avail.shape[1], k + 1))
    row_of = np.full(n, -1)
    row_of[people] = np.arange(people.size)
    mine = row_of[rows] >= 0
    floors = sparse.csr_matrix(
        (
            np.concatenate([-np.ones(int(mine.sum())), np.ones(people.size)]),
            (
                np.concatenate([row_of[rows[mine]], np.arange(people.size)]),
                np.concatenate([col[mine], np.full(people.size, k)]),
            ),
        ),
        shape=(people.size, k + 1),
    )
    a_ub = sparse.vstack([per_person, per_slot, floors]).tocsr()
    b_ub = np.concatenate([hi, seats, np.zeros(people.size)]).astype(np.float64)
    lower = np.concatenate([kept[rows, cols].astype(np.float64), [0.0]])
    upper = np.concatenate([np.ones(k), [float(simple)]])
    res = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, bounds=np.stack([lower, upper], axis=1), method="highs"
    )
    if res.status != 0:  # kept meetings beyond the relaxation's seats: the simple bound holds
        return simple
    return max(0, min(simple, math.floor(-float(res.fun) + 1e-7)))


def _bound(p: _Problem, cands: list[Pair], weight: Array, floor: Array) -> float:
    """Lagrangian bound of the LP relaxation, over every feasible pair.

    max sum_p w_p x_p  s.t.  sum_{p ni i} x_p <= cap_i,  sum_{p ni i} x_p >= floor_i,
    sum_p x_p <= sum of tables,  l_p <= x_p <= 1  (l_p = 1 for kept and required pairs).
    The multipliers come from HiGHS on the candidate pairs; the bound is then recomputed from
    them over all pairs, so it holds whatever pairs the candidates leave out.
    """
    n = p.n
    if n < 2 or not cands:
        return 0.0
    fixed = {(m.a, m.b) for m in p.keep} | set(p.required)
    ia = np.array([e[0] for e in cands])
    ib = np.array([e[1] for e in cands])
    k = len(cands)
    cols = np.arange(k)
    inc = sparse.csr_matrix(
        (np.ones(2 * k), (np.concatenate([ia, ib]), np.concatenate([cols, cols]))), shape=(n, k)
    )
    has_floor = np.nonzero(floor > 0)[0]
    a_ub = sparse.vstack([inc, -inc[has_floor], sparse.csr_matrix(np.ones((1, k)))]).tocsr()
    b_ub = np.concatenate([p.cap, -floor[has_floor], [p.tables.sum()]]).astype(np.float64)
    w = weight[ia, ib]
    lower = np.array([1.0 if e in fixed else 0.0 for e in cands])
    res = linprog(
        -w, A_ub=a_ub, b_ub=b_ub, bounds=np.stack([lower, np.ones(k)], axis=1), method="highs"
    )
    if res.status != 0:
        return math.inf
    mult = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
    y = mult[:n]
    f = np.zeros(n)
    f[has_floor] = mult[n : n + has_floor.size]
    z = float(mult[-1])
    reduced = weight - (y - f)[:, None] - (y - f)[None, :] - z
    upper = np.triu(p.feasible, 1)
    low = np.zeros((n, n), dtype=bool)
    for a, b in fixed:
        low[a, b] = True
    gain = np.where(low, reduced, np.maximum(reduced, 0.0))
    return float(y @ p.cap - f @ floor + z * float(p.tables.sum()) + gain[upper].sum())


def solve_schedule(
    scores: npt.ArrayLike,
    *,
    slots: int,
    tables: int | Sequence[int],
    availability: npt.ArrayLike | None = None,
    requests: npt.ArrayLike | None = None,
    min_meetings: int | npt.ArrayLike = 0,
    max_meetings: int | npt.ArrayLike | None = None,
    forbidden: npt.ArrayLike | None = None,
    required: npt.ArrayLike | None = None,
    keep: Sequence[Meeting | tuple[int, int, int, int]] | None = None,
    seed: int | np.random.Generator | None = None,
    time_limit: float | None = None,
    fair_to: str = "everyone",
    progress: ProgressFn | None = None,
) -> ScheduleResult:
    """Schedule 1:1 meetings: fairness to everyone first, then total value.

    Parameters
    ----------
    scores : (n, n) array_like of float
        Symmetric value of each possible meeting (higher is better), within
        ``±MAX_ABS_VALUE`` (1e9); ``-inf`` means never.
        The diagonal is ignored.
    slots : int
        Number of time slots.
    tables : int or sequence of int
        Tables per slot (one number for all slots, or one per slot): the most meetings a slot
        can hold. Tables are numbered from 0 in each slot.
    availability : (n, slots) array_like of bool, optional
        ``availability[i, s]``: participant ``i`` can meet in slot ``s``. Default: always.
    requests : (n, n) array_like of 0/1, optional
        ``requests[i, j] = 1``: participant ``i`` asked to meet ``j``. A meeting's tier is the
        number of requests it satisfies: 2 for a mutual request (1 both ways), 1 for a
        one-sided request, 0 for a pair only suggested by the scorer.
    min_meetings, max_meetings : int or (n,) array_like of int, optional
        Bounds on the meetings of each participant; ``max_meetings`` defaults to ``slots``.
        ``min_meetings`` is a hard rule when it can be refuted (it raises); a minimum the
        search misses is listed in ``violations``.
    forbidden : (k, 2) array_like of int or (n, n) array_like of bool, optional
        Pairs that must never meet.
    required : (k, 2) array_like of int, optional
        Pairs that must meet.
    keep : sequence of Meeting or (a, b, slot, table), optional
        Meetings that stay exactly as they are (re-planning).
    seed : int or numpy.random.Generator, optional
        Breaks ties between equal scores; the same seed gives the same schedule.
    time_limit : float, optional
        Seconds for the search; the result is valid but may be weaker when it runs out.
    fair_to : {"everyone", "requesters"}
        Whose smallest number of meetings the fairness phase raises: everyone who may have
        a meeting (default: ``max_meetings`` > 0 and available in a slot), as a brokerage
        event wants, so that a schedule planned from scores leaves nobody out where the
        tables allow; or only the participants who asked for a meeting. The
        ``requesters_*`` figures count the participants it names. A participant with
        ``max_meetings`` = 0 wants no meeting and is never counted.
    progress : callable, optional
        ``progress(fraction, message)``, called at the boundaries of the search's phases
        with the share done (0..1, never going back) and a phrase ("giving everyone at least
        3 meetings (level 3 of 5)"). An exception it raises stops the search and goes to
        the caller (a cancelled job stops so).

    Returns
    -------
    ScheduleResult
        ``objective`` is the total value ``sum(tier * W + score)`` with the tier weight
        ``W = (sum(tables) + 1) * max|score|`` (``stats["tier_weight"]``), so requested
        meetings come before any number of scorer suggestions. ``upper_bound`` bounds the
        value of every schedule that gives each requester at least the fairness level found.
        ``stats`` holds the fairness figures: ``requesters``,
        ``requesters_min_meetings``, ``requesters_without_meeting``,
        ``requesters_without_meeting_unavoidable`` (no possible partner at all),
        ``fairness_level`` (smallest count among requesters who can meet someone),
        ``fairness_bound`` (a proven upper bound on that level, :func:`fairness_bound`),
        ``fairness_gap`` (the bound minus the level), ``fairness_participants`` (how many
        count), ``meetings_min``, ``meetings_median`` and ``meetings_max`` (meetings per
        participant among those counted), ``without_possible_partner`` (counted
        participants nobody may meet) and ``not_wanting_meetings`` (``max_meetings`` = 0).

    Raises
    ------
    InvalidInputError
        An input of the wrong shape, type or range.
    InfeasibleError
        A hard rule that cannot be met (``rule`` names it), found before the search: a
        required pair that is forbidden or has no common slot, more required or kept meetings
        than ``max_meetings`` or tables allow, clashing kept meetings, an unreachable minimum.

    Notes
    -----
    With ``c`` candidate pairs (requested pairs plus ``max(8, slots)`` scorer suggestions per
    participant; every allowed pair in events of up to 100 participants) and ``m`` meetings,
    the construction runs ``O(L)`` rounds of blossom matching (``O(n^3)`` worst case, far less
    on sparse candidate graphs) for ``L`` fairness levels, placement and exchanges cost
    ``O(c * slots * (slots + tables))`` per pass, and the bound is one LP with ``c`` columns
    plus an ``O(n^2)`` pass over all pairs. 500 participants,
    12 slots and 60 tables take a few seconds.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[0, 3, 1], [3, 0, 2], [1, 2, 0]], dtype=float)
    >>> r = solve_schedule(s, slots=2, tables=1)
    >>> [(m.slot, m.a, m.b) for m in r.meetings]
    [(0, 0, 1), (1, 1, 2)]
    """
    p = _schedule_iv(
        scores, slots, tables, availability, requests, min_meetings, max_meetings,
        forbidden, required, keep, seed, time_limit, fair_to,
    )  # fmt: skip
    return _solve(p, Progress(progress))


def _solve(p: _Problem, progress: Progress) -> ScheduleResult:
    start = time.perf_counter()
    deadline = start + (p.time_limit if p.time_limit is not None else math.inf)
    rng = np.random.default_rng(p.seed)
    n = p.n
    finite = p.scores[p.feasible]
    span = float(np.abs(finite).max()) if finite.size else 1.0
    span = span or 1.0
    tier_weight = (float(p.tables.sum()) + 1.0) * span
    weight = np.where(p.feasible, p.tier * tier_weight + p.scores, 0.0)

    progress(0.0, "choosing the pairs worth a meeting")
    cands = _candidates(p, rng)
    reach: Array = np.asarray(p.feasible.any(axis=1), dtype=bool)
    fair = p.requester & reach
    progress(0.02, "working out the best possible smallest number of meetings")
    best_min = fairness_bound(
        p.avail, p.tables, p.cap, fair, partners=p.feasible.sum(axis=1), keep=p.keep
    )
    value = {e: float(weight[e]) for e in cands}
    plan = _Plan(p, value)
    for m in p.keep:
        e = (m.a, m.b)
        plan.place(e, m.slot)
        plan.fixed.add(e)
    for e in p.required:
        if e in plan.fixed:
            continue
        if not plan.insert(e):
            raise InfeasibleError(
                f"required pair {e} cannot be placed: no slot in which both are available has a "
                "free table and both participants free, even after moving other meetings",
                rule="required",
            )
        plan.locked.add(e)
    proven, out_of_time = _search(p, plan, cands, rng, deadline, best_min, progress.part(0.05, 0.9))
    t_search = time.perf_counter() - start
    progress(0.9, "checking how good the schedule is")

    # Tables: kept meetings keep theirs, the others take the free numbers in order.
    meetings: list[Meeting] = [m for m in p.keep]
    kept_pairs = {(m.a, m.b) for m in p.keep}
    for s in range(p.slots):
        taken = {m.table for m in p.keep if m.slot == s}
        free = (t for t in range(int(p.tables[s])) if t not in taken)
        for a, b in sorted(plan.in_slot[s] - kept_pairs):
            meetings.append(Meeting(slot=s, table=next(free), a=a, b=b))
    meetings.sort()
    counts = np.zeros(n, dtype=np.int64)
    for m in meetings:
        counts[[m.a, m.b]] += 1

    objective = float(sum(weight[m.a, m.b] for m in meetings))
    floor = np.asarray(proven, dtype=np.int64)
    upper = max(_bound(p, cands, weight, floor), objective) if cands else objective
    t_total = time.perf_counter() - start

    req = np.nonzero(p.requester)[0]
    counted = counts[fair]
    found = check_schedule(p, meetings)
    broken = [v.message for v in found if v.hard]
    if broken:  # a defect of the search, not of the input: never an answer
        raise RuntimeError("the schedule breaks hard rules: " + "; ".join(broken[:5]))
    violations = tuple(v.message for v in found if not v.hard)
    tiers = p.tier[[m.a for m in meetings], [m.b for m in meetings]] if meetings else np.zeros(0)
    stats: dict[str, Any] = {
        "participants": n,
        "slots": p.slots,
        "tables": int(p.tables.sum()),
        "candidates": len(cands),
        "meetings": len(meetings),
        "mutual_requests_met": int((tiers == 2).sum()),
        "one_sided_requests_met": int((tiers == 1).sum()),
        "suggestions_met": int((tiers == 0).sum()),
        "score_total": float(sum(p.scores[m.a, m.b] for m in meetings)),
        "tier_weight": tier_weight,
        "requesters": int(req.size),
        "requesters_min_meetings": int(counts[req].min()) if req.size else 0,
        "requesters_without_meeting": int((counts[req] == 0).sum()),
        "requesters_without_meeting_unavoidable": int((~reach[req]).sum()),
        "fairness_level": int(counted.min()) if counted.size else 0,
        "fairness_bound": best_min,
        "fairness_participants": int(counted.size),
        "fairness_gap": best_min - int(counted.min()) if counted.size else 0,
        "meetings_min": int(counted.min()) if counted.size else 0,
        "meetings_median": float(np.median(counted)) if counted.size else 0.0,
        "meetings_max": int(counted.max()) if counted.size else 0,
        "without_possible_partner": int((p.requester & ~reach).sum()),
        "not_wanting_meetings": int(p.opted_out.sum()),
        "time_search_s": round(t_search, 4),
        "time_s": round(t_total, 4),
    }
    gap = relative_gap(objective, upper)
    status: Status
    if out_of_time:
        status = "time_limit"
    elif gap <= 1e-9 and stats["fairness_level"] >= best_min:
        status = "optimal"
    else:
        status = "feasible"
    who = "everyone who may meet" if p.fair_to == "everyone" else "everyone who asked"
    message = (
        f"{len(meetings)} meetings for {n} participants in {p.slots} slots; "
        f"{who} has at least {stats['requesters_min_meetings']} "
        f"(the best possible is {best_min}; "
        f"{stats['requesters_without_meeting']} with none, "
        f"{stats['requesters_without_meeting_unavoidable']} of them unavoidably); "
        f"value within {100 * gap:.2f}% of the LP bound"
        + (" (time limit reached)" if out_of_time else "")
        + "."
    )
    result = ScheduleResult(
        objective=objective,
        upper_bound=upper,
        gap=gap,
        status=status,
        message=message,
        violations=violations,
        stats=stats,
        meetings=tuple(meetings),
        meetings_per_participant=tuple(int(c) for c in counts),
    )
    progress(1.0, "done")
    return result


# --------------------------------------------------------------------------------------------
# Re-planning
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What re-planning did to a previous schedule.

    Attributes
    ----------
    kept:
        Meetings of the previous schedule that stay exactly as they were.
    cancelled:
        Previous meetings dropped: a participant left or is no longer available in that slot
        (or, for an unpublished schedule, the new plan does without them).
    added:
        Meetings that the previous schedule did not have.
    """

    kept: tuple[Meeting, ...]
    cancelled: tuple[Meeting, ...]
    added: tuple[Meeting, ...]

    def summary(self) -> str:
        """One sentence for a person."""
        return (
            f"{len(self.kept)} meetings kept, {len(self.cancelled)} cancelled, "
            f"{len(self.added)} added."
        )


def replan(
    previous: ScheduleResult,
    scores: npt.ArrayLike,
    *,
    present: npt.ArrayLike,
    slots: int,
    tables: int | Sequence[int],
    availability: npt.ArrayLike | None = None,
    requests: npt.ArrayLike | None = None,
    min_meetings: int | npt.ArrayLike = 0,
    max_meetings: int | npt.ArrayLike | None = None,
    forbidden: npt.ArrayLike | None = None,
    required: npt.ArrayLike | None = None,
    seed: int | np.random.Generator | None = None,
    time_limit: float | None = None,
    published: bool = True,
    fair_to: str = "everyone",
    progress: ProgressFn | None = None,
) -> tuple[ScheduleResult, Changes]:
    """Re-plan a schedule after participants left or registered late.

    Parameters
    ----------
    previous : ScheduleResult
        The schedule to start from.
    scores : (n, n) array_like of float
        Scores of the participants now registered; late registrations are new indices after
        the previous ones.
    present : (n,) array_like of bool
        Which participants are still there; an absent one gets no meeting.
    published : bool
        Whether ``previous`` was published: then every previous meeting whose two participants
        are still there and available in its slot (and not forbidden) stays exactly as it was,
        same slot and table, and only the free capacity is filled. If not, the schedule is
        solved again from scratch and the changes are reported against ``previous``.
    slots, tables, availability, requests, min_meetings, max_meetings, forbidden, required, \
seed, time_limit, fair_to, progress
        As in :func:`solve_schedule`, for the participants now registered.

    Returns
    -------
    (ScheduleResult, Changes)

    Raises
    ------
    InvalidInputError, InfeasibleError
        As :func:`solve_schedule`; also when ``present`` does not have one entry per
        participant or ``previous`` names participants, slots or tables that no longer exist.

    Notes
    -----
    Costs one :func:`solve_schedule` call.
    """
    s_arr = np.asarray(scores, dtype=np.float64)
    n = s_arr.shape[0] if s_arr.ndim == 2 else -1
    here = np.asarray(present)
    if here.shape != (n,) or here.dtype != bool:
        raise InvalidInputError(
            f"present must be a boolean array with one entry per participant ({n}); "
            f"got shape {here.shape} of {here.dtype}"
        )
    old_n = len(previous.meetings_per_participant)
    if old_n > n:
        raise InvalidInputError(
            f"previous schedule has {old_n} participants but scores has only {n}; departed "
            "participants stay in place and are marked absent in present"
        )
    probe = _schedule_iv(
        s_arr, slots, tables, availability, None, 0, max_meetings, forbidden, None, None,
        None, None,
    )  # fmt: skip
    avail = probe.avail & here[:, None]
    req = None
    if requests is not None:
        req = np.asarray(requests).copy()
        if req.shape == (n, n):
            req[~here, :] = 0
            req[:, ~here] = 0
    lo = min_meetings
    if not _is_int(min_meetings):
        lo_arr = np.asarray(min_meetings).copy()
        if lo_arr.shape == (n,):
            lo_arr[~here] = 0
        lo = lo_arr
    elif int(min_meetings):  # type: ignore[arg-type]
        lo = np.where(here, int(min_meetings), 0)  # type: ignore[arg-type]

    kept: list[Meeting] = []
    cancelled: list[Meeting] = []
    for m in previous.meetings:
        if m.slot >= probe.slots or m.table >= probe.tables[m.slot]:
            raise InvalidInputError(
                f"previous meeting {m} lies outside the current slots and tables"
            )
        ok = avail[m.a, m.slot] and avail[m.b, m.slot] and bool(np.isfinite(probe.scores[m.a, m.b]))
        (kept if ok else cancelled).append(m)
    result = solve_schedule(
        s_arr,
        slots=slots,
        tables=tables,
        availability=avail,
        requests=req,
        min_meetings=lo,
        max_meetings=max_meetings,
        forbidden=forbidden,
        required=required,
        keep=kept if published else None,
        seed=seed,
        time_limit=time_limit,
        fair_to=fair_to,
        progress=progress,
    )
    before = set(previous.meetings)
    after = set(result.meetings)
    if published:
        changes = Changes(
            kept=tuple(sorted(kept)),
            cancelled=tuple(sorted(cancelled)),
            added=tuple(sorted(after - before)),
        )
    else:
        changes = Changes(
            kept=tuple(sorted(before & after)),
            cancelled=tuple(sorted(before - after)),
            added=tuple(sorted(after - before)),
        )
    return result, changes
