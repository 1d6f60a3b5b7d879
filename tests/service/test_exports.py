"""Every download of a schedule and of breakout rooms, through the API, opened and checked:
names (never only ids), date cells in the event's wall-clock time, the time zone named, frozen
and filtered headers, sheets named after people and rounds, calendars named after people,
printable pages of every agenda and of every room of a round."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import re
import zipfile
from typing import Any

import icalendar
import openpyxl
import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import BROKERAGE, create_event, leuven_document
from matchmaker.io import read_event
from matchmaker.plan.breakouts import plan_breakouts
from matchmaker.plan.documents import allocation_document, schedule_document
from matchmaker.plan.meetings import plan_schedule

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PEOPLE = 30
SCHEDULE = "/api/events/brokerage-b2b/schedule"
ROOMS = "/api/events/leuven-2018/breakouts"


def _brokerage() -> dict[str, Any]:
    """The first 30 participants of the brokerage event, its slots at UTC+01:00."""
    doc = dict(json.loads(BROKERAGE.read_text(encoding="utf-8")))
    doc["participants"] = doc["participants"][:PEOPLE]
    orgs = {p["organisation"] for p in doc["participants"]}
    doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
    for p in doc["participants"]:
        p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
    for slot in doc["slots"]:
        slot["start"] += "+01:00"
        slot["end"] += "+01:00"
    return doc


def _leuven() -> dict[str, Any]:
    """The Leuven workshop, its first round starting at 14:00 (UTC+02:00)."""
    doc = leuven_document()
    doc["rounds"][0]["start"] = "2018-06-20T14:00:00+02:00"
    return doc


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """A schedule of the brokerage event and an allocation of Leuven, made once."""
    event = read_event(json.dumps(_brokerage()).encode())
    result, matrices = plan_schedule(event, seed=0, time_limit=0.2)
    schedule = schedule_document(
        event, result, matrices, preset="business", event_version=1, seed=0
    )
    plan = plan_breakouts(read_event(json.dumps(_leuven()).encode()), seed=1, time_limit=0.3)
    rooms = allocation_document(plan, preset="business", event_version=1, seed=1, time_limit=0.3)
    return {
        "schedule": json.loads(json.dumps(schedule)),
        "breakouts": json.loads(json.dumps(rooms)),
    }


@pytest.fixture
def owner(client: TestClient, keys: Any, results: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = keys.headers("organiser")
    create_event(client, headers, _brokerage())
    create_event(client, headers, _leuven())
    store = client.app.state.store  # type: ignore[attr-defined]
    for event_id, kind in (("brokerage-b2b", "schedule"), ("leuven-2018", "breakouts")):
        store.save_result(event_id, kind, copy.deepcopy(results[kind]), event_version=1)
    return headers


def _get(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    r = client.get(path, headers=headers)
    assert r.status_code == 200, (path, r.text[:300])
    return r


def _people(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Participant id -> (person, organisation's name), from a result document."""
    return {
        a["participant"]: (a["person"] or a["participant"], a["organisation_name"])
        for a in doc["agendas"]
    }


def _sheet(ws: Any) -> tuple[int, list[str], list[list[Any]]]:
    """The header row number, the header, and the rows under it, with the layout checked."""
    pane = ws.freeze_panes
    assert pane is not None, ws.title
    header_row = int(re.sub(r"\D", "", pane)) - 1
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = [str(v) for v in rows[header_row - 1]]
    assert ws.auto_filter.ref is not None
    assert ws.auto_filter.ref.startswith(f"A{header_row}:"), ws.title
    assert all(ws.column_dimensions[c].width >= 8 for c in "ABCDE"[: len(header)])
    return header_row, header, rows[header_row:]


@SQLITE_ONLY
def test_agendas_workbook(
    client: TestClient, owner: dict[str, str], results: dict[str, Any]
) -> None:
    doc = results["schedule"]
    people = _people(doc)
    r = _get(client, f"{SCHEDULE}/agendas.xlsx", owner)
    assert 'filename="brokerage-b2b-agendas.xlsx"' in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    names = [person for person, _ in people.values()]
    assert book.sheetnames[0] == "All meetings"
    assert [n[:31] for n in names] == [s.split("~")[0] for s in book.sheetnames[1:]]

    _, header, rows = _sheet(book["All meetings"])
    assert header[:4] == ["Person", "Organisation", "Start (UTC+01:00)", "End (UTC+01:00)"]
    meetings = [row for row in rows if row[4] == "meeting"]
    assert len(meetings) == 2 * len(doc["meetings"])
    assert {(row[0], row[1]) for row in rows} <= set(people.values())
    first = doc["meetings"][0]
    a, b = first["participants"]
    start = dt.datetime.fromisoformat(
        next(s for s in doc["slots"] if s["id"] == first["slot"])["start"]
    )
    mine = [row for row in meetings if row[0] == people[a][0] and row[6] == people[b][0]]
    assert len(mine) == 1
    # The wall clock of the event (09:00 at UTC+01:00 is 09:00), as a date cell.
    assert mine[0][2] == start.replace(tzinfo=None)
    assert mine[0][7] == people[b][1]

    sheet = book.worksheets[1]
    pid = next(iter(people))
    header_row, header, rows = _sheet(sheet)
    intro = sheet.cell(row=1, column=1).value
    assert intro == f"{people[pid][0]}, {people[pid][1]}"
    assert "times are local, UTC+01:00" in str(sheet.cell(row=2, column=1).value)
    cell = sheet.cell(row=header_row + 1, column=1)
    assert cell.is_date
    assert cell.number_format == "yyyy-mm-dd hh:mm"
    assert isinstance(cell.value, dt.datetime)


@SQLITE_ONLY
def test_agendas_csv_page_grid_and_calendars(
    client: TestClient, owner: dict[str, str], results: dict[str, Any]
) -> None:
    doc = results["schedule"]
    people = _people(doc)

    text = _get(client, f"{SCHEDULE}/agendas.csv", owner).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(row["participant"], row["participant_organisation"]) for row in rows} <= set(
        people.values()
    )
    assert all(row["partner"] for row in rows if row["status"] == "meeting")

    r = _get(client, f"{SCHEDULE}/agendas.html", owner)
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    page = r.text
    assert page.count('<section class="agenda">') == PEOPLE
    assert "break-after: page" in page
    assert "<script" not in page
    for person, _ in people.values():
        assert f"<h1>{person}</h1>" in page

    book = openpyxl.load_workbook(io.BytesIO(_get(client, f"{SCHEDULE}/grid.xlsx", owner).content))
    grid = book["Schedule"]
    _, header, rows = _sheet(grid)
    assert header[:4] == ["Slot", "Start (UTC+01:00)", "End (UTC+01:00)", "Table 1"]
    assert grid.freeze_panes == "D2"
    assert all(isinstance(row[1], dt.datetime) for row in rows)
    cells = [c for row in rows for c in row[3:] if c]
    assert len(cells) == len(doc["meetings"])
    assert all(" – " in c and "(" in c for c in cells)

    archive = zipfile.ZipFile(io.BytesIO(_get(client, f"{SCHEDULE}/ics.zip", owner).content))
    names = archive.namelist()
    assert len(names) == PEOPLE
    for (pid, (person, _)), name in zip(people.items(), names, strict=True):
        assert name.startswith(f"{person} - "), name
        cal = icalendar.Calendar.from_ical(archive.read(name))
        events = list(cal.walk("VEVENT"))
        mine = [m for m in doc["meetings"] if pid in m["participants"]]
        assert len(events) == len(mine)
        for event in events:
            assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)  # UTC instants
    pid = next(iter(people))
    r = _get(client, f"{SCHEDULE}/ics/{pid}.ics", owner)
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert r.content.split(b"DTSTAMP")[1:] == archive.read(names[0]).split(b"DTSTAMP")[1:]


@SQLITE_ONLY
def test_room_exports(client: TestClient, owner: dict[str, str], results: dict[str, Any]) -> None:
    doc = results["breakouts"]
    book = openpyxl.load_workbook(io.BytesIO(_get(client, f"{ROOMS}/rooms.xlsx", owner).content))
    assert book.sheetnames == ["All rounds", "Round 1", "Round 2"]
    room_names = {room["name"] for rnd in doc["rounds"] for room in rnd["rooms"]}
    # Leuven's participants are organisations (no person's name): the organisation names them.
    orgs = {
        p["organisation_name"]
        for rnd in doc["rounds"]
        for room in rnd["rooms"]
        for p in room["people"]
    }
    seated = sum(len(room["people"]) for rnd in doc["rounds"] for room in rnd["rooms"])
    for ws in book.worksheets:
        _, header, rows = _sheet(ws)
        assert header[:5] == ["Round", "Start (UTC+02:00)", "Room", "Person", "Organisation"]
        assert {row[2] for row in rows} <= room_names
        assert {row[4] for row in rows} <= orgs
        assert all(row[4] for row in rows)
        for row in rows:
            if row[0] == "Round 1":
                assert row[1] == dt.datetime(2018, 6, 20, 14, 0)
            else:
                assert row[1] is None
    assert len(_sheet(book["All rounds"])[2]) == seated

    text = _get(client, f"{ROOMS}/rooms.csv", owner).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["room_name"] for row in rows} <= room_names
    assert {row["round_name"] for row in rows} == {"Round 1", "Round 2"}

    r = _get(client, f"{ROOMS}/rooms/R1.html", owner)
    assert 'filename="leuven-2018-R1-rooms.html"' in r.headers["content-disposition"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    rooms = doc["rounds"][0]["rooms"]
    assert r.text.count('<section class="room">') == len(rooms)
    for room in rooms:
        assert room["name"].replace("&", "&amp;") in r.text
    for bad in ("rooms/R9.html", "rooms/R1.txt"):
        assert_problem(client.get(f"{ROOMS}/{bad}", headers=owner), 404, "not-found")
