"""The organiser downloads every export from the page and opens it: workbooks with names,
date cells, frozen and filtered headers; calendars named after people; printable pages of
every agenda and of every room of a round."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import icalendar
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from matchmaker.demo import DATA as DEMO_DATA

if TYPE_CHECKING:
    from e2e.conftest import Server

EVENT = "exports-e2e"
PEOPLE = 40
CET = "+01:00"
# A name with characters a sheet name and a file name cannot hold as they are.
ODD_NAME = "José Ñúñez / Lda: [chair]"


def _document() -> dict[str, Any]:
    """The first 40 participants of the brokerage event, its slots at UTC+01:00, 8 tables,
    three rooms and two rounds (the first at 14:00)."""
    doc = dict(json.loads((DEMO_DATA / "brokerage" / "event.json").read_text(encoding="utf-8")))
    doc["id"], doc["name"] = EVENT, "Exports, end to end"
    doc["participants"] = doc["participants"][:PEOPLE]
    doc["participants"][0]["person"] = ODD_NAME
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for p in doc["participants"]:
        p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
    for slot in doc["slots"]:
        slot["start"] += CET
        slot["end"] += CET
    doc["tables"] = 8
    doc["rooms"] = [
        {"id": f"room-{k}", "name": name, "capacity": 16}
        for k, name in enumerate(["Salle Bruxelles", "Sala Lisboa", "Raum Wien"], start=1)
    ]
    doc["rounds"] = [
        {"id": "R1", "name": "Morning round", "start": f"2025-03-18T14:00:00{CET}"},
        {"id": "R2", "name": "Afternoon: wrap-up"},
    ]
    return doc


def _wait(http: Any, job: dict[str, Any]) -> None:
    deadline = time.monotonic() + 90
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = http.get(f"/api/jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job


@pytest.fixture(scope="module")
def planned(server: Server) -> dict[str, Any]:
    """The event, planned through the API: a schedule and an allocation."""
    doc = _document()
    with server.client() as http:
        made = http.post("/api/events", json=doc)
        assert made.status_code == 201, made.text
        for kind in ("schedule", "breakouts"):
            started = http.post(f"/api/events/{EVENT}/{kind}", json={"seed": 0, "time_limit": 0.3})
            assert started.status_code == 202, started.text
            _wait(http, started.json()["job"])
        schedule = http.get(f"/api/events/{EVENT}/schedule").json()
        rooms = http.get(f"/api/events/{EVENT}/breakouts").json()
    return {"event": doc, "schedule": schedule, "breakouts": rooms}


def _download(page: Page, name: str | re.Pattern[str]) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=name).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _check_layout(ws: Any) -> int:
    """The header row is frozen, filtered and its columns sized; returns its row number."""
    assert ws.freeze_panes is not None, ws.title
    header_row = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
    assert str(ws.auto_filter.ref).startswith(f"A{header_row}:"), ws.title
    assert ws.column_dimensions["A"].width >= 8
    return header_row


def test_meeting_exports_from_the_page(
    page: Page, server: Server, sign_in: Any, planned: dict[str, Any]
) -> None:
    schedule = planned["schedule"]
    people = {a["participant"]: a for a in schedule["agendas"]}
    sign_in(page, server.organiser_key)
    page.goto(f"/#/event/{EVENT}/meetings")
    expect(page.get_by_role("button", name="Agendas (XLSX)")).to_be_visible()

    # Every agenda: a long table, then a sheet named after each person.
    name, data = _download(page, "Agendas (XLSX)")
    assert name == f"{EVENT}-agendas.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[0] == "All meetings"
    assert len(book.sheetnames) == 1 + PEOPLE
    assert "José Ñúñez _ Lda_ _chair_" in book.sheetnames
    every = book["All meetings"]
    header_row = _check_layout(every)
    header = [c.value for c in every[header_row]]
    assert header[:4] == ["Person", "Organisation", "Start (UTC+01:00)", "End (UTC+01:00)"]
    rows = list(every.iter_rows(min_row=header_row + 1))
    assert {r[0].value for r in rows} == {a["person"] for a in people.values()}
    assert all(r[0].data_type == "s" and r[1].value for r in rows)
    for cell in (r[k] for r in rows for k in (2, 3)):
        assert cell.is_date
        assert isinstance(cell.value, dt.datetime)
        assert cell.number_format == "yyyy-mm-dd hh:mm"
    # 09:00 at the venue is written as 09:00, not as the UTC 08:00.
    first_slot = schedule["slots"][0]
    assert dt.datetime(2025, 3, 18, 9, 0) in {r[2].value for r in rows}
    assert first_slot["start"].startswith("2025-03-18T09:00")
    odd = book["José Ñúñez _ Lda_ _chair_"]
    assert odd["A1"].value.startswith(f"{ODD_NAME}, ")

    # The grid: slots down, tables across, times as dates.
    name, data = _download(page, "Grid (XLSX)")
    grid = openpyxl.load_workbook(io.BytesIO(data))["Schedule"]
    assert _check_layout(grid) == 1
    assert grid.freeze_panes == "D2"
    assert grid["B2"].is_date
    meetings = [c.value for row in grid.iter_rows(min_row=2, min_col=4) for c in row if c.value]
    assert len(meetings) == len(schedule["meetings"])

    # Calendars, one per person, named after the person and their organisation.
    name, data = _download(page, "Every calendar (ZIP of ICS)")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert len(names) == PEOPLE

    # '/' and ':' cannot be in a file name; a name cannot end in a dot ("sp. z o.o.").
    def file_of(a: dict[str, Any]) -> str:
        stem = f"{a['person']} - {a['organisation_name']}"
        return stem.replace("/", "_").replace(":", "_").rstrip(". ") + ".ics"

    assert set(names) == {file_of(a) for a in people.values()}
    for entry in names:
        cal = icalendar.Calendar.from_ical(archive.read(entry))
        assert str(cal["VERSION"]) == "2.0"
    busiest = max(people.values(), key=lambda a: len(a["meetings"]))
    # By person and organisation: two people of the demo share a name.
    mine = file_of(busiest)
    events = list(icalendar.Calendar.from_ical(archive.read(mine)).walk("VEVENT"))
    assert len(events) == len(busiest["meetings"]) > 0

    # The printable agendas: one section per person, a page break after each.
    name, data = _download(page, "Every agenda, to print (HTML)")
    assert name == f"{EVENT}-agendas.html"
    printable = data.decode("utf-8")
    assert printable.count('<section class="agenda">') == PEOPLE
    assert "break-after: page" in printable
    assert "José Ñúñez / Lda: [chair]" in printable

    # One person's calendar from their agenda, named after them.
    page.get_by_label("Participant", exact=True).select_option(value=busiest["participant"])
    name, data = _download(page, re.compile(r"^Calendar of .* \(ICS\)$"))
    assert name == mine
    assert len(list(icalendar.Calendar.from_ical(data).walk("VEVENT"))) == len(events)


def test_room_exports_from_the_page(
    page: Page, server: Server, sign_in: Any, planned: dict[str, Any]
) -> None:
    rooms = planned["breakouts"]
    sign_in(page, server.organiser_key)
    page.goto(f"/#/event/{EVENT}/breakouts")
    expect(page.get_by_role("button", name="Room lists (XLSX)")).to_be_visible()

    name, data = _download(page, "Room lists (XLSX)")
    assert name == f"{EVENT}-rooms.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["All rounds", "Morning round", "Afternoon_ wrap-up"]
    room_names = {"Salle Bruxelles", "Sala Lisboa", "Raum Wien"}
    persons = {a["person"] for a in planned["schedule"]["agendas"]}
    for ws in book.worksheets:
        header_row = _check_layout(ws)
        header = [c.value for c in ws[header_row]]
        assert header[:4] == ["Round", "Start (UTC+01:00)", "Room", "Person"]
        rows = list(ws.iter_rows(min_row=header_row + 1))
        assert rows
        assert {r[2].value for r in rows} <= room_names
        assert {r[3].value for r in rows} <= persons
        for r in rows:
            if r[0].value == "Morning round":
                assert r[1].is_date
                assert r[1].value == dt.datetime(2025, 3, 18, 14, 0)
            else:
                assert r[0].value == "Afternoon: wrap-up"
                assert r[1].value is None
    assert book["All rounds"].max_row == 1 + 2 * PEOPLE

    # Every room of a round on one printable page, a page break after each room.
    name, data = _download(page, "Print every room of Morning round (HTML)")
    assert name == f"{EVENT}-R1-rooms.html"
    printable = data.decode("utf-8")
    assert printable.count('<section class="room">') == 3
    assert "break-after: page" in printable
    first = next(r for r in rooms["rounds"] if r["id"] == "R1")
    for room in first["rooms"]:
        assert f"<h1>{room['name']}</h1>" in printable
        for person in room["people"]:
            assert person["organisation_name"].replace("&", "&amp;") in printable
