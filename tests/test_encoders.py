"""The encoders: an event as each solver's arrays, and back to labels (plan.breakouts and
plan.meetings). The planners use them; so do the benchmarks."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.demo import demo_path
from matchmaker.errors import InvalidInputError
from matchmaker.io import read_event
from matchmaker.plan.breakouts import decode_breakouts, encode_breakouts, plan_breakouts
from matchmaker.plan.meetings import (
    decode_pairs,
    decode_schedule,
    encode_pairs,
    encode_schedule,
    plan_pairs,
    plan_schedule,
)
from matchmaker.solvers import solve_breakouts, solve_pairs


@pytest.fixture(scope="module")
def leuven():  # type: ignore[no-untyped-def]
    return read_event(demo_path("leuven-2018", "event.json"))


@pytest.fixture(scope="module")
def brokerage():  # type: ignore[no-untyped-def]
    event = read_event(demo_path("brokerage", "event.json"))
    people = event.participants[:30]
    orgs = {p.organisation for p in people}
    return event.model_copy(
        update={
            "participants": [
                p.model_copy(update={"requests": [r for r in p.requests if r.organisation in orgs]})
                for p in people
            ],
            "organisations": [o for o in event.organisations if o.id in orgs],
        }
    )


def test_breakouts_encode_and_decode(leuven) -> None:  # type: ignore[no-untyped-def]
    problem, index = encode_breakouts(leuven, "business")
    n = len(leuven.participants)
    assert problem.affinity.shape == (n, n)
    assert np.allclose(problem.affinity, problem.affinity.T)
    assert problem.sizes == tuple((r.min_size, r.capacity) for r in leuven.rooms)
    assert index.participants == tuple(p.id for p in leuven.participants)
    assert index.rooms == tuple(r.id for r in leuven.rooms)
    assert index.rounds == tuple(r.id for r in leuven.rounds)
    with pytest.raises(TypeError):
        problem.options["seed"] = 1  # type: ignore[index]  # frozen
    # the solver on the encoded arrays, decoded, is the planner's assignment
    result = solve_breakouts(problem.affinity, list(problem.sizes), seed=3, **problem.options)
    rooms = np.asarray(result.rooms)
    decoded = decode_breakouts(rooms, index)
    for t, rnd in enumerate(index.rounds):
        for k, room in enumerate(index.rooms):
            assert decoded[rnd][room] == [
                pid for i, pid in enumerate(index.participants) if rooms[t, i] == k
            ]
    assert sorted(p for people in decoded["R1"].values() for p in people) == sorted(
        index.participants
    )
    plan = plan_breakouts(leuven, scorer="business", seed=3)
    assert set(plan.assignment) == set(decoded)


def test_breakouts_encode_with_generated_rooms(leuven) -> None:  # type: ignore[no-untyped-def]
    problem, index = encode_breakouts(leuven, rooms=4, rounds=3)
    assert len(index.rooms) == len(problem.sizes) == 4
    assert len(index.rounds) == 3
    assert problem.options["rounds"] == 3


def test_schedule_encode_and_decode(brokerage) -> None:  # type: ignore[no-untyped-def]
    problem, index = encode_schedule(brokerage, "business")
    assert problem.options["slots"] == len(brokerage.slots) == len(index.slots)
    assert problem.options["tables"] == brokerage.tables
    assert index.participants == tuple(p.id for p in brokerage.participants)
    colleagues = [
        (i, j)
        for i, a in enumerate(brokerage.participants)
        for j, b in enumerate(brokerage.participants)
        if i != j and a.organisation == b.organisation
    ]
    assert all(problem.scores[i, j] == -np.inf for i, j in colleagues)
    result, _ = plan_schedule(brokerage, scorer="business", seed=0, time_limit=1)
    published = decode_schedule(result.meetings, index)
    assert len(published) == len(result.meetings)
    for pm, mt in zip(published, result.meetings, strict=True):
        assert pm.slot == brokerage.slots[mt.slot].id
        assert pm.table == mt.table + 1
        assert {pm.a, pm.b} == {index.participants[mt.a], index.participants[mt.b]}
    with pytest.raises(InvalidInputError, match="has no time slots"):
        encode_schedule(brokerage.model_copy(update={"slots": []}))


def test_pairs_encode_and_decode(leuven) -> None:  # type: ignore[no-untyped-def]
    problem, participants = encode_pairs(leuven, "business")
    assert participants == tuple(p.id for p in leuven.participants)
    result = solve_pairs(problem.weights, seed=0, **problem.options)
    pairs = decode_pairs(result.pairs, participants)
    _, planned = plan_pairs(leuven, scorer="business", seed=0)
    assert pairs == planned
