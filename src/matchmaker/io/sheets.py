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
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from matchmaker.errors import MatchmakerError
from matchmaker.io.tabular import neutralise

__all__ = [
    "csv_bytes",
    "file_stems",
    "plain_text",
    "sheet_names",
    "write_atomic",
    "write_files",
    "xlsx_bytes",
]

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_FORBIDDEN = re.compile(r"[^A-Za-z0-9._@-]")
_SHEET_MAX = 31
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


def xlsx_bytes(sheets: list[tuple[str, list[str], list[list[str]]]]) -> bytes:
    """A workbook of ``(title, header, rows)`` sheets; every cell is text, never a formula."""
    from openpyxl import Workbook  # lazily: only XLSX users pay for it
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        ws.append([_text_cell(ws, plain_text(h), bold) for h in header])
        for row in rows:
            ws.append([_text_cell(ws, neutralise(plain_text(v))) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _text_cell(ws: Any, value: str, font: Any = None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # never a formula, whatever the text
    if font is not None:
        cell.font = font
    return cell


def sheet_names(ids: Sequence[str]) -> list[str]:
    used: set[str] = set()
    names: list[str] = []
    for pid in ids:
        base = _SHEET_FORBIDDEN.sub("_", pid)[:_SHEET_MAX].strip("'") or "sheet"
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
