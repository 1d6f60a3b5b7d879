"""Small tables the planners take beside an event: breakout rooms, an own S3 vocabulary,
project start dates, and one column of a participant file.

Each reader names every problem by row, column, value and rule (an
:class:`~matchmaker.errors.InvalidInputError` listing them), within the bounds of
:data:`~matchmaker.limits.LIMITS`; nothing is returned half-read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.io.tabular import Table, detect_format, read_csv, read_source, read_xlsx
from matchmaker.limits import LIMITS
from matchmaker.models import Room, error_text

__all__ = [
    "ROOM_COLUMNS",
    "read_column",
    "read_project_dates",
    "read_rooms",
    "read_vocabulary",
]

#: The columns of a rooms file: id, name and capacity are needed.
ROOM_COLUMNS = ("id", "name", "capacity", "min_size", "themes")


def _table(path: str | Path, what: str) -> Table:
    """A CSV or XLSX file as a table (a JSON file has no columns)."""
    data, name = read_source(path)
    fmt = detect_format(data, name)
    if fmt == "json":
        raise InvalidInputError(f"{what} '{path}' must be a CSV or XLSX table, not JSON")
    return read_xlsx(data) if fmt == "xlsx" else read_csv(data)


def _cells(header: list[str], row: list[str]) -> dict[str, str]:
    return {h: (row[k] if k < len(row) else "") for k, h in enumerate(header)}


def read_vocabulary(path: str | Path) -> dict[str, str]:
    """An own S3 vocabulary: a table with the columns ``code`` and ``label`` (any case)."""
    try:
        table = _table(path, "vocabulary file")
    except OSError as exc:
        raise MatchmakerError(f"vocabulary file '{path}' cannot be read ({exc.strerror})") from None
    header = [h.strip().casefold() for h in table.header]
    if "code" not in header or "label" not in header:
        raise MatchmakerError(
            f"vocabulary file '{path}' needs the columns 'code' and 'label'; it has: "
            + ", ".join(table.header)
        )
    ci, li = header.index("code"), header.index("label")
    return {row[ci]: row[li] for row in table.rows if len(row) > max(ci, li) and row[ci]}


def read_rooms(path: str | Path) -> list[Room]:
    """Breakout rooms from a table: columns id, name, capacity, and optionally min_size and
    themes (separated by ``;``)."""
    table = _table(path, "rooms file")
    header = [h.strip().casefold() for h in table.header]
    missing = [c for c in ("id", "name", "capacity") if c not in header]
    if missing:
        raise MatchmakerError(
            f"rooms file '{path}' needs the columns id, name and capacity (and may have "
            f"min_size and themes); it lacks {', '.join(missing)} and has: "
            + ", ".join(table.header)
        )
    if len(table.rows) > LIMITS.rooms:
        raise InvalidInputError(
            f"rooms file '{path}' has {len(table.rows):,} rooms; the limit is {LIMITS.rooms:,}"
        )
    problems: list[Problem] = []
    rooms: list[Room] = []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        cells = _cells(header, row)
        record: dict[str, Any] = {"id": cells["id"], "name": cells["name"]}
        bad = False
        for column in ("capacity", "min_size"):
            value = cells.get(column, "")
            if value == "" and column == "min_size":
                continue
            try:
                record[column] = int(value)
            except ValueError:
                problems.append(Problem(number, column, value, f"{column} must be a whole number"))
                bad = True
        record["themes"] = [t.strip() for t in cells.get("themes", "").split(";") if t.strip()]
        if bad:
            continue
        try:
            rooms.append(Room.model_validate(record))
        except ValidationError as exc:
            problems.extend(
                Problem(
                    number,
                    ".".join(map(str, err["loc"])) or None,
                    str(err.get("input", ""))[:100],
                    error_text(err),
                )
                for err in exc.errors()
            )
    if not problems and not rooms:
        raise MatchmakerError(f"rooms file '{path}' has no rooms")
    ids = [r.id for r in rooms]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        problems.append(
            Problem(None, "id", ", ".join(dups), "room ids must be unique; these repeat")
        )
    if problems:
        raise InvalidInputError(f"rooms file '{path}' has problems", problems)
    return rooms


def read_project_dates(path: str | Path) -> dict[str, dt.date]:
    """Project start dates from a table with the columns ``project`` and ``start`` (ISO
    dates), for learning weights from partnerships that had not started yet."""
    try:
        table = _table(path, "project file")
    except OSError as exc:
        raise InvalidInputError(f"cannot read '{path}': {exc.strerror}") from None
    header = [h.strip().casefold() for h in table.header]
    missing = {"project", "start"} - set(header)
    if missing:
        raise InvalidInputError(
            f"'{path}' must have the columns project and start; missing: "
            + ", ".join(sorted(missing))
        )
    dates: dict[str, dt.date] = {}
    problems: list[Problem] = []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        cells = _cells(header, row)
        name, start = cells["project"].strip(), cells["start"].strip()
        try:
            dates[name] = dt.date.fromisoformat(start)
        except ValueError:
            problems.append(
                Problem(number, "start", start, f"'{start}' must be a date like 2018-01-31")
            )
    if problems:
        raise InvalidInputError(f"'{path}' has {len(problems)} problem(s)", problems)
    return dates


def read_column(path: str | Path, column: str) -> list[str]:
    """The cells of one column (matched without regard to case), one per data row."""
    table = _table(path, "file")
    headers = [h.casefold() for h in table.header]
    if column.casefold() not in headers:
        raise MatchmakerError(f"no such column '{column}'; the file has: {', '.join(table.header)}")
    k = headers.index(column.casefold())
    return [row[k] if k < len(row) else "" for row in table.rows]
