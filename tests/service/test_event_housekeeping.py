"""Renaming, duplicating and deleting an event; which results are out of date after a change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import check_access, create_event, leuven_document, wait_job
from matchmaker.models import Event
from matchmaker.plan.inputs import changed_parts, result_inputs

EVENT = "/api/events/leuven-2018"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _run_breakouts(client: TestClient, owner: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"{EVENT}/breakouts", json={"seed": 1, "time_limit": 0.3}, headers=owner)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    doc: dict[str, Any] = client.get(f"{EVENT}/breakouts", headers=owner).json()
    return doc


def _freshness(client: TestClient, owner: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{EVENT}/freshness", headers=owner)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# --- rename --------------------------------------------------------------------------------------


def test_rename_keeps_the_id_and_needs_the_version(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    new = {"name": "Leuven cluster workshop 2019", "date": "2019-05-14"}
    assert_problem(client.patch(EVENT, json=new, headers=owner), 428, "precondition-required")
    body = assert_problem(
        client.patch(EVENT, json=new, headers={**owner, "If-Match": '"5"'}),
        412,
        "version-conflict",
    )
    assert "sent 5" in body["detail"]
    r = client.patch(EVENT, json=new, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    read = client.get(EVENT, headers=owner).json()
    assert (read["id"], read["name"], read["date"]) == ("leuven-2018", new["name"], "2019-05-14")
    assert len(read["participants"]) == 32
    # Only the name: the date stays.
    r = client.patch(EVENT, json={"name": "Short"}, headers={**owner, "If-Match": '"2"'})
    assert (r.json()["name"], r.json()["date"]) == ("Short", "2019-05-14")


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "x" * 301}, "name"), ({"name": "A", "id": "b"}, "id")],
)
def test_a_bad_rename_is_422_naming_the_field(
    client: TestClient, keys: Any, body: dict[str, Any], field: str
) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, {"id": "leuven-2018", "name": "Leuven"})
    r = client.patch(EVENT, json=body, headers={**owner, "If-Match": '"1"'})
    problem = assert_problem(r, 422)
    assert field in r.text, problem
    assert client.get(EVENT, headers=owner).json()["name"] == "Leuven"


# --- duplicate -----------------------------------------------------------------------------------


def test_duplicate_copies_settings_and_people_not_results(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    source = leuven_document()
    create_event(client, owner, source)
    _run_breakouts(client, owner)
    r = client.post(f"{EVENT}/duplicate", headers=owner)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == "/api/events/leuven-2018-copy"
    assert r.headers["ETag"] == '"1"'
    copy = r.json()
    assert copy["name"] == f"{source['name']} (copy)"
    assert copy["owner"] == "org-a"
    original = client.get(EVENT, headers=owner).json()
    for key in ("participants", "organisations", "rooms", "rounds", "slots", "tables", "rules"):
        assert copy.get(key) == original.get(key), key
    # No results come with it.
    assert_problem(client.get(f"{r.headers['Location']}/breakouts", headers=owner), 404)
    assert client.get(f"{EVENT}/breakouts", headers=owner).status_code == 200
    # A second copy gets the next free id; a chosen id and name are used as given.
    r = client.post(f"{EVENT}/duplicate", headers=owner)
    assert r.headers["Location"] == "/api/events/leuven-2018-copy-2"
    r = client.post(f"{EVENT}/duplicate", json={"id": "leuven-2019", "name": "L19"}, headers=owner)
    assert (r.status_code, r.json()["id"], r.json()["name"]) == (201, "leuven-2019", "L19")
    ids = [e["id"] for e in client.get("/api/events", headers=owner).json()["items"]]
    assert ids == ["leuven-2018", "leuven-2018-copy", "leuven-2018-copy-2", "leuven-2019"]


@SQLITE_ONLY
def test_duplicate_to_a_taken_id_is_409(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, {"id": "leuven-2018", "name": "Leuven"})
    create_event(client, keys.headers("organiser", "org-b"), {"id": "taken", "name": "B"})
    r = client.post(f"{EVENT}/duplicate", json={"id": "taken"}, headers=owner)
    body = assert_problem(r, 409)
    assert "taken" in body["detail"]
    r = client.post(f"{EVENT}/duplicate", json={"id": "no spaces"}, headers=owner)
    assert_problem(r, 422)


@SQLITE_ONLY
def test_an_admin_duplicates_into_their_own_events(client: TestClient, keys: Any) -> None:
    create_event(client, keys.headers("organiser"), {"id": "leuven-2018", "name": "Leuven"})
    r = client.post(f"{EVENT}/duplicate", headers=keys.headers("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["owner"] != "org-a"
    mine = client.get("/api/events", headers=keys.headers("organiser")).json()["items"]
    assert [e["id"] for e in mine] == ["leuven-2018"]


# --- delete --------------------------------------------------------------------------------------


def test_delete_takes_the_results_with_it(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    _run_breakouts(client, owner)
    etag = client.get(EVENT, headers=owner).headers["ETag"]
    assert_problem(client.delete(EVENT, headers=owner), 428, "precondition-required")
    assert client.delete(EVENT, headers={**owner, "If-Match": etag}).status_code == 204
    assert_problem(client.get(f"{EVENT}/breakouts", headers=owner), 404, "not-found")
    # The id is free again: a new event of that id starts without the old results.
    create_event(client, owner, {"id": "leuven-2018", "name": "Again"})
    assert_problem(client.get(f"{EVENT}/breakouts", headers=owner), 404, "not-found")
    assert _freshness(client, owner)["breakouts"] is None


# --- roles ---------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_access_of_the_housekeeping_endpoints(client: TestClient, keys: Any) -> None:
    create_event(client, keys.headers("organiser"), {"id": "leuven-2018", "name": "Leuven"})
    check_access(client, keys, "PATCH", EVENT, json={"name": "N"}, headers={"If-Match": '"1"'})
    check_access(client, keys, "POST", f"{EVENT}/duplicate", json={"id": "c"})
    check_access(client, keys, "GET", f"{EVENT}/freshness")
    r = client.get(EVENT, headers=keys.headers("organiser"))
    assert (r.headers["ETag"], r.json()["name"]) == ('"1"', "Leuven")
    ids = [
        e["id"] for e in client.get("/api/events", headers=keys.headers("admin")).json()["items"]
    ]
    assert ids == ["leuven-2018"]


# --- out of date ---------------------------------------------------------------------------------


def test_a_result_is_out_of_date_after_a_change_of_people_or_its_settings(
    client: TestClient, keys: Any
) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    assert _freshness(client, owner)["breakouts"] is None
    doc = _run_breakouts(client, owner)
    event = client.get(EVENT, headers=owner)
    assert doc["inputs"] == event.json()["inputs"]["breakouts"]
    fresh = _freshness(client, owner)
    assert fresh["breakouts"]["stale"] is False
    assert fresh["breakouts"]["changed"] == []
    assert fresh["schedule"] is None

    # A new name or a pin does not make the rooms wrong.
    r = client.patch(EVENT, json={"name": "Renamed"}, headers={**owner, "If-Match": '"1"'})
    document = r.json()
    first_round = doc["rounds"][0]
    room = first_round["rooms"][0]
    pin = {"participant": room["people"][0]["participant"], "room": room["id"]}
    document["rules"]["pins"] = [{**pin, "round": first_round["id"]}]
    r = client.put(EVENT, json=document, headers={**owner, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text
    assert _freshness(client, owner)["breakouts"]["stale"] is False

    # Time slots are not a setting of the rooms.
    document = r.json()
    document["tables"] = 7
    r = client.put(EVENT, json=document, headers={**owner, "If-Match": r.headers["ETag"]})
    assert _freshness(client, owner)["breakouts"]["stale"] is False

    # A participant's details changed: out of date, because of the participants.
    document = r.json()
    document["participants"][0]["person"] = "Someone Else"
    r = client.put(EVENT, json=document, headers={**owner, "If-Match": r.headers["ETag"]})
    fresh = _freshness(client, owner)
    assert (fresh["breakouts"]["stale"], fresh["breakouts"]["changed"]) == (
        True,
        ["participants"],
    )

    # A room's seats changed as well: both parts.
    document = r.json()
    document["rooms"][0]["capacity"] += 1
    client.put(EVENT, json=document, headers={**owner, "If-Match": r.headers["ETag"]})
    assert _freshness(client, owner)["breakouts"]["changed"] == ["participants", "settings"]

    # A new run is up to date again.
    _run_breakouts(client, owner)
    assert _freshness(client, owner)["breakouts"]["stale"] is False


def test_fingerprints_tell_each_kind_its_own_settings() -> None:
    base = Event.model_validate(leuven_document())
    before = result_inputs(base)
    dumped = base.model_dump(mode="json", exclude_none=True)
    changes: dict[str, Any] = {
        "name": lambda d: d.update(name="Other"),
        "rooms": lambda d: d["rooms"].pop(),
        "tables": lambda d: d.update(tables=d.get("tables", 0) + 3),
        "max_per_country": lambda d: d["rules"].update(max_per_country=2),
        "min_meetings": lambda d: d["rules"].update(min_meetings=1),
    }
    expected = {
        "name": {"breakouts": [], "schedule": [], "pairs": []},
        "rooms": {"breakouts": ["settings"], "schedule": [], "pairs": []},
        "tables": {"breakouts": [], "schedule": ["settings"], "pairs": []},
        "max_per_country": {"breakouts": ["settings"], "schedule": [], "pairs": []},
        "min_meetings": {"breakouts": [], "schedule": ["settings"], "pairs": []},
    }
    for what, change in changes.items():
        document = {**dumped, "rules": dict(dumped["rules"]), "rooms": list(dumped["rooms"])}
        change(document)
        after = result_inputs(Event.model_validate(document))
        got = {kind: changed_parts(before[kind], after[kind]) for kind in before}
        assert got == expected[what], what
    assert changed_parts(None, before["pairs"]) is None
