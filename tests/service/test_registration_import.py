"""Registration exports through the API: the column mapping (proposed, changed by the organiser,
kept with the event), the upload (dry run, all or nothing, partial), templates and access.

``POST /api/events/{id}/participants/mapping`` proposes a field for each column and stores
nothing; ``POST /api/events/{id}/participants`` reads the file by the mapping sent, else the
event's stored one, else the proposed one, and keeps the mapping with the event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import FIXTURES, check_access, create_event
from matchmaker.io.registrations import validate_registrations

EXPORTS = FIXTURES / "exports"
B2MATCH = EXPORTS / "b2match-smart-industry.csv"
TWO_SHEETS = EXPORTS / "handmade-es-two-sheets.xlsx"
CVENT = EXPORTS / "cvent-mobility.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EVENT = {"id": "smart-industry", "name": "Smart industry days"}
PATH = f"/api/events/{EVENT['id']}"

# The flow runs on SQLite and PostgreSQL; the reading itself does not depend on the database.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

SMALL_HEADER = "First name,Last name,Organisation,Organisation type,Country\n"


def _upload(path: Path) -> dict[str, Any]:
    kind = XLSX if path.suffix == ".xlsx" else "text/csv"
    return {"file": (path.name, path.read_bytes(), kind)}


def _csv(text: str, name: str = "registrations.csv") -> dict[str, Any]:
    return {"file": (name, text.encode(), "text/csv")}


def _expected(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        path.with_name(path.name + ".expected.json").read_text(encoding="utf-8")
    )
    return doc


@pytest.fixture
def owner(client: TestClient, keys: Any) -> dict[str, str]:
    """The organiser's headers; the organiser owns the empty event ``smart-industry``."""
    headers: dict[str, str] = keys.headers("organiser")
    create_event(client, headers, dict(EVENT))
    return headers


def _state(client: TestClient, owner: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """The event's ETag and its participants."""
    r = client.get(f"{PATH}/participants", headers=owner)
    assert r.status_code == 200, r.text
    assert client.get(PATH, headers=owner).headers["ETag"] == r.headers["ETag"]
    items: list[dict[str, Any]] = r.json()["items"]
    return str(r.headers["ETag"]), items


def _columns(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["header"]: c for c in body["columns"]}


# --- the mapping step ----------------------------------------------------------------------


@SQLITE_ONLY
def test_mapping_proposes_a_field_for_each_column(
    client: TestClient, owner: dict[str, str]
) -> None:
    r = client.post(f"{PATH}/participants/mapping", files=_upload(B2MATCH), headers=owner)
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == '"1"'
    assert body["rows"] == 60
    assert body["header_row"] == 1
    assert body["file_format"] == "csv"
    assert body["sheets"] == []
    assert len(body["columns"]) == 16
    for c in body["columns"]:
        assert {"header", "samples", "field", "label", "confidence", "why"} <= c.keys()
        assert isinstance(c["samples"], list)
        assert len(c["samples"]) <= 5
        assert 0 < c["confidence"] <= 1
        assert c["why"]
    columns = _columns(body)
    assert columns["Marketplace - Offers"]["field"] == "offers"
    assert columns["Marketplace - Requests"]["field"] == "needs"
    assert columns["Marketplace - Requests"]["label"] == "Requests (needs)"
    assert columns["First Name"]["field"] == "first_name"
    assert columns["First Name"]["label"] == "First name"
    assert columns["First Name"]["samples"][:2] == ["Darius", "Pablo"]
    assert columns["Email"]["field"] == "email"
    assert columns["Organisation Type"]["field"] == "type"
    assert columns["Participation Type"]["field"] == "extra"
    # Every field to choose from, each with its label.
    fields = {f["field"]: f["label"] for f in body["fields"]}
    from matchmaker.models import REGISTRATION_FIELDS

    assert list(fields) == list(REGISTRATION_FIELDS)
    assert all(isinstance(label, str) and label for label in fields.values())
    assert fields["ignore"] == "Not used"
    # Nothing was stored.
    etag, items = _state(client, owner)
    assert etag == '"1"'
    assert items == []
    assert "registration_mapping" not in client.get(PATH, headers=owner).json()


@SQLITE_ONLY
def test_mapping_of_a_workbook_reads_the_sheet_of_participants(
    client: TestClient, owner: dict[str, str]
) -> None:
    r = client.post(f"{PATH}/participants/mapping", files=_upload(TWO_SHEETS), headers=owner)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sheets"] == ["Instrucciones", "Inscritos"]
    assert body["sheet"] == "Inscritos"
    assert body["file_format"] == "xlsx"
    assert body["rows"] == 30
    columns = _columns(body)
    assert columns["Correo electrónico"]["field"] == "email"
    assert columns["Entidad"]["field"] == "organisation"
    # A sheet named by the organiser is the one proposed for.
    r = client.post(
        f"{PATH}/participants/mapping",
        files=_upload(TWO_SHEETS),
        data={"sheet": "Instrucciones"},
        headers=owner,
    )
    assert r.status_code == 200, r.text
    chosen = r.json()
    assert chosen["sheet"] == "Instrucciones"
    assert chosen["sheets"] == ["Instrucciones", "Inscritos"]
    headers = [c["header"] for c in chosen["columns"]]
    assert headers[0].startswith("Jornada de cooperación empresarial")
    assert "Correo electrónico" not in headers
    # A sheet the workbook does not have is a problem naming the ones it has.
    r = client.post(
        f"{PATH}/participants/mapping",
        files=_upload(TWO_SHEETS),
        data={"sheet": "Hoja 3"},
        headers=owner,
    )
    body = assert_problem(r, 422, "invalid-input")
    assert "Instrucciones, Inscritos" in body["problems"][0]["message"]


# --- the upload --------------------------------------------------------------------------------


@SQLITE_ONLY
def test_a_dry_run_reports_who_would_be_added_and_stores_nothing(
    client: TestClient, owner: dict[str, str]
) -> None:
    r = client.post(
        f"{PATH}/participants",
        params={"dry_run": "true"},
        files=_upload(B2MATCH),
        headers={**owner, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True
    assert body["version"] == 1
    assert r.headers["ETag"] == '"1"'
    assert body["participants"] == 60
    assert body["organisations"] == 48
    assert body["problems"] == []
    assert body["rejected_rows"] == []
    assert len(body["changes"]["added"]) == 60
    assert body["changes"]["changed"] == []
    assert body["changes"]["removed"] == []
    first = body["changes"]["added"][0]
    assert first["person"] == "Darius Jankauskas"
    assert first["organisation"] == "Baltic Laser Technologies UAB"
    assert body["mapping"]["columns"]
    etag, items = _state(client, owner)
    assert etag == '"1"'
    assert items == []
    assert "registration_mapping" not in client.get(PATH, headers=owner).json()


def test_an_import_stores_the_participants_and_the_mapping(
    client: TestClient, owner: dict[str, str]
) -> None:
    path = f"{PATH}/participants"
    assert_problem(client.post(path, files=_upload(B2MATCH), headers=owner), 428)
    r = client.post(path, files=_upload(B2MATCH), headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == '"2"'
    assert body["version"] == 2
    assert "dry_run" not in body
    assert (body["participants"], body["organisations"]) == (60, 48)
    assert len(body["changes"]["added"]) == 60
    expected = _expected(B2MATCH)
    etag, items = _state(client, owner)
    assert etag == '"2"'
    assert len(items) == expected["participants"] == 60
    assert len({i["organisation"] for i in items}) == expected["organisations"] == 48
    for item, want in zip(items, expected["people"], strict=True):
        assert item["person"] == want["person"]
        assert item["organisation_name"] == want["organisation"]
        assert item["email"] == want["email"]
        assert item["job_title"] == want["job_title"]
        assert item["type"] == want["type"]
        assert item["country"] == want["country"]
        assert want["extra"].items() <= item["extra"].items(), (want["person"], item["extra"])
    assert items[0]["extra"]["Registration Date"] == "2025-02-03 20:44"
    assert items[0]["job_title"] == "Project Manager"
    # The event keeps how the file was read, for the next upload.
    event = client.get(PATH, headers=owner).json()
    assert len(event["organisations"]) == 48
    kept = {c["header"]: c["field"] for c in event["registration_mapping"]["columns"]}
    assert kept["Marketplace - Offers"] == "offers"
    assert kept["Participation Type"] == "extra"
    assert len(kept) == 16
    # The same file again changes no one.
    r = client.post(
        path,
        params={"dry_run": "true"},
        files=_upload(B2MATCH),
        headers={**owner, "If-Match": '"2"'},
    )
    assert r.status_code == 200, r.text
    changes = r.json()["changes"]
    assert (changes["added"], changes["removed"], changes["changed"]) == ([], [], [])
    assert _state(client, owner)[0] == '"2"'
    # The list downloads as a registration sheet that reads back as it was imported.
    for fmt in ("csv", "xlsx"):
        r = client.get(f"{PATH}/participants.{fmt}", headers=owner)
        assert r.status_code == 200, r.text
        assert r.headers["ETag"] == '"2"'
        assert f'smart-industry-participants.{fmt}"' in r.headers["Content-Disposition"]
        again = validate_registrations(r.content, name=f"list.{fmt}")
        assert again.problems == []
        assert [(p.person, p.email, p.job_title) for p in again.participants] == [
            (i["person"], i["email"], i["job_title"]) for i in items
        ]
        assert [p.extra for p in again.participants] == [i["extra"] for i in items]


@SQLITE_ONLY
def test_the_organisers_mapping_is_kept_for_the_next_upload(
    client: TestClient, owner: dict[str, str]
) -> None:
    proposal = client.post(
        f"{PATH}/participants/mapping", files=_upload(B2MATCH), headers=owner
    ).json()
    for c in proposal["columns"]:
        if c["header"] == "Participation Type":
            c["field"] = "ignore"
    r = client.post(
        f"{PATH}/participants",
        files=_upload(B2MATCH),
        data={"mapping": json.dumps(proposal)},
        headers={**owner, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert _columns(r.json()["mapping"])["Participation Type"]["field"] == "ignore"
    _, items = _state(client, owner)
    assert len(items) == 60
    assert all("Participation Type" not in i["extra"] for i in items)
    assert all("Registration Date" in i["extra"] for i in items)
    # The mapping step, sent no mapping, gives the choice made before.
    r = client.post(f"{PATH}/participants/mapping", files=_upload(B2MATCH), headers=owner)
    assert r.status_code == 200, r.text
    column = _columns(r.json())["Participation Type"]
    assert (column["field"], column["why"], column["confidence"]) == (
        "ignore",
        "as chosen before",
        1.0,
    )
    # An upload without a mapping reads by the stored one.
    r = client.post(
        f"{PATH}/participants",
        files=_upload(B2MATCH),
        headers={**owner, "If-Match": '"2"'},
    )
    assert r.status_code == 200, r.text
    _, items = _state(client, owner)
    assert all("Participation Type" not in i["extra"] for i in items)


@SQLITE_ONLY
def test_an_unplaceable_type_is_refused_until_the_organiser_places_it(
    client: TestClient, owner: dict[str, str]
) -> None:
    text = SMALL_HEADER + "Anna,Nowak,Stammtisch Nord,Stammtisch,Germany\nBen,Ode,Acme,SME,France\n"
    path = f"{PATH}/participants"
    r = client.post(path, files=_csv(text), headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 422, "invalid-input")
    assert "nothing was imported" in body["detail"]
    assert len(body["problems"]) == 1
    problem = body["problems"][0]
    assert (problem["row"], problem["field"], problem["value"]) == (
        2,
        "Organisation type",
        "Stammtisch",
    )
    assert "'Stammtisch' is not one the product can place" in problem["message"]
    assert "network" in problem["message"]  # the types to choose from
    etag, items = _state(client, owner)
    assert (etag, items) == ('"1"', [])
    # The organiser places the value; the upload goes in, and the choice is kept.
    mapping = {"values": {"type": {"Stammtisch": "network"}}}
    r = client.post(
        path,
        files=_csv(text),
        data={"mapping": json.dumps(mapping)},
        headers={**owner, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["problems"] == []
    _, items = _state(client, owner)
    types = {i["organisation_name"]: i["type"] for i in items}
    assert types == {"Stammtisch Nord": "network", "Acme": "sme"}
    event = client.get(PATH, headers=owner).json()
    assert event["registration_mapping"]["values"] == {"type": {"Stammtisch": "network"}}
    r = client.post(
        path,
        params={"dry_run": "true"},
        files=_csv(text),
        headers={**owner, "If-Match": '"2"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["problems"] == []


@SQLITE_ONLY
def test_partial_imports_the_valid_rows_and_lists_the_others(
    client: TestClient, owner: dict[str, str]
) -> None:
    text = (
        SMALL_HEADER
        + "Anna,Nowak,Alpha Cluster,Cluster,Germany\n"
        + "Ben,Ode,Beta Labs,SME,Atlantis\n"
        + "Cy,Zed,Gamma University,University,France\n"
    )
    path = f"{PATH}/participants"
    r = client.post(path, files=_csv(text), headers={**owner, "If-Match": '"1"'})
    body = assert_problem(r, 422, "invalid-input")
    assert [p["row"] for p in body["problems"]] == [3]
    assert _state(client, owner) == ('"1"', [])
    r = client.post(
        path,
        params={"partial": "true"},
        files=_csv(text),
        headers={**owner, "If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rejected_rows"] == [3]
    assert body["rows"] == 3
    assert (body["participants"], body["organisations"]) == (2, 2)
    [problem] = body["problems"]
    assert (problem["row"], problem["field"], problem["value"]) == (3, "Country", "Atlantis")
    assert "not a country the product can place" in problem["message"]
    etag, items = _state(client, owner)
    assert etag == '"2"'
    assert [(i["person"], i["country"]) for i in items] == [("Anna Nowak", "DE"), ("Cy Zed", "FR")]


@SQLITE_ONLY
def test_two_columns_for_one_field_are_refused(client: TestClient, owner: dict[str, str]) -> None:
    text = SMALL_HEADER + "Anna,Nowak,Alpha Cluster,Cluster,Germany\n"
    mapping = {
        "columns": [
            {"header": "First name", "field": "email"},
            {"header": "Last name", "field": "email"},
        ]
    }
    for url in (f"{PATH}/participants", f"{PATH}/participants?partial=true"):
        r = client.post(
            url,
            files=_csv(text),
            data={"mapping": json.dumps(mapping)},
            headers={**owner, "If-Match": '"1"'},
        )
        body = assert_problem(r, 422, "invalid-input")
        messages = [p["message"] for p in body["problems"]]
        assert any(
            "'First name'" in m and "'Last name'" in m and "both give the e-mail" in m
            for m in messages
        ), messages
    assert _state(client, owner) == ('"1"', [])


@SQLITE_ONLY
def test_an_invalid_mapping_names_the_fields(client: TestClient, owner: dict[str, str]) -> None:
    text = SMALL_HEADER + "Anna,Nowak,Alpha Cluster,Cluster,Germany\n"
    mapping = {"columns": [{"header": "First name", "field": "given_name"}]}
    for url in (f"{PATH}/participants", f"{PATH}/participants/mapping"):
        r = client.post(
            url,
            files=_csv(text),
            data={"mapping": json.dumps(mapping)},
            headers={**owner, "If-Match": '"1"'},
        )
        body = assert_problem(r, 422, "invalid-input")
        [problem] = body["problems"]
        assert problem["field"] == "columns.0.field"
        assert problem["value"] == "given_name"
        assert "fields: participant, first_name, last_name" in problem["message"]
        assert "extra, ignore" in problem["message"]
    # A mapping that is not JSON at all is a problem too, never a server error.
    r = client.post(
        f"{PATH}/participants",
        files=_csv(text),
        data={"mapping": "{not json"},
        headers={**owner, "If-Match": '"1"'},
    )
    body = assert_problem(r, 422, "invalid-input")
    assert "not JSON" in body["detail"]
    assert _state(client, owner) == ('"1"', [])


# --- templates -------------------------------------------------------------------------------


@SQLITE_ONLY
def test_templates_read_back_as_one_valid_participant(client: TestClient, keys: Any) -> None:
    headers = keys.headers("organiser")
    types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": XLSX,
    }
    for fmt, kind in types.items():
        r = client.get(f"/api/templates/registrations.{fmt}", headers=headers)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == kind
        assert f'filename="registrations-template.{fmt}"' in r.headers["content-disposition"]
        if fmt == "xlsx":
            assert r.content[:2] == b"PK"
            continue
        report = validate_registrations(r.content, name=f"registrations-template.{fmt}")
        assert report.problems == []
        assert len(report.participants) == 1
        person = report.participants[0]
        assert (person.person, person.email, person.job_title) == (
            "Anna Nowak",
            "anna.nowak@example.org",
            "Innovation manager",
        )
        assert report.organisations[0].type.value == "cluster"
        assert report.organisations[0].region == "PL71"
    assert_problem(client.get("/api/templates/registrations.csv"), 401)
    assert_problem(client.get("/api/templates/registrations.pdf", headers=headers), 422)


# --- access ----------------------------------------------------------------------------------


@SQLITE_ONLY
def test_only_the_owner_maps_and_uploads(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, dict(EVENT))
    text = SMALL_HEADER + "Anna,Nowak,Alpha Cluster,Cluster,Germany\n"
    check_access(client, keys, "POST", f"{PATH}/participants/mapping", files=_csv(text))
    check_access(
        client,
        keys,
        "POST",
        f"{PATH}/participants",
        files=_csv(text),
        headers={"If-Match": '"1"'},
    )
    # An event that does not exist is 404, for its owner too.
    for url in ("/api/events/nope/participants/mapping", "/api/events/nope/participants"):
        r = client.post(url, files=_csv(text), headers={**owner, "If-Match": '"1"'})
        assert_problem(r, 404, "not-found")
    # An admin may map any event; nothing was changed by the refused requests.
    r = client.post(f"{PATH}/participants/mapping", files=_csv(text), headers=keys.headers("admin"))
    assert r.status_code == 200, r.text
    assert _state(client, owner) == ('"1"', [])


# --- a kept mapping and another workbook ----------------------------------------------------


@SQLITE_ONLY
def test_a_stored_sheet_name_does_not_block_another_workbook(
    client: TestClient, owner: dict[str, str]
) -> None:
    r = client.post(
        f"{PATH}/participants", files=_upload(TWO_SHEETS), headers={**owner, "If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    assert client.get(PATH, headers=owner).json()["registration_mapping"]["sheet"] == "Inscritos"
    r = client.post(f"{PATH}/participants/mapping", files=_upload(CVENT), headers=owner)
    assert r.status_code == 200, r.text
    assert r.json()["sheet"] == "Attendee List"
