"""Partner pairs and 1:1 schedules for an event: profiles in, labelled plans out.

The solvers work on matrices; this module is the adapter. It scores participants with the
scorer (colleagues of one organisation never meet), turns the participants' requests into
priorities ("must meet" pairs are required, "would rather not" pairs are forbidden, a mutual
wish weighs more than a one-sided one) and maps the solvers' indices back to ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError
from matchmaker.models import Event, TimeSlot
from matchmaker.score import Scorer
from matchmaker.score.event import EventMatrices, event_matrices
from matchmaker.solvers.progress import ProgressFn

__all__ = [
    "EventMatrices",
    "PairsProblem",
    "PublishedMeeting",
    "ScheduleIndex",
    "ScheduleProblem",
    "decode_pairs",
    "decode_schedule",
    "encode_pairs",
    "encode_schedule",
    "event_matrices",
    "plan_pairs",
    "plan_schedule",
    "replan_schedule",
    "with_slots",
]

Array = npt.NDArray[Any]


@dataclass(frozen=True)
class PairsProblem:
    """An event as :func:`~matchmaker.solvers.pairs.solve_pairs` takes it:
    ``solve_pairs(weights, **options)``. ``weights`` are the scores plus the requests' weight
    (participants x participants); ``options`` the forbidden and required pairs as indices."""

    weights: Array
    options: Mapping[str, Any]


def encode_pairs(
    event: Event, scorer: Scorer | str | None = None, *, matrices: EventMatrices | None = None
) -> tuple[PairsProblem, tuple[str, ...]]:
    """The event as the pairing solver's arrays, and the participant ids of its rows: the only
    bridge between an event and the pairing solver (:func:`plan_pairs` uses it)."""
    m = matrices if matrices is not None else event_matrices(event, scorer=scorer)
    options = {"forbidden": m.forbidden, "required": m.required or None}
    return PairsProblem(weights=m.wishes, options=MappingProxyType(options)), tuple(m.ids)


def decode_pairs(
    pairs: Sequence[tuple[int, int]], participants: Sequence[str]
) -> list[tuple[str, str]]:
    """A solver's pairs (row indices) as pairs of participant ids."""
    return [(participants[a], participants[b]) for a, b in pairs]


def plan_pairs(
    event: Event,
    *,
    sides: Sequence[int] | None = None,
    capacity: int = 1,
    scorer: Scorer | str | None = None,
    seed: int | None = None,
    matrices: EventMatrices | None = None,
    progress: ProgressFn | None = None,
) -> tuple[Any, list[tuple[str, str]]]:
    """Partner pairs for the participants of ``event``; returns the solver's result and the
    pairs as participant ids. ``matrices``: the event's scores when they are at hand (from
    :func:`event_matrices` with the same scorer), so that the event is scored once;
    ``progress(fraction, message)``: how far the solver is."""
    from matchmaker.solvers.pairs import solve_pairs

    problem, participants = encode_pairs(event, scorer, matrices=matrices)
    result = solve_pairs(
        problem.weights,
        capacities=capacity,
        sides=None if sides is None else np.asarray(sides),
        seed=seed,
        progress=progress,
        **problem.options,
    )
    return result, decode_pairs(result.pairs, participants)


def with_slots(
    event: Event,
    slots: int,
    *,
    start: dt.datetime | None = None,
    minutes: int = 20,
    tables: int | None = None,
) -> Event:
    """The event with ``slots`` consecutive meeting slots of ``minutes`` (when it has none)."""
    if slots < 1:
        raise InvalidInputError(f"slots must be 1 or more; got {slots}")
    if minutes < 1:
        raise InvalidInputError(f"slot length must be 1 minute or more; got {minutes}")
    if event.slots and len(event.slots) != slots:
        raise InvalidInputError(
            f"event '{event.id}' already has {len(event.slots)} slots; --slots {slots} would "
            "change them (leave --slots out to use the event's own)"
        )
    first = start or dt.datetime.combine(event.date or dt.date.today(), dt.time(9, 0))
    new_slots = event.slots or [
        TimeSlot(
            id=f"S{k + 1:02d}",
            start=first + dt.timedelta(minutes=minutes * k),
            end=first + dt.timedelta(minutes=minutes * (k + 1)),
        )
        for k in range(slots)
    ]
    return event.model_copy(
        update={"slots": new_slots, "tables": event.tables if tables is None else tables}
    )


def plan_schedule(
    event: Event,
    *,
    scorer: Scorer | str | None = None,
    min_meetings: int | None = None,
    max_meetings: int | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
    progress: ProgressFn | None = None,
) -> tuple[Any, EventMatrices]:
    """A 1:1 schedule for ``event`` over its slots and tables; ``progress(fraction, message)``
    hears how far the solver is (see :func:`~matchmaker.solvers.schedule.solve_schedule`).

    Everyone who may have a meeting counts for fairness; a participant whose
    ``max_meetings`` is 0 wants none and is left out of the schedule and of its fairness
    figures."""
    from matchmaker.solvers.schedule import solve_schedule

    m = event_matrices(event, scorer=scorer) if event.slots and event.tables >= 1 else None
    problem, _ = encode_schedule(
        event, scorer, min_meetings=min_meetings, max_meetings=max_meetings, matrices=m
    )
    assert m is not None
    # Everyone who may have a meeting counts for fairness, not only those who asked for one: a
    # schedule planned from scores must not leave anyone out where the tables allow.
    result = solve_schedule(
        problem.scores,
        seed=seed,
        time_limit=time_limit,
        fair_to="everyone",
        progress=progress,
        **problem.options,
    )
    return result, m


@dataclass(frozen=True)
class PublishedMeeting:
    """A meeting as published: slot id, table number (from 1) and the two participant ids."""

    slot: str
    table: int
    a: str
    b: str


def _schedule_inputs(event: Event, m: EventMatrices, min_meetings: int | None) -> dict[str, Any]:
    people = event.participants
    rules = event.rules
    lo = np.array(
        [
            p.min_meetings if p.min_meetings is not None else (min_meetings or rules.min_meetings)
            for p in people
        ]
    )
    hi_default = rules.max_meetings or len(event.slots)
    hi = np.array([p.max_meetings if p.max_meetings is not None else hi_default for p in people])
    # A participant's own most (0: wants no meeting) comes before the event's least for all,
    # and before the "must meet" wishes of others about them: the organiser marked them so.
    own_max = np.array([p.max_meetings is not None and p.min_meetings is None for p in people])
    if own_max.any():
        lo = np.where(own_max, np.minimum(lo, hi), lo)
    required = [(a, b) for a, b in m.required if hi[a] > 0 and hi[b] > 0]
    return {
        "slots": len(event.slots),
        "tables": event.tables,
        "availability": m.availability,
        "requests": m.asked.astype(np.int8),
        "min_meetings": lo,
        "max_meetings": hi,
        "forbidden": m.forbidden,
        "required": required or None,
    }


@dataclass(frozen=True)
class ScheduleProblem:
    """An event as :func:`~matchmaker.solvers.schedule.solve_schedule` takes it:
    ``solve_schedule(scores, **options)``. ``scores`` is participants x participants (``-inf``
    where two may not meet); ``options`` the slots, tables, availability, requests, minimum
    and maximum meetings, forbidden and required pairs, all as indices."""

    scores: Array
    options: Mapping[str, Any]


@dataclass(frozen=True)
class ScheduleIndex:
    """What the rows and slot indices of a :class:`ScheduleProblem` are."""

    participants: tuple[str, ...]
    slots: tuple[str, ...]


def encode_schedule(
    event: Event,
    scorer: Scorer | str | None = None,
    *,
    min_meetings: int | None = None,
    max_meetings: int | None = None,
    matrices: EventMatrices | None = None,
) -> tuple[ScheduleProblem, ScheduleIndex]:
    """The event as the schedule solver's arrays, and the index that maps them back to labels:
    the only bridge between an event and the schedule solver (:func:`plan_schedule` and
    :func:`replan_schedule` use it). ``matrices``: the event's scores when they are at hand."""
    if not event.slots:
        raise InvalidInputError(f"event '{event.id}' has no time slots; give --slots N")
    if event.tables < 1:
        raise InvalidInputError(f"event '{event.id}' has no tables; give --tables M")
    m = matrices if matrices is not None else event_matrices(event, scorer=scorer)
    options = _schedule_inputs(event, m, min_meetings)
    if max_meetings is not None:
        options["max_meetings"] = np.minimum(options["max_meetings"], max_meetings)
    problem = ScheduleProblem(
        scores=np.where(np.isfinite(m.scores), m.scores, -np.inf),
        options=MappingProxyType(options),
    )
    index = ScheduleIndex(participants=tuple(m.ids), slots=tuple(slot.id for slot in event.slots))
    return problem, index


def decode_schedule(meetings: Sequence[Any], index: ScheduleIndex) -> list[PublishedMeeting]:
    """A solver's meetings (slot, table and participants as indices) as published meetings:
    slot ids, tables from 1, participant ids."""
    return [
        PublishedMeeting(
            slot=index.slots[mt.slot],
            table=mt.table + 1,
            a=index.participants[mt.a],
            b=index.participants[mt.b],
        )
        for mt in meetings
    ]


def replan_schedule(
    event: Event,
    published: Sequence[PublishedMeeting],
    *,
    scorer: Scorer | str | None = None,
    seed: int | None = None,
    matrices: EventMatrices | None = None,
    progress: ProgressFn | None = None,
) -> tuple[Any, dict[str, list[PublishedMeeting]]]:
    """Re-plan after late registrations, cancellations or no-shows (``matrices``: the event's
    scores when they are at hand, as for :func:`plan_pairs`).

    ``event`` is the event as it is now (participants who left are no longer in it; late
    registrations are). Every published meeting whose two participants are still there (and
    still available in its slot, and not marked since as wanting no meetings) stays exactly
    where it was; the free capacity is filled,
    fair to everyone who may have a meeting. ``progress`` as for :func:`plan_schedule`.

    Returns
    -------
    (ScheduleResult, changes)
        ``changes`` has the lists ``kept``, ``cancelled`` and ``added``.
    """
    from matchmaker.solvers import Meeting, ScheduleResult
    from matchmaker.solvers.schedule import replan

    if not event.slots or event.tables < 1:
        raise InvalidInputError(f"event '{event.id}' needs time slots and tables to re-plan")
    m = matrices if matrices is not None else event_matrices(event, scorer=scorer)
    problem, labels = encode_schedule(event, scorer, matrices=m)
    index = {pid: i for i, pid in enumerate(m.ids)}
    slot_index = {s.id: k for k, s in enumerate(event.slots)}
    wants_none = np.asarray(problem.options["max_meetings"]) == 0
    carried: list[Meeting] = []
    gone: list[PublishedMeeting] = []
    for pm in published:
        a, b, k = index.get(pm.a), index.get(pm.b), slot_index.get(pm.slot)
        if a is None or b is None or k is None or not 1 <= pm.table <= event.tables:
            gone.append(pm)
            continue
        if wants_none[a] or wants_none[b]:  # marked as wanting no meetings since
            gone.append(pm)
            continue
        carried.append(Meeting(slot=k, table=pm.table - 1, a=min(a, b), b=max(a, b)))
    counts = np.zeros(len(m.ids), dtype=np.int64)
    for mt in carried:
        counts[[mt.a, mt.b]] += 1
    previous = ScheduleResult(
        objective=0.0,
        upper_bound=0.0,
        gap=0.0,
        status="feasible",
        message="published schedule",
        meetings=tuple(sorted(carried)),
        meetings_per_participant=tuple(int(c) for c in counts),
    )
    result, changes = replan(
        previous,
        problem.scores,
        present=np.ones(len(m.ids), dtype=bool),
        seed=seed,
        published=True,
        fair_to="everyone",
        progress=progress,
        **problem.options,
    )
    report = {
        "kept": decode_schedule(changes.kept, labels),
        "cancelled": gone + decode_schedule(changes.cancelled, labels),
        "added": decode_schedule(changes.added, labels),
    }
    return result, report
