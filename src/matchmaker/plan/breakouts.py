"""Breakout rooms for an event: profiles in, rooms per round with reasons out.

The breakout solver works on matrices; this module is the adapter. It scores participants with
the scorer (colleagues of one organisation gain nothing from sitting together), measures how
well each participant fits each room's themes, turns the organiser's rules into the solver's
index sets, and maps the answer back to ids, with a "why" for every person.

Decisions
---------
- **Affinity** of two participants is their organisations' pair score plus the weight of their
  requests (as for 1:1 meetings); colleagues and "would rather not" pairs get 0.
- **Fit** of a participant to a room is the cosine between the organisation's S3 priorities
  and sectors (codes with their ancestors and broad themes) and the room's themes read as S3
  codes or labels (``TP-INDMOD``, ``Agri-food``) or broad theme names (``energy``); themes that
  are neither are free words, compared with the organisation's offers and needs in the text
  space of the profiles. A room with both kinds averages the two. The fit is scaled so that a
  perfect fit weighs as much as :data:`FIT_SHARE` of a room of average partners.
- **Colleagues** (``apart_same_organisation``): an organisation with no more participants than
  rooms is one hard keep-apart set (all in different rooms). A larger organisation is split
  into ``ceil(k / rooms)`` sets of at most ``rooms`` people, each kept apart, so no room gets
  more than ``ceil(k / rooms)`` of them, which is the even spread. A re-plan keeps colleagues
  who already share a room together (in different sets) rather than move them. Colleagues that a
  ``keep_together`` rule puts in one room are not spread: the organiser's explicit rule wins.
  The rule and the sets are :mod:`matchmaker.solvers.rules`'s, which the service checks with.
- **Types** (``mix_types``): the triple-helix roles are the solver's ``groups`` to mix.
- **Languages** (``shared_language``): the organisations' working languages; a participant
  whose organisation lists none is taken to speak any of them (nothing is known against it).
- **Repeats** (``avoid_repeats``): the solver's default penalty, which makes meeting someone
  again weigh less than any new partner; without the rule, repeats cost nothing.
- Country caps, the mix of types and a shared language are soft rules of the solver: a room
  that misses one is listed in ``result.violations``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from matchmaker import taxonomy
from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.explain import reasons
from matchmaker.models import Event, HelixRole, Organisation, Participant, Room, Round
from matchmaker.score import Scorer, make_scorer, pair_components
from matchmaker.score.event import event_matrices
from matchmaker.score.themes import (
    RoomThemes,
    cosine,
    event_vocabulary,
    fit_matrix,
    item_cosines,
    room_themes,
    theme_features,
)
from matchmaker.solvers.progress import ProgressFn
from matchmaker.solvers.rules import BreakoutsInstance, check_allocation, colleague_apart_sets
from matchmaker.vectorise import THEME_LABELS, ProfileMatrix, ProfileSpace

__all__ = [
    "BreakoutPlan",
    "BreakoutsIndex",
    "BreakoutsProblem",
    "Explanation",
    "Partner",
    "decode_breakouts",
    "encode_breakouts",
    "plan_breakouts",
    "replan_breakouts",
]

Array = npt.NDArray[Any]
Mode = Literal["affinity", "diversity"]
MODES: tuple[Mode, ...] = ("affinity", "diversity")

#: Seats added to each generated room beyond an even split, so that rules have room to work.
ROOM_SLACK = 1
#: A perfect room fit weighs as much as this share of a room of average partners.
FIT_SHARE = 0.5
#: A free-word theme is named in a reason only when an offer or need is at least this close.
TEXT_FLOOR = 0.15
#: How many partners an explanation names.
PARTNERS = 3

_ROLES = list(HelixRole)


@dataclass(frozen=True)
class Partner:
    """Someone a participant meets in their room, and why."""

    id: str
    person: str
    organisation: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Why a participant is in a room: the themes they fit, and who they meet there."""

    participant: str
    round: str
    room: str
    themes: tuple[str, ...]
    partners: tuple[Partner, ...]

    @property
    def text(self) -> str:
        """The explanation in a few sentences."""
        parts = [f"{t[:1].upper()}{t[1:]}." for t in self.themes]
        for p in self.partners:
            why = f": {'; '.join(p.reasons)}" if p.reasons else ""
            parts.append(f"You will meet {p.person} ({p.organisation}){why}.")
        return " ".join(parts)


@dataclass(frozen=True)
class BreakoutPlan:
    """Breakout rooms for an event.

    Attributes
    ----------
    event:
        The event as planned: with the rooms and rounds that were used.
    result:
        The solver's result (indices, objective, bound, status, violations).
        ``result.rooms[t][i]`` is the room index of participant ``i`` in round ``t``.
    assignment:
        ``{round id: {room id: [participant ids]}}``, rooms and participants in event order.
    explanations:
        ``{round id: {participant id: Explanation}}``.
    mode, scorer:
        How the plan was made; :func:`replan_breakouts` plans again the same way.
    """

    event: Event
    result: Any
    assignment: dict[str, dict[str, list[str]]]
    explanations: dict[str, dict[str, Explanation]] = field(default_factory=dict)
    mode: Mode = "affinity"
    scorer: Scorer | None = None

    def room_of(self, participant: str, round_id: str) -> str | None:
        """The room of ``participant`` in round ``round_id`` (``None`` when not placed)."""
        for room, people in self.assignment.get(round_id, {}).items():
            if participant in people:
                return room
        return None


# --- inputs -----------------------------------------------------------------------------------


def _rooms(event: Event, rooms: int | Sequence[Room] | None) -> list[Room]:
    if rooms is None:
        if not event.rooms:
            raise InvalidInputError(
                f"event '{event.id}' has no breakout rooms; give rooms (a number or a list)"
            )
        return list(event.rooms)
    if not isinstance(rooms, int):
        given = list(rooms)
        if not given:
            raise InvalidInputError("rooms is an empty list; give at least one room")
        return given
    if isinstance(rooms, bool) or rooms < 1:
        raise InvalidInputError(f"rooms must be 1 or more; got {rooms}")
    total = sum(p.seats for p in event.participants)
    capacity = max(1, math.ceil(total / rooms)) + ROOM_SLACK
    return [Room(id=f"room-{k}", name=f"Room {k}", capacity=capacity) for k in range(1, rooms + 1)]


def _rounds(event: Event, rounds: int | Sequence[Round] | None) -> list[Round]:
    if rounds is None:
        return list(event.rounds)
    if not isinstance(rounds, int):
        given = list(rounds)
        if not given:
            raise InvalidInputError("rounds is an empty list; give at least one round")
        return given
    if isinstance(rounds, bool) or rounds < 1:
        raise InvalidInputError(f"rounds must be 1 or more; got {rounds}")
    out = list(event.rounds[:rounds])
    used = {r.id for r in out}
    k = 0
    while len(out) < rounds:
        k += 1
        rid = f"R{k}"
        if rid not in used:
            used.add(rid)
            out.append(Round(id=rid, name=f"Round {k}"))
    return out


def _prepare(
    event: Event, rooms: int | Sequence[Room] | None, rounds: int | Sequence[Round] | None
) -> Event:
    """The event with the rooms and rounds to plan; pins outside them are errors or dropped."""
    if not event.participants:
        raise InvalidInputError(f"event '{event.id}' has no participants to put in rooms")
    room_list = _rooms(event, rooms)
    round_list = _rounds(event, rounds)
    room_ids = {r.id for r in room_list}
    round_ids = {r.id for r in round_list}
    bad = [p for p in event.rules.pins if p.room not in room_ids]
    if bad:
        shown = ", ".join(f"'{p.participant}' to '{p.room}'" for p in bad[:5])
        raise InvalidInputError(
            f"pin {shown}: the room is not among the rooms planned ({', '.join(sorted(room_ids))})"
        )
    # A pin to a round that is not planned has nothing to hold.
    pins = [p for p in event.rules.pins if p.round is None or p.round in round_ids]
    rules = event.rules.model_copy(update={"pins": pins})
    return event.model_copy(update={"rooms": room_list, "rounds": round_list, "rules": rules})


def _labels(values: Sequence[str]) -> Array:
    index: dict[str, int] = {}
    return np.array([index.setdefault(v, len(index)) for v in values], dtype=np.int64)


def colleague_sets(
    event: Event,
    n_rooms: int,
    together: Sequence[set[int]],
    previous: Array | None = None,
) -> list[list[int]]:
    """Keep-apart sets that spread each organisation's participants over the rooms: the rule
    of :func:`~matchmaker.solvers.rules.colleague_apart_sets` on the participants'
    organisations (``previous``: the rooms of a plan being re-planned)."""
    labels = _labels([p.organisation for p in event.participants])
    return colleague_apart_sets(labels, n_rooms, [sorted(g) for g in together], previous)


@dataclass(frozen=True)
class _Inputs:
    event: Event
    scorer: Scorer
    profiles: ProfileMatrix
    org_rows: Array
    affinity: Array
    themes: list[RoomThemes]
    kwargs: dict[str, Any]


def _inputs(event: Event, scorer: Scorer | str | None, previous: Array | None = None) -> _Inputs:
    """Everything the solver needs, from an event whose rooms and rounds are set
    (``previous``: the rooms of a plan being re-planned, see :func:`colleague_sets`)."""
    sc = scorer if isinstance(scorer, Scorer) else make_scorer(scorer or "business")
    orgs = event.organisations
    if not orgs:
        raise InvalidInputError(
            f"event '{event.id}' has no organisations: breakout rooms need their profiles"
        )
    space = ProfileSpace().fit(orgs)
    profiles = space.transform(orgs)
    m = event_matrices(event, scorer=sc, space=space)
    affinity = np.where(np.isfinite(m.wishes), m.wishes, 0.0).astype(np.float64)
    affinity = (affinity + affinity.T) / 2
    np.fill_diagonal(affinity, 0.0)

    people = event.participants
    n = len(people)
    org_rows = np.array([profiles.index[p.organisation] for p in people], dtype=np.int64)
    vocab = event_vocabulary(event)
    themes = [room_themes(r, vocab, space) for r in event.rooms]
    fit = fit_matrix(profiles, org_rows, themes)
    n_rooms = len(event.rooms)
    positive = affinity[affinity > 0]
    mean_pair = float(positive.mean()) if positive.size else 1.0
    room_size = max(n / n_rooms - 1, 1.0)
    fit = fit * (FIT_SHARE * mean_pair * room_size)

    index = {p.id: i for i, p in enumerate(people)}
    room_index = {r.id: k for k, r in enumerate(event.rooms)}
    round_index = {r.id: k for k, r in enumerate(event.rounds)}
    rules = event.rules
    pins = [
        (
            index[p.participant],
            room_index[p.room],
            None if p.round is None else round_index[p.round],
        )
        for p in rules.pins
    ]
    together = [sorted({index[pid] for pid in group}) for group in rules.keep_together]
    apart = [sorted({index[pid] for pid in group}) for group in rules.keep_apart]
    if rules.apart_same_organisation:
        apart += colleague_sets(event, n_rooms, [set(g) for g in together], previous)
    org_of = {o.id: o for o in orgs}
    kwargs: dict[str, Any] = {
        "seats": np.array([p.seats for p in people], dtype=np.int64),
        "rounds": len(event.rounds),
        "fit": fit,
        "pins": pins or None,
        "apart": apart or None,
        "together": together or None,
        # The solver's default makes a repeat weigh less than any new pair.
        "repeat_penalty": None if rules.avoid_repeats else 0.0,
        "room_names": [r.name for r in event.rooms],
    }
    if rules.max_per_country is not None:
        kwargs["country"] = _labels([org_of[p.organisation].country for p in people])
        kwargs["max_per_country"] = rules.max_per_country
    if rules.mix_types:
        kwargs["groups"] = np.array(
            [_ROLES.index(org_of[p.organisation].helix) for p in people], dtype=np.int64
        )
    if rules.shared_language:
        codes = sorted({c for o in orgs for c in o.languages})
        if codes:
            col = {c: k for k, c in enumerate(codes)}
            language = np.zeros((n, len(codes)), dtype=bool)
            for i, p in enumerate(people):
                spoken = org_of[p.organisation].languages
                if spoken:
                    language[i, [col[c] for c in spoken]] = True
                else:
                    language[i] = True
            kwargs["language"] = language
    return _Inputs(event, sc, profiles, org_rows, affinity, themes, kwargs)


def _sizes(event: Event) -> list[tuple[int, int]]:
    return [(r.min_size, r.capacity) for r in event.rooms]


# --- answers ----------------------------------------------------------------------------------


def _assignment(event: Event, rooms: Array) -> dict[str, dict[str, list[str]]]:
    return decode_breakouts(rooms, _index(event))


def _person(p: Participant) -> str:
    return p.person or p.id


def _theme_reasons(
    org: Organisation,
    row: int,
    th: RoomThemes,
    profiles: ProfileMatrix,
    vocab: taxonomy.S3Vocabulary,
) -> list[str]:
    out: list[tuple[float, str]] = []
    own = [(c, theme_features(c)) for c in org.s3_priorities]
    own += [(c, theme_features(c, s3=True)) for c in org.sectors]
    for written, code in th.codes:
        best = max(((cosine(v, theme_features(code)), c) for c, v in own), default=(0.0, ""))
        if best[0] <= 0:
            continue
        mine = best[1]
        kind = "S3 priority" if mine in org.s3_priorities else "sector"
        name = _code_label(mine, vocab)
        theme = _code_label(code, vocab) if not code.startswith("theme:") else written
        if mine == code:
            out.append((best[0], f"your {kind} {name} is the room's theme"))
        else:
            out.append((best[0], f"your {kind} {name} matches the room's theme {theme}"))
    if th.text is not None:
        offers, needs = item_cosines(profiles, row, th.text)
        for kind, sims, items in (("offer", offers, org.offers), ("need", needs, org.needs)):
            if sims.size and float(sims.max()) >= TEXT_FLOOR:
                k, w = np.unravel_index(int(np.argmax(sims)), sims.shape)
                # With a description and no offers, the description is the one offer.
                what = f"your {kind} '{items[k].text}'" if k < len(items) else "your description"
                out.append((float(sims[k, w]), f"{what} matches the room's theme '{th.words[w]}'"))
    out.sort(key=lambda t: -t[0])
    return [text for _, text in out[:2]]


def _code_label(code: str, vocab: taxonomy.S3Vocabulary) -> str:
    if code.startswith("theme:"):
        return THEME_LABELS[code[6:]]
    if vocab.is_valid(code):
        return vocab.label(code)
    nace = taxonomy.nace()
    return f"{nace.title(code)} (NACE {code})" if nace.is_valid(code) else code


def _explain(inputs: _Inputs, rooms: Array) -> dict[str, dict[str, Explanation]]:
    event, profiles, sc = inputs.event, inputs.profiles, inputs.scorer
    people = event.participants
    vocab = event_vocabulary(event)
    themes = inputs.themes
    org_names = {o.id: o.name for o in event.organisations}
    out: dict[str, dict[str, Explanation]] = {}
    for t, rnd in enumerate(event.rounds):
        row = rooms[t]
        per: dict[str, Explanation] = {}
        for i, person in enumerate(people):
            k = int(row[i])
            if k < 0:
                continue
            a = int(inputs.org_rows[i])
            org = profiles.organisations[a]
            mates = [
                j
                for j in range(len(people))
                if j != i and int(row[j]) == k and people[j].organisation != person.organisation
            ]
            mates.sort(key=lambda j: (-inputs.affinity[i, j], j))
            best = mates[:PARTNERS]
            partners: list[Partner] = []
            if best:
                js = inputs.org_rows[best]
                comps, relation = pair_components(profiles, a, js, sc)
                for m, j in enumerate(best):
                    values = {c: float(v[m]) for c, v in comps.items()}
                    why = reasons(
                        profiles, a, int(js[m]), values, int(relation[m]), sc, vocabulary=vocab
                    )
                    partners.append(
                        Partner(
                            id=people[j].id,
                            person=_person(people[j]),
                            organisation=org_names.get(people[j].organisation, ""),
                            reasons=tuple(why),
                        )
                    )
            fits = _theme_reasons(org, a, themes[k], profiles, vocab)
            if not fits and event.rooms[k].themes:
                fits = ["your profile does not name the room's themes; the room balances the plan"]
            per[person.id] = Explanation(
                participant=person.id,
                round=rnd.id,
                room=event.rooms[k].id,
                themes=tuple(fits),
                partners=tuple(partners),
            )
        out[rnd.id] = per
    return out


# --- planning ---------------------------------------------------------------------------------


def _check_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise InvalidInputError(f"mode '{mode}' must be one of: {', '.join(MODES)}")
    return mode


def _check_seats(event: Event) -> None:
    need = sum(p.seats for p in event.participants)
    have = sum(r.capacity for r in event.rooms)
    if need > have:
        raise InfeasibleError(
            f"the {len(event.participants)} participants need {need} seats but the "
            f"{len(event.rooms)} rooms hold {have}; add rooms or raise their capacity",
            rule="capacity",
        )


@dataclass(frozen=True)
class BreakoutsIndex:
    """What the rows and columns of a :class:`BreakoutsProblem` are: participant ids (rows),
    room ids (room indices) and round ids (round indices), in the event's order."""

    participants: tuple[str, ...]
    rooms: tuple[str, ...]
    rounds: tuple[str, ...]


@dataclass(frozen=True)
class BreakoutsProblem:
    """An event as :func:`~matchmaker.solvers.breakouts.solve_breakouts` takes it:
    ``solve_breakouts(affinity, sizes, **options)``. ``affinity`` is participants x
    participants (symmetric, 0 on the diagonal), ``sizes`` the (minimum, capacity) of each
    room in seats, ``options`` the seats, rounds, room fit, pins, keep-apart and keep-together
    sets and the soft rules, all as indices."""

    affinity: Array
    sizes: tuple[tuple[int, int], ...]
    options: Mapping[str, Any]


def encode_breakouts(
    event: Event,
    scorer: Scorer | str | None = None,
    *,
    rooms: int | Sequence[Room] | None = None,
    rounds: int | Sequence[Round] | None = None,
) -> tuple[BreakoutsProblem, BreakoutsIndex]:
    """The event as the solver's arrays, and the index that maps them back to labels: the
    only bridge between an event and the breakout solver (:func:`plan_breakouts` uses it).
    ``rooms`` and ``rounds`` as for :func:`plan_breakouts`."""
    ev = _prepare(event, rooms, rounds)
    _check_seats(ev)
    return _encoded(_inputs(ev, scorer))


def decode_breakouts(
    rooms: npt.ArrayLike, index: BreakoutsIndex
) -> dict[str, dict[str, list[str]]]:
    """A solver's ``rooms`` (rounds x participants, room indices) as ``{round id: {room id:
    [participant ids]}}``, rooms and participants in the index's order."""
    grid = np.asarray(rooms, dtype=np.int64).reshape(len(index.rounds), len(index.participants))
    return {
        rnd: {
            room: [pid for i, pid in enumerate(index.participants) if int(grid[t, i]) == k]
            for k, room in enumerate(index.rooms)
        }
        for t, rnd in enumerate(index.rounds)
    }


def _encoded(inputs: _Inputs) -> tuple[BreakoutsProblem, BreakoutsIndex]:
    ev = inputs.event
    instance = BreakoutsProblem(
        affinity=inputs.affinity,
        sizes=tuple(_sizes(ev)),
        options=MappingProxyType(dict(inputs.kwargs)),
    )
    return instance, _index(ev)


def _index(event: Event) -> BreakoutsIndex:
    """The labels of an event whose rooms and rounds are set, in the solver's order."""
    return BreakoutsIndex(
        participants=tuple(p.id for p in event.participants),
        rooms=tuple(r.id for r in event.rooms),
        rounds=tuple(r.id for r in event.rounds),
    )


def _solve(inputs: _Inputs, mode: Mode, **extra: Any) -> Any:
    from matchmaker.solvers.breakouts import solve_breakouts

    instance, _ = _encoded(inputs)
    options = {**instance.options, **extra}
    return solve_breakouts(instance.affinity, list(instance.sizes), mode=mode, **options)


def _plan(inputs: _Inputs, result: Any, mode: Mode) -> BreakoutPlan:
    rooms = np.asarray(result.rooms, dtype=np.int64).reshape(len(inputs.event.rounds), -1)
    return BreakoutPlan(
        event=inputs.event,
        result=result,
        assignment=_assignment(inputs.event, rooms),
        explanations=_explain(inputs, rooms),
        mode=mode,
        scorer=inputs.scorer,
    )


def plan_breakouts(
    event: Event,
    *,
    rooms: int | Sequence[Room] | None = None,
    rounds: int | Sequence[Round] | None = None,
    mode: Mode = "affinity",
    scorer: Scorer | str | None = None,
    seed: int | None = None,
    time_limit: float | None = None,
    progress: ProgressFn | None = None,
) -> BreakoutPlan:
    """Put the participants of ``event`` in breakout rooms, round by round, with reasons.

    Parameters
    ----------
    event:
        Participants with their organisations' profiles, and the organiser's rules.
    rooms:
        ``None`` for the event's rooms, a number ``N`` for rooms "Room 1" ... "Room N" of equal
        capacity (an even split of the seats plus :data:`ROOM_SLACK`), or a list of rooms.
    rounds:
        ``None`` for the event's rounds, a number ``R`` (the event's first rounds, and new
        ones ``R1``, ``R2``... when it has fewer), or a list of rounds.
    mode:
        ``affinity`` (people who fit together) or ``diversity`` (people who differ).
    scorer:
        A :class:`~matchmaker.score.Scorer` or a preset name (default ``business``).
    seed, time_limit:
        Passed to the solver.
    progress:
        ``progress(fraction, message)``: how far the solver is (see
        :func:`~matchmaker.solvers.breakouts.solve_breakouts`).

    Returns
    -------
    BreakoutPlan

    Raises
    ------
    InvalidInputError
        For an unknown mode, no participants, no rooms, or a pin to a room not planned.
    InfeasibleError
        When the rooms cannot seat everyone, or the solver finds the hard rules cannot be met.

    Examples
    --------
    >>> from matchmaker.io import read_event
    >>> plan = plan_breakouts(read_event("src/matchmaker/demo/data/leuven-2018/event.json"), seed=1)
    ... # doctest: +SKIP
    >>> plan.assignment["R1"]["wg1"][:2]  # doctest: +SKIP
    ['P01', 'P07']

    Notes
    -----
    Scoring is O(o² + p²) for o organisations and p participants; the fit to the rooms is
    O(p · rooms · codes); the solver's time is bounded by ``time_limit``.
    """
    chosen = _check_mode(mode)
    ev = _prepare(event, rooms, rounds)
    _check_seats(ev)
    inputs = _inputs(ev, scorer)
    result = _solve(inputs, chosen, seed=seed, time_limit=time_limit, progress=progress)
    if result.status == "infeasible":
        raise InfeasibleError(result.message)
    return _plan(inputs, result, chosen)


def _previous(plan: BreakoutPlan, event: Event) -> Array:
    """Rounds x participants of ``event``: the room each had in ``plan`` (-1: new)."""
    room_index = {r.id: k for k, r in enumerate(event.rooms)}
    index = {p.id: i for i, p in enumerate(event.participants)}
    prev = np.full((len(event.rounds), len(event.participants)), -1, dtype=np.int64)
    for t, rnd in enumerate(event.rounds):
        for room, people in plan.assignment.get(rnd.id, {}).items():
            for pid in people:
                if pid in index and room in room_index:
                    prev[t, index[pid]] = room_index[room]
    return prev


def _initial(inputs: _Inputs, prev: Array) -> Array | None:
    """The previous rooms, each newcomer in the room with the most free seats that the rules
    allow; ``None`` when that breaks a hard rule (the solver then builds its own start)."""
    event = inputs.event
    seats = inputs.kwargs["seats"]
    capacity = np.array([r.capacity for r in event.rooms], dtype=np.int64)
    minimum = np.array([r.min_size for r in event.rooms], dtype=np.int64)
    apart = [list(g) for g in inputs.kwargs["apart"] or ()]
    together = [list(g) for g in inputs.kwargs["together"] or ()]
    pins = inputs.kwargs["pins"] or ()
    initial = prev.copy()
    for t in range(prev.shape[0]):
        row = initial[t]
        for i, k, r in pins:
            if r is None or r == t:
                row[i] = k
        for i in np.flatnonzero(row < 0):
            used = np.bincount(row[row >= 0], weights=seats[row >= 0], minlength=len(capacity))
            mates = {int(row[j]) for g in together if i in g for j in g if row[j] >= 0}
            banned = {int(row[j]) for g in apart if i in g for j in g if j != i and row[j] >= 0}
            free = capacity - used
            choices = [k for k in range(len(capacity)) if k not in banned]
            if mates:
                choices = [k for k in choices if k in mates]
            if not choices:
                return None
            row[i] = max(choices, key=lambda k: (free[k], -k))
    rules = BreakoutsInstance(
        seats=seats,
        lo=minimum,
        hi=capacity,
        pins=np.full(prev.shape, -1, dtype=np.int64),
        apart=[np.asarray(g, dtype=np.int64) for g in apart],
        together=[np.asarray(g, dtype=np.int64) for g in together],
        rounds=prev.shape[0],
    )
    if any(v.hard for v in check_allocation(rules, initial)):
        return None
    return initial


def _release_order(inputs: _Inputs, prev: Array, initial: Array | None) -> list[int]:
    """Stayers, those most likely to have to move first."""
    event = inputs.event
    stayers = [i for i in range(prev.shape[1]) if (prev[:, i] >= 0).all()]
    new = set(range(prev.shape[1])) - set(stayers)
    linked: set[int] = set()
    for group in (*(inputs.kwargs["apart"] or ()), *(inputs.kwargs["together"] or ())):
        if new & set(group):
            linked.update(group)
    seats = inputs.kwargs["seats"]
    full: set[int] = set()
    donors: set[int] = set()
    start = prev if initial is None else initial
    for t in range(start.shape[0]):
        placed = start[t] >= 0
        used = np.bincount(start[t][placed], weights=seats[placed], minlength=len(event.rooms))
        for k, room in enumerate(event.rooms):
            here = np.flatnonzero(start[t] == k)
            if used[k] >= room.capacity:
                full.update(int(i) for i in here)
            if used[k] > room.min_size:
                donors.update(int(i) for i in here)

    def rank(i: int) -> tuple[int, int]:
        if i in linked:
            return (0, i)
        if i in full:
            return (1, i)
        if i in donors:
            return (2, i)
        return (3, i)

    return sorted(stayers, key=rank)


def _attempt(inputs: _Inputs, mode: Mode, pins: list[Any], **extra: Any) -> Any | None:
    try:
        result = _solve(inputs, mode, pins=pins or None, **extra)
    except InfeasibleError:
        return None
    return None if result.status == "infeasible" else result


def replan_breakouts(
    plan: BreakoutPlan,
    event_now: Event,
    *,
    seed: int | None = None,
    time_limit: float | None = None,
    progress: ProgressFn | None = None,
) -> tuple[BreakoutPlan, int]:
    """Plan again after late arrivals or no-shows, moving as few people as possible.

    ``event_now`` is the event as it is now: participants who left are no longer in it, late
    arrivals are. The rooms and rounds are those of ``plan``.

    Everyone who stays is first pinned to their rooms and only the newcomers are placed. When
    that breaks a hard rule (a full room, a keep-together with a newcomer, a room below its
    minimum), pins are released a few at a time (1, 2, 4, ... people) in the order of who is
    most likely to have to move: people tied by a rule to a newcomer, then people in full
    rooms, then people in rooms above their minimum; at last all are released and the solver
    starts from the previous rooms. ``progress(fraction, message)`` hears each solver run
    (each starts again from 0: a caller that shows one bar keeps the largest share).

    Returns
    -------
    (BreakoutPlan, moved)
        ``moved`` is the number of people who stay and sit in another room in at least one
        round (newcomers are not counted).

    Notes
    -----
    At most ``log2(p) + 2`` solver runs for p participants.
    """
    ev = _prepare(event_now, list(plan.event.rooms), list(plan.event.rounds))
    _check_seats(ev)
    prev = _previous(plan, ev)
    inputs = _inputs(ev, plan.scorer, prev)
    initial = _initial(inputs, prev)
    rule_pins = list(inputs.kwargs["pins"] or [])
    # A stayer whom a rule now pins elsewhere is free from the start.
    overridden = {
        i
        for i, k, t in rule_pins
        for r in (range(prev.shape[0]) if t is None else (t,))
        if prev[r, i] >= 0 and prev[r, i] != k
    }
    order = [i for i in _release_order(inputs, prev, initial) if i not in overridden]
    extra = {"initial": initial, "seed": seed, "time_limit": time_limit, "progress": progress}
    sizes = [0]
    k = 1
    while k < len(order):
        sizes.append(k)
        k *= 2
    sizes.append(len(order))
    result = None
    for size in dict.fromkeys(sizes):
        kept = order[size:]
        pins = rule_pins + [(i, int(prev[t, i]), t) for i in kept for t in range(prev.shape[0])]
        result = _attempt(inputs, plan.mode, pins, **extra)
        if result is not None:
            break
    if result is None:
        raise InfeasibleError(
            "the rules cannot be met even with everyone free to move; check the rooms' "
            "capacities and minimum sizes, the pins and the keep-together sets",
        )
    new_plan = _plan(inputs, result, plan.mode)
    rooms = np.asarray(result.rooms, dtype=np.int64).reshape(prev.shape)
    stay: Array = np.all(prev >= 0, axis=0)
    moved = int(((rooms != prev) & stay[None, :]).any(axis=0).sum())
    return new_plan, moved
