"""Exports of a breakout plan: room lists (CSV, XLSX) and a printable page per room.

Decisions
---------
- A room list has one row per person and round, rounds in event order, then rooms in event
  order, then people in event order. Cells are text; a cell that a spreadsheet would read as a
  formula is quoted with ``'`` (as for agendas), so a list imports back to the same values.
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
from matchmaker.io.sheets import (
    csv_bytes,
    file_stems,
    plain_text,
    sheet_names,
    write_files,
    xlsx_bytes,
)
from matchmaker.models import Organisation, Participant
from matchmaker.plan.breakouts import BreakoutPlan

__all__ = [
    "ROOM_COLUMNS",
    "room_html",
    "room_rows",
    "rooms_csv",
    "rooms_xlsx",
    "write_room_exports",
    "write_room_pages",
]

ROOM_COLUMNS = ("round", "room", "participant_id", "person", "organisation", "country", "type")


def _orgs(plan: BreakoutPlan) -> dict[str, Organisation]:
    return {o.id: o for o in plan.event.organisations}


def _row(round_id: str, room_id: str, p: Participant, orgs: dict[str, Organisation]) -> list[str]:
    org = orgs.get(p.organisation)
    return [
        round_id,
        room_id,
        p.id,
        p.person or "",
        org.name if org is not None else p.organisation,
        org.country if org is not None else "",
        org.type.label if org is not None else "",
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
            rows.extend(_row(rnd.id, room.id, people[pid], orgs) for pid in rooms.get(room.id, []))
    return rows


def room_rows(plan: BreakoutPlan) -> list[dict[str, str]]:
    """Every person's room in every round, as rows keyed by :data:`ROOM_COLUMNS`."""
    return [dict(zip(ROOM_COLUMNS, row, strict=True)) for row in _table(plan)]


def rooms_csv(plan: BreakoutPlan) -> bytes:
    """:func:`room_rows` as CSV: UTF-8 with BOM, CRLF, formula-like cells quoted with ``'``."""
    return csv_bytes(list(ROOM_COLUMNS), _table(plan))


def rooms_xlsx(plan: BreakoutPlan) -> bytes:
    """The room lists as an XLSX workbook: one sheet per round (named after its id), text
    cells only, formula-like cells quoted."""
    names = sheet_names([r.id for r in plan.event.rounds])
    return xlsx_bytes(
        [
            (name, list(ROOM_COLUMNS), _table(plan, rnd.id))
            for name, rnd in zip(names, plan.event.rounds, strict=True)
        ]
    )


# --- printable pages ----------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
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
  tr { break-inside: avoid; }
  .themes span { border-color: #000; }
}
""".strip()


def _check(plan: BreakoutPlan, round_id: str, room_id: str) -> None:
    rounds = [r.id for r in plan.event.rounds]
    rooms = [r.id for r in plan.event.rooms]
    if round_id not in rounds:
        raise InvalidInputError(
            f"round '{round_id}' is not a round of the plan; the rounds are: {', '.join(rounds)}"
        )
    if room_id not in rooms:
        raise InvalidInputError(
            f"room '{room_id}' is not a room of the plan; the rooms are: {', '.join(rooms)}"
        )


def room_html(plan: BreakoutPlan, round_id: str, room_id: str) -> str:
    """A printable page for one room in one round: its name, themes, and the people in it
    with their organisation, country, type and why they are there.

    Raises
    ------
    InvalidInputError
        When the round or the room is not one of the plan.
    """
    _check(plan, round_id, room_id)

    def e(value: str) -> str:
        return html.escape(plain_text(value, line_break=" "))

    event = plan.event
    room = next(r for r in event.rooms if r.id == room_id)
    rnd = next(r for r in event.rounds if r.id == round_id)
    people = {p.id: p for p in event.participants}
    orgs = _orgs(plan)
    why = plan.explanations.get(round_id, {})
    ids = plan.assignment.get(round_id, {}).get(room_id, [])
    seats = sum(people[pid].seats for pid in ids)
    rows = []
    for pid in ids:
        _, _, _, person, org, country, kind = _row(round_id, room_id, people[pid], orgs)
        explanation = why.get(pid)
        rows.append(
            "<tr>"
            f"<td>{e(person or pid)}</td><td>{e(org)}</td><td>{e(country)}</td>"
            f'<td>{e(kind)}</td><td class="why">{e(explanation.text if explanation else "")}</td>'
            "</tr>"
        )
    themes = "".join(f"<span>{e(t)}</span>" for t in room.themes)
    round_name = rnd.name or rnd.id
    when = f", {rnd.start:%Y-%m-%d %H:%M}" if rnd.start else ""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{e(room.name)}: {e(round_name)}</title>",
            f"<style>\n{_CSS}\n</style>",
            "</head>",
            "<body>",
            f"<h1>{e(room.name)}</h1>",
            f'<p class="meta">{e(event.name)}: {e(round_name)}{e(when)}; {len(ids)} '
            f"participants, {seats} of {room.capacity} seats</p>",
            f'<p class="themes">{themes}</p>' if themes else "",
            "<table>",
            "<thead><tr><th>Person</th><th>Organisation</th><th>Country</th><th>Type</th>"
            "<th>Why here</th></tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _pages(plan: BreakoutPlan) -> list[tuple[str, bytes]]:
    pairs = [(rnd.id, room.id) for rnd in plan.event.rounds for room in plan.event.rooms]
    stems = file_stems([f"{t}-{r}" for t, r in pairs])
    return [
        (f"{stem}.html", room_html(plan, t, r).encode("utf-8"))
        for stem, (t, r) in zip(stems, pairs, strict=True)
    ]


def write_room_pages(plan: BreakoutPlan, folder: str | Path) -> list[Path]:
    """Write one page per round and room, named ``<round id>-<room id>.html`` (characters
    other than letters, digits and ``. _ @ -`` become ``_``); returns the files written."""
    return write_files(folder, _pages(plan))


def write_room_exports(plan: BreakoutPlan, folder: str | Path) -> list[Path]:
    """Write ``rooms.csv``, ``rooms.xlsx`` and the room pages into ``folder``."""
    files = [
        ("rooms.csv", rooms_csv(plan)),
        ("rooms.xlsx", rooms_xlsx(plan)),
        *_pages(plan),
    ]
    return write_files(folder, files)
