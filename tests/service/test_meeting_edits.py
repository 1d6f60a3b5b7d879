"""Changes by hand to a stored schedule: move, swap, cancel and add a meeting, each refusal
with its rule and people in words, If-Match, undo, and manual meetings kept by a re-plan.

The schedule is made by hand on a small event taken from the brokerage demo: eight
participants (two of them colleagues), four slots of 20 minutes from 10:00, three tables, so
that every rule has a case whose answer is known.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import BROKERAGE, check_access, create_event, wait_job
from matchmaker.io import read_event
from matchmaker.plan.document_models import ScheduleDocument
from matchmaker.plan.documents import schedule_document
from matchmaker.plan.meetings import event_matrices
from matchmaker.solvers.result import Meeting, ScheduleResult

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EVENT_ID = "brokerage-b2b"
BASE = f"/api/events/{EVENT_ID}/schedule"

#: (slot, table from 1, a, b) by participant index: what the seeded schedule holds.
PLANNED = [("S01", 1, 0, 1), ("S01", 2, 2, 3), ("S02", 1, 4, 5), ("S03", 1, 0, 4), ("S03", 2, 1, 5)]


def _event() -> dict[str, Any]:
    """Seven participants of distinct organisations and a colleague of the first."""
    doc = dict(json.loads(BROKERAGE.read_text(encoding="utf-8")))
    chosen: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in doc["participants"]:
        if p["organisation"] not in seen and len(chosen) < 7:
            seen.add(p["organisation"])
            chosen.append(p)
    colleague = next(
        p
        for p in doc["participants"]
        if p["organisation"] == chosen[0]["organisation"] and p["id"] != chosen[0]["id"]
    )
    people = [copy.deepcopy(p) for p in [*chosen, colleague]]
    for p in people:
        p["requests"] = []
        p.pop("available", None)
        p.pop("max_meetings", None)
    people[0]["available"] = ["S01", "S03", "S04"]  # not at 10:20
    people[1]["requests"] = [
        {"organisation": people[2]["organisation"], "preference": "would_rather_not"}
    ]
    people[6]["requests"] = [
        {"organisation": people[2]["organisation"], "preference": "would_like"}
    ]
    people[3]["max_meetings"] = 1
    doc["participants"] = people
    orgs = {p["organisation"] for p in people}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    doc["slots"] = [
        {
            "id": f"S0{k + 1}",
            "start": f"2025-03-18T{10 + (20 * k) // 60}:{(20 * k) % 60:02d}:00+01:00",
            "end": f"2025-03-18T{10 + (20 * k + 20) // 60}:{(20 * k + 20) % 60:02d}:00+01:00",
        }
        for k in range(4)
    ]
    doc["tables"] = 3
    return doc


@pytest.fixture(scope="module")
def seeded() -> tuple[dict[str, Any], dict[str, Any]]:
    """The event document and its schedule document (the meetings of :data:`PLANNED`)."""
    document = _event()
    event = read_event(json.dumps(document).encode())
    slots = [s.id for s in event.slots]
    meetings = tuple(
        sorted(Meeting(slots.index(s), t - 1, min(a, b), max(a, b)) for s, t, a, b in PLANNED)
    )
    counts = [sum(i in (m.a, m.b) for m in meetings) for i in range(len(event.participants))]
    result = ScheduleResult(
        objective=1.0,
        upper_bound=1.0,
        gap=0.0,
        status="feasible",
        message="made by hand",
        meetings=meetings,
        meetings_per_participant=tuple(counts),
    )
    doc = schedule_document(event, result, event_matrices(event), preset="business")
    return document, json.loads(json.dumps(doc))


@pytest.fixture
def owner(
    client: TestClient, keys: Any, seeded: tuple[dict[str, Any], dict[str, Any]]
) -> dict[str, str]:
    document, doc = seeded
    headers: dict[str, str] = keys.headers("organiser")
    create_event(client, headers, document)
    store = client.app.state.store  # type: ignore[attr-defined]
    store.save_result(EVENT_ID, "schedule", copy.deepcopy(doc), event_version=1)
    return headers


def _ids(seeded: tuple[dict[str, Any], dict[str, Any]]) -> list[str]:
    return [p["id"] for p in seeded[0]["participants"]]


def _name(seeded: tuple[dict[str, Any], dict[str, Any]], i: int) -> str:
    """How a refusal names participant ``i``: "Person (Organisation)"."""
    document = seeded[0]
    p = document["participants"][i]
    org = next(o for o in document["organisations"] if o["id"] == p["organisation"])
    return f"{p['person']} ({org['name']})"


def _cells(doc: dict[str, Any]) -> dict[tuple[str, int], set[str]]:
    return {(m["slot"], m["table"]): set(m["participants"]) for m in doc["meetings"]}


def _post(
    client: TestClient, path: str, headers: dict[str, str], body: Any, version: int = 1
) -> Any:
    return client.post(f"{BASE}/{path}", json=body, headers={**headers, "If-Match": f'"{version}"'})


def _move(slot: str, table: int, to_slot: str, to_table: int) -> dict[str, Any]:
    return {"slot": slot, "table": table, "to_slot": to_slot, "to_table": to_table}


# --- accepted changes ----------------------------------------------------------------------------


@SQLITE_ONLY
def test_move_places_the_meeting_marks_it_manual_and_updates_the_agendas(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    r = _post(client, "meetings/move", owner, _move("S02", 1, "S04", 2))
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    doc = r.json()
    ScheduleDocument.model_validate(
        {k: v for k, v in doc.items() if k not in {"id", "version", "created", "updated"}}
    )
    cells = _cells(doc)
    assert ("S02", 1) not in cells
    assert cells[("S04", 2)] == {ids[4], ids[5]}
    moved = next(m for m in doc["meetings"] if m["slot"] == "S04")
    assert moved["manual"] is True
    assert moved["start"] == "2025-03-18T11:00:00+01:00"
    assert all(text.endswith("Moved by the organiser.") for text in moved["why"].values())
    untouched = [m for m in doc["meetings"] if m["slot"] != "S04"]
    assert not any(m.get("manual") for m in untouched)
    agenda = next(a for a in doc["agendas"] if a["participant"] == ids[4])
    assert [(m["slot"], m["table"], m["partner_id"]) for m in agenda["meetings"]] == [
        ("S03", 1, ids[0]),
        ("S04", 2, ids[5]),
    ]
    # Agenda entries point at their meeting.
    for a in doc["agendas"]:
        for m in a["meetings"]:
            assert a["participant"] in doc["meetings"][m["meeting"]]["participants"]
    assert doc["edits"][-1]["action"] == "move"
    assert doc["edits"][-1]["by"] == "org-a"
    assert client.get(BASE, headers=owner).headers["ETag"] == '"2"'


@SQLITE_ONLY
def test_swap_exchanges_two_places(client: TestClient, owner: dict[str, str], seeded: Any) -> None:
    ids = _ids(seeded)
    body = {"first": {"slot": "S01", "table": 2}, "second": {"slot": "S02", "table": 1}}
    r = _post(client, "meetings/swap", owner, body)
    assert r.status_code == 200, r.text
    cells = _cells(r.json())
    assert cells[("S01", 2)] == {ids[4], ids[5]}
    assert cells[("S02", 1)] == {ids[2], ids[3]}
    assert all(
        m["manual"]
        for m in r.json()["meetings"]
        if (m["slot"], m["table"]) in {("S01", 2), ("S02", 1)}
    )


@SQLITE_ONLY
def test_cancel_frees_the_place_and_the_figures_follow(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    before = client.get(BASE, headers=owner).json()["figures"]
    r = _post(client, "meetings/cancel", owner, {"slot": "S03", "table": 2})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert ("S03", 2) not in _cells(doc)
    assert doc["figures"]["meetings"] == before["meetings"] - 1 == len(PLANNED) - 1
    counts = {a["participant"]: len(a["meetings"]) for a in doc["agendas"]}
    assert counts[ids[1]] == 1
    assert counts[ids[5]] == 1
    assert doc["figures"]["meetings_per_participant"]["min"] == 0  # the colleague and ids[6]
    assert doc["figures"]["without_meeting"] == 2


@SQLITE_ONLY
def test_add_a_meeting_with_its_request_and_why(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    body = {"participants": [ids[6], ids[2]], "slot": "S04", "table": 1}
    r = _post(client, "meetings", owner, body)
    assert r.status_code == 200, r.text
    doc = r.json()
    added = next(m for m in doc["meetings"] if m["slot"] == "S04")
    assert added["participants"] == [ids[6], ids[2]]
    assert added["manual"] is True
    assert added["request"] == "one-sided"  # ids[6] asked to meet ids[2]'s organisation
    assert added["why"][ids[6]] == "You asked for this meeting. Added by the organiser."
    assert added["why"][ids[2]] == "They asked to meet you. Added by the organiser."
    assert doc["figures"]["requests_met"]["one_sided"] == 1
    assert doc["figures"]["meetings"] == len(PLANNED) + 1


# --- refusals ------------------------------------------------------------------------------------


def _refused(r: Any, rule: str) -> dict[str, Any]:
    body: dict[str, Any] = assert_problem(r, 409, "infeasible")
    assert body["rule"] == rule, body
    return body


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("path", "body", "rule", "people", "words"),
    [
        (
            "meetings/move",
            _move("S01", 1, "S02", 2),
            "availability",
            [0],
            "{0} is not available at 10:20.",
        ),
        (
            "meetings/move",
            _move("S02", 1, "S03", 3),
            "double_booking",
            [4],
            "{4} already has a meeting at 10:40 at table 1 with {0}.",
        ),
        (
            "meetings/move",
            _move("S02", 1, "S01", 1),
            "tables",
            [4, 5, 0, 1],
            "Table 1 at 10:00 already holds the meeting of {0} and {1}.",
        ),
        (
            "meetings/swap",
            {"first": {"slot": "S01", "table": 1}, "second": {"slot": "S02", "table": 1}},
            "availability",
            [0],
            "{0} is not available at 10:20.",
        ),
        (
            "meetings",
            {"participants": ["@1", "@2"], "slot": "S04", "table": 1},
            "would_rather_not",
            [1, 2],
            "{1} would rather not meet {2}.",
        ),
        (
            "meetings",
            {"participants": ["@0", "@7"], "slot": "S04", "table": 1},
            "would_rather_not",
            [0, 7],
            "{0} and {7} are colleagues of one organisation; they do not meet.",
        ),
        (
            "meetings",
            {"participants": ["@1", "@0"], "slot": "S04", "table": 1},
            "pair_twice",
            [0, 1],
            "{0} and {1} already meet at 10:00.",
        ),
        (
            "meetings",
            {"participants": ["@3", "@6"], "slot": "S04", "table": 1},
            "max_meetings",
            [3],
            "{3} would have 2 meetings; at most 1 is allowed.",
        ),
    ],
)
def test_a_change_that_breaks_a_rule_is_refused_with_the_rule_and_the_people(
    client: TestClient,
    owner: dict[str, str],
    seeded: Any,
    path: str,
    body: dict[str, Any],
    rule: str,
    people: list[int],
    words: str,
) -> None:
    ids = _ids(seeded)
    if "participants" in body:
        body = {**body, "participants": [ids[int(p[1:])] for p in body["participants"]]}
    problem = _refused(_post(client, path, owner, body), rule)
    assert problem["people"] == [ids[i] for i in people]
    names = {str(i): _name(seeded, i) for i in range(len(ids))}
    assert problem["detail"] == words.format(*[names[str(i)] for i in range(len(ids))])
    # Nothing changed.
    after = client.get(BASE, headers=owner)
    assert after.headers["ETag"] == '"1"'
    assert after.json()["meetings"] == seeded[1]["meetings"]


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("meetings/move", _move("S02", 1, "S04", 4), "to_table"),
        ("meetings/move", _move("S09", 1, "S04", 1), "slot"),
        ("meetings/move", _move("S04", 1, "S04", 2), "slot"),  # no meeting there
        ("meetings/cancel", {"slot": "S02", "table": 2}, "slot"),
        ("meetings", {"participants": ["nobody", "@1"], "slot": "S04", "table": 1}, "participants"),
    ],
)
def test_a_place_or_person_the_schedule_does_not_have_is_a_422_naming_the_field(
    client: TestClient,
    owner: dict[str, str],
    seeded: Any,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    ids = _ids(seeded)
    if "participants" in body:
        body = {
            **body,
            "participants": [
                ids[int(p[1:])] if p.startswith("@") else p for p in body["participants"]
            ],
        }
    problem = assert_problem(_post(client, path, owner, body), 422, "invalid-input")
    assert [p["field"] for p in problem["problems"]] == [field]


@SQLITE_ONLY
def test_the_same_person_twice_is_a_422(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    body = {"participants": [ids[6], ids[6]], "slot": "S04", "table": 1}
    problem = assert_problem(_post(client, "meetings", owner, body), 422)
    assert "named twice" in problem["detail"] or "named twice" in json.dumps(problem)


# --- versions and undo ---------------------------------------------------------------------------


@SQLITE_ONLY
def test_every_change_needs_the_current_version(client: TestClient, owner: dict[str, str]) -> None:
    body = _move("S02", 1, "S04", 2)
    r = client.post(f"{BASE}/meetings/move", json=body, headers=owner)
    assert_problem(r, 428, "precondition-required")
    assert_problem(_post(client, "meetings/move", owner, body, version=7), 412, "version-conflict")
    assert _post(client, "meetings/move", owner, body).status_code == 200
    # The version read before the change is stale now.
    again = _post(client, "meetings/cancel", owner, {"slot": "S01", "table": 1}, version=1)
    assert_problem(again, 412, "version-conflict")
    r = client.post(f"{BASE}/undo", headers=owner)
    assert_problem(r, 428, "precondition-required")


@SQLITE_ONLY
def test_undo_takes_back_the_changes_one_by_one(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    original = seeded[1]
    moved = _post(client, "meetings/move", owner, _move("S02", 1, "S04", 2)).json()
    cancelled = _post(client, "meetings/cancel", owner, {"slot": "S01", "table": 1}, 2).json()
    added = _post(
        client, "meetings", owner, {"participants": [ids[6], ids[2]], "slot": "S02", "table": 1}, 3
    )
    assert added.status_code == 200, added.text
    r = client.post(f"{BASE}/undo", headers={**owner, "If-Match": '"4"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"5"'
    assert r.json()["meetings"] == cancelled["meetings"]
    assert r.json()["agendas"] == cancelled["agendas"]
    r = client.post(f"{BASE}/undo", headers={**owner, "If-Match": '"5"'})
    assert r.json()["meetings"] == moved["meetings"]
    r = client.post(f"{BASE}/undo", headers={**owner, "If-Match": '"6"'})
    assert r.status_code == 200
    doc = r.json()
    assert doc["meetings"] == original["meetings"]
    assert doc["agendas"] == original["agendas"]
    assert doc["figures"] == original["figures"]
    assert doc["edits"] == []
    problem = assert_problem(client.post(f"{BASE}/undo", headers={**owner, "If-Match": '"7"'}), 422)
    assert "nothing to undo" in problem["detail"]


# --- re-plans ------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_a_replan_keeps_the_meetings_placed_by_hand(
    client: TestClient, owner: dict[str, str], seeded: Any
) -> None:
    ids = _ids(seeded)
    assert _post(client, "meetings/move", owner, _move("S02", 1, "S04", 2)).status_code == 200
    body = {"participants": [ids[6], ids[2]], "slot": "S02", "table": 3}
    assert _post(client, "meetings", owner, body, 2).status_code == 200
    r = client.post(f"{BASE}/replan", json={}, headers=owner)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    doc = client.get(BASE, headers=owner).json()
    manual = {
        (m["slot"], m["table"], frozenset(m["participants"]))
        for m in doc["meetings"]
        if m.get("manual")
    }
    assert manual == {
        ("S04", 2, frozenset({ids[4], ids[5]})),
        ("S02", 3, frozenset({ids[6], ids[2]})),
    }
    assert "edits" not in doc  # a new plan: nothing to undo


# --- access --------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_access_of_every_change(client: TestClient, keys: Any, owner: dict[str, str]) -> None:
    match = {"If-Match": '"1"'}
    check_access(
        client, keys, "POST", f"{BASE}/meetings/move", json=_move("S02", 1, "S04", 2), headers=match
    )
    swap = {"first": {"slot": "S01", "table": 2}, "second": {"slot": "S02", "table": 1}}
    check_access(client, keys, "POST", f"{BASE}/meetings/swap", json=swap, headers=match)
    cell = {"slot": "S01", "table": 2}
    check_access(client, keys, "POST", f"{BASE}/meetings/cancel", json=cell, headers=match)
    check_access(
        client,
        keys,
        "POST",
        f"{BASE}/meetings",
        json={**cell, "participants": ["a", "b"]},
        headers=match,
    )
    check_access(client, keys, "POST", f"{BASE}/undo", headers=match)
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'
