"""Agenda exports: personal rows, CSV/XLSX read back, the grid, calendars, printable agendas,
files, validation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import icalendar
import numpy as np
import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter

from matchmaker.errors import InvalidInputError
from matchmaker.export.agenda import (
    AGENDA_COLUMNS,
    agenda_csv,
    agenda_ics,
    agenda_rows,
    agenda_xlsx,
    agendas_csv,
    agendas_html,
    agendas_xlsx,
    agendas_zip,
    calendar_names,
    grid_csv,
    grid_rows,
    grid_xlsx,
    time_zone,
    write_agendas,
)
from matchmaker.models import Event, Organisation, Participant, TimeSlot
from matchmaker.solvers.result import Meeting

T0 = dt.datetime(2025, 3, 10, 9, 0)
MIN20 = dt.timedelta(minutes=20)
STAMP = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _org(id: str, name: str, type: str, region: str) -> Organisation:
    return Organisation.model_validate({"id": id, "name": name, "type": type, "region": region})


def _event(*, tz: dt.tzinfo | None = None, org_a_name: str = "Nanomat Cluster") -> Event:
    slots = [
        TimeSlot(
            id=f"s{k + 1}",
            start=(T0 + k * MIN20).replace(tzinfo=tz),
            end=(T0 + (k + 1) * MIN20).replace(tzinfo=tz),
        )
        for k in range(3)
    ]
    return Event(
        id="ev1",
        name="Clusters meet Regions",
        organisations=[
            _org("nanomat", org_a_name, "cluster", "DE11"),
            _org("liege", "Université de Liège", "university", "BE33"),
            _org("paris", "Paris Region", "public_authority", "FR10"),
        ],
        participants=[
            Participant(id="p1", organisation="nanomat", person="Anna Weber"),
            Participant(id="p2", organisation="liege", person="Luc Dubois"),
            Participant(id="p3", organisation="paris"),
            Participant(id="p4", organisation="liege", person="Marie Lambert", available=["s1"]),
        ],
        # Listed out of time order: exports sort by time.
        slots=[slots[2], slots[0], slots[1]],
        tables=2,
    )


# Slot indices refer to the list above: 0 is s3 (09:40), 1 is s1 (09:00), 2 is s2 (09:20).
MEETINGS = [
    Meeting(1, 0, 0, 1),  # s1, Table 1: p1 – p2
    Meeting(1, 1, 2, 3),  # s1, Table 2: p3 – p4
    Meeting(0, 1, 0, 2),  # s3, Table 2: p1 – p3
]


def _free(slot: str, start: str, end: str) -> dict[str, str]:
    row = dict.fromkeys(AGENDA_COLUMNS, "")
    row.update(slot=slot, start=start, end=end, status="free")
    return row


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


@dataclass
class _Table:
    intro: list[str]
    header: list[str]
    rows: list[list[Any]]


def _read_xlsx(data: bytes, sheet: str | None = None) -> _Table:
    """A sheet read back, with its layout checked: the header row frozen (rows above it are
    intro lines), an auto-filter from the header to the last row, every column given a width."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    pane = ws.freeze_panes
    assert pane is not None
    header_row = int("".join(ch for ch in pane if ch.isdigit())) - 1
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    header = [str(v) for v in values[header_row - 1]]
    last = get_column_letter(len(header))
    assert ws.auto_filter.ref == f"A{header_row}:{last}{max(len(values), header_row + 1)}"
    for k in range(len(header)):
        width = ws.column_dimensions[get_column_letter(k + 1)].width
        assert 8 <= width <= 60
    intro = [str(row[0]) for row in values[: header_row - 1] if row and row[0] is not None]
    return _Table(intro, header, values[header_row:])


def _texts(row: list[Any]) -> list[str]:
    return ["" if v is None else str(v) for v in row]


# --- agenda rows --------------------------------------------------------------------------


def test_agenda_rows_in_time_order_with_free_slots() -> None:
    rows = agenda_rows(_event(), MEETINGS, 0)
    assert rows == [
        {
            "slot": "s1",
            "start": "2025-03-10T09:00",
            "end": "2025-03-10T09:20",
            "status": "meeting",
            "table": "Table 1",
            "partner_id": "p2",
            "partner": "Luc Dubois",
            "organisation": "Université de Liège",
            "country": "BE",
            "type": "university",
        },
        _free("s2", "2025-03-10T09:20", "2025-03-10T09:40"),
        {
            "slot": "s3",
            "start": "2025-03-10T09:40",
            "end": "2025-03-10T10:00",
            "status": "meeting",
            "table": "Table 2",
            "partner_id": "p3",
            "partner": "p3",
            "organisation": "Paris Region",
            "country": "FR",
            "type": "public authority",
        },
    ]


def test_agenda_rows_without_free_slots_and_unavailable_slots() -> None:
    ev = _event()
    assert [r["slot"] for r in agenda_rows(ev, MEETINGS, 0, free=False)] == ["s1", "s3"]
    # p4 is available in s1 only: the other slots are not in the agenda at all.
    assert [(r["slot"], r["partner"]) for r in agenda_rows(ev, MEETINGS, 3)] == [("s1", "p3")]
    assert agenda_rows(ev, [], 1) == [
        _free("s1", "2025-03-10T09:00", "2025-03-10T09:20"),
        _free("s2", "2025-03-10T09:20", "2025-03-10T09:40"),
        _free("s3", "2025-03-10T09:40", "2025-03-10T10:00"),
    ]


def test_agenda_rows_show_wall_clock_time_of_aware_slots() -> None:
    ev = _event(tz=dt.timezone(dt.timedelta(hours=1)))
    assert agenda_rows(ev, MEETINGS, 0)[0]["start"] == "2025-03-10T09:00"


def test_partner_without_organisation_profile() -> None:
    ev = _event().model_copy(update={"organisations": []})
    row = agenda_rows(ev, MEETINGS, 1)[0]
    assert (row["partner"], row["organisation"], row["country"], row["type"]) == (
        "Anna Weber",
        "nanomat",
        "",
        "",
    )


def test_numpy_indices_are_accepted() -> None:
    m = Meeting(np.int64(1), np.int64(0), np.int64(0), np.int64(1))  # type: ignore[arg-type]
    assert agenda_rows(_event(), [m], 1, free=False)[0]["partner_id"] == "p1"


# --- CSV and XLSX -------------------------------------------------------------------------


def test_agenda_csv_reads_back() -> None:
    got = _read_csv(agenda_csv(_event(), MEETINGS, 1))
    assert got == [
        list(AGENDA_COLUMNS),
        [
            "s1",
            "2025-03-10T09:00",
            "2025-03-10T09:20",
            "meeting",
            "Table 1",
            "p1",
            "Anna Weber",
            "Nanomat Cluster",
            "DE",
            "cluster organisation",
        ],
        ["s2", "2025-03-10T09:20", "2025-03-10T09:40", "free", "", "", "", "", "", ""],
        ["s3", "2025-03-10T09:40", "2025-03-10T10:00", "free", "", "", "", "", "", ""],
    ]


def test_agenda_xlsx_names_the_person_and_writes_date_cells() -> None:
    ev = _event(tz=dt.timezone(dt.timedelta(hours=1)))
    data = agenda_xlsx(ev, MEETINGS, 1)
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Luc Dubois"]
    table = _read_xlsx(data)
    assert table.intro == [
        "Luc Dubois, Université de Liège",
        "Clusters meet Regions: 1 meeting; times are local, UTC+01:00",
    ]
    assert table.header[:5] == [
        "Start (UTC+01:00)",
        "End (UTC+01:00)",
        "Status",
        "Table",
        "Partner",
    ]
    # The wall clock of the event, as date cells; the rest as the CSV has it.
    assert [row[:2] for row in table.rows] == [
        [T0 + k * MIN20, T0 + (k + 1) * MIN20] for k in range(3)
    ]
    csv_rows = _read_csv(agenda_csv(ev, MEETINGS, 1))[1:]
    assert [_texts(row[2:8]) for row in table.rows] == [r[3:5] + r[6:10] for r in csv_rows]
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws.freeze_panes == "A5"  # two intro lines, a blank line, the header
    start = ws["A5"]
    assert isinstance(start, Cell)
    assert start.is_date
    assert start.number_format == "yyyy-mm-dd hh:mm"
    assert start.data_type == "d"


def test_time_zone_in_words() -> None:
    plus1, plus2 = (dt.timezone(dt.timedelta(hours=h)) for h in (1, 2))
    minus = dt.timezone(-dt.timedelta(hours=3, minutes=30))
    assert time_zone([T0.replace(tzinfo=plus2), T0.replace(tzinfo=plus1)]) == (
        "UTC+01:00 or UTC+02:00"
    )
    assert time_zone([T0.replace(tzinfo=minus)]) == "UTC-03:30"
    assert time_zone([T0]) == "local time"
    assert _read_xlsx(agenda_xlsx(_event(), MEETINGS, 0)).header[0] == "Start (local time)"


def test_formula_in_an_organisation_name_is_neutralised() -> None:
    ev = _event(org_a_name='=HYPERLINK("http://evil.example","x")')
    quoted = '\'=HYPERLINK("http://evil.example","x")'
    assert agenda_rows(ev, MEETINGS, 1)[0]["organisation"] == quoted[1:]
    assert _read_csv(agenda_csv(ev, MEETINGS, 1))[1][7] == quoted
    assert _read_xlsx(agenda_xlsx(ev, MEETINGS, 1)).rows[0][5] == quoted
    assert _read_xlsx(agendas_xlsx(ev, MEETINGS), "p3").rows[2][5] == quoted
    # The person's own organisation, above their sheet and in the long table.
    assert (
        _read_xlsx(agendas_xlsx(ev, MEETINGS), "Anna Weber").intro[0] == f"Anna Weber, {quoted[1:]}"
    )
    assert _read_xlsx(agendas_xlsx(ev, MEETINGS), "All meetings").rows[0][1] == quoted
    # In the grid a cell starts with the person's name.
    people = [p.model_copy(update={"person": "-2+3"}) for p in ev.participants]
    cell = _read_csv(grid_csv(ev.model_copy(update={"participants": people}), MEETINGS))[1][3]
    assert cell == '\'-2+3 (=HYPERLINK("http://evil.example","x")) – -2+3 (Université de Liège)'


def test_agendas_xlsx_a_long_table_then_one_sheet_per_person() -> None:
    ev = _event()
    data = agendas_xlsx(ev, MEETINGS)
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == [
        "All meetings",
        "Anna Weber",
        "Luc Dubois",
        "p3",
        "Marie Lambert",
    ]
    for i, p in enumerate(ev.participants):
        name = p.person or p.id
        assert _read_xlsx(data, name).rows == _read_xlsx(agenda_xlsx(ev, MEETINGS, i)).rows
    every = _read_xlsx(data, "All meetings")
    assert every.header[:4] == ["Person", "Organisation", "Start (local time)", "End (local time)"]
    assert every.header[-1] == "Person id"
    # One row per person and slot they attend: 3 + 3 + 3 + 1 (p4 is available in s1 only).
    assert len(every.rows) == 10
    assert [r[0] for r in every.rows] == ["Anna Weber"] * 3 + ["Luc Dubois"] * 3 + ["p3"] * 3 + [
        "Marie Lambert"
    ]
    assert every.rows[0][:4] == ["Anna Weber", "Nanomat Cluster", T0, T0 + MIN20]
    assert every.rows[0][6:8] == ["Luc Dubois", "Université de Liège"]
    assert all(isinstance(r[2], dt.datetime) and isinstance(r[3], dt.datetime) for r in every.rows)
    assert sum(r[4] == "meeting" for r in every.rows) == 2 * len(MEETINGS)


def test_agendas_csv_names_each_participant() -> None:
    rows = _read_csv(agendas_csv(_event(), MEETINGS))
    assert rows[0][:4] == ["participant_id", "participant", "participant_organisation", "slot"]
    assert rows[1][:9] == [
        "p1",
        "Anna Weber",
        "Nanomat Cluster",
        "s1",
        "2025-03-10T09:00",
        "2025-03-10T09:20",
        "meeting",
        "Table 1",
        "p2",
    ]
    assert [r[1] for r in rows[1:]].count("Marie Lambert") == 1
    assert len(rows) == 1 + 10


def test_sheet_names_are_valid_and_unique() -> None:
    long = "a" * 40
    ids = ["x:y:z", "x_y_z", "X_Y_Z", long, long + "b", "History", "all"]
    ev = Event(
        id="ev",
        name="Names",
        participants=[
            Participant(id=i, organisation="o", person="All meetings" if i == "all" else None)
            for i in ids
        ],
    )
    names = openpyxl.load_workbook(io.BytesIO(agendas_xlsx(ev, []))).sheetnames
    assert names == [
        "All meetings",
        "x_y_z",
        "x_y_z~2",
        "X_Y_Z~3",
        "a" * 31,
        "a" * 29 + "~2",
        "History_",
        "All meetings~2",
    ]


def test_sheets_are_named_after_people() -> None:
    people = ["Ana Silva", "ana silva", "Jo/Ann [chair]?", "'Quoted'", "Łukasz Żółć " * 4, "Zoë"]
    ev = Event(
        id="ev",
        name="Names",
        participants=[
            Participant(id=f"p{i}", organisation="o", person=name) for i, name in enumerate(people)
        ],
    )
    names = openpyxl.load_workbook(io.BytesIO(agendas_xlsx(ev, []))).sheetnames
    assert names == [
        "All meetings",
        "Ana Silva",
        "ana silva~2",
        "Jo_Ann _chair__",
        "Quoted",
        ("Łukasz Żółć " * 4)[:31].strip(),
        "Zoë",
    ]
    assert all(len(n) <= 31 for n in names)


# --- the grid -----------------------------------------------------------------------------


def test_grid_rows_exact() -> None:
    header, rows = grid_rows(_event(), MEETINGS)
    assert header == ["slot", "start", "end", "Table 1", "Table 2"]
    assert rows == [
        [
            "s1",
            "2025-03-10T09:00",
            "2025-03-10T09:20",
            "Anna Weber (Nanomat Cluster) – Luc Dubois (Université de Liège)",
            "p3 (Paris Region) – Marie Lambert (Université de Liège)",
        ],
        ["s2", "2025-03-10T09:20", "2025-03-10T09:40", "", ""],
        [
            "s3",
            "2025-03-10T09:40",
            "2025-03-10T10:00",
            "",
            "Anna Weber (Nanomat Cluster) – p3 (Paris Region)",
        ],
    ]


def test_grid_csv_and_xlsx_read_back() -> None:
    ev = _event(tz=dt.timezone(dt.timedelta(hours=1)))
    header, rows = grid_rows(ev, MEETINGS)
    assert _read_csv(grid_csv(ev, MEETINGS)) == [header, *rows]
    data = grid_xlsx(ev, MEETINGS)
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == ["Schedule"]
    grid = _read_xlsx(data, "Schedule")
    assert grid.header == ["Slot", "Start (UTC+01:00)", "End (UTC+01:00)", "Table 1", "Table 2"]
    assert [r[1:3] for r in grid.rows] == [[T0 + k * MIN20, T0 + (k + 1) * MIN20] for k in range(3)]
    assert [[r[0], *_texts(r[3:])] for r in grid.rows] == [[r[0], *r[3:]] for r in rows]
    # The slot and its times stay in view beside the tables.
    assert openpyxl.load_workbook(io.BytesIO(data))["Schedule"].freeze_panes == "D2"


# --- calendars ----------------------------------------------------------------------------


def _vevents(data: bytes) -> list[icalendar.Component]:
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["PRODID"])
    return list(cal.walk("VEVENT"))


def test_ics_events_times_and_labels() -> None:
    ev = _event()
    data = agenda_ics(ev, MEETINGS, 0, stamp=STAMP, why={(1, 0): "Both work on nanocomposites"})
    events = _vevents(data)
    assert len(events) == 2
    first, second = events
    assert first.decoded("DTSTART") == T0
    assert first.decoded("DTEND") == T0 + MIN20
    assert second.decoded("DTSTART") == T0 + 2 * MIN20
    assert second.decoded("DTEND") == T0 + 3 * MIN20
    assert first.decoded("DTSTAMP") == STAMP
    assert str(first["SUMMARY"]) == "Meeting with Luc Dubois (Université de Liège)"
    assert str(second["SUMMARY"]) == "Meeting with p3 (Paris Region)"
    assert str(first["LOCATION"]) == "Table 1, Clusters meet Regions"
    assert str(second["LOCATION"]) == "Table 2, Clusters meet Regions"
    assert str(first["DESCRIPTION"]) == (
        "Organisation: Université de Liège\nCountry: BE\nType: university\n"
        "Why: Both work on nanocomposites"
    )
    assert "Why" not in str(second["DESCRIPTION"])
    # Floating times: no zone, no UTC marker.
    assert b"DTSTART:20250310T090000\r\n" in data


def test_ics_uids_unique_stable_and_shared_by_both_partners() -> None:
    ev = _event()
    uids = {
        i: [str(e["UID"]) for e in _vevents(agenda_ics(ev, MEETINGS, i, stamp=STAMP))]
        for i in range(4)
    }
    every = [u for us in uids.values() for u in us]
    assert len(every) == 6
    assert len(set(every)) == 3
    assert all(u.endswith("@matchmaker.invalid") for u in every)
    assert uids[0][0] == uids[1][0]  # the same meeting in both calendars
    again = _vevents(agenda_ics(ev, MEETINGS, 0, domain="example.org", stamp=STAMP))
    assert [str(e["UID"]) for e in again] == [
        u.replace("matchmaker.invalid", "example.org") for u in uids[0]
    ]
    moved = [Meeting(1, 1, 0, 1)]
    assert _vevents(agenda_ics(ev, moved, 0))[0]["UID"] != uids[0][0]


def test_ics_aware_slots_are_written_in_utc() -> None:
    tz = dt.timezone(dt.timedelta(hours=1))
    data = agenda_ics(_event(tz=tz), MEETINGS, 0, stamp=STAMP)
    first = _vevents(data)[0]
    assert first.decoded("DTSTART") == T0.replace(tzinfo=tz)
    assert first.decoded("DTEND") == (T0 + MIN20).replace(tzinfo=tz)
    assert b"DTSTART:20250310T080000Z\r\n" in data


def test_ics_crlf_and_folding() -> None:
    long_name = "Ökosystem für nachhaltige Nanomaterialien und Kreislaufwirtschaft " * 3
    ev = _event(org_a_name=long_name.strip())
    data = agenda_ics(ev, MEETINGS, 1, stamp=STAMP)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # folded
    summary = str(_vevents(data)[0]["SUMMARY"])
    assert summary == f"Meeting with Anna Weber ({long_name.strip()})"


def test_ics_without_meetings_has_no_events() -> None:
    assert _vevents(agenda_ics(_event(), [], 0, stamp=STAMP)) == []


# --- printable agendas -------------------------------------------------------------------


def test_agendas_html_one_printed_page_per_participant() -> None:
    ev = _event(org_a_name="Nano <b>mat</b> & Co", tz=dt.timezone(dt.timedelta(hours=1)))
    why = {0: {(0, 1): "Both work on <nanocomposites>"}}
    page = agendas_html(ev, MEETINGS, why=lambda i: why.get(i, {}))
    sections = re.findall(r'<section class="agenda">(.*?)</section>', page, re.S)
    assert len(sections) == len(ev.participants)
    first = sections[0]
    assert "<h1>Anna Weber</h1>" in first
    assert "Nano &lt;b&gt;mat&lt;/b&gt; &amp; Co" in first
    assert "2 meetings; times are local, UTC+01:00" in first
    assert first.count("<tr") == 1 + 3  # the header, two meetings, one free slot
    assert '<td class="when">09:00–09:20</td><td class="table">Table 1</td><td>Luc Dubois' in first
    assert "Both work on &lt;nanocomposites&gt;" in first
    assert "nanocomposites" not in sections[1]  # the reason was written for Anna only
    assert "<h1>p3</h1>" in sections[2]
    assert sections[3].count("<tr") == 1 + 1  # Marie attends s1 only
    # Printing: A4, a page break after each agenda, nothing to run or fetch.
    assert "@page { size: A4" in page
    assert "break-after: page" in page
    assert not re.search(r"<script|(?:src|href)\s*=|url\(|@import|<b>", page, re.I)


def test_agendas_html_shows_the_day_when_the_event_has_several() -> None:
    ev = _event()
    later = ev.slots[0].model_copy(
        update={"start": T0 + dt.timedelta(days=1), "end": T0 + dt.timedelta(days=1) + MIN20}
    )
    ev = ev.model_copy(update={"slots": [later, *ev.slots[1:]]})
    page = agendas_html(ev, MEETINGS, free=False)
    assert "Tue 11 Mar, 09:00–09:20" in page
    assert "Mon 10 Mar, 09:00–09:20" in page


# --- files --------------------------------------------------------------------------------


def test_write_agendas_one_file_per_participant(tmp_path: Path) -> None:
    ev = _event()
    folder = tmp_path / "out"
    paths = write_agendas(ev, MEETINGS, folder, formats=("ics", "csv"))
    stems = [
        "Anna Weber - Nanomat Cluster",
        "Luc Dubois - Université de Liège",
        "p3 - Paris Region",
        "Marie Lambert - Université de Liège",
    ]
    assert [p.name for p in paths] == [f"{s}.{f}" for s in stems for f in ("ics", "csv")]
    assert calendar_names(ev) == [f"{s}.ics" for s in stems]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    assert [len(_vevents(p.read_bytes())) for p in paths if p.suffix == ".ics"] == [2, 1, 2, 1]
    assert (folder / f"{stems[1]}.csv").read_bytes() == agenda_csv(ev, MEETINGS, 1)


def test_participant_without_meetings_gets_an_empty_calendar(tmp_path: Path) -> None:
    paths = write_agendas(_event(), MEETINGS[:1], tmp_path)
    assert [len(_vevents(p.read_bytes())) for p in paths] == [1, 1, 0, 0]


def test_file_names_are_safe_and_unique(tmp_path: Path) -> None:
    ev = Event(
        id="ev",
        name="Names",
        participants=[
            Participant(id=i, organisation="o") for i in ["org:p:1", "org_p_1", "ORG_P_1"]
        ],
    )
    paths = write_agendas(ev, [], tmp_path)
    assert [p.name for p in paths] == [
        "org_p_1 - o.ics",
        "org_p_1 - o (2).ics",
        "ORG_P_1 - o (3).ics",
    ]
    assert all(p.parent == tmp_path for p in paths)


@pytest.mark.parametrize(
    ("person", "organisation", "name"),
    [
        ("Ana Silva", "Inova Lisboa", "Ana Silva - Inova Lisboa.ics"),
        ("  Ana\nSilva ", 'A/B: "C" <D>|E?*', "Ana Silva - A_B_ _C_ _D__E__.ics"),
        ("../../etc/passwd", "x", "_.._etc_passwd - x.ics"),
        ("CON", "x", "CON - x.ics"),
        ("José Ñúñez", "Université de Liège", "José Ñúñez - Université de Liège.ics"),
        ("x" * 150, "y", "x" * 100 + ".ics"),
    ],
)
def test_calendar_names_are_safe(person: str, organisation: str, name: str) -> None:
    ev = Event(
        id="ev",
        name="Names",
        organisations=[_org("o", organisation, "sme", "PT17")],
        participants=[Participant(id="p", organisation="o", person=person)],
    )
    assert calendar_names(ev) == [name]


def test_agendas_zip_holds_the_files_of_write_agendas() -> None:
    ev = _event()
    stems = [n.removesuffix(".ics") for n in calendar_names(ev)]
    with zipfile.ZipFile(io.BytesIO(agendas_zip(ev, MEETINGS, formats=("csv", "xlsx")))) as zf:
        assert zf.namelist() == [f"{s}.{f}" for s in stems for f in ("csv", "xlsx")]
        assert zf.read("p3 - Paris Region.csv") == agenda_csv(ev, MEETINGS, 2)
        table = _read_xlsx(zf.read("p3 - Paris Region.xlsx"))
        assert table.intro[0] == "p3, Paris Region"
        assert table.rows == _read_xlsx(agenda_xlsx(ev, MEETINGS, 2)).rows
    with zipfile.ZipFile(io.BytesIO(agendas_zip(ev, MEETINGS, stamp=STAMP))) as zf:
        assert zf.namelist() == calendar_names(ev)
        for i, name in enumerate(zf.namelist()):
            assert len(_vevents(zf.read(name))) == len([m for m in MEETINGS if i in (m.a, m.b)])


def test_unknown_format() -> None:
    with pytest.raises(InvalidInputError, match=r"format 'pdf' is not an agenda format"):
        agendas_zip(_event(), MEETINGS, formats=("ics", "pdf"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="use one or more of: ics, csv, xlsx"):
        write_agendas(_event(), MEETINGS, "unused", formats=())


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meetings", "message"),
    [
        (
            [Meeting(3, 0, 0, 1)],
            r"meeting 1 \(slot 3, table 0, participants 0 and 1\): slot 3 is out of range; "
            r"the event has 3 slots \(indices: 0 to 2\)",
        ),
        (
            [Meeting(1, 2, 0, 1)],
            r"meeting 1 \(.*\): table 2 is out of range; the event has 2 tables",
        ),
        (
            [Meeting(1, 0, 0, 1), Meeting(2, 0, 4, 1)],
            r"meeting 2 \(.*\): a 4 is out of range; the event has 4 participants "
            r"\(indices: 0 to 3\)",
        ),
        ([Meeting(1, 0, 0, -1)], r"meeting 1 \(.*\): b -1 is out of range"),
        ([Meeting(1, 0, 2, 2)], r"participant 2 \('p3'\) cannot meet itself"),
        ([Meeting(1, 0, 1.0, 2)], r"a 1\.0 is not an integer index"),  # type: ignore[arg-type]
        ([(1, 0, 0, 1)], r"meeting 1 is not a Meeting"),
        (
            [Meeting(1, 0, 0, 1), Meeting(1, 1, 0, 2)],
            r"participant 'p1' \(index 0\) has 2 meetings in slot 's1': meetings 1, 2",
        ),
        (
            [Meeting(2, 1, 0, 1), Meeting(2, 1, 2, 3)],
            r"participant 'p4' is not available in slot 's2'",
        ),
        (
            [Meeting(2, 1, 0, 1), Meeting(2, 1, 2, 1)],
            r"table 1 \(Table 2\) holds 2 meetings in slot 's2': meetings 1, 2",
        ),
    ],
)
def test_broken_schedule_is_refused(meetings: list[Meeting], message: str) -> None:
    ev = _event()
    for export in (
        lambda: agenda_rows(ev, meetings, 0),
        lambda: agenda_ics(ev, meetings, 0),
        lambda: grid_rows(ev, meetings),
        lambda: agendas_xlsx(ev, meetings),
    ):
        with pytest.raises(InvalidInputError, match=message):
            export()


def test_every_problem_is_reported_at_once() -> None:
    bad = [Meeting(9, 0, 0, 1), Meeting(1, 5, 0, 1), Meeting(1, 0, 0, 9)]
    with pytest.raises(InvalidInputError, match="3 problems in the schedule") as info:
        grid_rows(_event(), bad)
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [
        (1, "slot", "9"),
        (2, "table", "5"),
        (3, "b", "9"),
    ]


def test_no_tables() -> None:
    ev = _event().model_copy(update={"tables": 0})
    with pytest.raises(InvalidInputError, match=r"the event has 0 tables \(indices: none\)"):
        grid_rows(ev, MEETINGS[:1])


@pytest.mark.parametrize("participant", [4, -1, True])
def test_participant_out_of_range(participant: int) -> None:
    with pytest.raises(
        InvalidInputError,
        match=rf"participant {participant!r} is not an index of the event's 4 participants "
        r"\(indices: 0 to 3\)",
    ):
        agenda_csv(_event(), MEETINGS, participant)
