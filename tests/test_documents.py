"""Solver results as JSON documents and back (matchmaker.plan.documents): no database, no
HTTP."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.export.agenda import agendas_xlsx, grid_csv
from matchmaker.export.breakouts import room_html, rooms_csv
from matchmaker.io import read_event
from matchmaker.models import Event, Pin, Rules
from matchmaker.plan.breakouts import BreakoutPlan, plan_breakouts, replan_breakouts
from matchmaker.plan.documents import (
    MOVED,
    allocation_document,
    allocation_violations,
    pairs_document,
    plan_from_allocation,
    published_meetings,
    refresh_allocation,
    schedule_document,
    schedule_event,
    schedule_meetings,
)
from matchmaker.plan.meetings import event_matrices, plan_pairs, plan_schedule, replan_schedule
from matchmaker.quality.rooms import NO_THEME, room_quality

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def leuven() -> Event:
    return read_event(DEMO_DATA / "leuven-2018" / "event.json")


@pytest.fixture(scope="module")
def plan(leuven: Event) -> BreakoutPlan:
    rules = leuven.rules.model_copy(
        update={"pins": [Pin(participant="P05", room="wg2", round="R1")], "max_per_country": 2}
    )
    return plan_breakouts(leuven.model_copy(update={"rules": rules}), seed=1, time_limit=0.3)


@pytest.fixture(scope="module")
def allocation(plan: BreakoutPlan) -> dict[str, Any]:
    doc = allocation_document(plan, preset="business", event_version=3, seed=1, time_limit=0.3)
    # What the store keeps is JSON: every test reads it back from text.
    return dict(json.loads(json.dumps(doc, allow_nan=False)))


def _people(doc: dict[str, Any], round_id: str) -> list[dict[str, Any]]:
    rnd = next(r for r in doc["rounds"] if r["id"] == round_id)
    return [p for room in rnd["rooms"] for p in room["people"]]


# --- allocation ----------------------------------------------------------------------------------


def test_allocation_has_every_person_once_per_round_within_capacity(
    allocation: dict[str, Any], leuven: Event
) -> None:
    assert allocation["event"] == "leuven-2018"
    assert allocation["event_version"] == 3
    assert allocation["mode"] == "affinity"
    assert allocation["preset"] == "business"
    assert [r["id"] for r in allocation["rounds"]] == ["R1", "R2"]
    ids = sorted(p.id for p in leuven.participants)
    for rnd in allocation["rounds"]:
        assert sorted(p["participant"] for p in _people(allocation, rnd["id"])) == ids
        for room in rnd["rooms"]:
            assert room["seats"] == sum(p["seats"] for p in room["people"])
            assert room["seats"] <= room["capacity"]
            assert room["quality"]["seats"] == room["seats"]


def test_allocation_people_carry_organisation_and_why(
    allocation: dict[str, Any], leuven: Event
) -> None:
    orgs = {o.id: o for o in leuven.organisations}
    for person in _people(allocation, "R1"):
        org = orgs[person["organisation"]]
        assert person["organisation_name"] == org.name
        assert person["country"] == org.country
        assert person["type"] == org.type.value
        assert person["why"]
        assert person["why"].endswith(".")
    # The why names the people met, and each partner is in the same room.
    for room in allocation["rounds"][0]["rooms"]:
        here = {p["participant"] for p in room["people"]}
        for person in room["people"]:
            for partner in person["reasons"]["partners"]:
                assert partner["participant"] in here
                assert f"You will meet {partner['person']}" in person["why"]


def test_allocation_marks_pins_and_keeps_them(allocation: dict[str, Any]) -> None:
    pinned = [
        (rnd["id"], room["id"], p["participant"])
        for rnd in allocation["rounds"]
        for room in rnd["rooms"]
        for p in room["people"]
        if p["pinned"]
    ]
    assert pinned == [("R1", "wg2", "P05")]
    assert allocation["rules"]["pins"] == [{"participant": "P05", "room": "wg2", "round": "R1"}]


def test_allocation_figures_are_the_solvers(allocation: dict[str, Any], plan: BreakoutPlan) -> None:
    r = plan.result
    assert allocation["status"] == r.status
    assert allocation["message"] == r.message
    assert allocation["objective"] == pytest.approx(r.objective)
    assert allocation["bound"] == pytest.approx(r.upper_bound)
    assert allocation["gap"] == pytest.approx(r.gap)
    assert allocation["repeats"] == r.repeats
    assert allocation["repeats_lower_bound"] == r.repeats_lower_bound
    assert allocation["entropy_unit"] == "bits"


def test_violations_are_those_the_solver_reports_with_labels(
    allocation: dict[str, Any], plan: BreakoutPlan
) -> None:
    found = allocation["violations"]
    assert len(found) == len(plan.result.violations)
    kinds = Counter(v["rule"] for v in found)
    solver = Counter(v.split(":")[0] for v in plan.result.violations)
    names = {"country cap": "max_per_country", "type mix": "mix_types"}
    names["shared language"] = "shared_language"
    assert kinds == Counter({names[k]: n for k, n in solver.items()})
    rooms = {room["id"]: room["name"] for room in allocation["rounds"][0]["rooms"]}
    rounds = {r["id"]: r["name"] for r in allocation["rounds"]}
    for v in found:
        assert v["round"] in {"R1", "R2"}
        assert v["room"] in rooms
        # The sentence names the round and the room as the organiser named them.
        assert v["message"].startswith(f"{rounds[v['round']]}, room '{rooms[v['room']]}' ")


def test_room_quality_counts_and_entropy_in_bits() -> None:
    room = {
        "themes": ["energy"],
        "people": [
            {"country": "FI", "type": "sme", "seats": 1, "reasons": {"themes": ["fits"]}},
            {"country": "FI", "type": "sme", "seats": 1, "reasons": {"themes": [NO_THEME]}},
            {"country": "BE", "type": "cluster", "seats": 2, "reasons": {"themes": ["fits"]}},
        ],
    }
    q = room_quality(room)
    assert q["people"] == 3
    assert q["seats"] == 4
    assert q["countries"] == 2
    assert q["types"] == 2
    # Two countries with 2 seats each: exactly one bit.
    assert q["country_entropy"] == pytest.approx(1.0)
    assert q["type_entropy"] == pytest.approx(1.0)
    assert q["fit"] == pytest.approx(2 / 3)
    one = room_quality({"themes": [], "people": room["people"][:2]})
    assert one["country_entropy"] == 0.0
    assert one["fit"] is None
    assert room_quality({"themes": ["x"], "people": []})["fit"] is None


def test_room_quality_of_three_equal_countries_is_log2_3() -> None:
    people = [{"country": c, "type": "sme", "seats": 1} for c in ("FI", "BE", "IT")]
    assert room_quality({"people": people})["country_entropy"] == pytest.approx(math.log2(3))


def _round(rooms: dict[str, list[tuple[str, str, list[str]]]]) -> dict[str, Any]:
    return {
        "id": "R1",
        "rooms": [
            {
                "id": room,
                "people": [
                    {"participant": f"{room}-{k}", "country": c, "type": t, "languages": langs}
                    for k, (c, t, langs) in enumerate(people)
                ],
            }
            for room, people in rooms.items()
        ],
    }


def test_violations_name_rule_round_room() -> None:
    rnd = _round(
        {
            "a": [("FI", "sme", ["fi"]), ("FI", "university", ["en"]), ("FI", "sme", ["fi"])],
            "b": [("BE", "sme", ["en"]), ("IT", "university", ["en", "it"])],
        }
    )
    rules = Rules(max_per_country=2, mix_types=True, shared_language=True)
    found = allocation_violations([rnd], rules)
    assert [(v["rule"], v["round"], v["room"]) for v in found] == [
        ("max_per_country", "R1", "a"),
        ("shared_language", "R1", "a"),
    ]
    assert found[0]["message"] == (
        "Round R1, room 'a' has 3 participants from Finland (FI) (at most 2)"
    )
    # Industry keeps 2 people (as many as rooms), both in room a: room b misses the mix.
    rnd["rooms"][1]["people"][0]["type"] = "research_organisation"
    found = allocation_violations([rnd], Rules(mix_types=True, shared_language=False))
    assert [(v["rule"], v["room"]) for v in found] == [("mix_types", "b")]
    assert "industry" in found[0]["message"]
    # A person whose organisation lists no language speaks any.
    for p in rnd["rooms"][0]["people"]:
        p["languages"] = [] if p["languages"] == ["fi"] else p["languages"]
    assert allocation_violations([rnd], Rules(mix_types=False, shared_language=True)) == []


def test_a_plan_keeps_every_hard_rule_of_its_document(
    allocation: dict[str, Any], plan: BreakoutPlan
) -> None:
    """The document read back as arrays: the planner's answer keeps the capacities, pins,
    keep-apart and keep-together sets and the spread of colleagues as the move endpoint
    checks them, and its soft-rule misses are the solver's."""
    from matchmaker.plan.documents import allocation_arrays
    from matchmaker.solvers import check_allocation

    rules = Rules.model_validate(allocation["rules"])
    assert rules.apart_same_organisation
    arrays = allocation_arrays(allocation["rounds"], rules)
    assert arrays.round_ids == ["R1", "R2"]
    assert arrays.instance.colleagues is not None
    found = check_allocation(arrays.instance, arrays.rooms)
    assert [v for v in found if v.hard] == []
    soft = [v for v in found if not v.hard]
    assert [(v.rule, v.round, v.room) for v in soft] == [
        (v.rule, v.round, v.room) for v in plan.result.rule_violations
    ]
    # A person placed by hand beside a colleague is a broken spread, named with the people.
    doc = copy.deepcopy(allocation)
    rnd = doc["rounds"][0]
    org = Counter(p["organisation"] for room in rnd["rooms"] for p in room["people"])
    big, k = org.most_common(1)[0]
    most = math.ceil(k / len(rnd["rooms"]))
    fullest = max(rnd["rooms"], key=lambda r: sum(p["organisation"] == big for p in r["people"]))
    for room in rnd["rooms"]:
        if room is not fullest:
            movers = [p for p in room["people"] if p["organisation"] == big]
            for p in movers:
                room["people"].remove(p)
                fullest["people"].append(p)
    broken = [v for v in check_allocation(*_arrays(doc, rules)) if v.rule == "colleague_spread"]
    assert len(broken) == 1
    assert len(broken[0].participants) == k > most == broken[0].limit


def _arrays(doc: dict[str, Any], rules: Rules) -> tuple[Any, Any]:
    from matchmaker.plan.documents import allocation_arrays

    arrays = allocation_arrays(doc["rounds"], rules)
    return arrays.instance, arrays.rooms


def test_plan_round_trip_gives_the_same_exports(
    allocation: dict[str, Any], plan: BreakoutPlan
) -> None:
    back = plan_from_allocation(allocation)
    assert back.assignment == plan.assignment
    assert back.mode == plan.mode
    assert [r.id for r in back.event.rooms] == [r.id for r in plan.event.rooms]
    assert back.event.rooms == plan.event.rooms
    assert rooms_csv(back) == rooms_csv(plan)
    for rnd in plan.event.rounds:
        for room in plan.event.rooms:
            assert room_html(back, rnd.id, room.id) == room_html(plan, rnd.id, room.id)


def test_replan_from_a_document_keeps_everyone_who_stays(
    allocation: dict[str, Any], plan: BreakoutPlan, leuven: Event
) -> None:
    # Two people leave: nobody else has to move.
    now = leuven.model_copy(
        update={"participants": [p for p in leuven.participants if p.id not in {"P10", "P11"}]}
    )
    new_plan, moved = replan_breakouts(plan_from_allocation(allocation), now, seed=1)
    assert moved == 0
    for rnd, rooms in new_plan.assignment.items():
        for room, people in rooms.items():
            assert set(people) <= set(plan.assignment[rnd][room])


def test_refresh_after_a_move_measures_again(allocation: dict[str, Any]) -> None:
    doc = copy.deepcopy(allocation)
    rooms = doc["rounds"][0]["rooms"]
    person = rooms[0]["people"].pop(0)
    person.update(moved=True, why=MOVED, reasons={"themes": [], "partners": []})
    rooms[1]["people"].append(person)
    before = (rooms[0]["seats"], rooms[1]["seats"])
    rules = Rules.model_validate(doc["rules"])
    rules = rules.model_copy(
        update={"pins": [Pin(participant=person["participant"], room=rooms[1]["id"], round="R1")]}
    )
    refresh_allocation(doc, rules)
    assert (rooms[0]["seats"], rooms[1]["seats"]) == (
        before[0] - person["seats"],
        before[1] + person["seats"],
    )
    assert person["pinned"] is True
    assert rooms[1]["quality"]["people"] == len(rooms[1]["people"])
    back = plan_from_allocation(doc)
    assert back.explanations["R1"][person["participant"]].text == MOVED
    assert person["participant"] in back.assignment["R1"][rooms[1]["id"]]


def test_a_document_with_rules_naming_people_who_left_still_rebuilds(
    allocation: dict[str, Any],
) -> None:
    doc = copy.deepcopy(allocation)
    doc["rules"]["pins"].append({"participant": "GONE", "room": "wg1", "round": None})
    doc["rules"]["keep_apart"] = [["GONE", "P01"], ["P01", "P02", "GONE"]]
    back = plan_from_allocation(doc)
    assert [p.participant for p in back.event.rules.pins] == ["P05"]
    assert back.event.rules.keep_apart == [["P01", "P02"]]


# --- schedule ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brokerage() -> Event:
    """The first 50 participants of the brokerage event, with their organisations."""
    doc = json.loads((DEMO_DATA / "brokerage" / "event.json").read_text(encoding="utf-8"))
    doc["participants"] = doc["participants"][:50]
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for p in doc["participants"]:
        p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
    return read_event(json.dumps(doc).encode())


@pytest.fixture(scope="module")
def scheduled(brokerage: Event) -> tuple[Any, dict[str, Any]]:
    result, matrices = plan_schedule(brokerage, seed=0, time_limit=0.2)
    doc = schedule_document(brokerage, result, matrices, preset="business", event_version=2)
    return result, dict(json.loads(json.dumps(doc, allow_nan=False)))


def test_schedule_document_meetings_and_agendas_agree(
    scheduled: tuple[Any, dict[str, Any]], brokerage: Event
) -> None:
    result, doc = scheduled
    assert doc["event_version"] == 2
    assert len(doc["meetings"]) == len(result.meetings)
    assert doc["tables"] == brokerage.tables
    assert [s["id"] for s in doc["slots"]] == [s.id for s in brokerage.slots]
    assert [a["participant"] for a in doc["agendas"]] == [p.id for p in brokerage.participants]
    seen: set[tuple[str, str]] = set()
    for m in doc["meetings"]:
        assert 1 <= m["table"] <= brokerage.tables
        assert (m["slot"], m["table"]) not in {(s, t) for s, t in seen}
        seen.add((m["slot"], m["table"]))
        assert set(m["why"]) == set(m["participants"])
        assert m["request"] in {"mutual", "one-sided", "suggested"}
    by_person = {a["participant"]: a for a in doc["agendas"]}
    for k, m in enumerate(doc["meetings"]):
        a, b = m["participants"]
        assert any(x["meeting"] == k and x["partner_id"] == b for x in by_person[a]["meetings"])
        assert any(x["meeting"] == k and x["partner_id"] == a for x in by_person[b]["meetings"])
        if m["request"] == "mutual":
            assert m["why"][a].startswith("You both asked for this meeting.")


def test_schedule_figures(scheduled: tuple[Any, dict[str, Any]]) -> None:
    result, doc = scheduled
    f = doc["figures"]
    counts = list(result.meetings_per_participant)
    assert f["meetings"] == len(result.meetings)
    assert f["meetings_per_participant"]["min"] == min(counts)
    assert f["meetings_per_participant"]["max"] == max(counts)
    assert f["without_meeting"] == sum(1 for c in counts if c == 0)
    assert f["share_of_bound"] == pytest.approx(result.objective / result.upper_bound, abs=1e-6)
    assert f["gap"] == pytest.approx(result.gap)
    assert sum(f["requests_met"].values()) == f["meetings"]


def test_schedule_round_trip_exports_and_replan(
    scheduled: tuple[Any, dict[str, Any]], brokerage: Event
) -> None:
    result, doc = scheduled
    event = schedule_event(doc)
    meetings = schedule_meetings(doc, event)
    assert sorted(meetings) == sorted(result.meetings)
    assert grid_csv(event, meetings) == grid_csv(brokerage, list(result.meetings))
    assert len(agendas_xlsx(event, meetings)) > 1000
    published = published_meetings(doc)
    assert len(published) == len(result.meetings)
    _, changes = replan_schedule(brokerage, published, seed=0)
    assert len(changes["kept"]) == len(published)
    assert changes["cancelled"] == []


# --- pairs ---------------------------------------------------------------------------------------


def test_pairs_document(leuven: Event) -> None:
    result, pairs = plan_pairs(leuven, seed=0)
    doc = pairs_document(leuven, result, pairs, event_matrices(leuven), preset="business")
    doc = json.loads(json.dumps(doc, allow_nan=False))
    assert len(doc["pairs"]) == len(pairs)
    assert doc["status"] == result.status
    assert doc["bound"] == pytest.approx(result.upper_bound)
    seen = [p["participants"][0]["participant"] for p in doc["pairs"]]
    seen += [p["participants"][1]["participant"] for p in doc["pairs"]]
    assert len(seen) == len(set(seen))
    assert sorted(seen + doc["unpaired"]) == sorted(p.id for p in leuven.participants)
    for p in doc["pairs"]:
        a, b = p["participants"]
        assert a["organisation"] != b["organisation"]
        assert set(p["why"]) == {a["participant"], b["participant"]}
        assert p["score"] > 0


def test_numbers_json_cannot_carry_are_null(plan: BreakoutPlan) -> None:
    class Result:
        status = "feasible"
        message = "m"
        objective = math.nan
        upper_bound = math.inf
        gap = math.inf
        repeats = 0
        repeats_lower_bound = 0
        violations = ()

    doc = allocation_document(
        BreakoutPlan(plan.event, Result(), plan.assignment, plan.explanations), preset="business"
    )
    assert doc["objective"] is None
    assert doc["bound"] is None
    assert doc["gap"] is None
    json.dumps(doc, allow_nan=False)
