"""Breakout rooms from profiles: rules to index sets, rooms back to ids, reasons, re-planning."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from conftest import make_org
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InfeasibleError, InvalidInputError
from matchmaker.io import read_event
from matchmaker.models import Event, Participant, Pin, Room, Round, Rules
from matchmaker.plan.breakouts import (
    ROOM_SLACK,
    BreakoutPlan,
    colleague_sets,
    plan_breakouts,
    replan_breakouts,
)

LEUVEN = DEMO_DATA / "leuven-2018" / "event.json"


@pytest.fixture(scope="module")
def leuven() -> Event:
    return read_event(LEUVEN)


@pytest.fixture(scope="module")
def leuven_plan(leuven: Event) -> BreakoutPlan:
    return plan_breakouts(leuven, seed=1)


def _small(n: int = 4, **rules: object) -> Event:
    regions = ["DE11", "FR10", "BE10", "ITH5", "ES51", "NL41", "PL91", "FI1B"]
    orgs = [make_org(id=f"o{k}", name=f"Org {k}", region=regions[k]) for k in range(n)]
    return Event(
        id="small",
        name="Small",
        organisations=orgs,
        participants=[Participant(id=f"p{k}", organisation=f"o{k}") for k in range(n)],
        rooms=[Room(id="A", name="Room A", capacity=2), Room(id="B", name="Room B", capacity=4)],
        rules=Rules.model_validate(rules),
    )


# --- the Leuven workshop --------------------------------------------------------------------


def test_leuven_everyone_once_per_round(leuven: Event, leuven_plan: BreakoutPlan) -> None:
    ids = sorted(p.id for p in leuven.participants)
    assert list(leuven_plan.assignment) == ["R1", "R2"]
    for rooms in leuven_plan.assignment.values():
        assert list(rooms) == ["wg1", "wg2", "wg3"]
        assert sorted(pid for people in rooms.values() for pid in people) == ids


def test_leuven_capacities_kept(leuven: Event, leuven_plan: BreakoutPlan) -> None:
    seats = {p.id: p.seats for p in leuven.participants}
    capacity = {r.id: r.capacity for r in leuven.rooms}
    for rooms in leuven_plan.assignment.values():
        for room, people in rooms.items():
            assert sum(seats[p] for p in people) <= capacity[room]


def test_leuven_colleagues_spread(leuven: Event, leuven_plan: BreakoutPlan) -> None:
    org = {p.id: p.organisation for p in leuven.participants}
    size = Counter(org.values())
    assert max(size.values()) > len(leuven.rooms)  # the case the rule must handle
    for rooms in leuven_plan.assignment.values():
        for people in rooms.values():
            for o, k in Counter(org[p] for p in people).items():
                assert k <= math.ceil(size[o] / len(leuven.rooms)), o


def test_leuven_explanations_for_everyone(leuven: Event, leuven_plan: BreakoutPlan) -> None:
    for rnd, rooms in leuven_plan.assignment.items():
        why = leuven_plan.explanations[rnd]
        assert sorted(why) == sorted(p.id for p in leuven.participants)
        for room, people in rooms.items():
            for pid in people:
                e = why[pid]
                assert e.room == room
                assert e.themes
                assert e.text
                assert 1 <= len(e.partners) <= 3
                assert all(p.id in people and p.id != pid for p in e.partners)
                assert any(p.reasons for p in e.partners)


def test_leuven_theme_reasons_name_the_themes(leuven_plan: BreakoutPlan) -> None:
    said = [t for rnd in leuven_plan.explanations.values() for e in rnd.values() for t in e.themes]
    assert any("Industrial modernisation" in t for t in said)
    assert any("matches the room's theme '" in t for t in said)


def test_generated_rooms_and_rounds(leuven: Event) -> None:
    plan = plan_breakouts(leuven, rooms=4, rounds=3, seed=0, time_limit=2)
    total = sum(p.seats for p in leuven.participants)
    assert [r.name for r in plan.event.rooms] == ["Room 1", "Room 2", "Room 3", "Room 4"]
    assert {r.capacity for r in plan.event.rooms} == {math.ceil(total / 4) + ROOM_SLACK}
    assert [r.id for r in plan.event.rounds] == ["R1", "R2", "R3"]
    assert plan.result.rooms.shape == (3, len(leuven.participants))


# --- themes and rules on small events ---------------------------------------------------------


def test_theme_fit_places_and_explains() -> None:
    event = _small(4)
    digital = make_org(id="o9", name="Chips", region="SE11", s3_priorities=["IE05"])
    event = event.model_copy(
        update={
            "organisations": [*event.organisations, digital],
            "participants": [*event.participants, Participant(id="p9", organisation="o9")],
            "rooms": [
                Room(id="A", name="Room A", capacity=3, themes=["Digital"]),
                Room(id="B", name="Room B", capacity=3, themes=["TP-INDMOD"]),
            ],
        }
    )
    plan = plan_breakouts(event, seed=0)
    why = plan.explanations["R1"]
    assert plan.room_of("p9", "R1") == "A"
    assert any("Digital" in t for t in why["p9"].themes)
    in_b = plan.assignment["R1"]["B"]
    assert in_b
    assert "Industrial modernisation" in " ".join(why[in_b[0]].themes)


def test_pins_and_keep_apart_are_kept() -> None:
    event = _small(
        4,
        pins=[{"participant": "p0", "room": "A"}],
        keep_apart=[["p0", "p1"]],
        keep_together=[["p2", "p3"]],
    )
    plan = plan_breakouts(event, seed=0)
    assert plan.room_of("p0", "R1") == "A"
    assert plan.room_of("p1", "R1") == "B"
    assert plan.room_of("p2", "R1") == plan.room_of("p3", "R1")


def test_colleague_sets_spread_large_organisations() -> None:
    event = _small(2).model_copy(
        update={
            "participants": [Participant(id=f"c{k}", organisation="o0") for k in range(5)]
            + [Participant(id="x", organisation="o1")]
        }
    )
    assert colleague_sets(event, 3, []) == [[0, 1, 2], [3, 4]]
    assert colleague_sets(event, 6, []) == [[0, 1, 2, 3, 4]]
    assert colleague_sets(event, 3, [{0, 1}]) == []  # keep-together wins
    assert colleague_sets(event, 1, []) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "random"}, InvalidInputError, "mode 'random' must be one of: affinity, div"),
        ({"rooms": 0}, InvalidInputError, "rooms must be 1 or more; got 0"),
        ({"rooms": []}, InvalidInputError, "rooms is an empty list"),
        ({"rounds": 0}, InvalidInputError, "rounds must be 1 or more; got 0"),
        ({"rooms": [Room(id="Z", name="Z", capacity=2)]}, InfeasibleError, "need 4 seats"),
    ],
)
def test_bad_inputs(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        plan_breakouts(_small(4), **kwargs)  # type: ignore[arg-type]


def test_pin_to_a_room_not_planned() -> None:
    event = _small(4, pins=[{"participant": "p0", "room": "A"}])
    with pytest.raises(InvalidInputError, match="pin 'p0' to 'A': the room is not among"):
        plan_breakouts(event, rooms=2)


def test_no_participants() -> None:
    event = _small(2).model_copy(update={"participants": []})
    with pytest.raises(InvalidInputError, match="has no participants"):
        plan_breakouts(event)


def test_pins_to_rounds_not_planned_are_dropped() -> None:
    event = _small(4).model_copy(update={"rounds": [Round(id="R1"), Round(id="R2")]})
    event = event.model_copy(
        update={"rules": Rules(pins=[Pin(participant="p0", room="A", round="R2")])}
    )
    plan = plan_breakouts(event, rounds=[Round(id="R1")])
    assert plan.event.rules.pins == []


# --- re-planning --------------------------------------------------------------------------


def _fixed_plan(event: Event, rooms: dict[str, str]) -> BreakoutPlan:
    pins = [Pin(participant=p, room=r) for p, r in rooms.items()]
    pinned = event.model_copy(update={"rules": event.rules.model_copy(update={"pins": pins})})
    plan = plan_breakouts(pinned, seed=0)
    return BreakoutPlan(
        event=event, result=plan.result, assignment=plan.assignment, scorer=plan.scorer
    )


def test_replan_no_show_moves_nobody() -> None:
    event = _small(4)
    plan = _fixed_plan(event, {"p0": "A", "p1": "A", "p2": "B", "p3": "B"})
    now = event.model_copy(update={"participants": event.participants[:3]})
    new, moved = replan_breakouts(plan, now, seed=0)
    assert moved == 0
    assert new.assignment["R1"] == {"A": ["p0", "p1"], "B": ["p2"]}


def test_replan_late_arrival_takes_a_free_seat() -> None:
    event = _small(5)
    base = event.model_copy(update={"participants": event.participants[:4]})
    plan = _fixed_plan(base, {"p0": "A", "p1": "A", "p2": "B", "p3": "B"})
    new, moved = replan_breakouts(plan, event, seed=0)
    assert moved == 0
    assert new.assignment["R1"] == {"A": ["p0", "p1"], "B": ["p2", "p3", "p4"]}
    assert new.explanations["R1"]["p4"].room == "B"


def test_replan_moves_exactly_the_people_it_must() -> None:
    # p4 arrives and must sit with p0, whose room A (2 seats) is full: one person moves.
    event = _small(5, keep_together=[["p0", "p4"]])
    base = _small(4)
    plan = _fixed_plan(base, {"p0": "A", "p1": "A", "p2": "B", "p3": "B"})
    new, moved = replan_breakouts(plan, event, seed=0)
    assert moved == 1
    assert new.room_of("p0", "R1") == new.room_of("p4", "R1")


def test_replan_over_rounds_counts_people_not_rounds(leuven: Event) -> None:
    plan = plan_breakouts(leuven, seed=2)
    gone = {"P05", "P17"}
    now = leuven.model_copy(
        update={"participants": [p for p in leuven.participants if p.id not in gone]}
    )
    new, moved = replan_breakouts(plan, now, seed=2)
    assert moved == 0
    for rnd, rooms in plan.assignment.items():
        for room, people in rooms.items():
            assert new.assignment[rnd][room] == [p for p in people if p not in gone]
