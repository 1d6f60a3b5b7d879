"""The rules of breakout rooms and 1:1 schedules in one place: each rule broken once, a
feasible allocation (schedule) that breaks none, the solvers' answers that never break a hard
rule, the colleague sets that keep the colleague spread, and the rules for the participants
still present."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from matchmaker.errors import InfeasibleError
from matchmaker.models import Pin, Rules
from matchmaker.solvers import (
    BreakoutsInstance,
    Meeting,
    Violation,
    check_allocation,
    solve_breakouts,
    solve_schedule,
)
from matchmaker.solvers.rules import (
    HARD_RULES,
    SCHEDULE_HARD_RULES,
    SCHEDULE_SOFT_RULES,
    SOFT_RULES,
    ScheduleInstance,
    ScheduleViolation,
    check_schedule,
    colleague_apart_sets,
    colleague_cap,
)


def instance(n: int = 6, sizes: tuple[tuple[int, int], ...] = ((3, 3), (3, 3)), **kw: Any) -> Any:
    """Six participants of one seat in two rooms of three, no other rule unless given."""
    rounds = kw.pop("rounds", 1)
    return BreakoutsInstance(
        seats=kw.pop("seats", np.ones(n, dtype=np.int64)),
        lo=np.array([lo for lo, _ in sizes], dtype=np.int64),
        hi=np.array([hi for _, hi in sizes], dtype=np.int64),
        pins=kw.pop("pins", np.full((rounds, n), -1, dtype=np.int64)),
        names=kw.pop("names", ["A", "B"]),
        rounds=rounds,
        **kw,
    )


FEASIBLE = np.array([[0, 0, 0, 1, 1, 1]])


def rules_of(found: tuple[Violation, ...]) -> list[str]:
    return [v.rule for v in found]


def test_a_feasible_allocation_breaks_no_rule() -> None:
    pins = np.full((1, 6), -1)
    pins[0, 0] = 0
    inst = instance(
        pins=pins,
        apart=[np.array([0, 3])],
        together=[np.array([1, 2])],
        colleagues=np.array([0, 1, 2, 0, 1, 2]),
        country=np.array([0, 0, 1, 1, 2, 2]),
        max_per_country=2,
        groups=np.array([0, 1, 0, 1, 0, 1]),
        language=np.ones((6, 1), dtype=bool),
    )
    assert check_allocation(inst, FEASIBLE) == ()
    assert check_allocation(inst, FEASIBLE[0]) == ()  # one round as a vector


def test_capacity() -> None:
    found = check_allocation(instance(sizes=((0, 3), (0, 3))), np.array([[0, 0, 0, 0, 1, 1]]))
    assert found == (
        Violation(
            "capacity",
            0,
            0,
            (0, 1, 2, 3),
            "round 1: room 'A' has 4 seats taken (at most 3)",
            limit=3,
        ),
    )
    assert found[0].hard


def test_capacity_counts_seats() -> None:
    inst = instance(sizes=((0, 4), (0, 4)), seats=np.array([1, 1, 1, 2, 1, 1]))
    assert rules_of(check_allocation(inst, np.array([[0, 0, 0, 0, 1, 1]]))) == ["capacity"]


def test_minimum_an_empty_room_too() -> None:
    inst = instance(sizes=((2, 6), (2, 6)))
    (v,) = check_allocation(inst, np.array([[0, 0, 0, 0, 0, 1]]))
    assert (v.rule, v.room, v.participants, v.limit) == ("minimum", 1, (5,), 2)
    assert v.message == "round 1: room 'B' has 1 seats taken (at least 2)"
    (v,) = check_allocation(inst, np.zeros((1, 6), dtype=np.int64))
    assert (v.rule, v.room, v.participants) == ("minimum", 1, ())


def test_pin_in_its_round_only() -> None:
    pins = np.full((2, 6), -1)
    pins[1, 3] = 0  # participant 3 in room A in round 2
    inst = instance(pins=pins, rounds=2)
    (v,) = check_allocation(inst, np.vstack([FEASIBLE, FEASIBLE]))
    assert (v.rule, v.round, v.room, v.participants, v.label) == ("pin", 1, 1, (3,), 0)
    assert v.message.startswith("round 2: participant 3 is not in the room it is pinned to")


def test_keep_apart() -> None:
    inst = instance(apart=[np.array([0, 3]), np.array([0, 1, 4])])
    (v,) = check_allocation(inst, FEASIBLE)
    assert (v.rule, v.room, v.participants, v.label) == ("keep_apart", 0, (0, 1), 1)
    assert "keep-apart set apart[1] shares a room" in v.message
    assert rules_of(check_allocation(inst, np.array([[0, 1, 0, 1, 0, 1]]))) == ["keep_apart"]


def test_keep_together() -> None:
    inst = instance(together=[np.array([0, 1]), np.array([2, 3])])
    (v,) = check_allocation(inst, FEASIBLE)
    assert (v.rule, v.room, v.participants, v.label) == ("keep_together", None, (2, 3), 1)
    assert v.message == "round 1: keep-together set together[1] is split over rooms 'A', 'B'"


def test_colleague_spread() -> None:
    # Organisation 0 has 4 participants over 2 rooms: at most 2 in a room.
    inst = instance(colleagues=np.array([0, 0, 0, 0, 1, 2]))
    assert check_allocation(inst, np.array([[0, 0, 1, 1, 0, 1]])) == ()
    (v,) = check_allocation(inst, np.array([[0, 0, 0, 1, 1, 1]]))
    assert (v.rule, v.room, v.participants, v.label, v.limit) == (
        "colleague_spread",
        0,
        (0, 1, 2),
        0,
        2,
    )
    assert v.hard
    # Two colleagues in one keep-together set: the organisation is not spread.
    exempt = instance(colleagues=np.array([0, 0, 0, 0, 1, 2]), together=[np.array([3, 4])])
    assert rules_of(check_allocation(exempt, np.array([[0, 0, 0, 1, 1, 1]]))) == [
        "colleague_spread"
    ]
    exempt = instance(colleagues=np.array([0, 0, 0, 0, 1, 2]), together=[np.array([0, 1])])
    assert check_allocation(exempt, np.array([[0, 0, 0, 1, 1, 1]])) == ()
    # One room: nothing to spread over.
    one = instance(sizes=((0, 6),), colleagues=np.zeros(6, dtype=np.int64), names=["A"])
    assert check_allocation(one, np.zeros((1, 6), dtype=np.int64)) == ()


def test_max_per_country() -> None:
    inst = instance(country=np.array([7, 7, 7, 1, 1, 2]), max_per_country=2)
    (v,) = check_allocation(inst, FEASIBLE)
    assert (v.rule, v.room, v.participants, v.label, v.limit) == (
        "max_per_country",
        0,
        (0, 1, 2),
        7,
        2,
    )
    assert not v.hard
    assert v.message == "country cap: round 1, room 'A' has 3 participants of country 7 (at most 2)"


def test_mix_types() -> None:
    # Group 1 has two participants (as many as rooms) but both are in room B.
    inst = instance(groups=np.array([0, 0, 2, 1, 1, 0]))
    (v,) = check_allocation(inst, FEASIBLE)
    assert (v.rule, v.room, v.label) == ("mix_types", 0, 1)
    assert v.message == "type mix: round 1, room 'A' has no participant of group 1"


def test_shared_language() -> None:
    language = np.zeros((6, 2), dtype=bool)
    language[:, 0] = True
    language[4] = [False, True]
    (v,) = check_allocation(instance(language=language), FEASIBLE)
    assert (v.rule, v.room, v.participants) == ("shared_language", 1, (3, 4, 5))
    assert v.message == (
        "shared language: round 1, room 'B' has no language shared by all 3 participants"
    )
    assert check_allocation(instance(language=np.zeros((6, 0), dtype=bool)), FEASIBLE) == ()


def test_order_and_unplaced_participants() -> None:
    inst = instance(
        sizes=((0, 2), (0, 3)),
        apart=[np.array([0, 1])],
        country=np.zeros(6, dtype=np.int64),
        max_per_country=1,
    )
    found = check_allocation(inst, FEASIBLE)
    assert rules_of(found) == ["capacity", "keep_apart", "max_per_country", "max_per_country"]
    # Participants with room -1 are not placed in that round: no rule counts them.
    assert check_allocation(inst, np.array([[0, -1, -1, 1, -1, -1]])) == ()
    assert set(HARD_RULES).isdisjoint(SOFT_RULES)


def test_wrong_width_is_an_error() -> None:
    with pytest.raises(ValueError, match="rooms has 5 participants"):
        check_allocation(instance(), np.zeros((1, 5), dtype=np.int64))


# --------------------------------------------------------------------------- colleague sets


def test_colleague_sets_keep_the_cap() -> None:
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    assert colleague_apart_sets(labels, 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert colleague_apart_sets(labels, 1) == []
    assert colleague_apart_sets(labels, 3, [[0, 1]]) == [[5, 6]]
    assert colleague_cap(5, 3) == 2
    assert colleague_cap(3, 3) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_colleague_sets_make_allocations_that_keep_the_spread(data: st.DataObject) -> None:
    g = data.draw(st.integers(2, 4), label="rooms")
    n = data.draw(st.integers(g, 12), label="participants")
    labels = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    size = -(-n // g) + 1
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    a = rng.random((n, n))
    a = (a + a.T) / 2
    try:
        res = solve_breakouts(
            a, [(0, size)] * g, apart=colleague_apart_sets(labels, g) or None, seed=0
        )
    except InfeasibleError:
        return
    inst = instance(
        n,
        sizes=tuple((0, size) for _ in range(g)),
        names=[str(k) for k in range(g)],
        colleagues=labels,
    )
    assert check_allocation(inst, res.rooms) == ()


# --------------------------------------------------------------------------- solver


@st.composite
def breakouts_cases(draw: st.DrawFn) -> dict[str, Any]:
    g = draw(st.integers(2, 3), label="rooms")
    n = draw(st.integers(2, 9), label="participants")
    rounds = draw(st.integers(1, 2), label="rounds")
    seats = np.array(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n)), dtype=np.int64)
    total = int(seats.sum())
    # Sizes that seat everyone most of the time: the rest is an InfeasibleError.
    hi = [draw(st.integers(-(-total // g), total)) for _ in range(g)]
    lo = [draw(st.integers(0, min(h, total // g))) for h in hi]
    people = st.integers(0, n - 1)
    apart = draw(st.lists(st.lists(people, min_size=2, max_size=3, unique=True), max_size=2))
    together = draw(st.lists(st.lists(people, min_size=2, max_size=2, unique=True), max_size=1))
    pins = draw(
        st.lists(
            st.tuples(people, st.integers(0, g - 1), st.none() | st.integers(0, rounds - 1)),
            max_size=2,
            unique_by=lambda t: t[0],
        )
    )
    return {
        "n": n,
        "sizes": list(zip(lo, hi, strict=True)),
        "seats": seats,
        "rounds": rounds,
        "apart": apart,
        "together": together,
        "pins": pins,
        "seed": draw(st.integers(0, 2**16)),
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=breakouts_cases())
def test_the_solvers_answers_break_no_hard_rule(case: dict[str, Any]) -> None:
    n, sizes, rounds = case["n"], case["sizes"], case["rounds"]
    rng = np.random.default_rng(case["seed"])
    a = rng.random((n, n))
    a = (a + a.T) / 2
    try:
        res = solve_breakouts(
            a,
            sizes,
            seats=case["seats"],
            rounds=rounds,
            apart=case["apart"] or None,
            together=case["together"] or None,
            pins=case["pins"] or None,
            seed=0,
        )
    except InfeasibleError:
        event("infeasible")
        return
    event("solved")
    pins = np.full((rounds, n), -1, dtype=np.int64)
    for who, room, rnd in case["pins"]:
        if rnd is None:
            pins[:, who] = room
        else:
            pins[rnd, who] = room
    inst = instance(
        n,
        sizes=tuple(sizes),
        seats=case["seats"],
        pins=pins,
        rounds=rounds,
        names=[str(k) for k in range(len(sizes))],
        apart=[np.array(s) for s in case["apart"]],
        together=[np.array(s) for s in case["together"]],
    )
    assert [v for v in check_allocation(inst, res.rooms) if v.hard] == []


def test_the_solver_reports_soft_rules_as_violations() -> None:
    n = 12
    a = np.zeros((n, n))
    a[:6, :6] = a[6:, 6:] = 1.0
    np.fill_diagonal(a, 0)
    groups = np.repeat([0, 1], 6)
    res = solve_breakouts(a, [(6, 6), (6, 6)], groups=groups, mix_weight=0.1, seed=0)
    assert [v.rule for v in res.rule_violations] == ["mix_types", "mix_types"]
    assert res.violations == tuple(v.message for v in res.rule_violations)


# --------------------------------------------------------------------------- rules present


def test_rules_restricted_to_the_participants_present() -> None:
    rules = Rules(
        pins=[
            Pin(participant="a", room="r1"),
            Pin(participant="gone", room="r1"),
            Pin(participant="b", room="r9"),
            Pin(participant="c", room="r1", round="R9"),
        ],
        keep_apart=[["a", "b", "gone"], ["a", "gone"]],
        keep_together=[["b", "c"]],
        max_per_country=3,
    )
    present = {"a", "b", "c"}
    kept = rules.restricted_to(present)
    assert [p.participant for p in kept.pins] == ["a", "b", "c"]
    assert kept.keep_apart == [["a", "b"]]
    assert kept.keep_together == [["b", "c"]]
    assert kept.max_per_country == 3
    within = rules.restricted_to(present, rooms={"r1"}, rounds={"R1"})
    assert [p.participant for p in within.pins] == ["a"]
    assert rules.restricted_to(set()).keep_together == []


# --------------------------------------------------------------------------- 1:1 schedules


def schedule_instance(**kw: Any) -> ScheduleInstance:
    """Four participants, two slots of two tables, everyone available."""
    return ScheduleInstance(
        tables=kw.pop("tables", np.array([2, 2])),
        avail=kw.pop("avail", np.ones((4, 2), dtype=bool)),
        **kw,
    )


GOOD = [Meeting(0, 0, 0, 1), Meeting(0, 1, 2, 3), Meeting(1, 0, 0, 2), Meeting(1, 1, 1, 3)]


def schedule_rules(found: tuple[ScheduleViolation, ...]) -> list[str]:
    return [v.rule for v in found]


def test_a_feasible_schedule_breaks_no_rule() -> None:
    never = np.zeros((4, 4), dtype=bool)
    never[0, 3] = never[3, 0] = True
    inst = schedule_instance(
        never=never,
        required=[(2, 0)],
        lo=np.full(4, 2),
        hi=np.full(4, 2),
    )
    assert check_schedule(inst, GOOD) == ()


def test_each_schedule_rule_broken_once() -> None:
    avail = np.ones((4, 2), dtype=bool)
    avail[3, 1] = False
    (v,) = check_schedule(schedule_instance(avail=avail), GOOD)
    assert (v.rule, v.slot, v.table, v.participants) == ("availability", 1, 1, (3,))
    assert v.message == "slot 1, table 1: participant 3 is not available in slot 1"

    double = [Meeting(0, 0, 0, 1), Meeting(0, 1, 1, 2)]
    (v,) = check_schedule(schedule_instance(), double)
    assert (v.rule, v.slot, v.table, v.participants) == ("double_booking", 0, 1, (1,))

    (v,) = check_schedule(schedule_instance(), [Meeting(0, 2, 0, 1)])
    assert (v.rule, v.slot, v.table, v.limit) == ("tables", 0, 2, 2)
    (v,) = check_schedule(schedule_instance(), [Meeting(0, 0, 0, 1), Meeting(0, 0, 2, 3)])
    assert (v.rule, v.participants) == ("tables", (2, 3))
    assert "the table already holds participants 0 and 1" in v.message

    never = np.zeros((4, 4), dtype=bool)
    never[0, 1] = never[1, 0] = True
    (v,) = check_schedule(schedule_instance(never=never), GOOD)
    assert (v.rule, v.slot, v.participants) == ("would_rather_not", 0, (0, 1))

    (v,) = check_schedule(schedule_instance(), [Meeting(0, 0, 0, 1), Meeting(1, 0, 1, 0)])
    assert (v.rule, v.slot, v.participants) == ("pair_twice", 1, (0, 1))

    (v,) = check_schedule(schedule_instance(hi=np.array([1, 2, 2, 2])), GOOD)
    assert (v.rule, v.slot, v.participants, v.limit) == ("max_meetings", None, (0,), 1)
    assert v.hard

    (v,) = check_schedule(schedule_instance(required=[(3, 0)]), GOOD)
    assert (v.rule, v.participants) == ("required", (0, 3))

    (v,) = check_schedule(schedule_instance(lo=np.array([0, 0, 0, 3])), GOOD)
    assert (v.rule, v.participants, v.limit) == ("min_meetings", (3,), 3)
    assert not v.hard
    assert v.message == "participant 3 has 2 meetings, below min_meetings = 3"
    assert set(SCHEDULE_HARD_RULES).isdisjoint(SCHEDULE_SOFT_RULES)


@st.composite
def schedule_cases(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 8), label="participants")
    slots = draw(st.integers(1, 4), label="slots")
    people = st.integers(0, n - 1)
    pair = st.tuples(people, people).filter(lambda t: t[0] != t[1])
    return {
        "n": n,
        "slots": slots,
        "tables": draw(st.lists(st.integers(0, 3), min_size=slots, max_size=slots)),
        "avail": np.array(
            draw(st.lists(st.booleans(), min_size=n * slots, max_size=n * slots))
        ).reshape(n, slots),
        "forbidden": draw(st.lists(pair, max_size=3)),
        "required": draw(st.lists(pair, max_size=2)),
        "max_meetings": draw(st.integers(0, slots)),
        "min_meetings": draw(st.integers(0, 2)),
        "seed": draw(st.integers(0, 2**16)),
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=schedule_cases())
def test_the_schedule_solvers_answers_break_no_hard_rule(case: dict[str, Any]) -> None:
    n = case["n"]
    rng = np.random.default_rng(case["seed"])
    scores = rng.random((n, n))
    scores = (scores + scores.T) / 2
    forbidden = np.array(case["forbidden"], dtype=np.int64).reshape(-1, 2)
    required = np.array(case["required"], dtype=np.int64).reshape(-1, 2)
    try:
        res = solve_schedule(
            scores,
            slots=case["slots"],
            tables=case["tables"],
            availability=case["avail"],
            forbidden=forbidden,
            required=required,
            min_meetings=case["min_meetings"],
            max_meetings=case["max_meetings"],
            seed=0,
        )
    except InfeasibleError:
        event("infeasible")
        return
    event("solved")
    never = np.zeros((n, n), dtype=bool)
    never[forbidden[:, 0], forbidden[:, 1]] = True
    never |= never.T
    inst = ScheduleInstance(
        tables=np.array(case["tables"]),
        avail=case["avail"],
        never=never,
        required=[tuple(r) for r in required.tolist()],
        lo=np.full(n, case["min_meetings"]),
        hi=np.full(n, case["max_meetings"]),
    )
    found = check_schedule(inst, res.meetings)
    assert [v for v in found if v.hard] == []
    assert res.violations == tuple(v.message for v in found)
