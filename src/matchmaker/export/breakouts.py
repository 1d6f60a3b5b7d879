"""Exports of a breakout plan: room lists (CSV, XLSX), a printable page per room and a
printable page per round with all its rooms.

Decisions
---------
- A room list has one row per person and round, rounds in event order, then rooms in event
  order, then people in event order. Rounds and rooms are named as the event names them (the
  round's name, the room's name); their ids stay in columns of their own, so a list still
  matches the event file. A cell that a spreadsheet would read as a formula is quoted with
  ``'`` (as for agendas), so a list imports back to the same values.
- The workbook opens on one long table of every round ("All rounds", to filter and sort), then
  one sheet per round named after the round. A round's start is a date cell, in the event's
  wall-clock time, its header naming the offset.
- A round's page holds every room of the round, each printed on a page of its own (CSS
  ``break-after: page``), to print at once and put on the doors.
- A room page is one self-contained HTML file: inline CSS with print rules, no scripts, no
  external assets or links, every text escaped. It is meant to be printed and put on the door.
  Control characters in a name or text (HTML has no use for them; most are parse errors) are
  removed, and line breaks become spaces, before the text is escaped.
- Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import html
from pathlib import Path

from matchmaker.errors import InvalidInputError
from matchmaker.export.agenda import time_zone
from matchmaker.export.pages import printable_page
from matchmaker.io.sheets import (
    Cell,
    Sheet,
    csv_bytes,
    file_stems,
    plain_text,
    sheet_names,
    write_files,
    xlsx_bytes,
)
from matchmaker.models import Organisation, Participant, Room, Round
from matchmaker.plan.breakouts import BreakoutPlan

__all__ = [
    "ALL_ROUNDS",
    "ROOM_COLUMNS",
    "room_html",
    "room_rows",
    "rooms_csv",
    "rooms_xlsx",
    "round_html",
    "write_room_exports",
    "write_room_pages",
]

# Names first, for people; the ids last, to match the event file.
ROOM_COLUMNS = (
    "round_name",
    "room_name",
    "person",
    "organisation",
    "country",
    "type",
    "round",
    "room",
    "participant_id",
)
ALL_ROUNDS = "All rounds"


def _orgs(plan: BreakoutPlan) -> dict[str, Organisation]:
    return {o.id: o for o in plan.event.organisations}


def _row(rnd: Round, room: Room, p: Participant, orgs: dict[str, Organisation]) -> list[str]:
    org = orgs.get(p.organisation)
    return [
        rnd.name or rnd.id,
        room.name,
        p.person or "",
        org.name if org is not None else p.organisation,
        org.country if org is not None else "",
        org.type.label if org is not None else "",
        rnd.id,
        room.id,
        p.id,
    ]


def _table(plan: BreakoutPlan, round_id: str | None = None) -> list[list[str]]:
    people = {p.id: p for p in plan.event.participants}
    orgs = _orgs(plan)
    rows: list[list[str]] = []
    for rnd in plan.event.rounds:
        if round_id is not None and rnd.id != round_id:
            continue
        rooms = plan.assignment.get(rnd.id, {})
        for room in plan.event.rooms:
            rows.extend(_row(rnd, room, people[pid], orgs) for pid in rooms.get(room.id, []))
    return rows


def room_rows(plan: BreakoutPlan) -> list[dict[str, str]]:
    """Every person's room in every round, as rows keyed by :data:`ROOM_COLUMNS`."""
    return [dict(zip(ROOM_COLUMNS, row, strict=True)) for row in _table(plan)]


def rooms_csv(plan: BreakoutPlan) -> bytes:
    """:func:`room_rows` as CSV: UTF-8 with BOM, CRLF, formula-like cells quoted with ``'``."""
    return csv_bytes(list(ROOM_COLUMNS), _table(plan))


def _sheet(plan: BreakoutPlan, title: str, round_id: str | None) -> Sheet:
    rounds = {r.id: r for r in plan.event.rounds}
    starts = [r.start for r in plan.event.rounds if r.start is not None]
    header = ["Round", "Room", "Person", "Organisation", "Country", "Type"]
    if starts:
        header.insert(1, f"Start ({time_zone(starts)})")
    header += ["Round id", "Room id", "Participant id"]
    rows: list[list[Cell]] = []
    for row in _table(plan, round_id):
        cells: list[Cell] = list(row)
        if starts:
            start = rounds[row[6]].start
            cells.insert(1, None if start is None else start.replace(tzinfo=None))
        rows.append(cells)
    return Sheet(title, header, rows, fixed_columns=3 if starts else 2)


def rooms_xlsx(plan: BreakoutPlan) -> bytes:
    """The room lists as an XLSX workbook.

    The first sheet, "All rounds", is every person's room in every round; then one sheet per
    round, named after the round (its id when it has no name; made a valid, distinct sheet
    name). Columns: round, its start (a date cell, when the rounds have one), room, person,
    organisation, country, type, then the round's, room's and participant's ids. Text cells
    are text (formula-like cells quoted); the header is frozen and filtered.
    """
    rounds = plan.event.rounds
    names = sheet_names([ALL_ROUNDS, *(r.name or r.id for r in rounds)])[1:]
    return xlsx_bytes(
        [
            _sheet(plan, ALL_ROUNDS, None),
            *(_sheet(plan, name, rnd.id) for name, rnd in zip(names, rounds, strict=True)),
        ]
    )


# --- printable pages ----------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
section.room { margin: 0 0 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.meta { color: #444; margin: 0 0 1rem; }
.themes span { display: inline-block; border: 1px solid #888; border-radius: .8rem;
  padding: 0 .6rem; margin: 0 .3rem .3rem 0; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid #ccc; }
th { font-size: .85rem; text-transform: uppercase; color: #444; }
td.why { font-size: .85rem; color: #333; }
@media print {
  body { margin: 0; font-size: 10pt; }
  section.room { margin: 0; break-after: page; page-break-after: always; }
  section.room:last-child { break-after: auto; page-break-after: auto; }
  tr { break-inside: avoid; }
  td.why { font-size: 8.5pt; }
  .themes span { border-color: #000; }
  nav, button { display: none; }
}
""".strip()


def _check_round(plan: BreakoutPlan, round_id: str) -> None:
    rounds = [r.id for r in plan.event.rounds]
    if round_id not in rounds:
        raise InvalidInputError(
            f"round '{round_id}' is not a round of the plan; the rounds are: {', '.join(rounds)}"
        )


def _check(plan: BreakoutPlan, round_id: str, room_id: str) -> None:
    _check_round(plan, round_id)
    rooms = [r.id for r in plan.event.rooms]
    if room_id not in rooms:
        raise InvalidInputError(
            f"room '{room_id}' is not a room of the plan; the rooms are: {', '.join(rooms)}"
        )


def _e(value: str) -> str:
    return html.escape(plain_text(value, line_break=" "))


def _round_title(rnd: Round) -> tuple[str, str]:
    """The round's name, and when it starts (``", 2025-03-10 14:00"``, or nothing)."""
    when = f", {rnd.start:%Y-%m-%d %H:%M}" if rnd.start else ""
    return rnd.name or rnd.id, when


def _room_section(plan: BreakoutPlan, rnd: Round, room: Room) -> str:
    event = plan.event
    people = {p.id: p for p in event.participants}
    orgs = _orgs(plan)
    why = plan.explanations.get(rnd.id, {})
    ids = plan.assignment.get(rnd.id, {}).get(room.id, [])
    seats = sum(people[pid].seats for pid in ids)
    rows = []
    for pid in ids:
        _, _, person, org, country, kind, *_ = _row(rnd, room, people[pid], orgs)
        explanation = why.get(pid)
        rows.append(
            "<tr>"
            f"<td>{_e(person or pid)}</td><td>{_e(org)}</td><td>{_e(country)}</td>"
            f'<td>{_e(kind)}</td><td class="why">{_e(explanation.text if explanation else "")}</td>'
            "</tr>"
        )
    themes = "".join(f"<span>{_e(t)}</span>" for t in room.themes)
    round_name, when = _round_title(rnd)
    return "\n".join(
        [
            '<section class="room">',
            f"<h1>{_e(room.name)}</h1>",
            f'<p class="meta">{_e(event.name)}: {_e(round_name)}{_e(when)}; {len(ids)} '
            f"participants, {seats} of {room.capacity} seats</p>",
            f'<p class="themes">{themes}</p>' if themes else "",
            "<table>",
            "<thead><tr><th>Person</th><th>Organisation</th><th>Country</th><th>Type</th>"
            "<th>Why here</th></tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</section>",
        ]
    )


def _page(title: str, sections: list[str]) -> str:
    return printable_page(title, _CSS, sections)


def room_html(plan: BreakoutPlan, round_id: str, room_id: str) -> str:
    """A printable page for one room in one round: its name, themes, and the people in it
    with their organisation, country, type and why they are there.

    Raises
    ------
    InvalidInputError
        When the round or the room is not one of the plan.
    """
    _check(plan, round_id, room_id)
    room = next(r for r in plan.event.rooms if r.id == room_id)
    rnd = next(r for r in plan.event.rounds if r.id == round_id)
    title = f"{_e(room.name)}: {_e(_round_title(rnd)[0])}"
    return _page(title, [_room_section(plan, rnd, room)])


def round_html(plan: BreakoutPlan, round_id: str) -> str:
    """A printable page with every room of one round, each printed on a page of its own.

    The rooms come in event order, each as in :func:`room_html` (name, themes, the people
    with their organisation, country, type and why they are there); print rules for A4 put a
    page break after each room. Self-contained: inline CSS, no scripts, no links.

    Raises
    ------
    InvalidInputError
        When the round is not one of the plan.
    """
    _check_round(plan, round_id)
    rnd = next(r for r in plan.event.rounds if r.id == round_id)
    title = f"{_e(plan.event.name)}: {_e(_round_title(rnd)[0])}, every room"
    return _page(title, [_room_section(plan, rnd, room) for room in plan.event.rooms])


def _pages(plan: BreakoutPlan) -> list[tuple[str, bytes]]:
    pairs = [(rnd.id, room.id) for rnd in plan.event.rounds for room in plan.event.rooms]
    rounds = [rnd.id for rnd in plan.event.rounds]
    stems = file_stems([*(f"{t}-{r}" for t, r in pairs), *(f"{t}-all-rooms" for t in rounds)])
    pages = [room_html(plan, t, r) for t, r in pairs] + [round_html(plan, t) for t in rounds]
    return [(f"{stem}.html", page.encode("utf-8")) for stem, page in zip(stems, pages, strict=True)]


def write_room_pages(plan: BreakoutPlan, folder: str | Path) -> list[Path]:
    """Write one page per round and room, named ``<round id>-<room id>.html``, then one page
    per round with all its rooms, ``<round id>-all-rooms.html`` (characters other than
    letters, digits and ``. _ @ -`` become ``_``); returns the files written."""
    return write_files(folder, _pages(plan))


def write_room_exports(plan: BreakoutPlan, folder: str | Path) -> list[Path]:
    """Write ``rooms.csv``, ``rooms.xlsx`` and the room pages into ``folder``."""
    files = [
        ("rooms.csv", rooms_csv(plan)),
        ("rooms.xlsx", rooms_xlsx(plan)),
        *_pages(plan),
    ]
    return write_files(folder, files)
