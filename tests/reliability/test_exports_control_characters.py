"""Control characters in every text field, through every export (issue 19, item 11).

A CR or LF inside an event's or a person's name made every calendar export answer 500 and the
command line print a traceback; a bare CR was written raw into ``X-WR-CALNAME``, where a client
that splits lines on CR reads a property of its own. Here every control character (U+0000 to
U+001F, U+007F, U+0085, U+2028, U+2029) that the models accept is put into every text field
(event, person, job title, phone, extra column and its header, organisation, description,
offers, room, theme, round), and every export is read back with the library made for it:

- calendars (``.ics``, one and the zip) with ``icalendar``: exactly the properties that were
  written, no line but CRLF-terminated ones of at most 75 octets, no control character, and
  each text as a line of plain text (a line break is a space, other control characters gone)
  after RFC 5545 escaping (backslash, semicolon, comma) and unescaping;
- XLSX with ``openpyxl``: the text, line breaks as ``\\n``, other control characters gone
  (XML cannot hold them);
- CSV with the ``csv`` module: the text exactly, every row with the header's columns;
- JSON: the text exactly; printable room pages: the text, escaped, no control character.

The same event goes through the library functions (one case per character), the API on a real
SQLite file (every download endpoint, after real solver runs), and the command line
(``schedule --ics-dir --export``, ``breakouts --export``, ``export``) in a child process.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import html
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import icalendar
import openpyxl
import pytest
from fastapi.testclient import TestClient
from icalendar.parser import Contentline, Contentlines
from pydantic import ValidationError

from matchmaker.export.agenda import (
    agenda_csv,
    agenda_ics,
    agenda_xlsx,
    agendas_xlsx,
    agendas_zip,
    calendar_names,
    grid_csv,
    grid_xlsx,
    write_agendas,
)
from matchmaker.export.breakouts import room_html, rooms_csv, rooms_xlsx
from matchmaker.io import dump_organisations, dump_registrations
from matchmaker.models import Event
from matchmaker.plan.breakouts import plan_breakouts
from matchmaker.service.app import create_app
from matchmaker.service.settings import Settings
from matchmaker.solvers.result import Meeting
from matchmaker.store import Store

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\u2029"]
# What a line break is (str.splitlines), and what each export makes of the others.
BREAKS = {"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
C1 = {chr(c) for c in range(0x80, 0xA0)}
# RFC 5545's specials, so that escaping is checked along with the control characters.
SPECIALS = '; O\'Brien, \\ 50% "x"'
ICS_PROPERTIES = {
    "VCALENDAR": {"VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME"},
    "VEVENT": {
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "LOCATION",
        "DESCRIPTION",
        "STATUS",
    },
}
ROOT = Path(__file__).resolve().parents[2]


def _name(c: str) -> str:
    return f"U+{ord(c):04X}"


def as_line(text: str) -> str:
    """A text as one line of plain text: CRLF and each line break a space, others gone."""
    text = text.replace("\r\n", " ")
    return "".join(
        " " if ch in BREAKS else "" if _is_control(ch) and ch != "\t" else ch for ch in text
    )


def as_cell(text: str) -> str:
    """A text as an XLSX cell holds it: line breaks ``\\n``, other control characters gone."""
    text = text.replace("\r\n", "\n")
    return "".join(
        "\n" if ch in BREAKS else "" if _is_control(ch) and ch != "\t" else ch for ch in text
    )


def _is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or ch == "\x7f" or ch in C1


# --- the event ---------------------------------------------------------------------------

# Each text field of an event document: where it is, and its value with the character ``c``.
FIELDS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str, str]] = {
    "event name": (lambda d: d, "name", "Brokerage{c}Day"),
    "organisation name": (lambda d: d["organisations"][0], "name", "Nano{c}mat"),
    "organisation description": (lambda d: d["organisations"][0], "description", "We{c}make"),
    "person": (lambda d: d["participants"][0], "person", "Ana{c}Maria"),
    "partner person": (lambda d: d["participants"][1], "person", "Bo{c}Lund"),
    "job title": (lambda d: d["participants"][0], "job_title", "Head{c}of R&D"),
    "phone": (lambda d: d["participants"][0], "phone", "+32 1{c}2"),
    "room name": (lambda d: d["rooms"][0], "name", "Hall{c}A"),
    "round name": (lambda d: d["rounds"][0], "name", "Morning{c}round"),
}
# Keyed fields: an extra column's header and value, an offer's text, a room's theme.
LIST_FIELDS = ("extra key", "extra value", "offer", "theme")


def base_document() -> dict[str, Any]:
    """A small event: 4 organisations, 6 participants, 2 rooms, 2 rounds, 3 slots, 2 tables."""
    orgs = [
        {"id": "nanomat", "name": "Nanomat", "type": "cluster", "region": "DE11"},
        {"id": "liege", "name": "Liege Uni", "type": "university", "region": "BE33"},
        {"id": "paris", "name": "Paris Region", "type": "public_authority", "region": "FR10"},
        {"id": "milano", "name": "Milano SME", "type": "sme", "region": "ITC4"},
    ]
    people = [
        {"id": f"p{i + 1}", "organisation": orgs[i % 4]["id"], "person": f"Person {i + 1}"}
        for i in range(6)
    ]
    t0 = dt.datetime(2025, 3, 10, 9, 0)
    return {
        "id": "ctl-event",
        "name": "Brokerage",
        "organisations": orgs,
        "participants": people,
        "rooms": [
            {"id": "r1", "name": "Hall", "capacity": 4, "themes": ["nanotech"]},
            {"id": "r2", "name": "Salon", "capacity": 4, "themes": ["policy"]},
        ],
        "rounds": [{"id": "R1", "name": "Morning"}, {"id": "R2", "name": "Afternoon"}],
        "slots": [
            {
                "id": f"s{k + 1}",
                "start": (t0 + dt.timedelta(minutes=20 * k)).isoformat(),
                "end": (t0 + dt.timedelta(minutes=20 * (k + 1))).isoformat(),
            }
            for k in range(3)
        ],
        "tables": 2,
    }


def _set(doc: dict[str, Any], field: str, c: str) -> None:
    if field in FIELDS:
        where, key, template = FIELDS[field]
        where(doc)[key] = template.format(c=c)
    elif field == "extra key":
        doc["participants"][0].setdefault("extra", {})[f"Dietary{c}needs"] = "none"
    elif field == "extra value":
        doc["participants"][1].setdefault("extra", {})["Notes"] = f"first{c}second"
    elif field == "offer":
        doc["organisations"][1]["offers"] = [{"text": f"Clean{c}rooms"}]
    elif field == "theme":
        doc["rooms"][1]["themes"] = [f"smart{c}grids"]


def accepted(field: str, c: str) -> bool:
    """Whether the models take ``c`` in ``field``; a refusal must be a clear validation error."""
    doc = base_document()
    _set(doc, field, c)
    try:
        Event.model_validate(doc)
    except ValidationError:
        return False
    return True


def document_with(chars: list[str]) -> dict[str, Any]:
    """The event with every character of ``chars`` in every field that accepts it."""
    doc = base_document()
    for field in (*FIELDS, *LIST_FIELDS):
        taken = "".join(c for c in chars if accepted(field, c))
        _set(doc, field, taken)
    return doc


# --- checks per format -------------------------------------------------------------------


def check_ics(data: bytes, *, texts: list[str]) -> icalendar.Calendar:
    """A calendar parses, holds only the properties written, has clean folded lines, and each
    of ``texts`` is in it as a line of plain text."""
    body = data.replace(b"\r\n", b"")
    assert b"\r" not in body
    assert b"\n" not in body
    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
        decoded = line.decode("utf-8")
        assert not any(_is_control(ch) and ch != "\t" for ch in decoded), line
        assert "\u2028" not in decoded
        assert "\u2029" not in decoded
    cal = icalendar.Calendar.from_ical(data)
    names = {c.name: set() for c in cal.walk()}
    for component in cal.walk():
        names[component.name] |= set(component.keys())
        assert set(component.keys()) <= ICS_PROPERTIES[component.name], component.keys()
    assert {c.name for c in cal.walk()} <= {"VCALENDAR", "VEVENT"}
    # X-WR-CALNAME is TEXT for the clients that read it; icalendar keeps it escaped.
    unfolded = Contentlines.from_ical(data.decode("utf-8"))
    calname = next(Contentline(x).parts()[2] for x in unfolded if x.startswith("X-WR-CALNAME"))
    values = [calname, *(str(e[k]) for e in cal.walk("VEVENT") for k in ("SUMMARY", "LOCATION"))]
    descriptions = [str(e["DESCRIPTION"]) for e in cal.walk("VEVENT")]
    shown = "\n".join(values + descriptions)
    for value in values:
        assert "\n" not in value
    for d in descriptions:
        assert all(line.split(":", 1)[0] in {"Organisation", "Country", "Type", "Why"}
                   for line in d.split("\n")), d  # fmt: skip
    for text in texts:
        assert as_line(text) in shown, (text, shown)
    return cal


def check_csv(data: bytes, *, texts: list[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows
    assert all(len(row) == len(rows[0]) for row in rows), rows
    cells = {cell for row in rows for cell in row}
    for text in texts:
        assert any(text in cell for cell in cells), (text, rows)
    return rows


def check_xlsx(data: bytes, *, texts: list[str]) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    ]
    for text in texts:
        assert any(as_cell(text) in cell for cell in cells), (text, cells)
    for cell in cells:
        assert not any(_is_control(ch) and ch not in "\t\n" for ch in cell), cell
    return cells


def check_json(data: bytes, *, texts: list[str]) -> None:
    shown = json.dumps(json.loads(data), ensure_ascii=False)
    for text in texts:
        assert json.dumps(text, ensure_ascii=False)[1:-1] in shown, text


def check_html(data: bytes, *, texts: list[str]) -> None:
    page = data.decode("utf-8")
    assert page.count("<title>") == 1
    assert page.count("</html>") == 1
    assert not any(_is_control(ch) and ch not in "\t\n" for ch in page)
    assert "\u2028" not in page
    for text in texts:
        assert html.escape(as_line(text)) in page, text


# --- library functions, one case per character -------------------------------------------


def test_what_the_models_accept() -> None:
    """NUL is refused everywhere (PostgreSQL cannot store it), with a message naming it; the
    other control characters are accepted in names and texts and must be exported."""
    for field in (*FIELDS, *LIST_FIELDS):
        assert not accepted(field, "\x00") or field == "extra key", field
        assert accepted(field, "\x01"), field
        assert accepted(field, "\r"), field
    with pytest.raises(ValidationError, match="NUL character"):
        Event.model_validate(document_with(["\x00"]) | {"name": "a\x00b"})


MEETINGS = [Meeting(0, 0, 0, 1), Meeting(1, 0, 0, 2), Meeting(1, 1, 1, 3), Meeting(2, 0, 4, 5)]


@pytest.mark.parametrize("c", CONTROLS, ids=_name)
def test_every_export_carries_the_character(c: str, tmp_path: Path) -> None:
    event = Event.model_validate(document_with([c]))
    p0, p1 = event.participants[0], event.participants[1]
    org0 = event.organisations[0]
    names = [n for n in (p0.person or "", p1.person or "", org0.name) if c in n]
    why = {(0, 1): f"both{c}work on nanotech"}

    # Calendars: one, the zip, the files.
    for i in range(len(event.participants)):
        texts = [event.name, event.participants[i].person or ""]
        check_ics(agenda_ics(event, MEETINGS, i, why=why), texts=texts)
    cal = check_ics(agenda_ics(event, MEETINGS, 1, why=why), texts=[org0.name, p0.person or ""])
    with_p0 = [e for e in cal.walk("VEVENT") if as_line(p0.person or "") in str(e["SUMMARY"])]
    assert len(with_p0) == 1
    assert str(with_p0[0]["DESCRIPTION"]).endswith("Why: " + as_line(why[(0, 1)]))
    archive = zipfile.ZipFile(io.BytesIO(agendas_zip(event, MEETINGS, formats=("ics", "csv"))))
    assert len(archive.namelist()) == 2 * len(event.participants)
    for name in archive.namelist():
        if name.endswith(".ics"):
            check_ics(archive.read(name), texts=[event.name])
        else:
            check_csv(archive.read(name), texts=[])
    written = write_agendas(event, MEETINGS, tmp_path / "cal", formats=("ics", "csv", "xlsx"))
    for path in written:
        assert path.stat().st_size > 0

    # Agendas and the grid.
    check_csv(agenda_csv(event, MEETINGS, 1), texts=[p0.person or "", org0.name])
    check_xlsx(agenda_xlsx(event, MEETINGS, 1), texts=[p0.person or "", org0.name])
    check_xlsx(agendas_xlsx(event, MEETINGS), texts=[p0.person or "", org0.name])
    check_csv(grid_csv(event, MEETINGS), texts=names)
    check_xlsx(grid_xlsx(event, MEETINGS), texts=names)

    # Registrations and organisations.
    people_texts = [
        t for t in (p0.person, p0.job_title, *p0.extra, *p1.extra.values(), org0.name) if t
    ]
    for fmt, check in (("csv", check_csv), ("xlsx", check_xlsx), ("json", check_json)):
        data = dump_registrations(event.participants, event.organisations, fmt)  # type: ignore[arg-type]
        # The JSON list holds the person and the profile (not the job title or extra columns).
        check(data, texts=people_texts if fmt != "json" else [p0.person or "", org0.name])
        orgs = dump_organisations(event.organisations, fmt)  # type: ignore[arg-type]
        check(orgs, texts=[org0.name, org0.description])


@pytest.mark.parametrize("c", CONTROLS, ids=_name)
def test_room_exports_carry_the_character(c: str) -> None:
    event = Event.model_validate(document_with([c]))
    plan = plan_breakouts(event, seed=0, time_limit=0.2)
    p0 = event.participants[0]
    check_csv(rooms_csv(plan), texts=[p0.person or ""])
    check_xlsx(rooms_xlsx(plan), texts=[p0.person or ""])
    for r in event.rounds:
        for m in event.rooms:
            page = room_html(plan, r.id, m.id).encode("utf-8")
            check_html(page, texts=[m.name, event.name, r.name or ""])
            if p0.id in plan.assignment[r.id][m.id]:
                check_html(page, texts=[p0.person or ""])


# --- the API, on a real SQLite file -------------------------------------------------------


@pytest.fixture(scope="module")
def every_character() -> dict[str, Any]:
    return document_with(CONTROLS)


def test_every_download_of_the_api(every_character: dict[str, Any], tmp_path: Path) -> None:
    from event_api_support import wait_job

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", background_refit=False)
    doc = copy.deepcopy(every_character)
    event = Event.model_validate(doc)
    person, org = event.participants[0].person or "", event.organisations[0].name
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        store = client.app.state.store  # type: ignore[attr-defined]
        _, key = store.create_api_key(role="organiser", subject="org-a", name="t")
        auth = {"Authorization": f"Bearer {key}"}
        r = client.post("/api/events", json=doc, headers=auth)
        assert r.status_code == 201, r.text
        base = f"/api/events/{doc['id']}"
        for run in ("schedule", "breakouts"):
            r = client.post(f"{base}/{run}", json={"seed": 0, "time_limit": 0.3}, headers=auth)
            assert r.status_code == 202, r.text
            assert wait_job(client, r.headers["Location"], auth)["status"] == "succeeded"

        def get(path: str) -> bytes:
            r = client.get(f"{base}/{path}", headers=auth)
            assert r.status_code == 200, (path, r.status_code, r.text[:500])
            assert "\r" not in r.headers.get("content-disposition", "")
            return r.content

        check_csv(get("participants.csv"), texts=[person, org])
        check_xlsx(get("participants.xlsx"), texts=[person, org])
        check_json(get("participants.json"), texts=[person, org])
        check_csv(get("schedule/agendas.csv"), texts=[person])
        check_xlsx(get("schedule/agendas.xlsx"), texts=[person])
        check_csv(get("schedule/grid.csv"), texts=[])
        check_xlsx(get("schedule/grid.xlsx"), texts=[])
        check_html(get("schedule/agendas.html"), texts=[person, org])
        archive = zipfile.ZipFile(io.BytesIO(get("schedule/ics.zip")))
        # Calendars are named after people: no control character reaches a file name.
        assert archive.namelist() == calendar_names(event)
        assert not any(_is_control(ch) for name in archive.namelist() for ch in name)
        for name, p in zip(archive.namelist(), event.participants, strict=True):
            check_ics(archive.read(name), texts=[event.name])
            assert (
                archive.read(name).split(b"DTSTAMP")[1:]
                == get(f"schedule/ics/{p.id}.ics").split(b"DTSTAMP")[1:]
            )
        check_csv(get("breakouts/rooms.csv"), texts=[person])
        check_xlsx(get("breakouts/rooms.xlsx"), texts=[person])
        for rnd in event.rounds:
            for rm in event.rooms:
                check_html(get(f"breakouts/rooms/{rnd.id}/{rm.id}.html"), texts=[rm.name])
            check_html(get(f"breakouts/rooms/{rnd.id}.html"), texts=[rm.name for rm in event.rooms])


# --- the command line, in a child process -------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matchmaker.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_export_of_the_command_line(every_character: dict[str, Any], tmp_path: Path) -> None:
    doc = copy.deepcopy(every_character)
    event = Event.model_validate(doc)
    person, org = event.participants[0].person or "", event.organisations[0].name
    source = tmp_path / "event.json"
    source.write_text(json.dumps(doc), encoding="utf-8")

    done = _cli("schedule", str(source), "--ics-dir", "cal", "--export", "grid", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    calendars = sorted((tmp_path / "cal").glob("*.ics"))
    assert len(calendars) == len(event.participants)
    for path in calendars:
        check_ics(path.read_bytes(), texts=[event.name])
    for path in (tmp_path / "grid").iterdir():
        if path.suffix == ".csv":
            check_csv(path.read_bytes(), texts=[])
        elif path.suffix == ".xlsx":
            check_xlsx(path.read_bytes(), texts=[])

    done = _cli("breakouts", str(source), "--export", "rooms", "--time-limit", "0.3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    check_csv((tmp_path / "rooms" / "rooms.csv").read_bytes(), texts=[person])
    check_xlsx((tmp_path / "rooms" / "rooms.xlsx").read_bytes(), texts=[person])
    for page in (tmp_path / "rooms").glob("*.html"):
        check_html(page.read_bytes(), texts=[event.name])

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    done = _cli("import", str(source), "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for fmt, check in (("csv", check_csv), ("xlsx", check_xlsx), ("json", check_json)):
        out = tmp_path / f"people.{fmt}"
        done = _cli("export", "--db", db, "--event", doc["id"], "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        check(out.read_bytes(), texts=[person, org])
        out = tmp_path / f"orgs.{fmt}"
        done = _cli("export", "--db", db, "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        check(out.read_bytes(), texts=[org])
    assert re.search("Traceback", done.stderr) is None
    with Store(db) as store:
        assert store.get_event(doc["id"]).name == event.name
