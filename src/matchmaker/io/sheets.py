r"""Writing tables people open in spreadsheets: CSV and XLSX that never run as formulas, and
names that spreadsheets and file systems accept.

Decisions
---------
- Control characters are allowed in names and texts on input (a pasted name may hold a line
  break or a stray ``\x01``), so every export must carry them without breaking. CSV keeps them
  as they are: the ``csv`` module quotes a cell with a line break, and reads it back the same.
  XLSX cannot hold most of them (XML 1.0 has no way to write them, openpyxl refuses them), so
  :func:`plain_text` turns line breaks into ``\n`` and removes the other control characters.
  Calendars (:mod:`matchmaker.export.agenda`) and printable pages use it too.
- Every sheet is a table people can work with at once: its header row frozen (with any title
  lines above it), an auto-filter over the table, columns as wide as their content (within
  8 to 60 characters). Dates and times are date cells (a number shown as ``yyyy-mm-dd hh:mm``)
  so that spreadsheets sort and compute with them; numbers are numbers; text is text, never a
  formula.
- Names made for people (a sheet per person, a calendar per person) keep their letters, accents
  and spaces: only what Excel or a file system refuses is replaced, and a clash gets ``(2)``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import errno
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matchmaker.errors import MatchmakerError
from matchmaker.io.tabular import neutralise

__all__ = [
    "Cell",
    "Sheet",
    "csv_bytes",
    "file_stems",
    "name_stems",
    "plain_text",
    "sheet_names",
    "write_atomic",
    "write_files",
    "xlsx_bytes",
]

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_FORBIDDEN = re.compile(r"[^A-Za-z0-9._@-]")
_SHEET_MAX = 31
# What Windows, macOS or Linux refuse in a file name (and what shells make awkward).
_NAME_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_NAME_MAX = 100
_RESERVED_STEMS = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{k}" for d in ("com", "lpt") for k in range(1, 10)]
)
_WIDTH_MIN, _WIDTH_MAX = 8, 60
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"

Cell = str | int | float | dt.datetime | dt.date | None
"""A value of a sheet: text, a number, a date (and time), or nothing."""
# Line breaks as str.splitlines() reads them: CR LF, CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# The other control characters (C0 but TAB, DEL, C1): nothing shows them; XML cannot hold most.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def plain_text(value: str, *, line_break: str = "\n") -> str:
    r"""``value`` without control characters: each line break becomes ``line_break``, the
    others are removed (a tab stays).

    Examples
    --------
    >>> plain_text("Ana\r\nMaria\x01 Lopez\u2028Ltd", line_break=" ")
    'Ana Maria Lopez Ltd'
    """
    return _CONTROLS.sub("", _LINE_BREAKS.sub(line_break, value))


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    """CSV as spreadsheets read it: UTF-8 with a byte order mark, CRLF, formulas neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of a workbook: a table under optional title lines.

    Attributes
    ----------
    title:
        The sheet's name, already valid (see :func:`sheet_names`).
    header:
        The column names.
    rows:
        The table's rows, as long as the header; text, numbers, dates or ``None``.
    intro:
        Lines written above the header (the first one bold), e.g. whose agenda it is and in
        which time zone its times are.
    fixed_columns:
        How many columns on the left stay in view when scrolling right (the header row
        always stays in view).
    """

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    intro: Sequence[str] = field(default_factory=tuple)
    fixed_columns: int = 0


def xlsx_bytes(
    sheets: Sequence[Sheet | tuple[str, Sequence[str], Sequence[Sequence[Cell]]]],
) -> bytes:
    """A workbook of sheets, each a :class:`Sheet` or a ``(title, header, rows)`` tuple.

    Text cells are text, never a formula (a formula-like text is quoted with ``'``); numbers
    are numbers; ``datetime`` values are date cells shown as ``yyyy-mm-dd hh:mm`` (a naive
    wall-clock time: give aware times in the zone people should read, then drop the zone);
    ``date`` values are shown as ``yyyy-mm-dd``. On every sheet the header row (and the intro
    lines above it) is frozen, an auto-filter covers the table and each column is as wide as
    its longest value, within 8 to 60 characters.
    """
    from openpyxl import Workbook  # lazily: only XLSX users pay for it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)

    def text(ws: Any, value: str, font: Any = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the text
        if font is not None:
            cell.font = font
        return cell

    def typed(ws: Any, value: Cell) -> Any:
        if isinstance(value, str):
            return text(ws, neutralise(plain_text(value)))
        if isinstance(value, dt.datetime):
            # The wall clock given: spreadsheets have no time zones.
            cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(ws)
            cell.value = value
            cell.number_format = DATE_FORMAT
            return cell
        return value  # a number or nothing: written as it is

    wb = Workbook(write_only=True)
    for item in sheets:
        sheet = item if isinstance(item, Sheet) else Sheet(*item)
        ws = wb.create_sheet(sheet.title)
        texts = [[_shown(v) for v in row] for row in sheet.rows]
        for k, name in enumerate(sheet.header):
            longest = max([len(plain_text(name)), *(len(row[k]) for row in texts if k < len(row))])
            ws.column_dimensions[get_column_letter(k + 1)].width = min(
                _WIDTH_MAX, max(_WIDTH_MIN, longest + 2)
            )
        header_row = len(sheet.intro) + (1 if sheet.intro else 0) + 1
        if sheet.header:
            ws.freeze_panes = f"{get_column_letter(sheet.fixed_columns + 1)}{header_row + 1}"
            last = get_column_letter(len(sheet.header))
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(sheet.rows), 1)}"
        for k, line in enumerate(sheet.intro):
            ws.append([text(ws, neutralise(plain_text(line)), bold if k == 0 else None)])
        if sheet.intro:
            ws.append([])
        ws.append([text(ws, plain_text(h), bold) for h in sheet.header])
        for row in sheet.rows:
            ws.append([typed(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _shown(value: Cell) -> str:
    # How wide a value shows: a date cell shows as 'yyyy-mm-dd hh:mm'.
    if isinstance(value, dt.datetime):
        return "0000-00-00 00:00"
    if isinstance(value, dt.date):
        return "0000-00-00"
    return "" if value is None else max(str(value).split("\n"), key=len)


def sheet_names(ids: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names for ``ids`` (or people's names), in order.

    ``[]:*?/\\`` become ``_``, control characters go, at most 31 characters, no leading or
    trailing ``'``, never Excel's reserved ``History``; a clash (case aside) gets ``~2``,
    ``~3``... within the 31 characters.

    Examples
    --------
    >>> sheet_names(["Ana Silva", "ana silva", "a/b"])
    ['Ana Silva', 'ana silva~2', 'a_b']
    """
    used: set[str] = set()
    names: list[str] = []
    for pid in ids:
        clean = plain_text(pid, line_break=" ").strip()
        base = _SHEET_FORBIDDEN.sub("_", clean)[:_SHEET_MAX].strip("'").strip() or "sheet"
        if base.casefold() == "history":  # reserved by Excel
            base += "_"
        name, k = base, 1
        while name.casefold() in used:
            k += 1
            suffix = f"~{k}"
            name = base[: _SHEET_MAX - len(suffix)] + suffix
        used.add(name.casefold())
        names.append(name)
    return names


def file_stems(ids: Sequence[str]) -> list[str]:
    # Ids may hold '/' and ':'; names must also stay apart on case-insensitive file systems.
    used: set[str] = set()
    stems: list[str] = []
    for pid in ids:
        base = _FILE_FORBIDDEN.sub("_", pid)
        stem, k = base, 1
        while stem.casefold() in used:
            k += 1
            stem = f"{base}~{k}"
        used.add(stem.casefold())
        stems.append(stem)
    return stems


def name_stems(names: Sequence[str]) -> list[str]:
    """File names (without extension) made from people's names, in order: readable, safe on
    Windows, macOS and Linux, and distinct regardless of case.

    Letters (accents included), digits, spaces and punctuation stay; ``<>:"/\\|?*`` and
    control characters become ``_``; leading and trailing dots and spaces go; at most 100
    characters; a reserved device name (``CON``, ``NUL``, ``COM1``...) gets a ``_``; an empty
    name becomes ``file``; a clash gets `` (2)``, `` (3)``...

    Examples
    --------
    >>> name_stems(["Ana Silva - Inova Lisboa", "ANA SILVA - Inova Lisboa", "a/b: c?", "con"])
    ['Ana Silva - Inova Lisboa', 'ANA SILVA - Inova Lisboa (2)', 'a_b_ c_', 'con_']
    """
    used: set[str] = set()
    stems: list[str] = []
    for name in names:
        clean = unicodedata.normalize("NFC", plain_text(name, line_break=" "))
        base = _NAME_FORBIDDEN.sub("_", " ".join(clean.split()))[:_NAME_MAX].strip(" .") or "file"
        if base.split(".")[0].casefold() in _RESERVED_STEMS:
            base += "_"
        stem, k = base, 1
        while stem.casefold() in used:
            k += 1
            stem = f"{base} ({k})"
        used.add(stem.casefold())
        stems.append(stem)
    return stems


def _cannot_write(path: Path, exc: OSError) -> MatchmakerError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on that disk (or write elsewhere), then try again"
    elif exc.errno == errno.EFBIG:
        fix = "the file is larger than this process may write (ulimit -f); raise the limit"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "write to a folder you may write to, or make this one writable"
    else:
        fix = "check the path and the disk"
    return MatchmakerError(
        f"cannot write '{path}': {exc.strerror or exc}; nothing was written there; {fix}"
    )


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file: never a half-written file.

    Raises
    ------
    MatchmakerError
        The file cannot be written (a full disk, no permission); the temporary file is removed
        and an earlier file at ``path`` is left as it was.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise _cannot_write(target, exc) from None
    return target


def write_files(folder: str | Path, files: Iterable[tuple[str, bytes]]) -> list[Path]:
    """Write ``(name, data)`` files into ``folder`` (created when missing), each atomically."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(target, exc) from None
    return [write_atomic(target / name, data) for name, data in files]
