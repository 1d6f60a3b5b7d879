"""/api/events: create, list, read, replace, delete; participants; roles and versions."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import check_access, create_event, leuven_document
from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.errors import InvalidInputError
from matchmaker.io import read_event

SMALL = {"id": "workshop-1", "name": "Cluster workshop"}

# Slow or database-independent paths run on SQLite only; the flow and the versions on both.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_create_read_list_as_owner(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    r = client.post("/api/events", json=leuven_document(), headers=owner)
    assert r.status_code == 201
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == "/api/events/leuven-2018"
    body = r.json()
    assert body["version"] == 1
    assert body["owner"] == "org-a"
    assert len(body["participants"]) == 32
    r = client.get("/api/events/leuven-2018", headers=owner)
    assert r.status_code == 200
    assert r.headers["ETag"] == '"1"'
    assert r.json()["rooms"][0]["id"] == "wg1"
    items = client.get("/api/events", headers=owner).json()["items"]
    assert [(e["id"], e["participants"], e["rooms"], e["rounds"], e["version"]) for e in items] == [
        ("leuven-2018", 32, 3, 2, 1)
    ]


def test_organisers_see_their_own_events_admins_all(client: TestClient, keys: Any) -> None:
    create_event(client, keys.headers("organiser"), {"id": "a-1", "name": "A"})
    create_event(client, keys.headers("organiser", "org-b"), {"id": "b-1", "name": "B"})
    create_event(client, keys.headers("admin"), {"id": "admin-1", "name": "C"})

    def ids(headers: dict[str, str]) -> list[str]:
        r = client.get("/api/events", headers=headers)
        assert r.status_code == 200
        return [e["id"] for e in r.json()["items"]]

    assert ids(keys.headers("organiser")) == ["a-1"]
    assert ids(keys.headers("organiser", "org-b")) == ["b-1"]
    assert ids(keys.headers("admin")) == ["a-1", "admin-1", "b-1"]
    # The admin reads, changes and deletes any event.
    admin = keys.headers("admin")
    r = client.get("/api/events/a-1", headers=admin)
    assert r.status_code == 200
    r = client.put(
        "/api/events/a-1", json={**SMALL, "id": "a-1"}, headers={**admin, "If-Match": '"1"'}
    )
    assert r.status_code == 200
    assert r.json()["owner"] == "org-a"  # the owner stays
    assert client.delete("/api/events/a-1", headers={**admin, "If-Match": '"2"'}).status_code == 204


@SQLITE_ONLY
def test_access_of_every_event_endpoint(client: TestClient, keys: Any) -> None:
    create_event(client, keys.headers("organiser"), dict(SMALL))
    path = f"/api/events/{SMALL['id']}"
    check_access(client, keys, "POST", "/api/events", json=SMALL, event_scoped=False)
    check_access(client, keys, "GET", "/api/events", event_scoped=False)
    check_access(client, keys, "GET", path)
    check_access(client, keys, "PUT", path, json=SMALL, headers={"If-Match": '"1"'})
    check_access(client, keys, "PATCH", path, json={"name": "N"}, headers={"If-Match": '"1"'})
    check_access(client, keys, "POST", f"{path}/duplicate", json={"id": "copy-1"})
    check_access(client, keys, "GET", f"{path}/freshness")
    check_access(client, keys, "DELETE", path, headers={"If-Match": '"1"'})
    check_access(client, keys, "GET", f"{path}/participants")
    upload = {"file": ("r.csv", b"participant,organisation\n", "text/csv")}
    check_access(
        client, keys, "POST", f"{path}/participants", files=upload, headers={"If-Match": '"1"'}
    )
    # Nothing was changed by the refused requests.
    r = client.get(path, headers=keys.headers("organiser"))
    assert r.headers["ETag"] == '"1"'


def test_replace_needs_the_version_read(client: TestClient, keys: Any, db_url: str) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, dict(SMALL))
    path = f"/api/events/{SMALL['id']}"
    changed = {**SMALL, "name": "Renamed", "tables": 4}
    assert_problem(client.put(path, json=changed, headers=owner), 428, "precondition-required")
    r = client.put(path, json=changed, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200
    assert r.headers["ETag"] == '"2"'
    assert r.json()["name"] == "Renamed"
    # Someone else's change in between: 412 naming both versions; nothing changed.
    body = assert_problem(
        client.put(path, json={**SMALL, "name": "Stale"}, headers={**owner, "If-Match": '"1"'}),
        412,
        "version-conflict",
    )
    assert "version 2" in body["detail"]
    assert "sent 1" in body["detail"]
    assert client.get(path, headers=owner).json()["name"] == "Renamed"
    # A document read with GET goes back as it is (the service's fields are ignored).
    read = client.get(path, headers=owner).json()
    r = client.put(path, json=read, headers={**owner, "If-Match": '"2"'})
    assert r.status_code == 200
    assert r.json()["version"] == 3
    assert_problem(
        client.put(path, json=read, headers={**owner, "If-Match": "nonsense"}),
        412,
        "version-conflict",
    )


def test_delete_needs_the_version(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, dict(SMALL))
    path = f"/api/events/{SMALL['id']}"
    assert_problem(client.delete(path, headers=owner), 428, "precondition-required")
    assert_problem(client.delete(path, headers={**owner, "If-Match": '"7"'}), 412)
    assert client.delete(path, headers={**owner, "If-Match": '"1"'}).status_code == 204
    assert_problem(client.get(path, headers=owner), 404, "not-found")
    assert_problem(client.delete(path, headers={**owner, "If-Match": '"1"'}), 404, "not-found")


@SQLITE_ONLY
def test_an_invalid_event_gets_the_command_lines_problems(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    doc = leuven_document()
    doc["participants"][3]["seats"] = 0
    doc["rooms"][0]["capacity"] = "many"
    body = assert_problem(client.post("/api/events", json=doc, headers=owner), 422, "invalid-input")

    with pytest.raises(InvalidInputError) as cli:
        read_event(json.dumps(doc).encode())
    expected = [
        {"row": p.row, "field": p.column, "value": p.value, "message": p.message}
        for p in cli.value.problems
    ]
    assert body["problems"] == expected
    fields = {p["field"] for p in body["problems"]}
    assert {"participants[3].seats", "rooms[0].capacity"} <= fields
    # A reference to nothing is named too (once the fields are valid).
    doc = leuven_document()
    doc["rules"]["pins"] = [{"participant": "P01", "room": "nowhere"}]
    body = assert_problem(client.post("/api/events", json=doc, headers=owner), 422, "invalid-input")
    assert any("room 'nowhere'" in p["message"] for p in body["problems"])
    assert client.get("/api/events", headers=owner).json()["items"] == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"name": "no id"},
        {"id": "bad id!", "name": "x"},
        {"id": "x", "name": "x", "y": 1},
    ],
)
@SQLITE_ONLY
def test_malformed_events_are_422_never_500(client: TestClient, keys: Any, payload: Any) -> None:
    r = client.post("/api/events", json=payload, headers=keys.headers("organiser"))
    assert_problem(r, 422, "invalid-input")


@SQLITE_ONLY
def test_an_existing_id_is_a_conflict(client: TestClient, keys: Any) -> None:
    create_event(client, keys.headers("organiser"), dict(SMALL))
    r = client.post("/api/events", json=SMALL, headers=keys.headers("organiser", "org-b"))
    assert_problem(r, 409)


@SQLITE_ONLY
def test_put_must_keep_the_id(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, dict(SMALL))
    r = client.put(
        "/api/events/workshop-1",
        json={**SMALL, "id": "other"},
        headers={**owner, "If-Match": '"1"'},
    )
    body = assert_problem(r, 422, "invalid-input")
    assert body["problems"][0]["field"] == "id"


@SQLITE_ONLY
def test_unknown_events_are_404(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    for path in ("/api/events/nope", "/api/events/nope/participants", "/api/events/..%2Fx"):
        assert_problem(client.get(path, headers=owner), 404)


@SQLITE_ONLY
def test_participants_list(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    r = client.get("/api/events/leuven-2018/participants", headers=owner)
    assert r.status_code == 200
    assert r.headers["ETag"] == '"1"'
    items = r.json()["items"]
    assert len(items) == 32
    first = items[0]
    assert first["id"] == "P01"
    assert first["organisation_name"] == "Kemin Digipolis Oy"
    assert first["country"] == "FI"
    assert first["type"] == "sme"


# --- participants upload (the registration list reader) -----------------------------------------

REGISTRATIONS = DEMO_DATA / "leuven-2018" / "registrations.csv"
BAD_REGISTRATIONS = DEMO_DATA / "leuven-2018" / "registrations-bad.csv"


def _reader() -> Any:
    import matchmaker.io as mio

    reader = getattr(mio, "read_registrations", None)
    if reader is None or not REGISTRATIONS.is_file():
        pytest.skip("the registration list reader and its fixture are not in this build")
    return reader


def test_upload_replaces_participants_and_organisations(client: TestClient, keys: Any) -> None:
    reader = _reader()
    owner = keys.headers("organiser")
    doc = leuven_document()
    doc["participants"] = doc["participants"][:3]
    doc["participants"].append(
        {"id": "X99", "organisation": doc["participants"][0]["organisation"]}
    )
    doc["organisations"] = [
        o
        for o in doc["organisations"]
        if o["id"] in {p["organisation"] for p in doc["participants"]}
    ]
    doc["rules"]["pins"] = [
        {"participant": "P01", "room": "wg1"},
        {"participant": "X99", "room": "wg2"},
    ]
    doc["rules"]["keep_apart"] = [["P01", "P02", "X99"], ["P03", "X99"]]
    create_event(client, owner, doc)
    data = REGISTRATIONS.read_bytes()
    path = "/api/events/leuven-2018/participants"
    files = {"file": ("registrations.csv", data, "text/csv")}
    assert_problem(client.post(path, files=files, headers=owner), 428)
    r = client.post(path, files=files, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"'
    expected = reader(REGISTRATIONS)
    body = r.json()
    assert body["participants"] == len(expected.participants)
    assert body["organisations"] == len(expected.organisations)
    event = client.get("/api/events/leuven-2018", headers=owner).json()
    assert [p["id"] for p in event["participants"]] == [p.id for p in expected.participants]
    assert event["rooms"] == doc["rooms"]
    # Rules lose the people who are no longer registered, and the answer says so.
    assert event["rules"]["pins"] == [{"participant": "P01", "room": "wg1"}]
    assert event["rules"]["keep_apart"] == [["P01", "P02"]]
    notes = [w["message"] for w in body["warnings"]]
    assert any("'X99'" in n and "pin" in n for n in notes)
    assert any("keep_apart" in n and "removed" in n for n in notes)
    assert any("keep_apart" in n and "shortened" in n for n in notes)


@SQLITE_ONLY
def test_a_bad_upload_lists_the_rows_and_changes_nothing(client: TestClient, keys: Any) -> None:
    reader = _reader()
    if not BAD_REGISTRATIONS.is_file():
        pytest.skip("registrations-bad.csv is not in this build")
    owner = keys.headers("organiser")
    create_event(client, owner, leuven_document())
    files = {"file": ("registrations-bad.csv", BAD_REGISTRATIONS.read_bytes(), "text/csv")}
    r = client.post(
        "/api/events/leuven-2018/participants", files=files, headers={**owner, "If-Match": '"1"'}
    )
    body = assert_problem(r, 422, "invalid-input")
    with pytest.raises(InvalidInputError) as cli:
        reader(BAD_REGISTRATIONS)
    assert [p["message"] for p in body["problems"]] == [p.message for p in cli.value.problems]
    assert all(p["row"] is not None for p in body["problems"] if p["field"])
    r = client.get("/api/events/leuven-2018", headers=owner)
    assert r.headers["ETag"] == '"1"'
    assert len(r.json()["participants"]) == 32


@SQLITE_ONLY
def test_upload_of_garbage_is_422(client: TestClient, keys: Any) -> None:
    _reader()
    owner = keys.headers("organiser")
    create_event(client, owner, dict(SMALL))
    for name, data in (("x.csv", b""), ("x.xlsx", b"PK\x03\x04 not a zip"), ("x.json", b"{")):
        files = {"file": (name, io.BytesIO(data), "application/octet-stream")}
        r = client.post(
            "/api/events/workshop-1/participants", files=files, headers={**owner, "If-Match": '"1"'}
        )
        assert_problem(r, 422, "invalid-input")
