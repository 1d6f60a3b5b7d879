"""The rules of breakout rooms and 1:1 schedules, over indices: one check for every place
that needs one.

:func:`check_allocation` says which rules an allocation (the room of each participant in each
round) breaks. The solver checks its own answers with it and reports its soft-rule shortfalls
with it; the service decodes its allocation documents into a :class:`BreakoutsInstance` and
checks moves and measures violations with it. :func:`colleague_apart_sets` turns the spread of
colleagues into the keep-apart sets the solver keeps, and :func:`colleague_cap` is the most
colleagues a room may get, for both. :func:`check_schedule` does the same for 1:1 meetings
(availability, double booking, tables, pairs that must not meet, bounds on meetings); the
schedule solver checks its answers and reports its missed minimums with it.

Rules
-----
Hard (an answer of the solver never breaks one; a move that breaks one is refused):

``capacity``
    A room holds at most its capacity in seats (``hi``).
``minimum``
    A room holds at least its minimum in seats (``lo``); an empty room too.
``pin``
    A pinned participant is in the room it is pinned to, in that round.
``keep_apart``
    The members of a keep-apart set are in different rooms.
``keep_together``
    The members of a keep-together set share a room.
``colleague_spread``
    With ``colleagues`` labels (organisations), ``k`` colleagues placed in a round over ``G``
    rooms: no room gets more than ``ceil(k / G)`` of them (:func:`colleague_cap`). An
    organisation with two members in one keep-together set is not spread (the organiser's
    explicit rule wins), nor is anyone when there is a single room.

Soft (the solver weighs them; a room that misses one is reported):

``max_per_country``
    At most ``max_per_country`` participants of one ``country`` label in a room.
``mix_types``
    Every ``groups`` label with at least as many participants in the round as there are
    rooms is in every room that has people.
``shared_language``
    The people of a room share a language (``language`` columns; a participant who lists
    none has every column set).

A participant whose room is ``-1`` in a round is not placed there: no rule counts them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "HARD_RULES",
    "SCHEDULE_HARD_RULES",
    "SCHEDULE_SOFT_RULES",
    "SOFT_RULES",
    "BreakoutsInstance",
    "ScheduleInstance",
    "ScheduleViolation",
    "Violation",
    "check_allocation",
    "check_schedule",
    "colleague_apart_sets",
    "colleague_cap",
    "even_sizes",
    "size_spread",
]

Array = npt.NDArray[Any]

HARD_RULES = (
    "capacity",
    "minimum",
    "pin",
    "keep_apart",
    "keep_together",
    "colleague_spread",
)
"""The hard rules, in the order :func:`check_allocation` reports them within a round."""

SOFT_RULES = ("max_per_country", "mix_types", "shared_language")
"""The soft rules, in the order :func:`check_allocation` reports them within a room."""


@dataclass(frozen=True)
class Violation:
    """One rule broken in one round.

    Attributes
    ----------
    rule:
        One of :data:`HARD_RULES` or :data:`SOFT_RULES`.
    round:
        The round, counted from 0.
    room:
        The room (index) where the rule is broken; ``None`` for a keep-together set split
        over rooms.
    participants:
        The participants (indices) concerned: the people of the room (``capacity``,
        ``minimum``, ``shared_language``, ``mix_types``), the participant pinned elsewhere
        (``pin``), the members of the set in that room (``keep_apart``) or placed in the round
        (``keep_together``), the colleagues in the room (``colleague_spread``), the people of
        the country in the room (``max_per_country``).
    message:
        The violation in plain words, with the room names of the instance.
    label:
        What the rule is about: the room pinned to (``pin``), the index of the set in
        ``apart`` or ``together``, the ``colleagues``, ``country`` or ``groups`` label;
        ``None`` otherwise.
    limit:
        The bound the room missed: its capacity or minimum in seats, the most colleagues
        or participants of a country it may get; ``None`` otherwise.
    """

    rule: str
    round: int
    room: int | None
    participants: tuple[int, ...]
    message: str
    label: int | None = None
    limit: int | None = None

    @property
    def hard(self) -> bool:
        """Whether the rule is hard (see :data:`HARD_RULES`)."""
        return self.rule in HARD_RULES


@dataclass(frozen=True, kw_only=True, eq=False)
class BreakoutsInstance:
    """The rules of a breakout allocation, as arrays over participants and rooms.

    Attributes
    ----------
    seats:
        ``(n,)`` seats each participant takes.
    lo, hi:
        ``(G,)`` minimum and maximum seats of each room.
    pins:
        ``(rounds, n)``: the room each participant is pinned to in each round, or -1.
    apart, together:
        Keep-apart and keep-together sets (index arrays; a set of fewer than two members
        never breaks).
    names:
        Room names, for the messages; the indices when empty.
    rounds:
        Number of rounds.
    colleagues:
        ``(n,)`` organisation labels: spread colleagues over the rooms; ``None``: no spread.
    country, max_per_country:
        ``(n,)`` country labels and the most of one country per room; ``None``: no cap.
    groups:
        ``(n,)`` labels to mix (triple-helix roles); ``None``: no mix.
    language:
        ``(n, L)`` booleans, the languages each participant speaks; ``None``: no rule.
    """

    seats: Array
    lo: Array
    hi: Array
    pins: Array
    apart: Sequence[Array] = field(default_factory=list)
    together: Sequence[Array] = field(default_factory=list)
    names: Sequence[str] = field(default_factory=list)
    rounds: int = 1
    colleagues: Array | None = None
    country: Array | None = None
    max_per_country: int = 0
    groups: Array | None = None
    language: Array | None = None

    @property
    def n(self) -> int:
        """Number of participants."""
        return int(self.seats.shape[0])

    @property
    def g(self) -> int:
        """Number of rooms."""
        return int(self.lo.shape[0])

    def room_name(self, g: int) -> str:
        """The name of room ``g`` (its index when the instance has no names)."""
        return str(self.names[g]) if g < len(self.names) else str(g)


def colleague_cap(colleagues: int, rooms: int) -> int:
    """The most of ``colleagues`` of one organisation a room may get: an even spread over
    ``rooms`` rooms."""
    return math.ceil(colleagues / max(rooms, 1))


def even_sizes(total: int, lo: npt.ArrayLike, hi: npt.ArrayLike) -> tuple[Array, Array]:
    """The room sizes that split ``total`` seats as evenly as the rooms' bounds allow.

    The sizes ``m`` with ``lo <= m <= hi`` and ``sum(m) == total`` that are most even are
    ``clip(L, lo, hi)`` or ``clip(L + 1, lo, hi)`` for one level ``L``: a room is full when
    its capacity is below the level, at its minimum when that is above, and otherwise holds
    ``L`` or ``L + 1`` seats, so that any two such rooms differ by at most one seat.

    Parameters
    ----------
    total:
        The seats to place; ``sum(lo) <= total <= sum(hi)``.
    lo, hi:
        ``(G,)`` minimum and maximum seats of each room.

    Returns
    -------
    (lo_even, hi_even)
        ``(G,)`` int64 bounds within ``[lo, hi]``, ``hi_even - lo_even <= 1``, with
        ``sum(lo_even) <= total <= sum(hi_even)``.

    Notes
    -----
    O(G log(max hi)): a binary search on the level.

    Examples
    --------
    >>> lo, hi = even_sizes(60, [0] * 6, [11] * 6)
    >>> lo.tolist(), hi.tolist()
    ([10, 10, 10, 10, 10, 10], [11, 11, 11, 11, 11, 11])
    >>> lo, hi = even_sizes(20, [0, 0, 0], [4, 12, 12])
    >>> lo.tolist(), hi.tolist()
    ([4, 8, 8], [4, 9, 9])
    """
    low = np.asarray(lo, dtype=np.int64)
    high = np.asarray(hi, dtype=np.int64)
    if not int(low.sum()) <= total <= int(high.sum()):
        raise ValueError(f"{total} seats do not fit rooms of {int(low.sum())}..{int(high.sum())}")
    a, b = 0, int(high.max(initial=0))  # the largest level whose sizes sum to at most total
    while a < b:
        mid = (a + b + 1) // 2
        if int(np.clip(mid, low, high).sum()) <= total:
            a = mid
        else:
            b = mid - 1
    return np.clip(a, low, high), np.clip(a + 1, low, high)


def size_spread(seats: npt.ArrayLike, lo: npt.ArrayLike, hi: npt.ArrayLike) -> int:
    """How far the room sizes ``seats`` of one round are from the most even split of their
    total (:func:`even_sizes`): 0 when every room is within those bounds, else the most seats
    a room lies outside them.

    Examples
    --------
    >>> size_spread([11, 11, 11, 11, 11, 5], [0] * 6, [11] * 6)
    5
    >>> size_spread([10, 10, 10, 10, 10, 10], [0] * 6, [11] * 6)
    0
    """
    m = np.asarray(seats, dtype=np.int64)
    low, high = even_sizes(int(m.sum()), lo, hi)
    return int(np.maximum(np.maximum(low - m, m - high), 0).max(initial=0))


def _exempt(labels: Array, together: Sequence[Array]) -> set[int]:
    """Organisations with two members in one keep-together set: not spread."""
    out: set[int] = set()
    for members in together:
        if len(members) < 2:
            continue
        values, counts = np.unique(labels[np.asarray(members, dtype=np.int64)], return_counts=True)
        out.update(int(v) for v in values[counts > 1])
    return out


def colleague_apart_sets(
    labels: npt.ArrayLike,
    n_rooms: int,
    together: Sequence[Sequence[int]] = (),
    previous: Array | None = None,
) -> list[list[int]]:
    """Keep-apart sets that spread each organisation's participants over the rooms.

    An organisation of ``k`` participants (``labels``) is dealt into ``ceil(k / rooms)``
    sets of at most ``ceil(k / sets)`` people, each kept apart, so that no room gets more than
    :func:`colleague_cap` of them. Organisations with two members in one ``together`` set are
    not spread. With ``previous`` (rounds x participants, -1 for newcomers), two colleagues
    who already share a room go to different sets, opening a new one if need be: a re-plan
    keeps the rooms people have rather than spreading them again, and so may leave a room
    with more colleagues than the cap (which :func:`check_allocation` reports).
    """
    lab = np.asarray(labels, dtype=np.int64)
    if n_rooms < 2:
        return []
    exempt = _exempt(lab, [np.asarray(list(g), dtype=np.int64) for g in together])
    by_org: dict[int, list[int]] = {}
    for i, v in enumerate(lab.tolist()):
        by_org.setdefault(int(v), []).append(i)
    out: list[list[int]] = []
    for org, members in by_org.items():
        if len(members) < 2 or org in exempt:
            continue
        size = math.ceil(len(members) / colleague_cap(len(members), n_rooms))
        if previous is not None:
            members = sorted(members, key=lambda i: (bool((previous[:, i] < 0).any()), i))
        chunks: list[list[int]] = []
        for i in members:
            for chunk in chunks:
                if len(chunk) < size and not _shared(previous, i, chunk):
                    chunk.append(i)
                    break
            else:
                chunks.append([i])
        out.extend(chunk for chunk in chunks if len(chunk) > 1)
    return out


def _shared(previous: Array | None, i: int, chunk: Sequence[int]) -> bool:
    """Whether ``i`` shared a room with one of ``chunk`` in some round of ``previous``."""
    if previous is None:
        return False
    mine = previous[:, i]
    theirs = previous[:, list(chunk)]
    return bool(((theirs == mine[:, None]) & (mine[:, None] >= 0)).any())


def _ids(members: Array) -> str:
    items = [str(int(v)) for v in members]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def check_allocation(instance: BreakoutsInstance, rooms: npt.ArrayLike) -> tuple[Violation, ...]:
    """Every rule the allocation ``rooms`` breaks, round by round.

    Parameters
    ----------
    instance:
        The rules (see the module's docstring for each one).
    rooms:
        ``rooms[r, i]``: the room of participant ``i`` in round ``r`` (``(n,)`` for a single
        round); -1 when not placed in that round.

    Returns
    -------
    tuple of Violation
        Empty when every rule is kept. Within a round: the hard rules in the order of
        :data:`HARD_RULES`, then the soft rules room by room.

    Examples
    --------
    >>> import numpy as np
    >>> inst = BreakoutsInstance(
    ...     seats=np.ones(3, dtype=np.int64), lo=np.array([1, 1]), hi=np.array([2, 2]),
    ...     pins=np.full((1, 3), -1), apart=[np.array([0, 1])])
    >>> check_allocation(inst, np.array([[0, 1, 1]]))
    ()
    >>> [v.rule for v in check_allocation(inst, np.array([[0, 0, 1]]))]
    ['keep_apart']
    """
    p = instance
    alloc = np.asarray(rooms, dtype=np.int64)
    if alloc.ndim == 1:
        alloc = alloc[None, :]
    if alloc.shape[1] != p.n:
        raise ValueError(f"rooms has {alloc.shape[1]} participants; the instance has {p.n}")
    out: list[Violation] = []
    apart = [np.asarray(s, dtype=np.int64) for s in p.apart]
    together = [np.asarray(s, dtype=np.int64) for s in p.together]
    exempt = _exempt(p.colleagues, together) if p.colleagues is not None else set()
    for r in range(alloc.shape[0]):
        row = alloc[r]
        placed = row >= 0
        where = f"round {r + 1}"
        members = [np.flatnonzero(row == g) for g in range(p.g)]
        seats = np.array([int(p.seats[m].sum()) for m in members], dtype=np.int64)
        for rule, broken, limit in (
            ("capacity", seats > p.hi, p.hi),
            ("minimum", seats < p.lo, p.lo),
        ):
            word = "at most" if rule == "capacity" else "at least"
            for g in np.flatnonzero(broken).tolist():
                out.append(
                    Violation(
                        rule,
                        r,
                        g,
                        tuple(int(i) for i in members[g]),
                        f"{where}: room '{p.room_name(g)}' has {int(seats[g])} seats taken "
                        f"({word} {int(limit[g])})",
                        limit=int(limit[g]),
                    )
                )
        if r < p.pins.shape[0]:
            pinned = p.pins[r]
            for i in np.flatnonzero(placed & (pinned >= 0) & (row != pinned)).tolist():
                out.append(
                    Violation(
                        "pin",
                        r,
                        int(row[i]),
                        (i,),
                        f"{where}: participant {i} is not in the room it is pinned to "
                        f"('{p.room_name(int(pinned[i]))}'); it is in "
                        f"'{p.room_name(int(row[i]))}'",
                        label=int(pinned[i]),
                    )
                )
        for k, s in enumerate(apart):
            s = s[placed[s]]
            values, counts = np.unique(row[s], return_counts=True)
            for g in values[counts > 1].tolist():
                both = s[row[s] == g]
                out.append(
                    Violation(
                        "keep_apart",
                        r,
                        int(g),
                        tuple(int(i) for i in both),
                        f"{where}: keep-apart set apart[{k}] shares a room: participants "
                        f"{_ids(both)} are in room '{p.room_name(int(g))}'",
                        label=k,
                    )
                )
        for k, s in enumerate(together):
            s = s[placed[s]]
            used = np.unique(row[s])
            if used.size > 1:
                shown = ", ".join(f"'{p.room_name(int(g))}'" for g in used)
                out.append(
                    Violation(
                        "keep_together",
                        r,
                        None,
                        tuple(int(i) for i in s),
                        f"{where}: keep-together set together[{k}] is split over rooms {shown}",
                        label=k,
                    )
                )
        if p.colleagues is not None and p.g > 1:
            labels, counts = np.unique(p.colleagues[placed], return_counts=True)
            for org, k in zip(labels.tolist(), counts.tolist(), strict=True):
                if k < 2 or org in exempt:
                    continue
                most = colleague_cap(k, p.g)
                mine = placed & (p.colleagues == org)
                for g in range(p.g):
                    here = np.flatnonzero(mine & (row == g))
                    if here.size > most:
                        out.append(
                            Violation(
                                "colleague_spread",
                                r,
                                g,
                                tuple(int(i) for i in here),
                                f"{where}: room '{p.room_name(g)}' has {here.size} colleagues "
                                f"of organisation {org} (participants {_ids(here)}); with {k} "
                                f"of them over {p.g} rooms, a room gets at most {most}",
                                label=int(org),
                                limit=most,
                            )
                        )
        out.extend(_soft(p, r, row, placed, members))
    return tuple(out)


def _soft(
    p: BreakoutsInstance, r: int, row: Array, placed: Array, members: list[Array]
) -> list[Violation]:
    """The soft rules missed in round ``r``, room by room."""
    out: list[Violation] = []
    expected: Array | None = None
    if p.groups is not None:
        labels, counts = np.unique(p.groups[placed], return_counts=True)
        # A group is expected in every room only when it has a member for each room.
        expected = labels[counts >= p.g]
    for g in range(p.g):
        who = members[g]
        if who.size == 0:
            continue
        everyone = tuple(int(i) for i in who)
        where = f"round {r + 1}, room '{p.room_name(g)}'"
        if p.country is not None:
            labels, counts = np.unique(p.country[who], return_counts=True)
            for c, k in zip(labels.tolist(), counts.tolist(), strict=True):
                if k > p.max_per_country:
                    out.append(
                        Violation(
                            "max_per_country",
                            r,
                            g,
                            tuple(int(i) for i in who[p.country[who] == c]),
                            f"country cap: {where} has {k} participants of country {c} "
                            f"(at most {p.max_per_country})",
                            label=int(c),
                            limit=p.max_per_country,
                        )
                    )
        if expected is not None and p.groups is not None:
            for c in np.setdiff1d(expected, p.groups[who]).tolist():
                out.append(
                    Violation(
                        "mix_types",
                        r,
                        g,
                        everyone,
                        f"type mix: {where} has no participant of group {c}",
                        label=int(c),
                    )
                )
        if (
            p.language is not None
            and p.language.shape[1] > 0
            and not p.language[who].all(axis=0).any()
        ):
            out.append(
                Violation(
                    "shared_language",
                    r,
                    g,
                    everyone,
                    f"shared language: {where} has no language shared by all "
                    f"{who.size} participants",
                )
            )
    return out


# --------------------------------------------------------------------------- 1:1 schedules

SCHEDULE_HARD_RULES = (
    "availability",
    "double_booking",
    "tables",
    "would_rather_not",
    "pair_twice",
    "max_meetings",
    "required",
)
"""The hard rules of a 1:1 schedule, in the order :func:`check_schedule` reports them."""

SCHEDULE_SOFT_RULES = ("min_meetings",)
"""The soft rules of a 1:1 schedule: a minimum the search misses is reported, not refused."""


@dataclass(frozen=True)
class ScheduleViolation:
    """One rule a 1:1 schedule breaks.

    Attributes
    ----------
    rule:
        One of :data:`SCHEDULE_HARD_RULES` or :data:`SCHEDULE_SOFT_RULES`.
    slot, table:
        Where (indices); ``None`` for a rule of a participant or a pair over the whole
        schedule (``pair_twice``, ``max_meetings``, ``required``, ``min_meetings``).
    participants:
        The participants concerned (indices).
    message:
        The violation in plain words.
    limit:
        The bound missed: the slot's tables, a participant's minimum or maximum of meetings.
    """

    rule: str
    slot: int | None
    table: int | None
    participants: tuple[int, ...]
    message: str
    limit: int | None = None

    @property
    def hard(self) -> bool:
        """Whether the rule is hard (see :data:`SCHEDULE_HARD_RULES`)."""
        return self.rule in SCHEDULE_HARD_RULES


@dataclass(frozen=True, kw_only=True, eq=False)
class ScheduleInstance:
    """The rules of a 1:1 schedule, as arrays.

    Attributes
    ----------
    tables:
        ``(slots,)`` tables of each slot (numbered from 0).
    avail:
        ``(n, slots)`` booleans: the participant can meet in the slot.
    never:
        ``(n, n)`` booleans: the pair must not meet (would rather not, forbidden); ``None``:
        no such pair.
    required:
        Pairs ``(a, b)`` that must meet.
    lo, hi:
        ``(n,)`` the fewest and most meetings of each participant; ``None``: no bound.
    """

    tables: Array
    avail: Array
    never: Array | None = None
    required: Sequence[tuple[int, int]] = ()
    lo: Array | None = None
    hi: Array | None = None

    @property
    def n(self) -> int:
        """Number of participants."""
        return int(self.avail.shape[0])

    @property
    def slots(self) -> int:
        """Number of slots."""
        return int(self.tables.shape[0])


def check_schedule(
    instance: ScheduleInstance, meetings: Sequence[Any]
) -> tuple[ScheduleViolation, ...]:
    """Every rule the 1:1 ``meetings`` (each with ``slot``, ``table``, ``a`` and ``b``, as
    :class:`~matchmaker.solvers.result.Meeting`) break.

    Hard: a participant not available in the slot of a meeting (``availability``), in two
    meetings of one slot (``double_booking``), a table outside the slot's tables or two
    meetings at one table (``tables``), a pair that must not meet (``would_rather_not``), a
    pair that meets twice (``pair_twice``), more meetings than a participant's maximum
    (``max_meetings``), a required pair without a meeting (``required``). Soft: fewer meetings
    than a participant's minimum (``min_meetings``).

    Returns
    -------
    tuple of ScheduleViolation
        Empty when every rule is kept; meeting by meeting (in the order given), then
        participant by participant, then the required pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from matchmaker.solvers.result import Meeting
    >>> inst = ScheduleInstance(tables=np.array([1, 1]), avail=np.ones((3, 2), dtype=bool))
    >>> check_schedule(inst, [Meeting(0, 0, 0, 1), Meeting(1, 0, 1, 2)])
    ()
    >>> [v.rule for v in check_schedule(inst, [Meeting(0, 0, 0, 1), Meeting(0, 0, 1, 2)])]
    ['double_booking', 'tables']
    """
    p = instance
    out: list[ScheduleViolation] = []
    busy: dict[tuple[int, int], Any] = {}
    seated: dict[tuple[int, int], Any] = {}
    met: dict[tuple[int, int], Any] = {}
    counts = np.zeros(p.n, dtype=np.int64)
    for m in meetings:
        s, t = int(m.slot), int(m.table)
        a, b = min(int(m.a), int(m.b)), max(int(m.a), int(m.b))
        where = f"slot {s}, table {t}"
        counts[[a, b]] += 1
        for x in (a, b):
            if not 0 <= s < p.slots or not p.avail[x, s]:
                out.append(
                    ScheduleViolation(
                        "availability",
                        s,
                        t,
                        (x,),
                        f"{where}: participant {x} is not available in slot {s}",
                    )
                )
        for x in (a, b):
            other = busy.get((x, s))
            if other is not None:
                out.append(
                    ScheduleViolation(
                        "double_booking",
                        s,
                        t,
                        (x,),
                        f"{where}: participant {x} also meets at table {int(other.table)} "
                        f"of slot {s}",
                    )
                )
            busy[x, s] = m
        tables = int(p.tables[s]) if 0 <= s < p.slots else 0
        if not 0 <= t < tables:
            out.append(
                ScheduleViolation(
                    "tables",
                    s,
                    t,
                    (a, b),
                    f"{where}: slot {s} has {tables} tables (0..{tables - 1})",
                    limit=tables,
                )
            )
        elif (s, t) in seated:
            other = seated[s, t]
            out.append(
                ScheduleViolation(
                    "tables",
                    s,
                    t,
                    (a, b),
                    f"{where}: the table already holds participants {int(other.a)} and "
                    f"{int(other.b)}",
                    limit=tables,
                )
            )
        seated.setdefault((s, t), m)
        if p.never is not None and p.never[a, b]:
            out.append(
                ScheduleViolation(
                    "would_rather_not",
                    s,
                    t,
                    (a, b),
                    f"{where}: participants {a} and {b} must not meet",
                )
            )
        if (a, b) in met:
            out.append(
                ScheduleViolation(
                    "pair_twice",
                    s,
                    t,
                    (a, b),
                    f"{where}: participants {a} and {b} already meet in slot {int(met[a, b].slot)}",
                )
            )
        met.setdefault((a, b), m)
    if p.hi is not None:
        for i in np.flatnonzero(counts > p.hi).tolist():
            out.append(
                ScheduleViolation(
                    "max_meetings",
                    None,
                    None,
                    (i,),
                    f"participant {i} has {int(counts[i])} meetings, above max_meetings = "
                    f"{int(p.hi[i])}",
                    limit=int(p.hi[i]),
                )
            )
    if p.lo is not None:
        for i in np.flatnonzero(counts < p.lo).tolist():
            out.append(
                ScheduleViolation(
                    "min_meetings",
                    None,
                    None,
                    (i,),
                    f"participant {i} has {int(counts[i])} meetings, below min_meetings = "
                    f"{int(p.lo[i])}",
                    limit=int(p.lo[i]),
                )
            )
    for a, b in p.required:
        a, b = min(int(a), int(b)), max(int(a), int(b))
        if (a, b) not in met:
            out.append(
                ScheduleViolation(
                    "required",
                    None,
                    None,
                    (a, b),
                    f"participants {a} and {b} must meet but have no meeting",
                )
            )
    return tuple(out)
