"""Registration lists: one row per participant, with the profile of the participant's organisation.

This is what an event's registration form exports. The organisation columns are those of the
organisation format (``docs/import-format.md``), checked by the organisation reader itself;
three columns describe the participant: ``participant`` (its id), ``person`` (a name) and
``seats``. Several people of one organisation repeat its profile, which must then agree.

The organisation reader refuses an id used by two rows; here that is how colleagues are
written. So the rows are checked in layers: the first row of every organisation, then the
second of those that have one, and so on; no layer holds an organisation twice.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from matchmaker._bulk import paused_gc
from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io.columns import Column, fold_header, match_headers
from matchmaker.io.organisations import (
    ImportReport,
    _from_json,
    _from_table,
    _slug,
    organisation_rows,
)
from matchmaker.io.sheets import csv_bytes, write_atomic, xlsx_bytes
from matchmaker.io.tabular import (
    MAX_FILE_BYTES,
    Table,
    decode_text,
    detect_format,
    load_json,
    read_csv,
    read_source,
    read_xlsx,
    unneutralise,
)
from matchmaker.models import Organisation, Participant, error_text

__all__ = [
    "PARTICIPANT_COLUMNS",
    "RegistrationReport",
    "dump_registrations",
    "read_registrations",
    "registration_rows",
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
_BY_FOLDED = {
    fold_header(spelling): col
    for col in PARTICIPANT_COLUMNS
    for spelling in (col.name, *col.aliases)
}
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

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"{self.rows} rows read: {len(self.participants)} participants of "
            f"{len(self.organisations)} organisations, {len(self.rejected_rows)} rows with "
            f"problems ({len(self.problems)} problems)"
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


def validate_registrations(
    source: Source,
    *,
    name: str | None = None,
    format: ExportFormat | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
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
        For XLSX, the sheet to read (default: the first).

    Returns
    -------
    RegistrationReport
        Participants and organisations of the valid rows; every problem with its row,
        column, value and rule.
    """
    try:
        data, name = read_source(source, name, max_bytes=max_bytes)
    except InvalidInputError as exc:  # too large to be read
        fmt_guess = format or detect_format(b"", name or str(source))
        return RegistrationReport([], [], exc.problems, format=fmt_guess)
    fmt = format or detect_format(data, name)
    vocab = dict(vocabulary or {})
    if fmt == "json":
        with paused_gc():
            return _from_json_list(data, vocab, max_bytes)
    try:
        table = (
            read_xlsx(data, sheet=sheet, max_bytes=max_bytes)
            if fmt == "xlsx"
            else read_csv(data, max_bytes=max_bytes)
        )
    except InvalidInputError as exc:
        return RegistrationReport(
            [], [], exc.problems or [Problem(None, None, None, exc.message)], format=fmt
        )
    with paused_gc():
        return _from_table_rows(table, vocab, fmt)


def read_registrations(
    source: Source,
    *,
    name: str | None = None,
    format: ExportFormat | None = None,
    vocabulary: Mapping[str, str] | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> RegistrationReport:
    """Read a registration list, all or nothing.

    Raises
    ------
    InvalidInputError
        When the file cannot be read or any row has a problem; every problem is listed.

    Examples
    --------
    >>> report = read_registrations("fixtures/leuven-2018/registrations.csv")  # doctest: +SKIP
    >>> len(report.participants), len(report.organisations)  # doctest: +SKIP
    (32, 20)
    """
    report = validate_registrations(
        source, name=name, format=format, vocabulary=vocabulary, sheet=sheet, max_bytes=max_bytes
    )
    if report.problems:
        rows = len(report.rejected_rows)
        where = f" in {rows} row{'s' if rows != 1 else ''}" if rows else ""
        n = len(report.problems)
        raise InvalidInputError(
            f"{n} problem{'s' if n != 1 else ''}{where}; nothing was imported", report.problems
        )
    return report


# --- tables -------------------------------------------------------------------------------


def _split_columns(table: Table) -> tuple[Table, dict[str, int], list[Problem]]:
    """The organisation columns as a table of their own, where the participant columns are,
    and the problems of the participant headers."""
    problems: list[Problem] = []
    mine: dict[str, int] = {}
    org_known, _ = match_headers(table.header)
    for i, text in enumerate(table.header):
        col = _BY_FOLDED.get(fold_header(text))
        if col is None and i not in org_known:
            near = _near_participant_header(text)
            if near is not None:
                problems.append(
                    Problem(
                        1,
                        text,
                        text,
                        f"column '{text}' is not a known column; did you mean '{near}'?",
                    )
                )
                mine.setdefault(f"#{i}", i)  # kept out of the organisation table
            continue
        if col is None:
            continue
        if col.field in mine:
            first = table.header[mine[col.field]]
            problems.append(
                Problem(
                    1,
                    text,
                    text,
                    f"columns '{first}' and '{text}' both give the {col.name}; keep one",
                )
            )
            mine[f"#{i}"] = i
            continue
        mine[col.field] = i
    drop = set(mine.values())
    keep = [i for i in range(len(table.header)) if i not in drop]
    position = {old: new for new, old in enumerate(keep)}

    def cut(cells: list[str]) -> list[str]:
        # Cells past the header stay at the end, so that the reader still sees them.
        return [c for j, c in enumerate(cells) if j not in drop]

    org_table = Table(
        header=[table.header[i] for i in keep],
        rows=[cut(r) for r in table.rows],
        row_numbers=list(table.row_numbers),
        encoding=table.encoding,
        delimiter=table.delimiter,
        formula_cells={(n, position[j]) for n, j in table.formula_cells if j in position},
    )
    return org_table, mine, problems


def _near_participant_header(text: str) -> str | None:
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    folded = fold_header(text)
    if len(folded) < 4:
        return None
    best = process.extractOne(folded, list(_BY_FOLDED), scorer=Levenshtein.distance, score_cutoff=2)
    return None if best is None else _BY_FOLDED[best[0]].name


def _key(cells: list[str], id_at: int | None, name_at: int | None, number: int) -> str:
    """Which organisation a row is about, before it is checked: its id, or its name."""
    if id_at is not None and id_at < len(cells) and cells[id_at]:
        return "id:" + cells[id_at]
    if id_at is None and name_at is not None and name_at < len(cells) and cells[name_at]:
        return "id:" + _slug(cells[name_at])  # the id the organisation reader makes of it
    return f"row:{number}"


def _layers(keys: Sequence[str]) -> list[list[int]]:
    """Positions grouped so that no group holds a key twice: first occurrences, seconds..."""
    seen: dict[str, int] = {}
    layers: list[list[int]] = []
    for k, key in enumerate(keys):
        depth = seen.get(key, 0)
        seen[key] = depth + 1
        if depth == len(layers):
            layers.append([])
        layers[depth].append(k)
    return layers or [[]]


def _from_table_rows(table: Table, vocabulary: dict[str, str], fmt: str) -> RegistrationReport:
    org_table, mine, header_problems = _split_columns(table)
    matched, _ = match_headers(org_table.header)
    where = {col.field: i for i, col in sorted(matched.items(), reverse=True)}  # the first
    headers = {name: org_table.header[i] for name, i in where.items()}
    rows = [
        _Row(number, _key(cells, where.get("id"), where.get("name"), number))
        for number, cells in zip(org_table.row_numbers, org_table.rows, strict=True)
    ]
    problems: dict[int, list[Problem]] = {}
    warnings: list[Problem] = []
    for depth, layer in enumerate(_layers([r.key for r in rows])):
        numbers = {rows[k].number for k in layer}
        part = Table(
            header=org_table.header,
            rows=[org_table.rows[k] for k in layer],
            row_numbers=[rows[k].number for k in layer],
            encoding=table.encoding,
            delimiter=table.delimiter,
            formula_cells={(n, j) for n, j in org_table.formula_cells if n in numbers},
        )
        report = _from_table(part, vocabulary, fmt)
        if depth == 0:
            warnings = report.warnings
        if report.problems and not report.rejected_rows:  # the header itself
            return RegistrationReport(
                [],
                [],
                [*header_problems, *report.problems],
                warnings,
                rows=len(table.rows),
                format=fmt,
                encoding=table.encoding,
                delimiter=table.delimiter,
            )
        _collect(report, [rows[k] for k in layer], problems)
    if header_problems:
        return RegistrationReport(
            [],
            [],
            header_problems,
            warnings,
            rows=len(table.rows),
            format=fmt,
            encoding=table.encoding,
            delimiter=table.delimiter,
        )
    for row, cells in zip(rows, table.rows, strict=True):
        row.columns = headers
        for fname in ("participant", "person", "seats"):
            if fname in mine:
                i = mine[fname]
                value = cells[i] if i < len(cells) else ""
                if (row.number, i) in table.formula_cells or (
                    value.startswith("=") and len(value) > 1
                ):
                    problems.setdefault(row.number, []).append(
                        Problem(
                            row.number,
                            table.header[i],
                            value,
                            f"value '{value[:40]}' is a spreadsheet formula; formulas are not "
                            "imported, write the value instead",
                        )
                    )
                    value = ""
                setattr(row, fname, unneutralise(value))
    names = {f: table.header[i] for f, i in mine.items() if not f.startswith("#")}
    return _finish(rows, problems, names, warnings, len(table.rows), fmt, table, vocabulary)


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
    participants: list[Participant] = []
    for row in rows:
        if row.org is None or problems.get(row.number) or row.number not in ids:
            continue
        try:
            participants.append(
                Participant(
                    id=ids[row.number],
                    organisation=row.org.id,
                    person=row.person or None,
                    seats=seats[row.number],
                )
            )
        except ValidationError as exc:
            for err in exc.errors():
                fname = str(err["loc"][0]) if err["loc"] else "id"
                value = ids[row.number] if fname == "id" else row.person
                where = column["participant"] if fname == "id" else column.get(fname, fname)
                problems[row.number].append(Problem(row.number, where, value, _message(err, fname)))
    rejected = sorted(n for n, found in problems.items() if found)
    valid_orgs: dict[str, Organisation] = {}
    for row in rows:
        if row.org is not None and row.number not in rejected:
            valid_orgs.setdefault(row.org.id, row.org)
    return RegistrationReport(
        list(valid_orgs.values()),
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


def _message(error: Mapping[str, Any], fname: str) -> str:
    value = error.get("input")
    if fname == "id" and error.get("type") == "string_pattern_mismatch":
        return (
            f"participant id '{value}' may hold only letters, digits and . _ : @ / - , must "
            "start with a letter or digit, and has at most 64 characters"
        )
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return f"{fname} has {len(str(value))} characters; the limit is {limit}"
    return f"{fname}: {error_text(error)}"


def _disagreements(rows: list[_Row], problems: dict[int, list[Problem]]) -> None:
    """Rows of one organisation must give it the same profile: one problem per field."""
    first: dict[str, _Row] = {}
    for row in rows:
        if row.org is None:
            continue
        earlier = first.setdefault(row.org.id, row)
        if earlier is row or earlier.org == row.org:
            continue
        assert earlier.org is not None
        header, (a, b) = organisation_rows([earlier.org, row.org])
        region_differs = earlier.org.region != row.org.region
        for name, va, vb in zip(header, a, b, strict=True):
            if va == vb or (name == "country" and region_differs):
                continue
            fname = _FIELD.get(name, name)
            label = row.columns.get(fname, fname)
            problems.setdefault(row.number, []).append(
                Problem(
                    row.number,
                    label,
                    vb,
                    f"rows {earlier.number} and {row.number} give organisation "
                    f"'{row.org.id}' different {name}: '{_short(va)}' in row "
                    f"{earlier.number}, '{_short(vb)}' in row {row.number}; the rows of one "
                    "organisation must agree",
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
                others = ", ".join(str(m) for m in numbers if m != n)
                problems.setdefault(n, []).append(
                    Problem(
                        n,
                        column,
                        pid,
                        f"participant id '{pid}' is also used in row {others}; each participant "
                        "needs an id of its own",
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
        report = _from_json(data, vocabulary, max_bytes)
        if report.problems:
            return whole_file(report)
        problem = Problem(
            None,
            None,
            None,
            "expected a JSON list of registrations, or an object with the key 'registrations'",
        )
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
    for layer in _layers([r.key for r in rows]):
        payload: dict[str, Any] = {"organisations": [orgs[k] for k in layer]}
        if own is not None:
            payload["vocabulary"] = own
        raw = json.dumps(payload, ensure_ascii=False).encode()
        report = _from_json(raw, vocabulary, max(max_bytes, len(raw)))
        vocab = report.vocabulary or vocab
        if report.problems and not report.rejected_rows:
            return whole_file(report)
        _collect(report, [rows[k] for k in layer], problems)
    return _finish(rows, problems, {}, [], len(items), "json", None, vocab)


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
    header = [c.name for c in PARTICIPANT_COLUMNS] + org_header
    rows = [
        [p.id, p.person or "", str(p.seats), *cells]
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
