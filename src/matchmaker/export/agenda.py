r"""Exports of a 1:1 meeting schedule: personal agendas, the organiser's grid, calendars.

The solvers speak indices (:class:`~matchmaker.solvers.result.Meeting` holds a slot index, a
0-based table and two participant indices); this module is the edge where they become labels:
"Table 5", a person's name, an organisation's name. Every public function checks the schedule
once (indices in range, no participant or table twice in one slot, participants available) and
raises :class:`InvalidInputError` listing every problem, so that a broken schedule is never
exported silently.

Decisions
---------
- Times in tables are the wall-clock time of the slot as the event gives it: the time people
  read at the venue. CSV writes them in ISO 8601 without an offset (``2025-03-10T09:00``);
  XLSX writes them as date cells (``yyyy-mm-dd hh:mm``), which spreadsheets sort and compute
  with. The offset the slots carry (``UTC+01:00``) is named in the column header, so that
  nobody has to guess the zone; naive slots say nothing more than "local time".
- Every export names people: a participant's own name and organisation are in their sheet, in
  their page and in the name of their calendar file; ids stay in a column of their own, for
  matching with other lists, never in place of a name.
- The agendas workbook opens on one long table of every participant's meetings ("All
  meetings", to filter and sort), then a sheet per participant named after the person, with
  their name, organisation and the time zone above the table.
- The printable agendas are one HTML page that prints each participant's agenda on a page of
  its own (CSS ``break-after: page``), to hand out at the desk.
- A personal agenda lists the participant's meetings and, by default, a ``free`` row for every
  slot the participant is available in but has no meeting, so that gaps can be used for
  unplanned talks. Slots the participant does not attend are left out.
- In calendars, slots with timezone-aware datetimes are written in UTC (``...Z``), which every
  client shows in its own zone and which needs no ``VTIMEZONE``; naive datetimes are written
  as floating times (the same wall-clock time wherever the calendar is opened).
- Every participant gets a calendar, an empty one when they have no meeting, so that a link sent
  out always works and a new export replaces a stale one. (RFC 5545 asks for at least one
  component; the common clients read an empty calendar as a calendar with no events.)
- Names and texts may hold control characters (a pasted line break, a stray ``\x01``). In a
  calendar, each value is first made one line of plain text (``plain_text`` of
  :mod:`matchmaker.io.sheets`: a line break becomes a space, other control characters go), so
  that no name can start a line of its own, not even in the description. Then icalendar's
  ``vText`` escapes backslash, ``;``, ``,`` and the description's line breaks (RFC 5545,
  3.3.11) and its serialiser folds lines at 75 octets. Values are always given as ``vText``:
  icalendar writes an ``X-`` property it does not know as it is, unescaped.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import operator
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from matchmaker.errors import InvalidInputError, Problem
from matchmaker.export.pages import printable_page
from matchmaker.io.sheets import (
    Cell,
    Sheet,
    csv_bytes,
    name_stems,
    plain_text,
    sheet_names,
    write_files,
    xlsx_bytes,
)
from matchmaker.models import Event, Organisation, Participant, TimeSlot
from matchmaker.solvers.result import Meeting

__all__ = [
    "AGENDAS_CSV_COLUMNS",
    "AGENDA_COLUMNS",
    "ALL_MEETINGS",
    "agenda_csv",
    "agenda_ics",
    "agenda_rows",
    "agenda_xlsx",
    "agendas_csv",
    "agendas_html",
    "agendas_xlsx",
    "agendas_zip",
    "calendar_names",
    "grid_csv",
    "grid_rows",
    "grid_xlsx",
    "time_zone",
    "write_agendas",
]

AgendaFormat = Literal["ics", "csv", "xlsx"]
Why = Mapping[tuple[int, int], str]
# Why, as written for one participant: their index -> their Why.
WhyOf = Callable[[int], Why]

AGENDA_COLUMNS = (
    "slot",
    "start",
    "end",
    "status",
    "table",
    "partner_id",
    "partner",
    "organisation",
    "country",
    "type",
)
# The long table of every agenda: who, then their agenda's columns.
AGENDAS_CSV_COLUMNS = ("participant_id", "participant", "participant_organisation", *AGENDA_COLUMNS)
ALL_MEETINGS = "All meetings"
FORMATS: tuple[AgendaFormat, ...] = ("ics", "csv", "xlsx")
PRODID = "-//matchmaker//1:1 agenda//EN"

# A fixed namespace makes UIDs stable from one export to the next.
_UID_NAMESPACE = uuid.UUID("5b0c7f3e-9a51-4d43-8f0e-2f6a7c1d9e42")


# --- validation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Schedule:
    """A checked schedule: meetings with plain ints, indexed for the exports."""

    event: Event
    meetings: tuple[Meeting, ...]
    by_participant: tuple[tuple[Meeting, ...], ...]
    slot_order: tuple[int, ...]
    organisations: Mapping[str, Organisation]


def _index(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _describe(number: int, m: Meeting) -> str:
    return f"meeting {number} (slot {m.slot}, table {m.table}, participants {m.a} and {m.b})"


def _check(event: Event, meetings: Iterable[Meeting]) -> _Schedule:
    """Check a schedule against its event; every problem is reported at once."""
    problems: list[Problem] = []
    n_slots, n_people, n_tables = len(event.slots), len(event.participants), event.tables
    clean: list[tuple[int, Meeting]] = []
    for number, m in enumerate(meetings, start=1):
        if not isinstance(m, Meeting):
            problems.append(
                Problem(number, None, repr(m)[:100], f"meeting {number} is not a Meeting")
            )
            continue
        found: list[Problem] = []
        values: dict[str, int] = {}
        for name, limit, what in (
            ("slot", n_slots, "slots"),
            ("table", n_tables, "tables"),
            ("a", n_people, "participants"),
            ("b", n_people, "participants"),
        ):
            raw = getattr(m, name)
            value = _index(raw)
            if value is None:
                found.append(
                    Problem(
                        number,
                        name,
                        repr(raw),
                        f"{_describe(number, m)}: {name} {raw!r} is not an integer index",
                    )
                )
            elif not 0 <= value < limit:
                valid = f"0 to {limit - 1}" if limit else "none"
                found.append(
                    Problem(
                        number,
                        name,
                        str(value),
                        f"{_describe(number, m)}: {name} {value} is out of range; the event has "
                        f"{limit} {what} (indices: {valid})",
                    )
                )
            else:
                values[name] = value
        if not found and values["a"] == values["b"]:
            found.append(
                Problem(
                    number,
                    "b",
                    str(values["b"]),
                    f"{_describe(number, m)}: participant {values['a']} "
                    f"('{event.participants[values['a']].id}') cannot meet itself",
                )
            )
        if found:
            problems.extend(found)
        else:
            clean.append(
                (number, Meeting(values["slot"], values["table"], values["a"], values["b"]))
            )

    people: dict[tuple[int, int], list[int]] = {}
    tables: dict[tuple[int, int], list[int]] = {}
    for number, m in clean:
        tables.setdefault((m.slot, m.table), []).append(number)
        for p in (m.a, m.b):
            people.setdefault((m.slot, p), []).append(number)
            available = event.participants[p].available
            slot_id = event.slots[m.slot].id
            if available is not None and slot_id not in available:
                problems.append(
                    Problem(
                        number,
                        "a" if p == m.a else "b",
                        str(p),
                        f"{_describe(number, m)}: participant '{event.participants[p].id}' is "
                        f"not available in slot '{slot_id}'",
                    )
                )
    for (slot, p), numbers in people.items():
        if len(numbers) > 1:
            problems.append(
                Problem(
                    numbers[1],
                    None,
                    event.participants[p].id,
                    f"participant '{event.participants[p].id}' (index {p}) has "
                    f"{len(numbers)} meetings in slot '{event.slots[slot].id}': meetings "
                    + ", ".join(map(str, numbers)),
                )
            )
    for (slot, table), numbers in tables.items():
        if len(numbers) > 1:
            problems.append(
                Problem(
                    numbers[1],
                    "table",
                    str(table),
                    f"table {table} ({_table_label(table)}) holds {len(numbers)} meetings in "
                    f"slot '{event.slots[slot].id}': meetings " + ", ".join(map(str, numbers)),
                )
            )
    if problems:
        count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
        raise InvalidInputError(f"{count} in the schedule", problems)

    order = sorted(range(n_slots), key=lambda s: (_instant(event.slots[s].start), s))
    rank = {s: r for r, s in enumerate(order)}
    checked = tuple(sorted((m for _, m in clean), key=lambda m: (rank[m.slot], m.table)))
    mine: list[list[Meeting]] = [[] for _ in range(n_people)]
    for m in checked:
        mine[m.a].append(m)
        mine[m.b].append(m)
    return _Schedule(
        event,
        checked,
        tuple(tuple(x) for x in mine),
        tuple(order),
        {o.id: o for o in event.organisations},
    )


def _check_participant(event: Event, participant: int) -> int:
    value = _index(participant)
    n = len(event.participants)
    if value is None or not 0 <= value < n:
        valid = f"0 to {n - 1}" if n else "none"
        raise InvalidInputError(
            f"participant {participant!r} is not an index of the event's participants",
            [
                Problem(
                    None,
                    "participant",
                    repr(participant),
                    f"participant {participant!r} is not an index of the event's "
                    f"{n} participants (indices: {valid})",
                )
            ],
        )
    return value


def _check_formats(formats: Sequence[str]) -> tuple[AgendaFormat, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        shown = ", ".join(f"'{f}'" for f in bad) or "none"
        raise InvalidInputError(
            f"format {shown} is not an agenda format",
            [
                Problem(
                    None,
                    "formats",
                    ", ".join(bad),
                    f"format {shown} is not an agenda format; use one or more of: "
                    + ", ".join(FORMATS),
                )
            ],
        )
    return tuple(dict.fromkeys(formats))  # type: ignore[arg-type]


# --- labels -------------------------------------------------------------------------------


def _instant(moment: dt.datetime) -> dt.datetime:
    # Aware times sort by their instant; naive ones by their wall clock.
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _wall(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="minutes")


def _table_label(table: int) -> str:
    return f"Table {table + 1}"


def _person(p: Participant) -> str:
    return p.person or p.id


def _organisation_name(s: _Schedule, p: Participant) -> str:
    org = s.organisations.get(p.organisation)
    return org.name if org is not None else p.organisation


def _label(s: _Schedule, index: int) -> str:
    p = s.event.participants[index]
    return f"{_person(p)} ({_organisation_name(s, p)})"


def _offset(moment: dt.datetime) -> str:
    delta = moment.utcoffset()
    if delta is None:
        return ""
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def time_zone(moments: Iterable[dt.datetime]) -> str:
    """The offsets of ``moments`` in words: ``"UTC+01:00"``, ``"UTC+01:00 or UTC+02:00"``
    (a clock change), or ``"local time"`` when they carry none.

    Examples
    --------
    >>> time_zone([dt.datetime(2025, 3, 10, 9, tzinfo=dt.timezone(dt.timedelta(hours=1)))])
    'UTC+01:00'
    >>> time_zone([dt.datetime(2025, 3, 10, 9)])
    'local time'
    """
    offsets = sorted({_offset(m) for m in moments} - {""})
    return " or ".join(offsets) if offsets else "local time"


def _zone(event: Event) -> str:
    return time_zone(slot.start for slot in event.slots)


def _zone_note(event: Event) -> str:
    zone = _zone(event)
    return "times are local" if zone == "local time" else f"times are local, {zone}"


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=None)


# --- personal agendas ---------------------------------------------------------------------


def agenda_rows(
    event: Event, meetings: Iterable[Meeting], participant: int, *, free: bool = True
) -> list[dict[str, str]]:
    """The agenda of one participant: one row per meeting, in time order.

    Parameters
    ----------
    event:
        The event the schedule belongs to.
    meetings:
        The schedule, as a solver returns it (indices into ``event.slots`` and
        ``event.participants``, 0-based tables).
    participant:
        Index of the participant in ``event.participants``.
    free:
        Add a row with ``status`` ``free`` for each slot the participant is available in but
        has no meeting.

    Returns
    -------
    list of dict
        Rows with the keys of :data:`AGENDA_COLUMNS`, all text: ``slot`` (its id), ``start``
        and ``end`` (wall-clock ISO times), ``status`` (``meeting`` or ``free``), ``table``
        ("Table 5", counted from 1), and the partner's ``partner_id``, ``partner`` (the
        person's name, or the id), ``organisation`` (its name), ``country`` (NUTS country
        code) and ``type``. The partner fields are empty in ``free`` rows; ``country`` and
        ``type`` are empty when the event holds no profile of the partner's organisation.

    Raises
    ------
    InvalidInputError
        If the schedule is broken or ``participant`` is not an index.

    Examples
    --------
    >>> import datetime as dt
    >>> from matchmaker.models import Event, Participant, TimeSlot
    >>> t = dt.datetime(2025, 3, 10, 9)
    >>> ev = Event(id="ev", name="Demo", tables=1,
    ...     participants=[Participant(id="p1", organisation="a"),
    ...                   Participant(id="p2", organisation="b", person="Ana")],
    ...     slots=[TimeSlot(id="s1", start=t, end=t + dt.timedelta(minutes=20))])
    >>> row = agenda_rows(ev, [Meeting(0, 0, 0, 1)], 0)[0]
    >>> row["start"], row["table"], row["partner"]
    ('2025-03-10T09:00', 'Table 1', 'Ana')
    """
    s = _check(event, meetings)
    return _agenda_rows(s, _check_participant(event, participant), free=free)


def _agenda_rows(s: _Schedule, participant: int, *, free: bool) -> list[dict[str, str]]:
    event = s.event
    me = event.participants[participant]
    at = {m.slot: m for m in s.by_participant[participant]}
    available = None if me.available is None else set(me.available)
    rows: list[dict[str, str]] = []
    for index in s.slot_order:
        slot = event.slots[index]
        m = at.get(index)
        if m is None and not (free and (available is None or slot.id in available)):
            continue
        row = dict.fromkeys(AGENDA_COLUMNS, "")
        row.update(slot=slot.id, start=_wall(slot.start), end=_wall(slot.end), status="free")
        if m is not None:
            partner = event.participants[m.b if m.a == participant else m.a]
            org = s.organisations.get(partner.organisation)
            row.update(
                status="meeting",
                table=_table_label(m.table),
                partner_id=partner.id,
                partner=_person(partner),
                organisation=_organisation_name(s, partner),
                country=org.country if org is not None else "",
                type=org.type.label if org is not None else "",
            )
        rows.append(row)
    return rows


def _agenda_table(s: _Schedule, participant: int, free: bool) -> list[list[str]]:
    return [list(r.values()) for r in _agenda_rows(s, participant, free=free)]


def agenda_csv(
    event: Event, meetings: Iterable[Meeting], participant: int, *, free: bool = True
) -> bytes:
    """:func:`agenda_rows` as CSV: UTF-8 with BOM, CRLF, formula-like cells quoted with ``'``."""
    s = _check(event, meetings)
    rows = _agenda_table(s, _check_participant(event, participant), free)
    return csv_bytes(list(AGENDA_COLUMNS), rows)


def agendas_csv(event: Event, meetings: Iterable[Meeting], *, free: bool = True) -> bytes:
    """Every participant's agenda in one CSV table, in participant order.

    The columns are :data:`AGENDAS_CSV_COLUMNS`: the participant's id, name (or id) and
    organisation's name, then the columns of :func:`agenda_rows`. UTF-8 with BOM, CRLF,
    formula-like cells quoted with ``'``.
    """
    s = _check(event, meetings)
    rows = [
        [p.id, _person(p), _organisation_name(s, p), *row.values()]
        for i, p in enumerate(event.participants)
        for row in _agenda_rows(s, i, free=free)
    ]
    return csv_bytes(list(AGENDAS_CSV_COLUMNS), rows)


def _sheet_rows(s: _Schedule, participant: int, free: bool) -> list[list[Cell]]:
    """One participant's agenda as typed cells: dates are datetimes, in the slots' wall clock."""
    event = s.event
    by_id = {slot.id: slot for slot in event.slots}
    rows: list[list[Cell]] = []
    for r in _agenda_rows(s, participant, free=free):
        slot = by_id[r["slot"]]
        rows.append(
            [
                _local(slot.start),
                _local(slot.end),
                r["status"],
                r["table"],
                r["partner"],
                r["organisation"],
                r["country"],
                r["type"],
                r["slot"],
                r["partner_id"],
            ]
        )
    return rows


def _sheet_header(event: Event, *, partner: str = "") -> list[str]:
    zone = _zone(event)
    return [
        f"Start ({zone})",
        f"End ({zone})",
        "Status",
        "Table",
        "Partner",
        *(f"{partner}{c.lower()}" if partner else c for c in ("Organisation", "Country", "Type")),
        "Slot",
        "Partner id",
    ]


def _person_sheet(s: _Schedule, participant: int, title: str, free: bool) -> Sheet:
    event = s.event
    me = event.participants[participant]
    count = len(s.by_participant[participant])
    return Sheet(
        title,
        _sheet_header(event),
        _sheet_rows(s, participant, free),
        intro=(
            f"{_person(me)}, {_organisation_name(s, me)}",
            f"{event.name}: {count} meeting{'' if count == 1 else 's'}; {_zone_note(event)}",
        ),
    )


def _all_meetings(s: _Schedule, free: bool) -> Sheet:
    event = s.event
    header = ["Person", "Organisation", *_sheet_header(event, partner="Partner's "), "Person id"]
    rows: list[list[Cell]] = []
    for i, p in enumerate(event.participants):
        for row in _sheet_rows(s, i, free):
            rows.append([_person(p), _organisation_name(s, p), *row, p.id])
    return Sheet(ALL_MEETINGS, header, rows, fixed_columns=2)


def _person_titles(event: Event, *, reserved: Sequence[str] = ()) -> list[str]:
    names = sheet_names([*reserved, *(_person(p) for p in event.participants)])
    return names[len(reserved) :]


def agenda_xlsx(
    event: Event, meetings: Iterable[Meeting], participant: int, *, free: bool = True
) -> bytes:
    """One participant's agenda as an XLSX workbook of one sheet, named after the person.

    Above the table: the person's name and organisation, the event, the number of meetings and
    the time zone. Start and end are date cells (the slots' wall-clock time), the other cells
    text (formula-like cells quoted); the header is frozen and filtered.
    """
    s = _check(event, meetings)
    index = _check_participant(event, participant)
    title = sheet_names([_person(event.participants[index])])[0]
    return xlsx_bytes([_person_sheet(s, index, title, free)])


def agendas_xlsx(event: Event, meetings: Iterable[Meeting], *, free: bool = True) -> bytes:
    """Every participant's agenda in one workbook: a long table, then one sheet per person.

    The first sheet, "All meetings", has one row per participant and slot (their name and
    organisation, then their agenda, with the partner's name and organisation), to filter and
    sort. Then one sheet per participant, in participant order, as in :func:`agenda_xlsx`.
    A sheet is named after the person (their id when the event has no name), made a valid
    sheet name: ``[]:*?/\\`` become ``_``, at most 31 characters, unique regardless of case
    (``~2``, ``~3``... on a clash).
    """
    s = _check(event, meetings)
    titles = _person_titles(event, reserved=[ALL_MEETINGS])
    return xlsx_bytes(
        [
            _all_meetings(s, free),
            *(_person_sheet(s, i, title, free) for i, title in enumerate(titles)),
        ]
    )


# --- the organiser's grid -----------------------------------------------------------------


def grid_rows(event: Event, meetings: Iterable[Meeting]) -> tuple[list[str], list[list[str]]]:
    """The full schedule as slots × tables, for the organiser's desk.

    Returns
    -------
    header : list of str
        ``slot``, ``start``, ``end``, then ``Table 1`` ... ``Table N``.
    rows : list of list of str
        One row per slot, in time order; a cell reads ``"A (Org A) – B (Org B)"`` (person or
        participant id, then organisation name) or is empty when the table is free.
    """
    s = _check(event, meetings)
    header = ["slot", "start", "end", *(_table_label(t) for t in range(event.tables))]
    cells: dict[tuple[int, int], str] = {
        (m.slot, m.table): f"{_label(s, m.a)} – {_label(s, m.b)}" for m in s.meetings
    }
    rows = []
    for index in s.slot_order:
        slot = event.slots[index]
        row = [slot.id, _wall(slot.start), _wall(slot.end)]
        row.extend(cells.get((index, t), "") for t in range(event.tables))
        rows.append(row)
    return header, rows


def grid_csv(event: Event, meetings: Iterable[Meeting]) -> bytes:
    """:func:`grid_rows` as CSV: UTF-8 with BOM, CRLF, formula-like cells quoted with ``'``."""
    return csv_bytes(*grid_rows(event, meetings))


def grid_xlsx(event: Event, meetings: Iterable[Meeting]) -> bytes:
    """:func:`grid_rows` as an XLSX workbook: one sheet, "Schedule".

    Start and end are date cells in the slots' wall-clock time, their header names the time
    zone; the meetings are text (formula-like cells quoted). The header row and the slot,
    start and end columns stay in view; an auto-filter covers the grid.
    """
    header, rows = grid_rows(event, meetings)
    zone = _zone(event)
    by_id = {slot.id: slot for slot in event.slots}
    cells: list[list[Cell]] = [
        [row[0], _local(by_id[row[0]].start), _local(by_id[row[0]].end), *row[3:]] for row in rows
    ]
    names = ["Slot", f"Start ({zone})", f"End ({zone})", *header[3:]]
    return xlsx_bytes([Sheet("Schedule", names, cells, fixed_columns=3)])


# --- calendars ----------------------------------------------------------------------------


def agenda_ics(
    event: Event,
    meetings: Iterable[Meeting],
    participant: int,
    *,
    domain: str = "matchmaker.invalid",
    why: Why | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """One participant's meetings as an RFC 5545 calendar (``METHOD:PUBLISH``).

    Parameters
    ----------
    event, meetings, participant:
        As for :func:`agenda_rows`.
    domain:
        Right-hand side of the UIDs.
    why:
        Why two participants meet, keyed by their index pair (either order); shown in the
        description.
    stamp:
        The ``DTSTAMP`` of every event; now (UTC) by default.

    Returns
    -------
    bytes
        The calendar: one ``VEVENT`` per meeting, with CRLF line endings and lines folded at 75
        octets. The UID of a meeting is derived from the event id, slot id, table and pair, so
        it is the same in both partners' calendars and from one export to the next. Aware slot
        times are written in UTC, naive ones as floating times.
    """
    s = _check(event, meetings)
    index = _check_participant(event, participant)
    return _ics(s, index, domain=domain, why=why or {}, stamp=stamp or dt.datetime.now(dt.UTC))


def _ics_time(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _line(value: str) -> str:
    return plain_text(value, line_break=" ")


def _ics(s: _Schedule, participant: int, *, domain: str, why: Why, stamp: dt.datetime) -> bytes:
    import icalendar  # lazily: only calendar users pay for it

    def text(value: str) -> icalendar.vText:
        return icalendar.vText(_line(value))

    event = s.event
    me = event.participants[participant]
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", text(f"{event.name}: {_person(me)}"))
    for m in s.by_participant[participant]:
        slot: TimeSlot = event.slots[m.slot]
        partner = event.participants[m.b if m.a == participant else m.a]
        org = s.organisations.get(partner.organisation)
        org_name = _organisation_name(s, partner)
        ids = (event.id, slot.id, str(m.table), *sorted((me.id, partner.id)))
        uid = uuid.uuid5(_UID_NAMESPACE, "\x1f".join(ids))
        lines = [f"Organisation: {org_name}"]
        if org is not None:
            lines += [f"Country: {org.country}", f"Type: {org.type.label}"]
        reason = why.get((m.a, m.b)) or why.get((m.b, m.a))
        if reason:
            lines.append(f"Why: {reason}")
        vevent = icalendar.Event()
        vevent.add("uid", f"{uid}@{domain}")
        vevent.add("dtstamp", stamp.astimezone(dt.UTC))
        vevent.add("dtstart", _ics_time(slot.start))
        vevent.add("dtend", _ics_time(slot.end))
        vevent.add("summary", text(f"Meeting with {_person(partner)} ({org_name})"))
        vevent.add("location", text(f"{_table_label(m.table)}, {event.name}"))
        # One line per item: a line break inside a name cannot forge an item of its own.
        vevent.add("description", icalendar.vText("\n".join(_line(x) for x in lines)))
        vevent.add("status", "CONFIRMED")
        cal.add_component(vevent)
    data: bytes = cal.to_ical()
    return data


# --- printable agendas -------------------------------------------------------------------

# A4 portrait; each agenda on a page of its own; nothing but the agendas is printed.
_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
section.agenda { margin: 0 0 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.meta { color: #444; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid #ccc; }
th { font-size: .85rem; text-transform: uppercase; color: #444; }
td.why { font-size: .85rem; color: #333; }
td.when, td.table { white-space: nowrap; }
tr.free td { color: #666; }
@media print {
  body { margin: 0; font-size: 10.5pt; }
  section.agenda { margin: 0; break-after: page; page-break-after: always; }
  section.agenda:last-child { break-after: auto; page-break-after: auto; }
  tr { break-inside: avoid; }
  nav, button { display: none; }
}
""".strip()


def _e(value: str) -> str:
    return html.escape(plain_text(value, line_break=" "))


def agendas_html(
    event: Event,
    meetings: Iterable[Meeting],
    *,
    why: Why | WhyOf | None = None,
    free: bool = True,
) -> str:
    """Every participant's agenda on one printable page, each on a printed page of its own.

    A self-contained HTML document (inline CSS with print rules for A4, no scripts, no links,
    every text escaped): per participant, their name, organisation, the event and the time
    zone, then a table of their slots with the time, the table, whom they meet (name and
    organisation) and why. Free slots are listed as free when ``free`` is true.

    ``why`` is as for :func:`write_agendas`.

    Raises
    ------
    InvalidInputError
        If the schedule is broken.
    """
    s = _check(event, meetings)
    note = _zone_note(event)
    slot_index = {slot.id: k for k, slot in enumerate(event.slots)}
    days = sorted({slot.start.date() for slot in event.slots})
    when_format = "%a %d %b, %H:%M" if len(days) > 1 else "%H:%M"
    sections: list[str] = []
    for i, me in enumerate(event.participants):
        mine = (why(i) if callable(why) else why) or {}
        by_slot = {m.slot: m for m in s.by_participant[i]}
        rows = []
        for r in _agenda_rows(s, i, free=free):
            slot = event.slots[slot_index[r["slot"]]]
            when = f"{slot.start:{when_format}}–{slot.end:%H:%M}"
            if r["status"] == "free":
                rows.append(
                    f'<tr class="free"><td class="when">{_e(when)}</td><td></td><td>free</td>'
                    "<td></td><td></td></tr>"
                )
                continue
            m = by_slot[slot_index[r["slot"]]]
            reason = mine.get((m.a, m.b)) or mine.get((m.b, m.a)) or ""
            rows.append(
                f'<tr><td class="when">{_e(when)}</td><td class="table">{_e(r["table"])}</td>'
                f"<td>{_e(r['partner'])}</td>"
                f'<td>{_e(r["organisation"])}</td><td class="why">{_e(reason)}</td></tr>'
            )
        count = len(s.by_participant[i])
        day = ", ".join(f"{d:%A %d %B %Y}" for d in days)
        sections.append(
            "\n".join(
                [
                    '<section class="agenda">',
                    f"<h1>{_e(_person(me))}</h1>",
                    f'<p class="meta">{_e(_organisation_name(s, me))}<br>{_e(event.name)}'
                    f"{', ' + _e(day) if day else ''}: {count} meeting{'' if count == 1 else 's'}"
                    f"; {_e(note)}</p>",
                    "<table>",
                    "<thead><tr><th>Time</th><th>Table</th><th>Meeting with</th>"
                    "<th>Organisation</th><th>Why</th></tr></thead>",
                    "<tbody>",
                    *rows,
                    "</tbody>",
                    "</table>",
                    "</section>",
                ]
            )
        )
    return printable_page(f"{_e(event.name)}: agendas", _CSS, sections)


# --- files --------------------------------------------------------------------------------


def _files(
    s: _Schedule,
    formats: tuple[AgendaFormat, ...],
    *,
    domain: str,
    why: Why | WhyOf | None,
    free: bool,
    stamp: dt.datetime | None = None,
) -> list[tuple[str, bytes]]:
    stamp = stamp or dt.datetime.now(dt.UTC)
    stems = _stems(s)
    out: list[tuple[str, bytes]] = []
    for i, stem in enumerate(stems):
        for fmt in formats:
            if fmt == "ics":
                mine = why(i) if callable(why) else why
                data = _ics(s, i, domain=domain, why=mine or {}, stamp=stamp)
            elif fmt == "csv":
                data = csv_bytes(list(AGENDA_COLUMNS), _agenda_table(s, i, free))
            else:
                title = sheet_names([_person(s.event.participants[i])])[0]
                data = xlsx_bytes([_person_sheet(s, i, title, free)])
            out.append((f"{stem}.{fmt}", data))
    return out


def _stems(s: _Schedule) -> list[str]:
    return [name.removesuffix(".ics") for name in calendar_names(s.event)]


def calendar_names(event: Event) -> list[str]:
    """The file name of each participant's calendar, in participant order:
    ``"<person> - <organisation>.ics"`` (the participant id when there is no name), made safe
    for every file system and distinct (see :func:`matchmaker.io.sheets.name_stems`).

    Examples
    --------
    >>> from matchmaker.models import Event, Participant
    >>> ev = Event(id="ev", name="Demo", participants=[
    ...     Participant(id="p1", organisation="inova", person="Ana Silva"),
    ...     Participant(id="p2", organisation="inova", person="Ana Silva")])
    >>> calendar_names(ev)
    ['Ana Silva - inova.ics', 'Ana Silva - inova (2).ics']
    """
    orgs = {o.id: o.name for o in event.organisations}
    return [
        f"{stem}.ics"
        for stem in name_stems(
            [
                f"{_person(p)} - {orgs.get(p.organisation, p.organisation)}"
                for p in event.participants
            ]
        )
    ]


def write_agendas(
    event: Event,
    meetings: Iterable[Meeting],
    folder: str | Path,
    *,
    formats: Sequence[AgendaFormat] = ("ics",),
    domain: str = "matchmaker.invalid",
    why: Why | WhyOf | None = None,
    free: bool = True,
) -> list[Path]:
    """Write one agenda file per participant and format into ``folder``.

    Files are named ``<person> - <organisation>.<format>`` (the participant id when there is no
    name; characters that a file system refuses become ``_``; a clash, case aside, gets
    `` (2)``, `` (3)``...; see :func:`calendar_names`). Each file is written
    to a temporary name and then renamed, so a reader never sees half a file. Participants
    without meetings get a calendar with no events (see the module notes).

    ``why`` is as for :func:`agenda_ics`, or a function of a participant's index that gives
    the reasons as written for that participant.

    Returns
    -------
    list of Path
        The files written, by participant, then by format.
    """
    s = _check(event, meetings)
    fmts = _check_formats(formats)
    return write_files(folder, _files(s, fmts, domain=domain, why=why, free=free))


def agendas_zip(
    event: Event,
    meetings: Iterable[Meeting],
    *,
    formats: Sequence[AgendaFormat] = ("ics",),
    domain: str = "matchmaker.invalid",
    why: Why | WhyOf | None = None,
    free: bool = True,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The files of :func:`write_agendas`, with the same names, in one zip archive.

    ``stamp`` is the ``DTSTAMP`` of every calendar's events (now, UTC, by default).
    """
    s = _check(event, meetings)
    fmts = _check_formats(formats)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in _files(s, fmts, domain=domain, why=why, free=free, stamp=stamp):
            zf.writestr(name, data)
    return buffer.getvalue()


# --- writers ------------------------------------------------------------------------------
