"""/api/events/{id}/schedule: runs as jobs on the brokerage event, the schedule, re-plans
that keep what was published, agendas, grid and calendars; roles."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections import Counter
from typing import Any

import icalendar
import openpyxl
import pytest
from fastapi.testclient import TestClient

from api_support import assert_problem
from event_api_support import BROKERAGE, check_access, create_event, leuven_document, wait_job
from matchmaker.export.agenda import calendar_names
from matchmaker.io import read_event
from matchmaker.plan.documents import schedule_document, schedule_event
from matchmaker.plan.meetings import plan_schedule

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
EVENT = "/api/events/brokerage-b2b"
BASE = f"{EVENT}/schedule"


def _brokerage(people: int | None = None) -> dict[str, Any]:
    """The brokerage event, or its first ``people`` participants and their organisations."""
    doc = dict(json.loads(BROKERAGE.read_text(encoding="utf-8")))
    if people is not None:
        doc["participants"] = doc["participants"][:people]
        orgs = {p["organisation"] for p in doc["participants"]}
        doc["organisations"] = [o for o in doc["organisations"] if o["id"] in orgs]
        for p in doc["participants"]:
            p["requests"] = [r for r in p.get("requests", []) if r["organisation"] in orgs]
    return doc


#: The seeded schedule: the first 40 participants of the brokerage event (quick to make).
SMALL = 40


@pytest.fixture(scope="module")
def schedule() -> dict[str, Any]:
    """A schedule of part of the brokerage event, made once (0.2 s of search)."""
    event = read_event(json.dumps(_brokerage(SMALL)).encode())
    result, matrices = plan_schedule(event, seed=0, time_limit=0.2)
    doc = schedule_document(event, result, matrices, preset="business", event_version=1, seed=0)
    return dict(json.loads(json.dumps(doc)))


def _seed(client: TestClient, keys: Any, doc: dict[str, Any]) -> dict[str, str]:
    owner = keys.headers("organiser")
    create_event(client, owner, _brokerage(SMALL))
    store = client.app.state.store  # type: ignore[attr-defined]
    store.save_result("brokerage-b2b", "schedule", copy.deepcopy(doc), event_version=1)
    return owner


@SQLITE_ONLY
def test_access_of_every_schedule_endpoint(
    client: TestClient, keys: Any, schedule: dict[str, Any]
) -> None:
    owner = _seed(client, keys, schedule)
    exports = ("agendas.csv", "agendas.xlsx", "grid.csv", "grid.xlsx", "ics/P001.ics", "ics.zip")
    check_access(client, keys, "POST", BASE, json={})
    check_access(client, keys, "GET", BASE)
    check_access(client, keys, "POST", f"{BASE}/replan", json={})
    for export in exports:
        check_access(client, keys, "GET", f"{BASE}/{export}")
    for headers in (owner, keys.headers("admin")):
        r = client.get(BASE, headers=headers)
        assert r.status_code == 200
        assert r.headers["ETag"] == '"1"'
    for export in exports:
        assert client.get(f"{BASE}/{export}", headers=keys.headers("admin")).status_code == 200


@SQLITE_ONLY
def test_schedule_of_the_brokerage_event(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    create_event(client, owner, _brokerage())
    assert_problem(client.get(BASE, headers=owner), 404, "not-found")
    r = client.post(BASE, json={"seed": 0, "time_limit": 0.2}, headers=owner)
    assert r.status_code == 202
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    assert job["result"] == BASE
    doc = client.get(BASE, headers=owner).json()
    assert doc["event_version"] == 1
    assert doc["tables"] == 60
    assert len(doc["slots"]) == 12
    busy = Counter((m["slot"], p) for m in doc["meetings"] for p in m["participants"])
    assert max(busy.values()) == 1  # nobody twice in a slot
    assert len({(m["slot"], m["table"]) for m in doc["meetings"]}) == len(doc["meetings"])
    pairs = [tuple(sorted(m["participants"])) for m in doc["meetings"]]
    assert len(set(pairs)) == len(pairs)  # no pair twice
    figures = doc["figures"]
    assert figures["meetings"] == len(doc["meetings"]) > 600
    assert 0.9 < figures["share_of_bound"] <= 1.0
    assert figures["gap"] == doc["gap"] < 0.1
    assert figures["without_meeting"] == 0


@SQLITE_ONLY
def test_slots_and_tables_from_the_request(client: TestClient, keys: Any) -> None:
    owner = keys.headers("organiser")
    doc = leuven_document()
    create_event(client, owner, doc)
    path = "/api/events/leuven-2018/schedule"
    r = client.post(path, json={"slots": 3, "tables": 8, "minutes": 15}, headers=owner)
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    schedule = client.get(path, headers=owner).json()
    assert [s["id"] for s in schedule["slots"]] == ["S01", "S02", "S03"]
    assert schedule["slots"][0]["start"] == "2018-06-20T09:00:00"
    assert schedule["slots"][0]["end"] == "2018-06-20T09:15:00"
    assert schedule["tables"] == 8
    assert all(1 <= m["table"] <= 8 for m in schedule["meetings"])
    for body in ({"slots": 0}, {"tables": -1}, {"preset": "nope"}, {"whatever": 1}):
        assert_problem(client.post(path, json=body, headers=owner), 422, "invalid-input")


@SQLITE_ONLY
def test_exports_content(client: TestClient, keys: Any, schedule: dict[str, Any]) -> None:
    owner = _seed(client, keys, schedule)
    people = [a["participant"] for a in schedule["agendas"]]

    r = client.get(f"{BASE}/agendas.csv", headers=owner)
    assert 'filename="brokerage-b2b-agendas.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    meetings = [row for row in rows if row["status"] == "meeting"]
    assert len(meetings) == 2 * len(schedule["meetings"])
    assert {row["participant_id"] for row in rows} <= set(people)
    first = schedule["meetings"][0]
    a, b = first["participants"]
    assert any(
        row["participant_id"] == a and row["partner_id"] == b and row["slot"] == first["slot"]
        for row in meetings
    )

    r = client.get(f"{BASE}/grid.csv", headers=owner)
    grid = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert grid[0][:4] == ["slot", "start", "end", "Table 1"]
    assert len(grid[0]) == 3 + schedule["tables"]
    assert len(grid) == 1 + 12
    filled = sum(1 for row in grid[1:] for cell in row[3:] if cell)
    assert filled == len(schedule["meetings"])

    r = client.get(f"{BASE}/grid.xlsx", headers=owner)
    assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames == ["Schedule"]
    r = client.get(f"{BASE}/agendas.xlsx", headers=owner)
    # "All meetings", then a sheet per participant.
    sheets = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).sheetnames
    assert len(sheets) == 1 + SMALL

    agenda = schedule["agendas"][0]
    r = client.get(f"{BASE}/ics/{agenda['participant']}.ics", headers=owner)
    assert r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(agenda["meetings"])
    why = schedule["meetings"][agenda["meetings"][0]["meeting"]]["why"][agenda["participant"]]
    assert any(why[:40] in str(e.get("description")).replace("\n", "") for e in events)

    r = client.get(f"{BASE}/ics.zip", headers=owner)
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert names == calendar_names(schedule_event(schedule))
    # Calendars are the same from one download to the next (stable UIDs and stamps).
    assert (
        client.get(f"{BASE}/ics/{people[0]}.ics", headers=owner).content
        == client.get(f"{BASE}/ics/{people[0]}.ics", headers=owner).content
    )
    for bad in ("ics/NOBODY.ics", "ics/P001.txt"):
        assert_problem(client.get(f"{BASE}/{bad}", headers=owner), 404, "not-found")


@SQLITE_ONLY
def test_replan_keeps_the_published_meetings(
    client: TestClient, keys: Any, schedule: dict[str, Any]
) -> None:
    owner = _seed(client, keys, schedule)
    event = client.get(EVENT, headers=owner).json()
    gone = {"P001", "P002"}
    event["participants"] = [p for p in event["participants"] if p["id"] not in gone]
    for p in event["participants"]:
        p["requests"] = p.get("requests", [])
    r = client.put(EVENT, json=event, headers={**owner, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    r = client.post(f"{BASE}/replan", json={"seed": 0}, headers=owner)
    assert r.status_code == 202
    job = wait_job(client, r.headers["Location"], owner)
    assert job["status"] == "succeeded", job
    doc = client.get(BASE, headers=owner).json()
    assert doc["replanned_from"] == 1
    assert doc["event_version"] == 2
    changes = doc["changes"]
    cancelled = {tuple(m["participants"]) for m in changes["cancelled"]}
    of_gone = {
        tuple(m["participants"]) for m in schedule["meetings"] if gone & set(m["participants"])
    }
    assert cancelled == of_gone
    kept = {(m["slot"], m["table"], tuple(m["participants"])) for m in changes["kept"]}
    before = {(m["slot"], m["table"], tuple(m["participants"])) for m in schedule["meetings"]}
    assert kept == {k for k in before if not gone & set(k[2])}
    now = {(m["slot"], m["table"], tuple(m["participants"])) for m in doc["meetings"]}
    assert kept <= now
    assert not any(gone & set(m["participants"]) for m in doc["meetings"])
