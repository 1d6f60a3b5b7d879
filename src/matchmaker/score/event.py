"""An event's participants scored as matrices: the scorer's pair scores, the participants'
requests as priorities ("must meet" pairs required, "would rather not" pairs forbidden, a
mutual wish weighing more than a one-sided one) and their availability per slot. The
planners of pairs, schedules and breakout rooms start from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from matchmaker.errors import InvalidInputError
from matchmaker.models import Event, Preference
from matchmaker.score.pair import score_matrix
from matchmaker.score.presets import Scorer, make_scorer
from matchmaker.vectorise import ProfileSpace

__all__ = ["MUTUAL_WISH", "ONE_SIDED_WISH", "EventMatrices", "event_matrices"]

Array = npt.NDArray[Any]

# Added to the score of a pair that one side (or both) asked for; one-sided weighs less.
MUTUAL_WISH = 1.0
ONE_SIDED_WISH = 0.5


@dataclass(frozen=True)
class EventMatrices:
    """An event's participants as matrices (row ``i`` is ``event.participants[i]``).

    Attributes
    ----------
    scores:
        Scorer value of each pair of participants (their organisations' pair score); ``-inf``
        for colleagues of one organisation.
    wishes:
        Scores plus the requests' weight: what pairing maximises.
    priority:
        0 suggested by the scorer only, 1 one-sided request, 2 mutual request.
    asked:
        ``asked[i, j]``: participant ``i`` asked to meet ``j`` (or ``j``'s organisation).
    forbidden:
        Pairs that must not meet ("would rather not", from either side).
    required:
        Pairs that must meet ("must meet"): one participant of each side.
    availability:
        Participants x slots, True where a participant can meet.
    """

    ids: list[str]
    scores: Array
    wishes: Array
    priority: Array
    asked: Array
    forbidden: Array
    required: list[tuple[int, int]]
    availability: Array


def event_matrices(
    event: Event, *, scorer: Scorer | str | None = None, space: ProfileSpace | None = None
) -> EventMatrices:
    """Score the participants of ``event`` and read their requests.

    Raises
    ------
    InvalidInputError
        When the event has no organisations, or a participant's organisation is missing.

    Notes
    -----
    O(o² + p²) for o organisations and p participants.
    """
    if not event.organisations:
        raise InvalidInputError(
            f"event '{event.id}' has no organisations: pairs and schedules need their profiles"
        )
    sc = scorer if isinstance(scorer, Scorer) else make_scorer(scorer or "business")
    orgs = event.organisations
    profiles = ProfileSpace().fit_transform(orgs) if space is None else space.transform(orgs)
    org_scores, _ = score_matrix(profiles, sc)
    row_of = {o.id: k for k, o in enumerate(orgs)}
    people = event.participants
    n = len(people)
    org_rows = np.array([row_of[p.organisation] for p in people], dtype=np.int64)
    scores = org_scores[np.ix_(org_rows, org_rows)].astype(np.float64)
    same_org = org_rows[:, None] == org_rows[None, :]
    scores[same_org] = -np.inf

    by_org: dict[str, list[int]] = {}
    for i, p in enumerate(people):
        by_org.setdefault(p.organisation, []).append(i)
    asked = np.zeros((n, n), dtype=bool)
    forbidden = np.zeros((n, n), dtype=bool)
    must: list[tuple[int, int]] = []
    for i, p in enumerate(people):
        for r in p.requests:
            targets = by_org.get(r.organisation, [])
            if r.preference is Preference.WOULD_RATHER_NOT:
                forbidden[i, targets] = True
                forbidden[targets, i] = True
            else:
                asked[i, targets] = True
            if r.preference is Preference.MUST_MEET and targets:
                # One meeting with the organisation: with its participant who is asked least.
                j = min(targets, key=lambda t: (sum(1 for a, b in must if t in (a, b)), t))
                pair = (min(i, j), max(i, j))
                if pair not in must:
                    must.append(pair)
    mutual = asked & asked.T
    one_sided = (asked | asked.T) & ~mutual
    priority = np.where(mutual, 2, np.where(one_sided, 1, 0)).astype(np.int8)
    wishes = scores + MUTUAL_WISH * mutual + ONE_SIDED_WISH * one_sided
    wishes[forbidden] = -np.inf
    np.fill_diagonal(wishes, -np.inf)
    priority[same_org | forbidden] = 0
    availability = np.ones((n, max(len(event.slots), 1)), dtype=bool)
    if event.slots:
        slot_index = {s.id: k for k, s in enumerate(event.slots)}
        for i, p in enumerate(people):
            if p.available is not None:
                availability[i] = False
                availability[i, [slot_index[s] for s in p.available]] = True
    return EventMatrices(
        ids=[p.id for p in people],
        scores=scores,
        wishes=wishes,
        priority=priority,
        asked=asked & ~forbidden & ~same_org,
        forbidden=forbidden,
        required=sorted(must),
        availability=availability,
    )
