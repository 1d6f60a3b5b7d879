"""/api/events/{id}/breakouts: runs as jobs, the allocation, moves and pins, re-plans,
exports; roles and versions."""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import (
    check_access,
    create_event,
    leuven_document,
    wait_job,
)
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io import read_event
from matchmaker.plan.breakouts import plan_breakouts
from matchmaker.plan.documents import allocation_document

BASE = "/api/events/leuven-2018/breakouts"
EVENT = "/api/events/leuven-2018"

# Slow or database-independent paths run on SQLite only; the flow and the versions on both.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def allocation() -> dict[str, Any]:
    """An allocation of the Leuven workshop, made once (seed 1, 0.3 s)."""
    plan = plan_breakouts(
        read_event(DEMO_DATA / "leuven-2018" / "event.json"), seed=1, time_limit=0.3
    )
    doc = allocation_document(plan, preset="business", event_version=1, seed=1, time_limit=0.3)
    return dict(json.loads(json.dumps(doc)))


def _seed(client: TestClient, keys: Any, allocation: dict[str, Any]) -> dict[str, str]:
    """The Leuven event of organiser org-a with ``allocation`` stored; the owner's headers."""
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    store = client.app.state.store  # type: ignore[attr-defined]
    store.save_result("leuven-2018", "breakouts", copy.deepcopy(allocation), event_version=1)
    return owner


def _room_of(doc: dict[str, Any], pid: str, round_id: str) -> dict[str, Any]:
    rnd = next(r for r in doc["rounds"] if r["id"] == round_id)
    return next(
        room for room in rnd["rooms"] if any(p["participant"] == pid for p in room["people"])
    )


def _people(room: dict[str, Any]) -> list[str]:
    return [p["participant"] for p in room["people"]]


# --- access --------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_access_of_every_breakouts_endpoint(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    move = {"participant": "P01", "round": "R1", "room": "wg1"}
    check_access(client, keys, "POST", BASE, json={})
    check_access(client, keys, "GET", BASE)
    check_access(client, keys, "POST", f"{BASE}/moves", json=move, headers={"If-Match": '"1"'})
    check_access(client, keys, "POST", f"{BASE}/replan", json={})
    for export in ("rooms.csv", "rooms.xlsx", "rooms/R1/wg1.html"):
        check_access(client, keys, "GET", f"{BASE}/{export}")
    # The owner and an admin read it all.
    for headers in (owner, keys.headers("admin")):
        for export in ("", "/rooms.csv", "/rooms.xlsx", "/rooms/R1/wg1.html"):
            r = client.get(f"{BASE}{export}", headers=headers)
            assert r.status_code == 200, (export, r.text)
    # The refused requests changed nothing.
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'
    # An admin also moves people (here: a pin in place, which changes the event too).
    room = _room_of(allocation, "P01", "R1")["id"]
    pin = {"participant": "P01", "round": "R1", "room": room, "pin": True}
    r = client.post(f"{BASE}/moves", json=pin, headers={**keys.headers("admin"), "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["edits"][-1]["by"] == "admin"


@SQLITE_ONLY
def test_no_allocation_yet_is_404_saying_what_to_do(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    for path in (BASE, f"{BASE}/rooms.csv", f"{BASE}/rooms/R1/wg1.html"):
        body = assert_problem(client.get(path, headers=owner), 404, "not-found")
        assert "POST /api/events/leuven-2018/breakouts" in body["detail"]
    assert_problem(client.post(f"{BASE}/replan", headers=owner), 404)


@SQLITE_ONLY
def test_bad_run_parameters_are_422(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    for body in ({"rounds": 0}, {"mode": "chaos"}, {"time_limit": -1}, {"preset": "x"}, {"z": 1}):
        assert_problem(client.post(BASE, json=body, headers=owner), 422, "invalid-input")


# --- the whole flow ------------------------------------------------------------------------------


def test_flow_on_the_leuven_workshop(client: TestClient, keys: Any) -> None:
    """Create, upload the registration list, 3 rooms and 2 rounds, run, move and pin, run again:
    the pin holds; the room list says what the allocation says."""
    owner = keys.headers("organiser")
    source = leuven_document()
    etag = create_event(client, owner, {"id": "leuven-2018", "name": source["name"]})
    registrations = DEMO_DATA / "leuven-2018" / "registrations.csv"
    files = {"file": ("registrations.csv", registrations.read_bytes(), "text/csv")}
    r = client.post(f"{EVENT}/participants", files=files, headers={**owner, "If-Match": etag})
    assert r.status_code == 200, r.text
    event = client.get(EVENT, headers=owner).json()
    ids = [p["id"] for p in event["participants"]]
    assert len(ids) == 32
    event["rooms"] = source["rooms"]
    event["rounds"] = source["rounds"]
    apart = [ids[0], ids[1]]
    event["rules"]["keep_apart"] = [apart]
    r = client.put(EVENT, json=event, headers={**owner, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    event_version = r.json()["version"]

    r = client.post(BASE, json={"seed": 1, "time_limit": 0.3}, headers=owner)
    assert r.status_code == 202
    assert r.headers["Location"] == f"/api/jobs/{r.json()['job']['id']}"
    assert r.json()["job"]["status"] in ("queued", "running")
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    assert job["result"] == BASE
    assert job["progress"] == 1.0

    r = client.get(BASE, headers=owner)
    assert r.status_code == 200
    doc = r.json()
    assert r.headers["ETag"] == f'"{doc["version"]}"'
    assert doc["event_version"] == event_version
    capacity = {room["id"]: room["capacity"] for room in source["rooms"]}
    for rnd in doc["rounds"]:
        placed = [p for room in rnd["rooms"] for p in room["people"]]
        assert sorted(p["participant"] for p in placed) == sorted(ids)
        for room in rnd["rooms"]:
            assert room["seats"] == sum(p["seats"] for p in room["people"]) <= capacity[room["id"]]
        assert _room_of(doc, apart[0], rnd["id"]) is not _room_of(doc, apart[1], rnd["id"])

    # Move someone alone from their organisation into a room with a free seat, and pin them.
    rnd = doc["rounds"][0]
    orgs = [p["organisation"] for room in rnd["rooms"] for p in room["people"]]
    target = next(room for room in rnd["rooms"] if room["seats"] < room["capacity"])
    mover = next(
        p
        for room in rnd["rooms"]
        if room is not target
        for p in room["people"]
        if orgs.count(p["organisation"]) == 1 and p["participant"] not in apart
    )
    move = {"participant": mover["participant"], "round": "R1", "room": target["id"], "pin": True}
    r = client.post(
        f"{BASE}/moves", json=move, headers={**owner, "If-Match": f'"{doc["version"]}"'}
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["version"] == doc["version"] + 1
    assert mover["participant"] in _people(_room_of(moved, mover["participant"], "R1"))
    assert _room_of(moved, mover["participant"], "R1")["id"] == target["id"]
    event = client.get(EVENT, headers=owner).json()
    assert {"participant": mover["participant"], "room": target["id"], "round": "R1"} in event[
        "rules"
    ]["pins"]

    # A new run keeps the pin.
    r = client.post(BASE, json={"seed": 2, "time_limit": 0.3}, headers=owner)
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    again = client.get(BASE, headers=owner).json()
    assert again["id"] != doc["id"]
    placed = _room_of(again, mover["participant"], "R1")
    assert placed["id"] == target["id"]
    assert next(p for p in placed["people"] if p["participant"] == mover["participant"])["pinned"]

    # The room list is the allocation.
    r = client.get(f"{BASE}/rooms.csv", headers=owner)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="leuven-2018-rooms.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 2 * 32
    expected = {
        (rnd["id"], room["id"], p["participant"])
        for rnd in again["rounds"]
        for room in rnd["rooms"]
        for p in room["people"]
    }
    assert {(row["round"], row["room"], row["participant_id"]) for row in rows} == expected
    names = {
        p["participant"]: p["organisation_name"]
        for room in again["rounds"][0]["rooms"]
        for p in room["people"]
    }
    assert all(row["organisation"] == names[row["participant_id"]] for row in rows)


# --- moves ---------------------------------------------------------------------------------------


def _single_movers(doc: dict[str, Any], round_id: str = "R1") -> list[tuple[str, str]]:
    """(participant, room) of people alone from their organisation, in round ``round_id``."""
    rnd = next(r for r in doc["rounds"] if r["id"] == round_id)
    orgs = [p["organisation"] for room in rnd["rooms"] for p in room["people"]]
    return [
        (p["participant"], room["id"])
        for room in rnd["rooms"]
        for p in room["people"]
        if orgs.count(p["organisation"]) == 1
    ]


def test_a_move_changes_the_allocation_and_its_version(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    # A person alone from their organisation, and another room with a free seat (the plan,
    # made within a time limit, may leave the free seats in any room).
    pid, here, target = next(
        (pid, here, room)
        for pid, here in _single_movers(allocation)
        for room in allocation["rounds"][0]["rooms"]
        if room["id"] != here and room["seats"] < room["capacity"]
    )
    move = {"participant": pid, "round": "R1", "room": target["id"]}
    assert_problem(client.post(f"{BASE}/moves", json=move, headers=owner), 428)
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    doc = r.json()
    room = _room_of(doc, pid, "R1")
    assert room["id"] == target["id"]
    assert room["seats"] == target["seats"] + 1
    person = next(p for p in room["people"] if p["participant"] == pid)
    assert person["moved"] is True
    assert person["pinned"] is False
    assert "organiser" in person["why"]
    assert doc["edits"][-1] == {
        "participant": pid,
        "round": "R1",
        "from": here,
        "to": target["id"],
        "pin": False,
        "by": "org-a",
    }
    # Round 2 is untouched; the event too (no pin asked for).
    assert doc["rounds"][1] == allocation["rounds"][1]
    assert client.get(EVENT, headers=owner).headers["ETag"] == '"1"'
    # The same move sent with the old version: 412, nothing changed.
    body = assert_problem(
        client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'}), 412
    )
    assert "version 2" in body["detail"]
    assert client.get(BASE, headers=owner).headers["ETag"] == '"2"'
    # The exports follow the move.
    rows = client.get(f"{BASE}/rooms.csv", headers=owner).content.decode("utf-8-sig")
    assert f",R1,{target['id']},{pid}\r\n" in rows


@SQLITE_ONLY
def test_pin_in_place_adds_the_pin_to_the_event(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    pid, _ = _single_movers(allocation)[0]
    move = {
        "participant": pid,
        "round": "R2",
        "room": _room_of(allocation, pid, "R2")["id"],
        "pin": True,
    }
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    person = next(p for p in _room_of(r.json(), pid, "R2")["people"] if p["participant"] == pid)
    assert person["pinned"] is True
    assert "moved" not in person
    event = client.get(EVENT, headers=owner)
    assert event.headers["ETag"] == '"2"'
    assert event.json()["rules"]["pins"] == [
        {"participant": pid, "room": move["room"], "round": "R2"}
    ]


def _put_rules(client: TestClient, owner: dict[str, str], **rules: Any) -> None:
    r = client.get(EVENT, headers=owner)
    event = r.json()
    event["rules"].update(rules)
    r = client.put(EVENT, json=event, headers={**owner, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text


def _refused(
    client: TestClient, owner: dict[str, str], move: dict[str, Any], rule: str
) -> dict[str, Any]:
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 409, "infeasible")
    assert body["rule"] == rule
    assert move["participant"] in body["people"]
    assert move["participant"] in body["detail"]
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'
    return body


@SQLITE_ONLY
def test_moves_that_break_a_hard_rule_are_409_naming_rule_and_people(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    # Rooms with room to spare: only the rule under test can refuse a move.
    allocation = copy.deepcopy(allocation)
    for rnd in allocation["rounds"]:
        for room in rnd["rooms"]:
            room["capacity"] = 100
    owner = _seed(client, keys, allocation)
    rooms = allocation["rounds"][0]["rooms"]
    other = next(room for room in rooms if room["seats"] < room["capacity"])
    movers = [(p, room) for p, room in _single_movers(allocation) if room != other["id"]]
    pid, here = movers[0]
    someone = other["people"][0]["participant"]
    move = {"participant": pid, "round": "R1", "room": other["id"]}

    _put_rules(client, owner, keep_apart=[[pid, someone]])
    body = _refused(client, owner, move, "keep_apart")
    assert someone in body["people"]

    mate = next(p for p, room in movers if room == here and p != pid)
    _put_rules(client, owner, keep_apart=[], keep_together=[[pid, mate]])
    body = _refused(client, owner, move, "keep_together")
    assert mate in body["detail"]

    _put_rules(client, owner, keep_together=[], pins=[{"participant": pid, "room": here}])
    body = _refused(client, owner, move, "pins")
    assert f"'{here}'" in body["detail"]

    # Colleagues: with 3 rooms an organisation of 5 gets at most 2 in a room.
    _put_rules(client, owner, pins=[])
    rnd = allocation["rounds"][0]
    big = max(
        {p["organisation"] for room in rnd["rooms"] for p in room["people"]},
        key=lambda o: sum(p["organisation"] == o for room in rnd["rooms"] for p in room["people"]),
    )
    counts = {
        room["id"]: sum(p["organisation"] == big for p in room["people"]) for room in rnd["rooms"]
    }
    fullest = max(counts, key=lambda k: counts[k])
    colleague = next(
        p["participant"]
        for room in rnd["rooms"]
        if room["id"] != fullest
        for p in room["people"]
        if p["organisation"] == big
    )
    body = _refused(
        client,
        owner,
        {"participant": colleague, "round": "R1", "room": fullest},
        "apart_same_organisation",
    )
    assert "colleagues" in body["detail"]


@SQLITE_ONLY
def test_moves_respect_capacity_and_minimum(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    doc = copy.deepcopy(allocation)
    pid, here = _single_movers(doc)[0]
    rooms = doc["rounds"][0]["rooms"]
    source = next(room for room in rooms if room["id"] == here)
    other = next(room for room in rooms if room["id"] != here)
    other["capacity"] = other["seats"]
    owner = _seed(client, keys, doc)
    body = _refused(
        client, owner, {"participant": pid, "round": "R1", "room": other["id"]}, "capacity"
    )
    assert f"holds {other['capacity']} seats" in body["detail"]
    assert other["people"][0]["participant"] in body["people"]

    client.app.state.store.delete_event("leuven-2018", expected_version=1)  # type: ignore[attr-defined]
    doc = copy.deepcopy(allocation)
    rooms = doc["rounds"][0]["rooms"]
    source = next(room for room in rooms if room["id"] == here)
    source["min_size"] = source["seats"]
    other = next(room for room in rooms if room["id"] != here)
    other["capacity"] = 100
    owner = _seed(client, keys, doc)
    body = _refused(
        client, owner, {"participant": pid, "round": "R1", "room": other["id"]}, "min_size"
    )
    assert "at least" in body["detail"]


@SQLITE_ONLY
def test_a_move_is_refused_only_for_what_it_breaks(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    """A keep-together set that the allocation already splits (the rule came after the run)
    does not block a move that leaves it as split as it was; a move that splits a set does."""
    allocation = copy.deepcopy(allocation)
    for rnd in allocation["rounds"]:
        for room in rnd["rooms"]:
            room["capacity"] = 100
    owner = _seed(client, keys, allocation)
    movers = _single_movers(allocation)
    rooms = [room["id"] for room in allocation["rounds"][0]["rooms"]]
    x, x_room = movers[0]
    y = next(p for p, room in movers if room != x_room)
    y_room = next(room for p, room in movers if p == y)
    third = next(room for room in rooms if room not in (x_room, y_room))
    _put_rules(client, owner, keep_together=[[x, y]])
    move = {"participant": x, "round": "R1", "room": third}
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    mate = next(p for p, room in movers if room == y_room and p != y)
    _put_rules(client, owner, keep_together=[[y, mate]])
    move = {"participant": y, "round": "R1", "room": third}
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"2"'})
    body = assert_problem(r, 409, "infeasible")
    assert body["rule"] == "keep_together"
    assert body["people"] == [y, mate]
    # A pin holds in its round only.
    r2 = _room_of(allocation, mate, "R2")["id"]
    _put_rules(
        client, owner, keep_together=[], pins=[{"participant": mate, "room": r2, "round": "R2"}]
    )
    elsewhere = next(room for room in rooms if room != r2)
    move = {"participant": mate, "round": "R2", "room": elsewhere}
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"2"'})
    assert assert_problem(r, 409, "infeasible")["rule"] == "pins"
    move = {"participant": mate, "round": "R1", "room": third}
    r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"2"'})
    assert r.status_code == 200, r.text


@SQLITE_ONLY
def test_moves_of_unknown_people_rooms_rounds_are_422(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    for move, field in (
        ({"participant": "NOBODY", "round": "R1", "room": "wg1"}, "participant"),
        ({"participant": "P01", "round": "R9", "room": "wg1"}, "round"),
        ({"participant": "P01", "round": "R1", "room": "attic"}, "room"),
    ):
        r = client.post(f"{BASE}/moves", json=move, headers={**owner, "If-Match": '"1"'})
        body = assert_problem(r, 422, "invalid-input")
        assert body["problems"][0]["field"] == field
    for bad in ({"participant": "P01"}, {"participant": "", "round": "R1", "room": "wg1"}, []):
        r = client.post(f"{BASE}/moves", json=bad, headers={**owner, "If-Match": '"1"'})
        assert_problem(r, 422, "invalid-input")


# --- exports and re-plans ------------------------------------------------------------------------


@SQLITE_ONLY
def test_exports_content(client: TestClient, keys: Any, allocation: dict[str, Any]) -> None:
    owner = _seed(client, keys, allocation)
    r = client.get(f"{BASE}/rooms.xlsx", headers=owner)
    assert r.status_code == 200
    assert 'filename="leuven-2018-rooms.xlsx"' in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["All rounds", "Round 1", "Round 2"]
    sheet = book["Round 2"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Round", "Room", "Person")
    assert len(rows) == 33
    room = allocation["rounds"][0]["rooms"][1]
    r = client.get(f"{BASE}/rooms/R1/{room['id']}.html", headers=owner)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "leuven-2018-R1-" in r.headers["content-disposition"]
    assert "script-src" not in r.headers["content-security-policy"]
    page = r.text
    assert "<script" not in page
    assert room["name"].replace("&", "&amp;") in page
    for person in room["people"]:
        assert person["organisation_name"].replace("&", "&amp;") in page
    for path in ("rooms/R1/attic.html", "rooms/R9/wg1.html", "rooms/R1/wg1.pdf"):
        assert_problem(client.get(f"{BASE}/{path}", headers=owner), 404, "not-found")


@SQLITE_ONLY
def test_replan_after_people_leave_moves_nobody(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    event = client.get(EVENT, headers=owner).json()
    gone = {"P10", "P11"}
    event["participants"] = [p for p in event["participants"] if p["id"] not in gone]
    r = client.put(EVENT, json=event, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200
    r = client.post(f"{BASE}/replan", json={"time_limit": 0.3}, headers=owner)
    assert r.status_code == 202
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    assert "0 people who stay changed room" in job["message"]
    doc = client.get(BASE, headers=owner).json()
    assert doc["moved"] == 0
    assert doc["event_version"] == 2
    for rnd in doc["rounds"]:
        for room in rnd["rooms"]:
            before = next(
                x
                for r0 in allocation["rounds"]
                if r0["id"] == rnd["id"]
                for x in r0["rooms"]
                if x["id"] == room["id"]
            )
            assert set(_people(room)) == set(_people(before)) - gone
    # The earlier allocation is still stored, unchanged.
    store = client.app.state.store  # type: ignore[attr-defined]
    first = store.get_result(doc["replanned_from"])
    assert first.document["rounds"] == allocation["rounds"]


@SQLITE_ONLY
def test_no_pin_for_someone_no_longer_registered(
    client: TestClient, keys: Any, allocation: dict[str, Any]
) -> None:
    owner = _seed(client, keys, allocation)
    event = client.get(EVENT, headers=owner).json()
    event["participants"] = [p for p in event["participants"] if p["id"] != "P10"]
    assert client.put(EVENT, json=event, headers={**owner, "If-Match": '"1"'}).status_code == 200
    pin = {"participant": "P10", "round": "R1", "room": _room_of(allocation, "P10", "R1")["id"]}
    r = client.post(
        f"{BASE}/moves", json={**pin, "pin": True}, headers={**owner, "If-Match": '"1"'}
    )
    body = assert_problem(r, 422, "invalid-input")
    assert any("'P10' is not in the event" in p["message"] for p in body["problems"])
    assert client.get(EVENT, headers=owner).json()["rules"]["pins"] == []
    assert client.get(BASE, headers=owner).headers["ETag"] == '"1"'
