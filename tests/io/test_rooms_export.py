"""Room lists (CSV, XLSX) and printable room pages of a breakout plan."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import make_org
from matchmaker.errors import InvalidInputError
from matchmaker.export.breakouts import (
    ROOM_COLUMNS,
    room_html,
    room_rows,
    rooms_csv,
    rooms_xlsx,
    write_room_exports,
    write_room_pages,
)
from matchmaker.io import unneutralise
from matchmaker.models import Event, Participant, Room, Round
from matchmaker.plan.breakouts import BreakoutPlan, plan_breakouts

EVIL = '<script>alert("x")</script> & =HYPERLINK("http://evil.example")'


@pytest.fixture(scope="module")
def plan() -> BreakoutPlan:
    orgs = [
        make_org(id="o0", name="=cmd|' /C calc'!A0", region="DE11"),
        make_org(id="o1", name="Beta <b>", region="FR10"),
        make_org(id="o2", name="Gamma", region="BE10", type="university"),
        make_org(id="o3", name="Delta", region="ITH5"),
    ]
    event = Event(
        id="ev",
        name="Workshop & <friends>",
        organisations=orgs,
        participants=[
            Participant(id="p0", organisation="o0", person=EVIL),
            Participant(id="p1", organisation="o1", person="+33 Ana"),
            Participant(id="p2", organisation="o2"),
            Participant(id="p3", organisation="o3", person="Zoë"),
        ],
        rooms=[
            Room(id="A", name="Room <A>", capacity=2, themes=["TP-INDMOD", "open <data>"]),
            Room(id="B", name="Room B", capacity=2),
        ],
        rounds=[Round(id="R1", name="Morning"), Round(id="R2", name="Afternoon")],
    )
    return plan_breakouts(event, seed=0)


def _expected(plan: BreakoutPlan) -> list[list[str]]:
    rows = []
    for r in plan.event.rounds:
        for room in plan.event.rooms:
            for pid in plan.assignment[r.id][room.id]:
                rows.append([r.id, room.id, pid])
    return rows


def test_rows_follow_the_plan(plan: BreakoutPlan) -> None:
    rows = room_rows(plan)
    assert [[r["round"], r["room"], r["participant_id"]] for r in rows] == _expected(plan)
    p0 = next(r for r in rows if r["participant_id"] == "p0")
    assert p0["person"] == EVIL
    assert p0["organisation"] == "=cmd|' /C calc'!A0"
    assert p0["country"] == "DE"
    assert p0["type"] == "cluster organisation"


def test_csv_reads_back_exactly(plan: BreakoutPlan) -> None:
    data = rooms_csv(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(table[0]) == ROOM_COLUMNS
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    back = [[unneutralise(c) for c in row] for row in table[1:]]
    assert back == [list(r.values()) for r in room_rows(plan)]


def test_xlsx_reads_back_exactly(plan: BreakoutPlan) -> None:
    wb = load_workbook(io.BytesIO(rooms_xlsx(plan)))
    assert wb.sheetnames == ["R1", "R2"]
    back = []
    for ws in wb.worksheets:
        rows = [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
        assert tuple(rows[0]) == ROOM_COLUMNS
        cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
        assert all(c.data_type == "s" for c in cells)
        back += [[unneutralise(str(c)) for c in row] for row in rows[1:]]
    assert back == [list(r.values()) for r in room_rows(plan)]


def test_html_is_escaped_and_self_contained(plan: BreakoutPlan) -> None:
    room = plan.room_of("p0", "R1")
    assert room is not None
    page = room_html(plan, "R1", room)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>" not in page
    assert "&lt;friends&gt;" in page
    assert not re.search(r"(?:src|href)\s*=|@import|url\(|<link|<script", page, re.I)
    assert "http://evil" not in page.replace("&quot;http://evil", "")
    assert "@media print" in page
    assert "<style>" in page
    assert "Morning" in page
    why = plan.explanations["R1"]["p0"].text
    assert why
    assert page.count("<tr>") == len(plan.assignment["R1"][room]) + 1


def test_html_unknown_round_or_room(plan: BreakoutPlan) -> None:
    with pytest.raises(InvalidInputError, match="round 'R9' is not a round of the plan; the"):
        room_html(plan, "R9", "A")
    with pytest.raises(InvalidInputError, match="room 'Z' is not a room of the plan; the rooms"):
        room_html(plan, "R1", "Z")


def test_write_pages_and_exports(plan: BreakoutPlan, tmp_path: Path) -> None:
    pages = write_room_pages(plan, tmp_path / "pages")
    assert [p.name for p in pages] == ["R1-A.html", "R1-B.html", "R2-A.html", "R2-B.html"]
    assert "Room &lt;A&gt;" in pages[0].read_text(encoding="utf-8")
    assert "open &lt;data&gt;" in pages[0].read_text(encoding="utf-8")
    files = write_room_exports(plan, tmp_path / "all")
    assert [p.name for p in files[:2]] == ["rooms.csv", "rooms.xlsx"]
    assert len(files) == 6
    assert not list((tmp_path / "all").glob(".*.part"))
