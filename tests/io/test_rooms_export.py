"""Room lists (CSV, XLSX), printable room pages and round pages of a breakout plan."""

from __future__ import annotations

import csv
import datetime as dt
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
    round_html,
    write_room_exports,
    write_room_pages,
)
from matchmaker.io import unneutralise
from matchmaker.models import Event, Participant, Room, Round
from matchmaker.plan.breakouts import BreakoutPlan, plan_breakouts

CET = dt.timezone(dt.timedelta(hours=1))
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
        rounds=[
            Round(id="R1", name="Morning", start=dt.datetime(2025, 3, 10, 9, tzinfo=CET)),
            Round(id="R2", name="Afternoon: [late]"),
        ],
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
    names = {"R1": "Morning", "R2": "Afternoon: [late]", "A": "Room <A>", "B": "Room B"}
    assert all(r["round_name"] == names[r["round"]] for r in rows)
    assert all(r["room_name"] == names[r["room"]] for r in rows)
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


def test_xlsx_a_long_table_then_one_sheet_per_round(plan: BreakoutPlan) -> None:
    wb = load_workbook(io.BytesIO(rooms_xlsx(plan)))
    assert wb.sheetnames == ["All rounds", "Morning", "Afternoon_ _late_"]
    header = (
        "Round",
        "Start (UTC+01:00)",
        "Room",
        "Person",
        "Organisation",
        "Country",
        "Type",
        "Round id",
        "Room id",
        "Participant id",
    )
    expected = [list(r.values()) for r in room_rows(plan)]
    per_round = []
    for ws in wb.worksheets:
        rows = [list(row) for row in ws.iter_rows(values_only=True)]
        assert tuple(rows[0]) == header
        assert ws.freeze_panes == "D2"
        assert ws.auto_filter.ref == f"A1:J{len(rows)}"
        assert all(8 <= ws.column_dimensions[c].width <= 60 for c in "ABCDEFGHIJ")
        starts = [ws.cell(row=k, column=2) for k in range(2, len(rows) + 1)]
        for row, cell in zip(rows[1:], starts, strict=True):
            if row[7] == "R1":  # the wall clock of the event, as a date cell
                assert cell.value == dt.datetime(2025, 3, 10, 9)
                assert cell.is_date
                assert cell.number_format == "yyyy-mm-dd hh:mm"
            else:
                assert cell.value is None
        texts = [c for row in ws.iter_rows(min_row=2) for k, c in enumerate(row) if k != 1]
        assert all(c.data_type == "s" for c in texts if c.value is not None)
        back = [
            [unneutralise(str(c or "")) for k, c in enumerate(row) if k != 1] for row in rows[1:]
        ]
        if ws.title == "All rounds":
            assert back == expected
        else:
            per_round += back
    assert per_round == expected


def test_xlsx_without_round_times_has_no_start_column(plan: BreakoutPlan) -> None:
    event = plan.event.model_copy(update={"rounds": [Round(id="R1"), Round(id="R2")]})
    wb = load_workbook(io.BytesIO(rooms_xlsx(plan_breakouts(event, seed=0, time_limit=0.2))))
    assert wb.sheetnames == ["All rounds", "R1", "R2"]
    ws = wb["R1"]
    assert [c.value for c in ws[1]][:3] == ["Round", "Room", "Person"]
    assert ws.freeze_panes == "C2"


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
    assert "Morning, 2025-03-10 09:00" in page
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
    assert [p.name for p in pages] == [
        "R1-A.html",
        "R1-B.html",
        "R2-A.html",
        "R2-B.html",
        "R1-all-rooms.html",
        "R2-all-rooms.html",
    ]
    assert pages[4].read_text(encoding="utf-8") == round_html(plan, "R1")
    assert "Room &lt;A&gt;" in pages[0].read_text(encoding="utf-8")
    assert "open &lt;data&gt;" in pages[0].read_text(encoding="utf-8")
    files = write_room_exports(plan, tmp_path / "all")
    assert [p.name for p in files[:2]] == ["rooms.csv", "rooms.xlsx"]
    assert len(files) == 8
    assert not list((tmp_path / "all").glob(".*.part"))


def test_round_page_prints_every_room_on_a_page_of_its_own(plan: BreakoutPlan) -> None:
    page = round_html(plan, "R2")
    sections = re.findall(r'<section class="room">(.*?)</section>', page, re.S)
    assert len(sections) == len(plan.event.rooms)
    for section, room in zip(sections, plan.event.rooms, strict=True):
        assert f"<h1>{room.name.replace('<', '&lt;').replace('>', '&gt;')}</h1>" in section
        assert "Afternoon: [late]" in section
        assert section.count("<tr>") == len(plan.assignment["R2"][room.id]) + 1
        # Each room's section is the room's own page, word for word.
        assert section in room_html(plan, "R2", room.id)
    assert "break-after: page" in page
    assert "@page { size: A4" in page
    assert "<script" not in page
    assert "&lt;script&gt;" in page  # p0, whose name is a script, is in a room of R2
    with pytest.raises(InvalidInputError, match="round 'R9' is not a round of the plan"):
        round_html(plan, "R9")
