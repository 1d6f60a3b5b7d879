"""/api/events/{id}/breakouts/moves with ``swap_with``: two people change rooms in one change,
so that full rooms stay full; the same rules as a move, refusals naming the rule and both
people, and the allocation's version (If-Match)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import create_event, leuven_document
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event
from matchmaker.plan.breakouts import plan_breakouts
from matchmaker.plan.documents import allocation_document

BASE = "/api/events/leuven-2018/breakouts"
EVENT = "/api/events/leuven-2018"

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def full_rooms() -> dict[str, Any]:
    """An allocation of the Leuven workshop whose rooms are all full in every round (each
    room's capacity set to the seats it holds)."""
    plan = plan_breakouts(
        read_event(DEMO_DATA / "leuven-2018" / "event.json"), seed=1, time_limit=0.3
    )
    doc = allocation_document(plan, preset="business", event_version=1, seed=1, time_limit=0.3)
    doc = json.loads(json.dumps(doc))
    for rnd in doc["rounds"]:
        for room in rnd["rooms"]:
            room["capacity"] = room["seats"]
    return dict(doc)


def _seed(client: TestClient, keys: Any, doc: dict[str, Any]) -> dict[str, str]:
    owner: dict[str, str] = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    store = client.app.state.store  # type: ignore[attr-defined]
    store.save_result("leuven-2018", "breakouts", copy.deepcopy(doc), event_version=1)
    return owner


def _room_of(doc: dict[str, Any], pid: str, round_id: str = "R1") -> dict[str, Any]:
    rnd = next(r for r in doc["rounds"] if r["id"] == round_id)
    return next(
        room for room in rnd["rooms"] if any(p["participant"] == pid for p in room["people"])
    )


def _pair(doc: dict[str, Any], round_id: str = "R1") -> tuple[str, str, str, str]:
    """Two people alone from their organisations, in different rooms: (x, x's room, y, y's
    room)."""
    rnd = next(r for r in doc["rounds"] if r["id"] == round_id)
    orgs = [p["organisation"] for room in rnd["rooms"] for p in room["people"]]
    singles = [
        (p["participant"], room["id"])
        for room in rnd["rooms"]
        for p in room["people"]
        if orgs.count(p["organisation"]) == 1
    ]
    x, x_room = singles[0]
    y, y_room = next((p, r) for p, r in singles if r != x_room)
    return x, x_room, y, y_room


def _put_rules(client: TestClient, owner: dict[str, str], **rules: Any) -> None:
    r = client.get(EVENT, headers=owner)
    event = r.json()
    event["rules"].update(rules)
    r = client.put(EVENT, json=event, headers={**owner, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text


def test_a_swap_between_full_rooms_exchanges_the_two(
    client: TestClient, keys: Any, full_rooms: dict[str, Any]
) -> None:
    owner = _seed(client, keys, full_rooms)
    x, x_room, y, y_room = _pair(full_rooms)
    move = {"participant": x, "round": "R1", "room": y_room}
    # A plain move into a full room is refused ...
    body = assert_problem(
        client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'}),
        409,
        "infeasible",
    )
    assert body["rule"] == "capacity"
    # ... a swap needs the version too ...
    swap = {**move, "swap_with": y}
    assert_problem(client.post(f"{BASE}/moves", json=swap, headers=owner), 428)
    # ... and exchanges the two, the rooms staying full.
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    doc = r.json()
    assert _room_of(doc, x)["id"] == y_room
    assert _room_of(doc, y)["id"] == x_room
    for rnd, old in zip(doc["rounds"], full_rooms["rounds"], strict=True):
        assert [room["seats"] for room in rnd["rooms"]] == [room["seats"] for room in old["rooms"]]
    for pid in (x, y):
        person = next(p for p in _room_of(doc, pid)["people"] if p["participant"] == pid)
        assert person["moved"] is True
    assert doc["edits"][-1] == {
        "participant": x,
        "round": "R1",
        "from": x_room,
        "to": y_room,
        "pin": False,
        "by": "org-a",
        "swap_with": y,
    }
    assert doc["rounds"][1] == full_rooms["rounds"][1]
    # The same swap with the old version: 412, nothing changed.
    assert_problem(
        client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'}), 412
    )
    assert client.get(BASE, headers=owner).headers["ETag"] == '"2"'


def test_a_swap_with_a_pin_pins_the_person_moved(
    client: TestClient, keys: Any, full_rooms: dict[str, Any]
) -> None:
    owner = _seed(client, keys, full_rooms)
    x, _, y, y_room = _pair(full_rooms)
    swap = {"participant": x, "round": "R1", "room": y_room, "swap_with": y, "pin": True}
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert client.get(EVENT, headers=owner).json()["rules"]["pins"] == [
        {"participant": x, "room": y_room, "round": "R1"}
    ]


def test_a_swap_that_breaks_a_rule_is_409_naming_the_rule_and_both_people(
    client: TestClient, keys: Any, full_rooms: dict[str, Any]
) -> None:
    owner = _seed(client, keys, full_rooms)
    x, _x_room, y, y_room = _pair(full_rooms)
    swap = {"participant": x, "round": "R1", "room": y_room, "swap_with": y}
    # y may not share a room with someone who stays in x's room.
    stays = next(
        p["participant"] for p in _room_of(full_rooms, x)["people"] if p["participant"] != x
    )
    _put_rules(client, owner, keep_apart=[[y, stays]])
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 409, "infeasible")
    assert body["rule"] == "keep_apart"
    assert set(body["people"]) == {x, y, stays}
    assert y in body["detail"]
    assert stays in body["detail"]
    assert f"the swap of '{x}' and '{y}' is refused" in body["detail"]
    # The partner pinned to their room: the pin is named.
    _put_rules(client, owner, keep_apart=[], pins=[{"participant": y, "room": y_room}])
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 409, "infeasible")
    assert body["rule"] == "pins"
    assert body["people"] == [y, x]
    assert f"'{y}' is pinned to room '{y_room}'" in body["detail"]
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'


def test_a_swap_for_a_bigger_delegation_is_refused_for_capacity(
    client: TestClient, keys: Any, full_rooms: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_rooms)
    x, _, y, y_room = _pair(doc)
    # x takes 2 seats and x's room is full with them; y takes 1.
    x_room = _room_of(doc, x)
    next(p for p in x_room["people"] if p["participant"] == x)["seats"] = 2
    x_room["seats"] += 1
    x_room["capacity"] = x_room["seats"]
    owner = _seed(client, keys, doc)
    swap = {"participant": x, "round": "R1", "room": y_room, "swap_with": y}
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 409, "infeasible")
    assert body["rule"] == "capacity"
    assert f"'{x}' needs 2 and '{y}' frees only 1" in body["detail"]
    assert {x, y} <= set(body["people"])


@pytest.mark.parametrize(
    ("partner", "message"),
    [
        ("self", "cannot swap with themselves"),
        ("elsewhere", "so cannot swap with"),
        ("here", "is in room"),
    ],
)
def test_a_swap_partner_who_is_not_in_the_room_is_422(
    client: TestClient, keys: Any, full_rooms: dict[str, Any], partner: str, message: str
) -> None:
    owner = _seed(client, keys, full_rooms)
    x, x_room, _y, y_room = _pair(full_rooms)
    mate = next(
        p["participant"] for p in _room_of(full_rooms, x)["people"] if p["participant"] != x
    )
    room, other = {
        "self": (y_room, x),
        "elsewhere": (y_room, mate),
        "here": (x_room, mate),
    }[partner]
    swap = {"participant": x, "round": "R1", "room": room, "swap_with": other}
    r = client.post(f"{BASE}/moves", json=swap, headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 422)
    assert message in body["detail"]
    assert any(
        p.get("column") == "swap_with" or "swap_with" in json.dumps(p)
        for p in body.get("problems", [])
    )
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'
