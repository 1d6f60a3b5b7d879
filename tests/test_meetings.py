"""The event adapter: participants' scores, requests as priorities, slots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.models import Event, Organisation
from matchmaker.plan.meetings import with_slots
from matchmaker.score.event import MUTUAL_WISH, ONE_SIDED_WISH, event_matrices


def _event(org: Callable[..., Organisation], **overrides: object) -> Event:
    orgs = [
        org(id=f"o{k}", name=f"Org {k}", region=r)
        for k, r in enumerate(["DE11", "FR10", "BE33", "NL42"])
    ]
    data: dict[str, object] = {
        "id": "b2b",
        "name": "B2B",
        "organisations": [o.model_dump() for o in orgs],
        "participants": [
            {
                "id": "p0",
                "organisation": "o0",
                "requests": [
                    {"organisation": "o1"},
                    {"organisation": "o3", "preference": "would_rather_not"},
                ],
            },
            {
                "id": "p1",
                "organisation": "o1",
                "requests": [
                    {"organisation": "o0"},
                    {"organisation": "o2", "preference": "must_meet"},
                ],
            },
            {"id": "p2", "organisation": "o2", "available": ["s1"]},
            {"id": "p3", "organisation": "o3", "requests": [{"organisation": "o2"}]},
            {"id": "p4", "organisation": "o0"},
        ],
        "slots": [
            {"id": "s1", "start": "2026-06-01T09:00", "end": "2026-06-01T09:20"},
            {"id": "s2", "start": "2026-06-01T09:20", "end": "2026-06-01T09:40"},
        ],
        "tables": 2,
    }
    data.update(overrides)
    return Event.model_validate(data)


def test_requests_become_priorities(org: Callable[..., Organisation]) -> None:
    m = event_matrices(_event(org))
    assert m.ids == ["p0", "p1", "p2", "p3", "p4"]
    assert m.priority[0, 1] == m.priority[1, 0] == 2  # mutual
    assert m.priority[3, 2] == m.priority[2, 3] == 1  # one-sided
    # p1 asked for o0, which reaches p4 too; p4 asked nothing: one-sided
    assert m.priority[1, 4] == 1
    assert m.forbidden[0, 3]
    assert m.forbidden[3, 0]
    assert m.required == [(1, 2)]
    assert m.wishes[0, 1] == pytest.approx(m.scores[0, 1] + MUTUAL_WISH)
    assert m.wishes[2, 3] == pytest.approx(m.scores[2, 3] + ONE_SIDED_WISH)
    assert m.wishes[0, 3] == -np.inf


def test_colleagues_never_meet(org: Callable[..., Organisation]) -> None:
    m = event_matrices(_event(org))
    assert m.scores[0, 4] == -np.inf
    assert np.allclose(m.scores[np.isfinite(m.scores)], m.scores.T[np.isfinite(m.scores.T)])


def test_availability(org: Callable[..., Organisation]) -> None:
    m = event_matrices(_event(org))
    assert m.availability.tolist() == [
        [True, True],
        [True, True],
        [True, False],
        [True, True],
        [True, True],
    ]


def test_event_without_profiles_is_refused() -> None:
    ev = Event(id="x", name="X")
    with pytest.raises(InvalidInputError, match="event 'x' has no organisations"):
        event_matrices(ev)


def test_with_slots(org: Callable[..., Organisation]) -> None:
    ev = _event(org, slots=[], participants=[{"id": "p0", "organisation": "o0"}], date="2026-06-01")
    planned = with_slots(ev, 3, minutes=15, tables=4)
    assert [s.id for s in planned.slots] == ["S01", "S02", "S03"]
    assert planned.slots[0].start == dt.datetime(2026, 6, 1, 9, 0)
    assert planned.slots[2].end == dt.datetime(2026, 6, 1, 9, 45)
    assert planned.tables == 4
    with pytest.raises(InvalidInputError, match="already has 2 slots"):
        with_slots(_event(org), 5)
    with pytest.raises(InvalidInputError, match="slots must be 1 or more; got 0"):
        with_slots(ev, 0)
