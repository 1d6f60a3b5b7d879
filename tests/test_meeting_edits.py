"""Changes by hand to a schedule document (plan/meeting_edits.py), against an oracle of its own.

A schedule of 40 participants of the brokerage demo is planned by the solver; then 150 seeded
random changes (moves, swaps, cancellations, additions) are tried on it. A change is accepted
exactly when the oracle (the rules written again here, over plain tuples) finds no rule broken
after it, a refused one names a rule the oracle finds broken and leaves the document as it
was, and undoing every accepted change gives back the solver's document.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InvalidInputError
from matchmaker.io import read_event
from matchmaker.models import Event
from matchmaker.plan.document_models import ScheduleDocument
from matchmaker.plan.documents import schedule_document
from matchmaker.plan.meeting_edits import (
    Cell,
    EditRefusedError,
    add_meeting,
    cancel_meeting,
    carry_manual,
    move_meeting,
    schedule_rules,
    swap_meetings,
    undo_edit,
)
from matchmaker.plan.meetings import plan_schedule

PEOPLE = 40


@pytest.fixture(scope="module")
def planned() -> tuple[Event, dict[str, Any]]:
    doc = json.loads((DEMO_DATA / "brokerage" / "event.json").read_text(encoding="utf-8"))
    doc["participants"] = doc["participants"][:PEOPLE]
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for i, p in enumerate(doc["participants"]):
        p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
        if i % 7 == 3:
            p["max_meetings"] = 3
    # A "would rather not" pair that the solver keeps apart, for the oracle to meet.
    first, other = doc["participants"][0], doc["participants"][5]
    first["requests"].append(
        {"organisation": other["organisation"], "preference": "would_rather_not"}
    )
    doc["tables"] = 8
    event = read_event(json.dumps(doc).encode())
    result, matrices = plan_schedule(event, seed=0, time_limit=0.2)
    schedule = schedule_document(event, result, matrices, preset="business", event_version=1)
    return event, json.loads(json.dumps(schedule))


def _oracle(event: Event, doc: dict[str, Any], meetings: list[dict[str, Any]]) -> set[str]:
    """The rules ``meetings`` (slot, table, participants) break, checked again from the
    event and the schedule's slots and tables."""
    people = {p.id: p for p in event.participants}

    def rather_not(x: str) -> set[str]:
        return {
            r.organisation for r in people[x].requests if r.preference.value == "would_rather_not"
        }

    broken: set[str] = set()
    busy: set[tuple[str, str]] = set()
    tables: set[tuple[str, int]] = set()
    pairs: set[frozenset[str]] = set()
    count: dict[str, int] = {}
    for m in meetings:
        a, b = m["participants"]
        for x in (a, b):
            available = people[x].available
            if available is not None and m["slot"] not in available:
                broken.add("availability")
            if (x, m["slot"]) in busy:
                broken.add("double_booking")
            busy.add((x, m["slot"]))
            count[x] = count.get(x, 0) + 1
        if (m["slot"], m["table"]) in tables or not 1 <= m["table"] <= doc["tables"]:
            broken.add("tables")
        tables.add((m["slot"], m["table"]))
        org_a, org_b = people[a].organisation, people[b].organisation
        if org_a == org_b or org_b in rather_not(a) or org_a in rather_not(b):
            broken.add("would_rather_not")
        if frozenset((a, b)) in pairs:
            broken.add("pair_twice")
        pairs.add(frozenset((a, b)))
    cap = event.rules.max_meetings or len(doc["slots"])
    for x, k in count.items():
        if k > (people[x].max_meetings if people[x].max_meetings is not None else cap):
            broken.add("max_meetings")
    return broken


def _places(meetings: list[dict[str, Any]]) -> set[tuple[str, int, frozenset[str]]]:
    return {(m["slot"], int(m["table"]), frozenset(m["participants"])) for m in meetings}


def _at(meetings: list[dict[str, Any]], cell: Cell) -> dict[str, Any]:
    return next(m for m in meetings if m["slot"] == cell.slot and m["table"] == cell.table)


def _placed(m: dict[str, Any], cell: Cell) -> dict[str, Any]:
    return {"slot": cell.slot, "table": cell.table, "participants": m["participants"]}


def _consistent(doc: dict[str, Any]) -> None:
    ScheduleDocument.model_validate(doc)
    seen = [(a["participant"], m["meeting"]) for a in doc["agendas"] for m in a["meetings"]]
    expected = [(p, k) for k, m in enumerate(doc["meetings"]) for p in m["participants"]]
    assert sorted(seen) == sorted(expected)
    assert doc["figures"]["meetings"] == len(doc["meetings"])


def test_random_changes_are_accepted_exactly_when_no_rule_breaks_and_undo_restores(
    planned: tuple[Event, dict[str, Any]],
) -> None:
    event, original = planned
    assert _oracle(event, original, original["meetings"]) == set(), "the solver keeps every rule"
    doc = copy.deepcopy(original)
    rules = schedule_rules(doc, event)
    rng = random.Random(7)
    ids = [a["participant"] for a in doc["agendas"]]
    slots = [s["id"] for s in doc["slots"]]
    accepted = refused = 0
    seen_rules: set[str] = set()
    for _ in range(150):
        meetings = doc["meetings"]
        cells = [Cell(m["slot"], int(m["table"])) for m in meetings]
        anywhere = Cell(rng.choice(slots), rng.randint(1, doc["tables"]))
        action = rng.choice(["move", "move", "swap", "cancel", "add", "add"])
        trial = copy.deepcopy(doc)
        # What the change should leave, written plainly: the oracle's verdict on it.
        if action == "move":
            source = rng.choice(cells)
            m = _at(meetings, source)
            after = [x for x in meetings if x is not m] + [_placed(m, anywhere)]
            change: tuple[Any, ...] = (move_meeting, trial, rules, source, anywhere)
        elif action == "swap":
            first, second = rng.sample(cells, 2)
            m1, m2 = _at(meetings, first), _at(meetings, second)
            after = [x for x in meetings if x is not m1 and x is not m2]
            after += [_placed(m1, second), _placed(m2, first)]
            change = (swap_meetings, trial, rules, first, second)
        elif action == "cancel":
            cell = rng.choice(cells)
            after = [x for x in meetings if x is not _at(meetings, cell)]
            change = (cancel_meeting, trial, rules, cell)
        else:
            a, b = rng.sample(ids, 2)
            after = [
                *meetings,
                {"slot": anywhere.slot, "table": anywhere.table, "participants": [a, b]},
            ]
            change = (add_meeting, trial, rules, event, (a, b), anywhere)
        broken = _oracle(event, doc, after)
        refusal = None
        try:
            change[0](*change[1:])
        except EditRefusedError as exc:
            refusal = exc.refusal
        if refusal is not None:
            refused += 1
            seen_rules.add(refusal.rule)
            assert refusal.rule in broken, (action, refusal, broken)
            assert trial == doc, "a refused change leaves the document as it was"
            assert refusal.people
            assert refusal.detail.endswith(".")
            continue
        assert broken == set(), (action, broken)
        assert _places(trial["meetings"]) == _places(after)
        _consistent(trial)
        doc = trial
        accepted += 1
    assert accepted >= 20
    assert refused >= 20
    assert {"availability", "double_booking", "tables"} <= seen_rules
    assert any(m.get("manual") for m in doc["meetings"])
    while doc.get("edits"):
        undo_edit(doc, rules)
        _consistent(doc)
    assert doc == {**original, "edits": []}
    with pytest.raises(InvalidInputError, match="nothing to undo"):
        undo_edit(doc)


def test_a_replan_marks_the_meetings_placed_by_hand(planned: tuple[Event, dict[str, Any]]) -> None:
    _, original = planned
    previous = copy.deepcopy(original)
    for m in previous["meetings"][:2]:
        m["manual"] = True
    new = copy.deepcopy(original)
    # The re-plan kept the first where it was and put the second's pair elsewhere.
    new["meetings"][1]["table"] = new["meetings"][1]["table"] % new["tables"] + 1
    carry_manual(previous, new)
    assert [bool(m.get("manual")) for m in new["meetings"][:3]] == [True, False, False]
    assert sum(bool(m.get("manual")) for m in new["meetings"]) == 1


def test_a_change_counts_the_fairness_figures_again(planned: tuple[Event, dict[str, Any]]) -> None:
    """When the document has fairness figures (meetings among those who may have one), a
    change and its undo count them again over the same people."""
    event, original = planned
    doc = copy.deepcopy(original)
    counts = {a["participant"]: len(a["meetings"]) for a in doc["agendas"]}
    may = [
        p.id
        for p in event.participants
        if (p.available is None or p.available) and p.max_meetings != 0
    ]
    doc["figures"]["fairness"] = {"participants": len(may), "min": -1, "median": -1.0,
                                  "max": -1, "bound": 9, "gap": -1}  # fmt: skip
    rules = schedule_rules(doc, event)
    busiest = max(may, key=lambda p: counts[p])
    gone = next(m for m in doc["meetings"] if busiest in m["participants"])
    cancel_meeting(doc, rules, Cell(gone["slot"], gone["table"]))
    for p in gone["participants"]:
        counts[p] -= 1
    fair = doc["figures"]["fairness"]
    expected = sorted(counts[p] for p in may)
    assert (fair["min"], fair["max"]) == (expected[0], expected[-1])
    assert fair["gap"] == 9 - expected[0]
    undo_edit(doc, rules)
    assert doc["figures"]["fairness"]["max"] == max(
        len(a["meetings"]) for a in original["agendas"] if a["participant"] in may
    )
