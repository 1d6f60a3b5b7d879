"""Registration lists: one row per participant, with the profile of the participant's organisation.

This is what an event's registration form exports. The organisation columns are those of the
organisation format (``docs/import-format.md``), checked by the organisation reader itself;
three columns describe the participant: ``participant`` (its id), ``person`` (a name) and
``seats``. Several people of one organisation repeat its profile, which must then agree.

The organisation reader refuses an id used by two rows; here that is how colleagues are
written. So the rows are checked by it in one pass that lets ids repeat, and merged per
organisation afterwards: the work grows with the rows, however many share one organisation.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from matchmaker import taxonomy
from matchmaker._bulk import paused_gc
from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io.areas import Area
from matchmaker.io.columns import Column
from matchmaker.io.mapping import MappingProposal
from matchmaker.io.organisations import (
    ImportReport,
    also_used,
    capped,
    organisation_rows,
    organisations_from_json,
    organisations_from_table,
    slug,
)
from matchmaker.io.sheets import csv_bytes, write_atomic, xlsx_bytes
from matchmaker.io.tabular import (
    MAX_FILE_BYTES,
    Table,
    decode_text,
    detect_format,
    json_records_past,
    load_json,
    open_source,
    read_csv,
    read_source,
    unneutralise,
)
from matchmaker.io.values import fold as _fold
from matchmaker.limits import LIMITS
from matchmaker.models import (
    Event,
    Organisation,
    Participant,
    RegistrationMapping,
    Request,
    Rules,
    TimeSlot,
    error_text,
)

__all__ = [
    "PARTICIPANT_COLUMNS",
    "RegistrationReport",
    "apply_registrations",
    "dump_registrations",
    "read_registrations",
    "registration_changes",
    "registration_rows",
    "registration_template",
    "restrict_rules",
    "validate_registrations",
    "write_registrations",
]

Source = str | Path | bytes
ExportFormat = Literal["csv", "xlsx", "json"]

MAX_SEATS = 50

PARTICIPANT_COLUMNS: tuple[Column, ...] = (
    Column(
        "participant",
        "participant",
        ("participant id", "attendee id", "delegate id", "badge id", "ticket id"),
        doc="The participant's id; by default the organisation's id, then -2, -3, ... for "
        "more people of the same organisation.",
    ),
    Column(
        "person",
        "person",
        (
            "participant name",
            "attendee",
            "attendee name",
            "delegate",
            "delegate name",
            "full name",
            "person name",
        ),
        doc="The person's name.",
    ),
    Column(
        "seats",
        "seats",
        ("number of seats", "places", "seats needed", "delegation size"),
        doc=f"Seats the participant takes in a breakout room: a whole number from 1 to "
        f"{MAX_SEATS}; 1 when empty.",
    ),
)
_WHOLE = re.compile(r"\d+(?:\.0+)?")


@dataclass(frozen=True, slots=True)
class RegistrationReport:
    """What a registration list holds: the participants and their organisations (each once,
    in order of first appearance), and the problems of the rows that are not valid."""

    organisations: list[Organisation]
    participants: list[Participant]
    problems: list[Problem]
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0
    rejected_rows: list[int] = field(default_factory=list)
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    vocabulary: dict[str, str] = field(default_factory=dict)
    mapping: MappingProposal | None = None
    # Each row's person and organisation as written, to show beside its problems.
    who: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Where each distinct free-text area went: an S3 or NACE code, or an own term.
    areas: list[Area] = field(default_factory=list)
    # Problems past LIMITS.problems: counted (in the last problem's message), not listed.
    unlisted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        """Every problem found, the unlisted ones included."""
        return len(self.problems) - (1 if self.unlisted else 0) + self.unlisted

    def summary(self) -> str:
        return (
            f"{self.rows} rows read: {len(self.participants)} participants of "
            f"{len(self.organisations)} organisations, {len(self.rejected_rows)} rows with "
            f"problems ({self.problem_count} problems)"
        )

    def capped(self) -> RegistrationReport:
        """The report with at most :attr:`Limits.problems` problems and warnings listed."""
        if len(self.problems) <= LIMITS.problems and len(self.warnings) <= LIMITS.problems:
            return self
        return dataclasses.replace(
            self,
            problems=capped(self.problems),
            warnings=capped(self.warnings),
            unlisted=max(0, len(self.problems) - LIMITS.problems),
        )


@dataclass(slots=True)
class _Row:
    """One participant row on its way: where it is, its organisation, its own cells."""

    number: int
    key: str
    org: Organisation | None = None
    participant: str = ""
    person: str = ""
    seats: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    own: dict[str, Any] = field(default_factory=dict)  # the person's own fields
    extra: dict[str, str] = field(default_factory=dict)  # columns kept as they are


def validate_registrations(
    source: Source,
    *,
    name: str | None = None,
    format: ExportFormat | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
    mapping: RegistrationMapping | Literal["auto"] | None = "auto",
    slots: Sequence[TimeSlot] = (),
    max_bytes: int = MAX_FILE_BYTES,
) -> RegistrationReport:
    """Read and check a registration list; never raises for problems of the content.

    Parameters
    ----------
    source:
        A path, or the file's bytes (then ``name`` or ``format`` tells its kind): CSV, XLSX,
        or JSON (a list of objects with an organisation's fields plus ``participant``,
        ``person`` and ``seats``; or ``{"vocabulary": {...}, "registrations": [...]}``).
    vocabulary:
        An organiser's own S3 codes and labels.
    sheet:
        For XLSX, the sheet to read (default: the one whose headers are best known).
    mapping:
        Which column goes to which field: ``"auto"`` (or ``None``) proposes it from the
        headers (:func:`matchmaker.io.mapping.propose_mapping`); a
        :class:`~matchmaker.models.RegistrationMapping` gives it (columns it does not name are
        proposed), with the values placed by hand.
    slots:
        The event's time slots, to read an availability column.

    Returns
    -------
    RegistrationReport
        Participants and organisations of the valid rows; every problem with its row,
        column, value and rule; ``mapping`` the columns as they were read.
    """
    from matchmaker.io.mapping import find_header, propose_mapping

    given = mapping if isinstance(mapping, RegistrationMapping) else None
    try:
        # A CSV file is read as it streams (a file it refuses is never held whole).
        opened, head, name = open_source(source, name, max_bytes=max_bytes)
        fmt = format or detect_format(head, name)
        data = opened if fmt == "csv" else read_source(opened, name, max_bytes=max_bytes)[0]
    except InvalidInputError as exc:  # too large to be read
        fmt_guess = format or detect_format(b"", name or str(source))
        return RegistrationReport([], [], exc.problems, format=fmt_guess)
    vocab = dict(vocabulary or {})
    if fmt == "json":
        assert isinstance(data, bytes)
        with paused_gc():
            return _from_json_list(data, vocab, max_bytes).capped()
    chosen_sheet = sheet
    sheets: list[str] = []
    # The headers a kept mapping names: its header row is taken where this file has them.
    expected = {_fold(c.header) for c in given.columns} if given else set()
    try:
        if fmt == "xlsx":
            from matchmaker.io.mapping import read_table

            table, _, chosen_sheet, sheets = read_table(
                data,
                name=name or "list.xlsx",
                sheet=sheet,
                prefer=given.sheet if given else None,
                header_row=given.header_row if given else None,
                expected=expected,
                max_bytes=max_bytes,
            )
        else:
            table = find_header(
                read_csv(data, max_bytes=max_bytes),
                given.header_row if given else None,
                expected,
            )
    except InvalidInputError as exc:
        return RegistrationReport(
            [], [], exc.problems or [Problem(None, None, None, exc.message)], format=fmt
        )
    if len(table.rows) > LIMITS.participants:
        return RegistrationReport(
            [], [], [_too_many_people(len(table.rows), table.row_numbers[-1])], format=fmt
        )
    proposal = propose_mapping(table, given=given, fmt=fmt, sheet=chosen_sheet, sheets=sheets)
    with paused_gc():
        report = _from_mapped_table(
            table, proposal.columns, proposal.values, vocab, fmt, list(slots)
        )
    return dataclasses.replace(report, mapping=proposal).capped()


def _too_many_people(rows: int, last: int) -> Problem:
    """A list of more people than an event takes: refused before any row is checked."""
    return Problem(
        None,
        None,
        None,
        f"the list has {rows:,} participant rows (the last is row {last:,}); an event takes at "
        f"most {LIMITS.participants:,} participants",
    )


def read_registrations(
    source: Source,
    *,
    name: str | None = None,
    format: ExportFormat | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
    mapping: RegistrationMapping | Literal["auto"] | None = "auto",
    slots: Sequence[TimeSlot] = (),
    max_bytes: int = MAX_FILE_BYTES,
) -> RegistrationReport:
    """Read a registration list, all or nothing.

    Raises
    ------
    InvalidInputError
        When the file cannot be read or any row has a problem; every problem is listed.

    Examples
    --------
    >>> from matchmaker.demo import demo_path  # doctest: +SKIP
    >>> report = read_registrations(demo_path("leuven-2018", "registrations.csv"))  # doctest: +SKIP
    >>> len(report.participants), len(report.organisations)  # doctest: +SKIP
    (32, 20)
    """
    report = validate_registrations(
        source,
        name=name,
        format=format,
        vocabulary=vocabulary,
        sheet=sheet,
        mapping=mapping,
        slots=slots,
        max_bytes=max_bytes,
    )
    if report.problems:
        rows = len(report.rejected_rows)
        where = f" in {rows:,} row{'s' if rows != 1 else ''}" if rows else ""
        n = report.problem_count
        raise InvalidInputError(
            f"{n:,} problem{'s' if n != 1 else ''}{where}; nothing was imported", report.problems
        )
    return report


# --- tables: columns mapped to fields, values placed, rows merged per organisation ----------

# The organisation table the mapped rows are checked as (the organisation reader's columns).
_ORG_HEADER = [
    "id",
    "name",
    "type",
    "region",
    "sectors",
    "sectors_nace21",
    "s3_priorities",
    "offers",
    "needs",
    "languages",
    "projects",
    "size",
    "website",
    "description",
    "contact_person",
    "contact_email",
    "contact_phone",
]
_ORG_FIELD = {
    "organisation_id": "id",
    "organisation": "name",
    "type": "type",
    "size": "size",
    "website": "website",
    "description": "description",
    "offers": "offers",
    "needs": "needs",
    "sectors": "sectors",
    "sectors_nace21": "sectors_nace21",
    "s3_priorities": "s3_priorities",
    "projects": "projects",
    "languages": "languages",
    "contact_person": "contact_person",
    "contact_email": "contact_email",
    "contact_phone": "contact_phone",
}
_JOIN = {"description": "\n\n"}
_MAX_TEXT = 5000


@dataclass(slots=True)
class _Mapped:
    """One row's cells by field, with the header each came from."""

    cells: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def get(self, fname: str) -> str:
        values = [v for _, v in self.cells.get(fname, []) if v]
        return _JOIN.get(fname, "; ").join(values)

    def header(self, fname: str) -> str:
        found = self.cells.get(fname)
        return found[0][0] if found else fname


def _from_mapped_table(
    table: Table,
    columns: Sequence[Any],
    values: Mapping[str, Mapping[str, str]],
    vocabulary: dict[str, str],
    fmt: str,
    slots: Sequence[TimeSlot],
) -> RegistrationReport:
    from matchmaker.io.areas import place_areas

    fields_of = {c.position: c.field for c in columns}
    given = set(fields_of.values())
    header_problems: list[Problem] = []
    if "organisation" not in given:
        header_problems.append(
            Problem(
                None,
                "name",
                None,
                "missing column 'name': no column gives the organisation's name; choose the "
                "column that holds it, e.g. 'Organisation', 'Company' or 'Institution'",
            )
        )
    if "country" not in given and "region" not in given:
        header_problems.append(
            Problem(
                None,
                "country",
                None,
                "missing column 'region' or 'country': no column gives where the "
                "organisation is; choose the column that holds it, e.g. 'Country'",
            )
        )
    from matchmaker.io.mapping import FIELD_LABELS, MULTI_FIELDS

    by_field: dict[str, list[str]] = {}
    for c in columns:
        by_field.setdefault(c.field, []).append(c.header)
    for fname, names in by_field.items():
        if fname not in MULTI_FIELDS and len(names) > 1:
            header_problems.append(
                Problem(
                    1,
                    names[1],
                    names[1],
                    f"columns '{names[0]}' and '{names[1]}' both give the "
                    f"{FIELD_LABELS[fname].lower()}; keep one (choose 'Keep as an extra field' "
                    "for the other)",
                )
            )
    if not table.rows:
        header_problems.append(
            Problem(None, None, None, "the file has a header but no data rows; nothing to import")
        )
    if header_problems:
        return RegistrationReport(
            [],
            [],
            header_problems,
            rows=len(table.rows),
            format=fmt,
            encoding=table.encoding,
            delimiter=table.delimiter,
        )
    problems: dict[int, list[Problem]] = {}
    warnings: list[Problem] = []
    if "type" not in given:
        warnings.append(
            Problem(
                None,
                "type",
                None,
                "no column gives the organisation type; every organisation is 'other' until "
                "a column is chosen for it",
            )
        )
    mapped: list[_Mapped] = []
    width = len(table.header)
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        cells_of = _Mapped()
        if len(cells) > width and any(cells[width:]):
            problems.setdefault(number, []).append(
                Problem(
                    number,
                    None,
                    next(c for c in cells[width:] if c)[:80],
                    f"the row has {len(cells)} cells but the header has {width} columns (a "
                    "stray delimiter, or a cell that should be quoted?)",
                )
            )
            cells = cells[:width]
        for j, text in enumerate(cells):
            fname = fields_of.get(j, "extra")
            if fname == "ignore":
                continue
            header = table.header[j] if j < len(table.header) else f"#{j + 1}"
            if text and ((number, j) in table.formula_cells or _is_formula(text)):
                problems.setdefault(number, []).append(
                    Problem(
                        number,
                        header,
                        text,
                        f"value '{text[:40]}' is a spreadsheet formula; formulas are not "
                        "imported, write the value instead",
                    )
                )
                continue
            if text and fname != "extra" and len(text) <= 6 and _fold(text) in _PLACEHOLDERS:
                text = ""  # 'N/A', '-': a required field answered with nothing
            cells_of.cells.setdefault(fname, []).append((header, unneutralise(text)))
        mapped.append(cells_of)
    # Areas: every distinct term placed once, by meaning.
    own_areas = dict(values.get("areas", {}))
    terms = [t for m in mapped for t in _area_terms(m.get("areas")) if t not in own_areas]
    placed = {a.term: a for a in place_areas(terms)}
    own_terms = [a.term for a in placed.values() if a.own]
    if own_terms:
        shown = ", ".join(f"'{t[:40]}'" for t in own_terms[:8])
        more = f" and {len(own_terms) - 8} more" if len(own_terms) > 8 else ""
        warnings.append(
            Problem(
                None,
                _first_header(mapped, "areas"),
                None,
                f"{len(own_terms)} areas match no S3 or NACE label closely enough and are kept "
                f"as the event's own terms (they count when two organisations share one): "
                f"{shown}{more}",
            )
        )
    vocab = dict(vocabulary)
    org_rows: list[list[str]] = []
    unplaced: list[int] = []  # rows that name no country or region
    extras: list[dict[str, str]] = []
    own_people: list[dict[str, Any]] = []
    for number, m in zip(table.row_numbers, mapped, strict=True):
        found = problems.setdefault(number, [])
        record = {name: "" for name in _ORG_HEADER}
        for fname, target in _ORG_FIELD.items():
            record[target] = m.get(fname)
        extra: dict[str, str] = {}
        for header, text in m.cells.get("extra", []):
            if text:
                extra[header] = text
        for header, text in m.cells.get("city", []):
            if text:
                extra[header] = text
        _place_type(m, record, values, number, found, warnings)
        if record["size"]:
            from matchmaker.io.values import size_class

            size = size_class(values.get("size", {}).get(record["size"]) or record["size"])
            if size.code is None:
                warnings.append(
                    Problem(
                        number,
                        m.header("size"),
                        record["size"][:60],
                        f"size '{record['size'][:60]}' is neither a head count nor micro, small, "
                        "medium or large; it is kept as an extra field",
                    )
                )
                extra[m.header("size")] = record["size"]
            record["size"] = size.code or ""
        _place_country(m, record, values, number, found, extra, warnings)
        record["languages"] = _place_languages(m, values, number, found)
        if len(record["description"]) > _MAX_TEXT:
            warnings.append(
                Problem(
                    number,
                    m.header("description"),
                    record["description"][:40] + "...",
                    f"the description has {len(record['description']):,} characters; the first "
                    f"{_MAX_TEXT:,} are kept",
                )
            )
            record["description"] = record["description"][:_MAX_TEXT]
        for key in ("offers", "needs"):
            record[key] = _items(record[key])
        intents = _intents(m.get("areas"))
        for key in ("offers", "needs"):
            if intents[key]:
                record[key] = "; ".join(x for x in (record[key], *intents[key]) if x)
        s3 = [c for c in _split_cell(record["s3_priorities"])]
        sectors = [c for c in _split_cell(record["sectors"])]
        for term in _area_terms(m.get("areas")):
            code = own_areas.get(term)
            if code:
                s3.append(code)
                continue
            area = placed.get(term)
            if area is None:
                continue
            if area.s3:
                s3.append(area.s3)
            if area.nace:
                sectors.append(area.nace)
            if area.own:
                vocab.setdefault(area.own, term[:300])
                s3.append(area.own)
        record["s3_priorities"] = "; ".join(dict.fromkeys(s3))
        record["sectors"] = "; ".join(dict.fromkeys(sectors))
        person = m.get("person") or " ".join(
            x for x in (m.get("first_name"), m.get("last_name")) if x
        )
        own: dict[str, Any] = {
            "participant": m.get("participant"),
            "person": person,
            "seats": m.get("seats"),
            "job_title": m.get("job_title")[:300] or None,
            "phone": m.get("phone")[:60] or None,
        }
        _place_contacts(m, own, record, number, warnings, extra)
        if not record["name"] and not record["id"] and person:
            # Someone registered without an organisation: their own, as an individual.
            record["name"] = person[:300]
            if not m.get("type"):
                record["type"] = "other"
            warnings.append(
                Problem(
                    number,
                    m.header("organisation"),
                    "",
                    f"no organisation given; {person[:60]} is registered as an organisation "
                    "of their own",
                )
            )
        if not record["id"] and record["name"] and "organisation_id" in given:
            # An id column left empty on this row (a sole trader without a company number):
            # the id is made from the name, as without an id column.
            record["id"] = slug(record["name"])
        if not record["region"] and not found:
            unplaced.append(len(org_rows))
        availability = m.get("availability")
        if availability:
            own["available"] = _place_slots(
                availability, slots, m.header("availability"), number, warnings, extra
            )
        wishes = m.get("wishes")
        if wishes:
            own["wishes"] = (m.header("wishes"), wishes)
        org_rows.append([record[name] for name in _ORG_HEADER])
        extras.append(extra)
        own_people.append(own)
    _infer_locations(unplaced, org_rows, own_people, table.row_numbers, mapped, problems, warnings)
    canonical = Table(
        header=list(_ORG_HEADER),
        rows=org_rows,
        row_numbers=list(table.row_numbers),
        encoding=table.encoding,
        delimiter=table.delimiter,
    )
    if "organisation_id" not in given:
        canonical = Table(
            header=canonical.header[1:],
            rows=[r[1:] for r in canonical.rows],
            row_numbers=canonical.row_numbers,
            encoding=table.encoding,
            delimiter=table.delimiter,
        )
    headers: dict[str, str] = {
        target: _first_header(mapped, fname) for fname, target in _ORG_FIELD.items()
    }
    headers["region"] = (
        _first_header(mapped, "region") if "region" in given else _first_header(mapped, "country")
    )
    headers["country"] = _first_header(mapped, "country")
    id_at = 0 if "organisation_id" in given else None
    name_at = 1 if id_at == 0 else 0
    rows = [
        _Row(number, _key(cells, id_at, name_at, number))
        for number, cells in zip(canonical.row_numbers, canonical.rows, strict=True)
    ]
    for r, own, extra in zip(rows, own_people, extras, strict=True):
        r.participant = own["participant"]
        r.person = own["person"]
        r.seats = own["seats"]
        r.own = own
        r.extra = extra
        r.columns = headers  # one dict for every row: read only
    blocked = {n for n, found in problems.items() if found}
    for layer in [list(range(len(rows)))]:
        part = Table(
            header=canonical.header,
            rows=[canonical.rows[k] for k in layer],
            row_numbers=[rows[k].number for k in layer],
            encoding=table.encoding,
            delimiter=table.delimiter,
        )
        report = organisations_from_table(part, vocab, fmt, unique_ids=False)
        if report.problems and not report.rejected_rows:  # cannot happen: the header is ours
            return RegistrationReport(
                [], [], report.problems, warnings, rows=len(table.rows), format=fmt
            )
        renamed = ImportReport(
            report.organisations,
            [
                dataclasses.replace(p, column=headers.get(p.column or "", p.column) or p.column)
                for p in report.problems
                if not (
                    p.row in blocked
                    and _already(
                        problems.get(p.row or 0, []),
                        headers.get(p.column or "", p.column),
                        {headers["region"], headers["country"]},
                    )
                )
            ],
            report.warnings,
            rows=report.rows,
            rejected_rows=report.rejected_rows,
            format=report.format,
        )
        _collect(renamed, [rows[k] for k in layer], problems)
    columns_of = {
        "participant": _first_header(mapped, "participant"),
        "person": _first_header(mapped, "person")
        if "person" in given
        else _first_header(mapped, "first_name"),
        "seats": _first_header(mapped, "seats"),
    }
    done = _finish(rows, problems, columns_of, warnings, len(table.rows), fmt, table, vocab)
    who = {r.number: (r.person, m.get("organisation")) for r, m in zip(rows, mapped, strict=True)}
    return dataclasses.replace(done, who=who, areas=list(placed.values()))


_NAME_AT = _ORG_HEADER.index("name")
_REGION_AT = _ORG_HEADER.index("region")
_WEBSITE_AT = _ORG_HEADER.index("website")


def _infer_locations(
    unplaced: list[int],
    org_rows: list[list[str]],
    people: list[dict[str, Any]],
    numbers: list[int],
    mapped: list[_Mapped],
    problems: dict[int, list[Problem]],
    warnings: list[Problem],
) -> None:
    """Where a row names no country: a colleague's (the same organisation), else the country
    domain of the person's e-mail or the organisation's website, with a note; else a problem."""
    from matchmaker.io.values import country_of_address, fold

    nuts = taxonomy.nuts()
    known: dict[str, str] = {}
    for cells in org_rows:
        if cells[_REGION_AT]:
            known.setdefault(fold(cells[_NAME_AT]), cells[_REGION_AT])
    for k in unplaced:
        cells, number, m = org_rows[k], numbers[k], mapped[k]
        column = (
            m.header("country")
            if "country" in m.cells or "region" not in m.cells
            else (m.header("region"))
        )
        colleague = known.get(fold(cells[_NAME_AT]))
        if colleague:
            cells[_REGION_AT] = colleague
            continue
        for address in (people[k].get("email") or "", cells[_WEBSITE_AT]):
            code = country_of_address(address) if address else None
            if code:
                cells[_REGION_AT] = code
                warnings.append(
                    Problem(
                        number,
                        column,
                        "",
                        f"{column} is empty; {nuts.country_name(code)} ({code}) is taken from "
                        f"the address '{address[:60]}'",
                    )
                )
                break
        else:
            problems.setdefault(number, []).append(
                Problem(
                    number,
                    column,
                    "",
                    f"{column} is empty; give the country (a name or code) or a NUTS region",
                )
            )


def _already(found: list[Problem], column: str | None, same: Collection[str] = ()) -> bool:
    """Whether a row already has a problem on ``column`` (or on one of ``same``, the columns
    that say the same thing: the country and the region)."""
    columns = {column, *same} if column in same else {column}
    return any(p.column in columns for p in found)


# Cells that answer a required question with nothing.
_PLACEHOLDERS = frozenset(
    {"n a", "na", "n d", "none", "null", "nil", "tbd", "tbc", "keine", "aucun", "aucune", "brak"}
) | {""}


def _first_header(mapped: list[_Mapped], fname: str) -> str:
    for m in mapped:
        if fname in m.cells:
            return m.cells[fname][0][0]
    return fname


def _is_formula(text: str) -> bool:
    return text.startswith("=") and len(text) > 1


def _split_cell(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]


def _area_terms(text: str) -> list[str]:
    """The topics of an areas cell; an intent ('Looking for partners: Smart grids') gives its
    topic ('Smart grids')."""
    from matchmaker.io.values import split_list

    if not text:
        return []
    terms = []
    for part in split_list(text):
        found = _INTENT.match(part)
        topic = found.group("topic") if found else part
        if len(topic) > 1:
            terms.append(topic[:300])
    return terms


# Interests written as intents, as event apps let people tag them: 'Offering networking:
# Offshore wind', 'Looking for partners: Solar PV', 'Suche: Wasserstoff'.
_INTENT = re.compile(
    r"^(?P<verb>offering|offer|offers|providing|we offer|selling|angebot|biete|bieten"
    r"|offre|offrons|ofrezco|ofrecemos|oferta|offro|offriamo|oferuj\w*"
    r"|looking for|seeking|searching|buying|we need|need|suche|suchen|cherche|recherche"
    r"|busco|buscamos|cerco|cerchiamo|szukam|szukamy)\b(?P<what>[^:]*):\s*(?P<topic>.+)$",
    re.I,
)
_OFFER_VERBS = re.compile(r"^(offer|provid|sell|angebot|biet|offr|ofre|ofer)", re.I)


def _intents(text: str) -> dict[str, list[str]]:
    """Offers and needs stated as intents in an areas cell, as items."""
    from matchmaker.io.values import split_list

    out: dict[str, list[str]] = {"offers": [], "needs": []}
    if not text:
        return out
    for part in split_list(text):
        found = _INTENT.match(part)
        if found is None:
            continue
        key = "offers" if _OFFER_VERBS.match(found.group("verb")) else "needs"
        what = found.group("what").strip()
        item = (
            f"{what[:1].upper()}{what[1:]}: {found.group('topic')}"
            if what
            else found.group("topic")
        )
        out[key].append(item.replace(";", ",").replace("|", "/")[:2000])
    return out


_BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\d+[.)])\s+")


def _items(text: str) -> str:
    """Offers or needs as the organisation reader reads them: items separated by ';'."""
    if not text:
        return ""
    parts = [_BULLET.sub("", p).strip() for p in re.split(r"[;\n]", text)]
    out = []
    for part in parts:
        if not part:
            continue
        body, mark, keywords = part.partition("|")
        out.append((body[:2000].strip() + (mark + keywords if mark else "")).strip())
    return "; ".join(out)


def _place_type(
    m: _Mapped,
    record: dict[str, str],
    values: Mapping[str, Mapping[str, str]],
    number: int,
    found: list[Problem],
    warnings: list[Problem],
) -> None:
    from matchmaker.io.values import org_type
    from matchmaker.models import OrgType

    text = record["type"]
    if not text:
        record["type"] = OrgType.OTHER.value
        return
    chosen = values.get("type", {}).get(text)
    if chosen:
        record["type"] = chosen
        return
    placed = org_type(text.split(";")[0].strip())
    if placed.code is not None:
        record["type"] = placed.code
        return
    hint = f"; {placed.why}" if placed.why else ""
    choices = ", ".join(t.value for t in OrgType)
    found.append(
        Problem(
            number,
            m.header("type"),
            text,
            f"organisation type '{text}' is not one the product can place{hint}; choose its "
            f"type in the value mapping (one of: {choices})",
        )
    )
    record["type"] = ""


def _place_country(
    m: _Mapped,
    record: dict[str, str],
    values: Mapping[str, Mapping[str, str]],
    number: int,
    found: list[Problem],
    extra: dict[str, str],
    notes: list[Problem],
) -> None:
    from matchmaker.io.values import country_code

    nuts = taxonomy.nuts()
    country_text = m.get("country")
    region_text = m.get("region")
    country: str | None = None
    if country_text:
        chosen = values.get("country", {}).get(country_text)
        placed = country_code(chosen or country_text)
        if placed.code is None and not chosen:
            # 'Como, Italy', 'Lyon (France)': a place with its country; the place is kept.
            parts = [p.strip(" ()") for p in re.split(r"[,(/]", country_text) if p.strip(" ()")]
            if len(parts) > 1 and country_code(parts[-1]).code is not None:
                placed = country_code(parts[-1])
                extra[m.header("country")] = country_text
        if placed.code is None:
            hint = f"; {placed.why}" if placed.why else ""
            found.append(
                Problem(
                    number,
                    m.header("country"),
                    country_text,
                    f"country '{country_text}' is not a country the product can place{hint}",
                )
            )
        country = placed.code
    region = ""
    if region_text:
        code = nuts.normalise(region_text)
        if nuts.is_valid(code):
            region = code
        elif _NUTS_LIKE.match(region_text.strip()):
            region = region_text  # a code that is not one: the reader names the closest
        else:
            region = _region_by_name(region_text, country) or ""
            if not region:
                extra[m.header("region")] = region_text
                notes.append(
                    Problem(
                        number,
                        m.header("region"),
                        region_text[:60],
                        f"region '{region_text[:60]}' is no NUTS region's name"
                        + (f" in {nuts.country_name(country)}" if country else "")
                        + "; it is kept as an extra field and the country stands for where "
                        "the organisation is",
                    )
                )
    if region and country and nuts.is_valid(region) and nuts.country(region) != country:
        found.append(
            Problem(
                number,
                m.header("region"),
                region_text,
                f"region '{region_text}' ({region}) is in {nuts.country_name(nuts.country(region))}"
                f", not in {nuts.country_name(country)} as '{country_text}' says",
            )
        )
    record["region"] = region or country or ""


# What a NUTS code looks like (upper case, a digit past three characters): 'NL14', 'FRK'; not
# 'Tirol' or 'WALES', which are names.
_NUTS_LIKE = re.compile(r"^[A-Z]{2}[0-9A-Z]?$|^[A-Z]{2}(?=[0-9A-Z]*[0-9])[0-9A-Z]{1,3}$")


@functools.cache
def _region_names() -> dict[tuple[str, str], str]:
    from matchmaker.io.values import fold

    nuts = taxonomy.nuts()
    out: dict[tuple[str, str], str] = {}
    for level in (1, 2, 3):
        for code in nuts.codes(level=level):
            for latin in (False, True):
                key = (nuts.country(code), fold(nuts.label(code, latin=latin)))
                out.setdefault(key, code)
    return out


def _region_by_name(text: str, country: str | None) -> str | None:
    """A NUTS region named in words ('Lombardia', 'Bayern'), within the country if known."""
    from matchmaker.io.values import fold

    key = fold(text)
    names = _region_names()
    if country is not None:
        return names.get((country, key))
    hits = {code for (c, name), code in names.items() if name == key}
    return hits.pop() if len(hits) == 1 else None


def _place_languages(
    m: _Mapped, values: Mapping[str, Mapping[str, str]], number: int, found: list[Problem]
) -> str:
    from matchmaker.io.values import language_code, split_list

    codes: list[str] = []
    for header, text in m.cells.get("languages", []):
        for part in split_list(text):
            chosen = values.get("languages", {}).get(part)
            placed = language_code(chosen or part)
            if placed.code is not None:
                codes.append(placed.code)
                continue
            hint = f"; {placed.why}" if placed.why else ""
            found.append(
                Problem(
                    number,
                    header,
                    part,
                    f"language '{part}' is not a language the product can place{hint}; give "
                    "its name or ISO 639-1 code",
                )
            )
    return "; ".join(dict.fromkeys(codes))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEB = re.compile(r"^(https?://|www\.)|^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/\S*)?$", re.I)


def _place_contacts(
    m: _Mapped,
    own: dict[str, Any],
    record: dict[str, str],
    number: int,
    warnings: list[Problem],
    extra: dict[str, str],
) -> None:
    """The person's e-mail and the organisation's website, each checked against the other."""
    email = m.get("email").strip()
    website = record["website"].strip()
    if email and not _EMAIL.match(email):
        why = "a web address" if _WEB.match(email) else "not an e-mail address"
        warnings.append(
            Problem(
                number,
                m.header("email"),
                email,
                f"'{email[:60]}' in the e-mail column is {why}; it is kept as an extra field",
            )
        )
        extra[m.header("email")] = email
        email = ""
    if website and _EMAIL.match(website):
        warnings.append(
            Problem(
                number,
                m.header("website"),
                website,
                f"'{website[:60]}' in the website column is an e-mail address; it is kept as "
                "an extra field",
            )
        )
        extra[m.header("website")] = website
        record["website"] = ""
    own["email"] = email[:254] or None


def _place_slots(
    text: str,
    slots: Sequence[TimeSlot],
    header: str,
    number: int,
    warnings: list[Problem],
    extra: dict[str, str],
) -> list[str] | None:
    """Availability as the event's slot ids: by id, or by start time ('09:30')."""
    from matchmaker.io.values import fold, split_list

    parts = split_list(text)
    if not slots:
        extra[header] = text
        warnings.append(
            Problem(
                number,
                header,
                text[:60],
                "availability is kept as an extra field: the event has no time slots yet",
            )
        )
        return None
    by_key: dict[str, str] = {}
    for slot in slots:
        by_key[fold(slot.id)] = slot.id
        by_key.setdefault(slot.start.strftime("%H:%M"), slot.id)
        by_key.setdefault(fold(slot.start.strftime("%H:%M")), slot.id)
    ids: list[str] = []
    unknown: list[str] = []
    for part in parts:
        start = part.split("-")[0].strip()
        hit = by_key.get(fold(part)) or by_key.get(start) or by_key.get(fold(start))
        if hit is None:
            unknown.append(part)
        else:
            ids.append(hit)
    if unknown:
        extra[header] = text
        warnings.append(
            Problem(
                number,
                header,
                "; ".join(unknown)[:80],
                "availability names no slot of the event ("
                + ", ".join(s.id for s in slots[:6])
                + "); the row is available in every slot and its text is kept",
            )
        )
        return None
    return list(dict.fromkeys(ids))


def _key(cells: list[str], id_at: int | None, name_at: int | None, number: int) -> str:
    """Which organisation a row is about, before it is checked: its id, or its name."""
    if id_at is not None and id_at < len(cells) and cells[id_at]:
        return "id:" + cells[id_at]
    if name_at is not None and name_at < len(cells) and cells[name_at]:
        return "id:" + slug(cells[name_at])  # the id the organisation reader makes of it
    return f"row:{number}"


def _collect(report: ImportReport, rows: list[_Row], problems: dict[int, list[Problem]]) -> None:
    """Give each row of a layer its organisation, or its problems under its own row number."""
    rejected = set(report.rejected_rows)
    valid = iter(report.organisations)
    by_row: dict[int, list[Problem]] = {}
    for p in report.problems:
        by_row.setdefault(p.row or 0, []).append(p)
    for k, row in enumerate(rows):
        local = _local_number(report, k, row)
        if local in rejected:
            problems.setdefault(row.number, []).extend(
                dataclasses.replace(p, row=row.number) for p in by_row.get(local, [])
            )
        else:
            row.org = next(valid)


def _local_number(report: ImportReport, k: int, row: _Row) -> int:
    # Tables keep the spreadsheet's row numbers; a JSON layer numbers its items from 1.
    return k + 1 if report.format == "json" else row.number


# --- participants, and the rules across rows ----------------------------------------------


def _finish(
    rows: list[_Row],
    problems: dict[int, list[Problem]],
    names: dict[str, str],
    warnings: list[Problem],
    n_rows: int,
    fmt: str,
    table: Table | None,
    vocabulary: dict[str, str],
) -> RegistrationReport:
    column = {f: names.get(f, f) for f in ("participant", "person", "seats")}
    _disagreements(rows, problems)
    seats: dict[int, int] = {}
    for row in rows:
        found = problems.setdefault(row.number, [])
        text = row.seats.strip()
        if not text:
            seats[row.number] = 1
        elif _WHOLE.fullmatch(text) and 1 <= int(float(text)) <= MAX_SEATS:
            seats[row.number] = int(float(text))
        else:
            found.append(
                Problem(
                    row.number,
                    column["seats"],
                    text,
                    f"seats '{text}' is not a whole number from 1 to {MAX_SEATS}",
                )
            )
    ids = _participant_ids(rows, column["participant"], problems)
    merged = _merged(
        [r for r in rows if r.org is not None and not problems.get(r.number)], warnings
    )
    wishes = _wish_targets(merged.values())
    participants: list[Participant] = []
    for row in rows:
        if row.org is None or problems.get(row.number) or row.number not in ids:
            continue
        org = merged[row.org.id]
        own: dict[str, Any] = {
            k: row.own[k] for k in ("email", "job_title", "phone", "available") if row.own.get(k)
        }
        # The person's own languages, offers and needs, where they are not the organisation's.
        for key in ("languages", "offers", "needs"):
            mine, theirs = getattr(row.org, key), getattr(org, key)
            if mine and mine != theirs:
                own[key] = mine
        extra = dict(row.extra)
        if row.own.get("wishes"):
            header, text = row.own["wishes"]
            requests, unknown = _requests(text, wishes, org.id)
            if requests:
                own["requests"] = requests
            if unknown:
                extra[header] = text
                warnings.append(
                    Problem(
                        row.number,
                        header,
                        "; ".join(unknown)[:80],
                        "meeting wishes name no organisation of this list: "
                        + ", ".join(f"'{u[:40]}'" for u in unknown[:5])
                        + "; the text is kept as an extra field",
                    )
                )
        if extra:
            own["extra"] = {k[:300]: v[:5000] for k, v in list(extra.items())[:200]}
        try:
            participants.append(
                Participant(
                    id=ids[row.number],
                    organisation=row.org.id,
                    person=row.person or None,
                    seats=seats[row.number],
                    **own,
                )
            )
        except ValidationError as exc:
            for err in exc.errors():
                fname = str(err["loc"][0]) if err["loc"] else "id"
                value = ids[row.number] if fname == "id" else str(err.get("input", ""))[:80]
                where = column["participant"] if fname == "id" else column.get(fname, fname)
                problems[row.number].append(Problem(row.number, where, value, _message(err, fname)))
    _same_person_twice(participants, {r.number: r for r in rows}, ids, warnings)
    rejected = sorted(n for n, found in problems.items() if found)
    if any(problems.get(r.number) for r in rows if r.org is not None):
        # A participant refused above: its organisation stays only through valid rows.
        refused = set(rejected)
        merged = _merged([r for r in rows if r.org is not None and r.number not in refused], [])
        participants = [p for p in participants if p.organisation in merged]
    return RegistrationReport(
        list(merged.values()),
        participants,
        [p for n in sorted(problems) for p in problems[n]],
        warnings,
        rows=n_rows,
        rejected_rows=rejected,
        format=fmt,
        encoding=None if table is None else table.encoding,
        delimiter=None if table is None else table.delimiter,
        vocabulary=vocabulary,
    )


def _same_person_twice(
    participants: list[Participant],
    rows: Mapping[int, _Row],
    ids: Mapping[int, str],
    warnings: list[Problem],
) -> None:
    """A note on registrations that look like one person twice: the same e-mail, or the same
    name in the same organisation. Both are kept; the organiser decides."""
    number_of = {pid: n for n, pid in ids.items()}
    seen: dict[tuple[str, str], int] = {}
    for p in participants:
        n = number_of.get(p.id)
        if n is None:
            continue
        keys = []
        if p.email:
            keys.append(("e-mail", p.email.casefold()))
        if p.person:
            keys.append(("name", f"{_fold(p.person)}@{p.organisation}"))
        for kind, key in keys:
            first = seen.setdefault((kind, key), n)
            if first != n:
                shown = p.email if kind == "e-mail" else p.person
                warnings.append(
                    Problem(
                        n,
                        rows[n].columns.get("email" if kind == "e-mail" else "name", kind),
                        str(shown)[:60],
                        f"rows {first} and {n} have the same {kind} '{str(shown)[:60]}': one "
                        "person registered twice? Both are kept",
                    )
                )
                break


def _merged(rows: list[_Row], warnings: list[Problem]) -> dict[str, Organisation]:
    """Each organisation once: the union of its rows' offers, needs, languages, sectors, S3
    priorities and projects; the first row's name, type, size, website and description (the
    first that gives one)."""
    out: dict[str, Organisation] = {}
    first: dict[str, _Row] = {}
    for row in rows:
        org = row.org
        assert org is not None
        if org.id not in out:
            out[org.id] = org
            first[org.id] = row
            continue
        have = out[org.id]
        if org.type != have.type and org.type.value != "other" and have.type.value != "other":
            warnings.append(
                Problem(
                    row.number,
                    row.columns.get("type", "type"),
                    org.type.value,
                    f"rows {first[org.id].number} and {row.number} give organisation "
                    f"'{org.id}' different types: '{have.type.value}' and '{org.type.value}'; "
                    f"'{have.type.value}' is kept",
                )
            )
        update: dict[str, Any] = {}
        for key in ("sectors", "s3_priorities", "languages", "projects"):
            joined = list(dict.fromkeys([*getattr(have, key), *getattr(org, key)]))
            if len(joined) != len(getattr(have, key)):
                update[key] = joined[:100] if key != "projects" else joined[:200]
        for key in ("offers", "needs"):
            texts = {i.text.casefold() for i in getattr(have, key)}
            new = [i for i in getattr(org, key) if i.text.casefold() not in texts]
            if new:
                update[key] = [*getattr(have, key), *new][:100]
        if len(org.region) > len(have.region):  # the narrower region of the same place
            update["region"] = org.region
        if have.type.value == "other" and org.type.value != "other":
            update["type"] = org.type
        for key in ("size", "website", "contact"):
            if getattr(have, key) is None and getattr(org, key) is not None:
                update[key] = getattr(org, key)
        if not have.description and org.description:
            update["description"] = org.description
        if update:
            out[org.id] = have.model_copy(update=update)
    return out


def _wish_targets(orgs: Iterable[Organisation]) -> dict[str, str]:
    from matchmaker.io.values import fold

    out: dict[str, str] = {}
    for org in orgs:
        out.setdefault(fold(org.name), org.id)
        out.setdefault(fold(org.id), org.id)
    return out


def _requests(text: str, targets: Mapping[str, str], own: str) -> tuple[list[Request], list[str]]:
    from matchmaker.io.values import fold

    found: list[Request] = []
    unknown: list[str] = []
    for part in re.split(
        r"[;\n]|,(?!\s*(?:GmbH|Ltd|S\.?A|s\.r\.o|SpA|S\.L|Oy|AB|BV|NV|AG|Inc)\b)", text
    ):
        name = part.strip()
        if not name:
            continue
        target = targets.get(fold(name))
        if target is None:
            unknown.append(name)
        elif target != own and target not in {r.organisation for r in found}:
            found.append(Request(organisation=target))
    return found[:500], unknown


def _message(error: Mapping[str, Any], fname: str) -> str:
    value = error.get("input")
    if fname == "id" and error.get("type") == "string_pattern_mismatch":
        return (
            f"participant id '{value}' may hold only letters, digits and . _ : @ - , must "
            "start with a letter or digit, and has at most 64 characters"
        )
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return f"{fname} has {len(str(value))} characters; the limit is {limit}"
    return f"{fname}: {error_text(error)}"


def _disagreements(rows: list[_Row], problems: dict[int, list[Problem]]) -> None:
    """Rows of one organisation must agree on where it is (its region); everything else is
    merged (see :func:`_merged`)."""
    first: dict[str, _Row] = {}
    for row in rows:
        if row.org is None:
            continue
        earlier = first.setdefault(row.org.id, row)
        if earlier is row:
            continue
        assert earlier.org is not None
        a, b = earlier.org.region, row.org.region
        if a == b or a.startswith(b) or b.startswith(a):
            continue  # one row names the country or a larger region, the other a part of it
        label = row.columns.get("region", "region")
        problems.setdefault(row.number, []).append(
            Problem(
                row.number,
                label,
                b,
                f"rows {earlier.number} and {row.number} give organisation '{row.org.id}' "
                f"different region: '{a}' in row {earlier.number}, '{b}' in row {row.number}; "
                "the rows of one organisation must agree on where it is",
            )
        )


# Export column name -> the organisation field it shows.
_FIELD = {"contact_person": "contact.person", "contact_email": "contact.email"} | {
    "contact_phone": "contact.phone"
}


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _participant_ids(
    rows: list[_Row], column: str, problems: dict[int, list[Problem]]
) -> dict[int, str]:
    """Each row's participant id: as written, or made from the organisation's id."""
    given: dict[str, list[int]] = {}
    for row in rows:
        if row.participant:
            given.setdefault(row.participant, []).append(row.number)
    for pid, numbers in given.items():
        if len(numbers) > 1:
            for n in numbers:
                problems.setdefault(n, []).append(
                    Problem(
                        n,
                        column,
                        pid,
                        f"participant id '{pid}' is also used in {also_used(numbers, n)}; each "
                        "participant needs an id of its own",
                    )
                )
    taken = set(given)
    made: dict[str, int] = {}
    ids: dict[int, str] = {}
    for row in rows:
        if row.participant:
            ids[row.number] = row.participant
            continue
        if row.org is None:
            continue
        k = made.get(row.org.id, 0)
        while True:
            k += 1
            suffix = "" if k == 1 else f"-{k}"
            candidate = row.org.id[: 64 - len(suffix)] + suffix
            if candidate not in taken:
                break
        made[row.org.id] = k
        taken.add(candidate)
        ids[row.number] = candidate
    return ids


# --- JSON ---------------------------------------------------------------------------------

_PARTICIPANT_KEYS = ("participant", "person", "seats")


def _from_json_list(data: bytes, vocabulary: dict[str, str], max_bytes: int) -> RegistrationReport:
    def whole_file(report: ImportReport) -> RegistrationReport:
        return RegistrationReport([], [], report.problems, format="json")

    try:
        text, _ = decode_text(data)
        past = json_records_past(text, LIMITS.participants)
        if past is not None:
            problem = Problem(
                past,
                None,
                None,
                f"the list has more than {LIMITS.participants:,} registrations (record "
                f"{past:,}); an event takes at most {LIMITS.participants:,} participants",
            )
            return RegistrationReport([], [], [problem], format="json")
        doc = load_json(text) if len(data) <= max_bytes else None
    except (InvalidInputError, ValueError, RecursionError):
        doc = None
    if isinstance(doc, dict) and set(doc) <= {"vocabulary", "registrations"}:
        own = doc.get("vocabulary")
        items = doc.get("registrations")
    else:
        own, items = None, doc
    if not isinstance(items, list):
        # Let the organisation reader say what is wrong with the file (syntax, size, shape).
        report = organisations_from_json(data, vocabulary, max_bytes)
        if report.problems:
            return whole_file(report)
        problem = Problem(
            None,
            None,
            None,
            "expected a JSON list of registrations, or an object with the key 'registrations'",
        )
        return RegistrationReport([], [], [problem], format="json")
    if not items:
        message = (
            "the file holds no organisation; expected a JSON list of registrations, or an "
            "object whose key 'registrations' lists them"
        )
        return RegistrationReport([], [], [Problem(None, None, None, message)], format="json")
    if len(items) > LIMITS.participants:
        problem = _too_many_people(len(items), len(items))
        return RegistrationReport([], [], [problem], format="json")
    rows: list[_Row] = []
    orgs: list[Any] = []
    for k, item in enumerate(items, start=1):
        row = _Row(k, f"row:{k}")
        if isinstance(item, dict):
            item = dict(item)
            for key in _PARTICIPANT_KEYS:
                value = item.pop(key, None)
                if isinstance(value, bool) or not isinstance(value, str | int | float | None):
                    value = json.dumps(value)
                setattr(row, key, "" if value is None else str(value).strip())
            if isinstance(item.get("id"), str):
                row.key = "id:" + item["id"].strip()
        row.columns = {}
        rows.append(row)
        orgs.append(item)
    problems: dict[int, list[Problem]] = {}
    vocab = dict(vocabulary)
    for layer in [list(range(len(rows)))]:
        payload: dict[str, Any] = {"organisations": [orgs[k] for k in layer]}
        if own is not None:
            payload["vocabulary"] = own
        raw = json.dumps(payload, ensure_ascii=False).encode()
        report = organisations_from_json(
            raw, vocabulary, max(max_bytes, len(raw)), unique_ids=False
        )
        vocab = report.vocabulary or vocab
        if report.problems and not report.rejected_rows:
            return whole_file(report)
        _collect(report, [rows[k] for k in layer], problems)
    return _finish(rows, problems, {}, [], len(items), "json", None, vocab)


# --- into an event -------------------------------------------------------------------------


def restrict_rules(rules: Rules, people: set[str]) -> tuple[Rules, list[Problem]]:
    """``rules`` without the participants that are no longer registered
    (:meth:`Rules.restricted_to`), and what was dropped, in words."""
    dropped = [
        Problem(
            None,
            "rules.pins",
            pin.participant,
            f"the pin of '{pin.participant}' to room '{pin.room}' was removed: "
            "the participant is no longer registered",
        )
        for pin in rules.pins
        if pin.participant not in people
    ]
    for name, given in (("keep_apart", rules.keep_apart), ("keep_together", rules.keep_together)):
        for group in given:
            gone = [pid for pid in group if pid not in people]
            if gone:
                what = "shortened" if len(group) - len(gone) > 1 else "removed"
                dropped.append(
                    Problem(
                        None,
                        f"rules.{name}",
                        ", ".join(gone),
                        f"the {name} group {group} was {what}: "
                        f"{', '.join(repr(g) for g in gone)} no longer registered",
                    )
                )
    return rules.restricted_to(people), dropped


def apply_registrations(ev: Event, report: RegistrationReport) -> tuple[Event, list[Problem]]:
    """The event with the participants and organisations of ``report`` (replacing its own),
    its rules restricted to them, its vocabulary extended and the mapping kept; and the
    rules that were dropped."""
    from matchmaker.io.events import read_event

    people = {p.id for p in report.participants}
    rules, dropped = restrict_rules(ev.rules, people)
    document = ev.model_dump(mode="json", exclude_none=True)
    document.update(
        vocabulary={**ev.vocabulary, **report.vocabulary},
        participants=[p.model_dump(mode="json", exclude_none=True) for p in report.participants],
        organisations=[
            o.model_dump(mode="json", exclude_none=True, exclude={"country"})
            for o in report.organisations
        ],
        rules=rules.model_dump(mode="json", exclude_none=True),
    )
    if report.mapping is not None:
        document["registration_mapping"] = report.mapping.mapping().model_dump(
            mode="json", exclude_none=True
        )
    # Read as an event file is read (ASCII escapes keep any lone surrogate as it was written).
    return read_event(json.dumps(document).encode()), dropped


def registration_changes(ev: Event, report: RegistrationReport) -> dict[str, list[dict[str, Any]]]:
    """Who an upload adds, changes and removes, by participant id (for a look before it is
    applied)."""
    orgs = {o.id: o for o in ev.organisations}
    new_orgs = {o.id: o for o in report.organisations}
    before = {p.id: p for p in ev.participants}
    after = {p.id: p for p in report.participants}

    def who(p: Participant, by: Mapping[str, Organisation]) -> dict[str, Any]:
        org = by.get(p.organisation)
        return {
            "id": p.id,
            "person": p.person,
            "organisation": org.name if org is not None else p.organisation,
        }

    changed = []
    for pid in before.keys() & after.keys():
        a, b = before[pid], after[pid]
        fields = [
            name
            for name in ("person", "organisation", "email", "job_title", "seats", "languages")
            if getattr(a, name) != getattr(b, name)
        ]
        oa, ob = orgs.get(a.organisation), new_orgs.get(b.organisation)
        if oa is not None and ob is not None and oa != ob:
            fields.append("organisation profile")
        if fields:
            changed.append({**who(b, new_orgs), "fields": fields})
    return {
        "added": [who(after[pid], new_orgs) for pid in after if pid not in before],
        "changed": sorted(changed, key=lambda c: str(c["id"])),
        "removed": [who(before[pid], orgs) for pid in before if pid not in after],
    }


# --- template ------------------------------------------------------------------------------

TEMPLATE_HEADER = [
    "First name",
    "Last name",
    "E-mail",
    "Job title",
    "Organisation",
    "Organisation type",
    "Country",
    "Region",
    "Website",
    "Organisation description",
    "What we offer",
    "What we are looking for",
    "Areas of activity",
    "Languages",
    "Availability",
    "I would like to meet",
]
TEMPLATE_ROW = [
    "Anna",
    "Nowak",
    "anna.nowak@example.org",
    "Innovation manager",
    "Lodz Textile Cluster",
    "Cluster",
    "Polska",
    "PL71",
    "https://cluster.example.org",
    "Cluster of 80 textile and clothing companies in the Łódź region.",
    "Smart textiles testing lab; Training on circular design",
    "Partners for an Interreg project on textile recycling",
    "Textiles; Circular economy",
    "Polish, English",
    "",
    "",
]


def registration_template(format: Literal["csv", "xlsx"] = "csv") -> bytes:
    """A registration sheet to fill in: the columns every field is read from, an example row."""
    if format == "csv":
        return csv_bytes(TEMPLATE_HEADER, [TEMPLATE_ROW])
    if format == "xlsx":
        return xlsx_bytes([("Registrations", TEMPLATE_HEADER, [TEMPLATE_ROW])])
    raise ValueError(f"format '{format}' must be csv or xlsx")


# --- export -------------------------------------------------------------------------------


def registration_rows(
    participants: Iterable[Participant],
    organisations: Iterable[Organisation],
    *,
    public: bool = False,
) -> tuple[list[str], list[list[str]]]:
    """Participants joined with their organisations' profiles, as a header and rows of text.

    Raises
    ------
    MatchmakerError
        A participant whose organisation is not among ``organisations``.
    """
    by_id = {o.id: o for o in organisations}
    people = list(participants)
    missing = sorted({p.organisation for p in people} - set(by_id))
    if missing:
        raise MatchmakerError(
            f"participants refer to organisation '{missing[0]}', which is not given"
        )
    org_header, org_rows = organisation_rows([by_id[p.organisation] for p in people], public=public)
    # The person's own fields where anyone has them (the e-mail is private), then the
    # columns kept as they were, so that an export reads back as it was imported.
    own = [
        f
        for f in ("job_title", *(() if public else ("email",)))
        if any(getattr(p, f) for p in people)
    ]
    taken = {*org_header, *(c.name for c in PARTICIPANT_COLUMNS), *own}
    extra = list(dict.fromkeys(k for p in people for k in p.extra))
    extra_header = [k if k not in taken else f"{k} (extra)" for k in extra]
    header = [c.name for c in PARTICIPANT_COLUMNS] + own + org_header + extra_header
    rows = [
        [
            p.id,
            p.person or "",
            str(p.seats),
            *(getattr(p, f) or "" for f in own),
            *cells,
            *(p.extra.get(k, "") for k in extra),
        ]
        for p, cells in zip(people, org_rows, strict=True)
    ]
    return header, rows


def dump_registrations(
    participants: Sequence[Participant],
    organisations: Sequence[Organisation],
    format: ExportFormat = "csv",
    *,
    public: bool = False,
) -> bytes:
    """A registration list as CSV (UTF-8 with BOM), XLSX or JSON; it reads back the same.

    Only the participants' ids, persons and seats are written (not availability or requests).
    """
    if format == "json":
        by_id = {o.id: o for o in organisations}
        registration_rows(participants, organisations)  # refuses unknown organisations
        items = []
        for p in participants:
            org = by_id[p.organisation]
            profile = (org.public() if public else org).model_dump(mode="json", exclude_none=True)
            item: dict[str, Any] = {"participant": p.id}
            if p.person is not None:
                item["person"] = p.person
            items.append({**item, "seats": p.seats, **profile})
        return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode()
    header, rows = registration_rows(participants, organisations, public=public)
    if format == "csv":
        return csv_bytes(header, rows)
    if format == "xlsx":
        return xlsx_bytes([("Registrations", header, rows)])
    raise ValueError(f"format '{format}' must be one of: csv, xlsx, json")


def write_registrations(
    participants: Sequence[Participant],
    organisations: Sequence[Organisation],
    path: str | Path,
    *,
    format: ExportFormat | None = None,
    public: bool = False,
) -> Path:
    """Write a registration list to ``path``; the format follows the suffix unless given."""
    target = Path(path)
    fmt = format or detect_format(b"", target.name)
    return write_atomic(target, dump_registrations(participants, organisations, fmt, public=public))
