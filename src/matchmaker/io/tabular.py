"""Reading tables from CSV and XLSX bytes: encodings, delimiters, formulas, size limits.

Everything here returns a :class:`Table` of strings, or raises :class:`InvalidInputError` with
file-level problems. What the columns mean is the business of the callers.

Decisions
---------
Every table is read through the same bounds (:data:`matchmaker.limits.LIMITS`): bytes of the
file, characters of a line, rows, columns and non-empty cells. They are checked while the file
is read, before the large thing is built: a CSV line is measured before the ``csv`` module
splits it, and an XLSX sheet's XML is scanned for its rows, row numbers and cells before
openpyxl reads it (its ``dimension`` element is not trusted, and empty rows between two row
numbers are never made). So a refusal costs a fraction of a second and a few MB, whatever the
file says about itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from matchmaker.errors import InvalidInputError, MatchmakerError, Problem
from matchmaker.limits import LIMITS

__all__ = [
    "FORMULA_PREFIXES",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "Table",
    "check_size",
    "decode_text",
    "detect_encoding",
    "detect_format",
    "json_error",
    "json_records_past",
    "load_json",
    "neutralise",
    "open_source",
    "read_csv",
    "read_source",
    "read_xlsx",
    "unneutralise",
    "xlsx_sheet_names",
]

Format = Literal["csv", "xlsx", "json"]

# The bounds themselves live in matchmaker.limits; these names stay for the modules that
# import them.
MAX_FILE_BYTES = LIMITS.file_bytes
MAX_CELL_CHARS = LIMITS.cell_chars
# An XLSX is a zip; refuse one that inflates past this or by more than this ratio (zip bombs).
MAX_XLSX_INFLATED_BYTES = LIMITS.xlsx_inflated_bytes
MAX_XLSX_RATIO = LIMITS.xlsx_ratio

# Cells starting with these run as formulas in spreadsheets (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_INVISIBLE = str.maketrans({"\u00a0": " ", "\u200b": None, "\ufeff": None, "\u2007": " "})


@dataclass(frozen=True, slots=True)
class Table:
    """A header and rows of stripped strings.

    ``row_numbers[i]`` is the number a spreadsheet shows for ``rows[i]`` (the header is row 1).
    ``formula_cells`` holds ``(row_number, column_index)`` of cells that held a formula.
    """

    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    encoding: str | None = None
    delimiter: str | None = None
    formula_cells: set[tuple[int, int]] = field(default_factory=set)


def detect_format(data: bytes, name: str | None = None) -> Format:
    """Tell CSV, XLSX and JSON apart by the name's suffix, then by the content."""
    suffix = (name or "").rsplit(".", 1)[-1].casefold() if name and "." in name else ""
    if suffix in {"xlsx", "xlsm"}:
        return "xlsx"
    if suffix == "json":
        return "json"
    if suffix in {"csv", "tsv", "txt"}:
        return "csv"
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in {b"{", b"["}:
        return "json"
    return "csv"


def read_source(
    source: str | Path | bytes, name: str | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> tuple[bytes, str | None]:
    """The bytes of a file (or the bytes given) and its name; a missing file is a message.

    A file larger than ``max_bytes`` is refused before it is read.
    """
    if isinstance(source, bytes):
        return source, name
    path = Path(source)
    try:
        _refuse_size(path.stat().st_size, max_bytes)
        return path.read_bytes(), name or path.name
    except FileNotFoundError:
        raise MatchmakerError(f"file '{path}' does not exist") from None
    except IsADirectoryError:
        raise MatchmakerError(f"'{path}' is a folder, not a file") from None
    except OSError as exc:
        raise MatchmakerError(f"file '{path}' cannot be read ({exc.strerror})") from None


def open_source(
    source: str | Path | bytes, name: str | None = None, *, max_bytes: int = MAX_FILE_BYTES
) -> tuple[bytes | Path, bytes, str | None]:
    """A file to read as it streams: ``(the bytes given or the path, its first bytes, name)``.

    Like :func:`read_source`, a missing, unreadable or too large file is a message; but a
    file is not read whole here: :func:`read_csv` reads a path line by line, so that a file it
    refuses is never held in memory.
    """
    if isinstance(source, bytes):
        return source, source[:_DETECT_BYTES], name
    path = Path(source)
    try:
        _refuse_size(path.stat().st_size, max_bytes)
        with path.open("rb") as fh:
            head = fh.read(_DETECT_BYTES)
        return path, head, name or path.name
    except FileNotFoundError:
        raise MatchmakerError(f"file '{path}' does not exist") from None
    except IsADirectoryError:
        raise MatchmakerError(f"'{path}' is a folder, not a file") from None
    except OSError as exc:
        raise MatchmakerError(f"file '{path}' cannot be read ({exc.strerror})") from None


def _opener(data: bytes | Path) -> Callable[[], BinaryIO]:
    if isinstance(data, Path):
        return lambda: data.open("rb")
    return lambda: io.BytesIO(data)  # shares the bytes: no copy


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of a text file; returns ``(text, encoding)``.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; anything else that is not
    valid UTF-8 is a single-byte code page, found by :func:`detect_encoding` (cp1252 for Western
    European Windows exports, cp1250 for Polish or Czech ones, ISO-8859-2...).
    """
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        offset = data.index(b"\x00")
        raise InvalidInputError(
            "the file is not a text file",
            [
                Problem(
                    None,
                    None,
                    None,
                    f"the file holds binary data (a NUL byte at offset {offset}); save the "
                    "spreadsheet as CSV (UTF-8) or upload the .xlsx file itself",
                )
            ],
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(data)
    return data.decode(encoding, errors="replace"), encoding


# Single-byte code pages of European spreadsheet exports, always among the candidates.
_CODE_PAGES = ("cp1252", "cp1250", "iso8859_2", "iso8859_15", "cp1257", "cp1251", "cp1253")
# The accented letters of each alphabet of Europe (lower case); Cyrillic and Greek whole.
_ALPHABETS = {
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "pl": "ąćęłńóśźż",
    "hu": "áéíóöőúüű",
    "ro": "ăâîșțşţ",
    "hr/sl/bs": "čćđšž",
    "de": "äöüß",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "it": "àèéìíîòóùú",
    "es/ca": "áéíóúüñçàèòï·",
    "pt": "áâãàçéêíóôõú",
    "nl": "éëïóöü",
    "nordic": "åäöæøéüáðþíóúý",
    "et/lv/lt": "äöõüšžāčēģīķļņūąęėįų",
    "mt": "ċġħż",
    "cyrillic": "",
    "greek": "",
}
# Letters of an alphabet that are rare in its language's text.
_RARE = frozenset("ŕĺľôä")
# Typographic characters of ordinary text, in every language.
_TYPOGRAPHIC = frozenset("–—‘’“”„«»…•€£°§©®™×·\u00a0")
_DETECT_BYTES = 1 << 20


def detect_encoding(data: bytes) -> str:
    """The single-byte encoding of text that is not UTF-8 (cp1250, cp1252, ISO-8859-2...).

    charset-normalizer proposes the candidates; each is then scored on how its decoded text
    reads: letters from the alphabets of Europe inside words cost little, rare letters more,
    and symbols between letters (``Zak³ad``, ``£ódŸ``: cp1250 read as cp1252) the most. Short
    files with few accented words are where the detector alone guesses wrong.
    """
    import charset_normalizer

    sample = data[:_DETECT_BYTES]
    candidates = list(_CODE_PAGES)
    try:
        found = charset_normalizer.from_bytes(sample, cp_exclusion=["utf_8", "ascii"])
        for match in list(found)[:8]:
            if match.encoding not in candidates and not match.encoding.startswith("utf"):
                candidates.append(match.encoding)
    except Exception:
        pass
    best, best_cost = "cp1252", float("inf")
    for encoding in candidates:
        try:
            text = sample.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        cost = _implausibility(text)
        if cost < best_cost:
            best, best_cost = encoding, cost
    return best


def _implausibility(text: str) -> float:
    """How unlike the text of one European language ``text`` reads: 0 for plain ASCII."""
    letters: dict[str, int] = {}
    cost = 0.0
    for k, ch in enumerate(text):
        if ch.isascii():
            continue
        if ch.isalpha():
            low = ch.lower()
            letters[low] = letters.get(low, 0) + 1
            if ch >= "\u0370" and any(
                0 <= j < len(text) and text[j].isascii() and text[j].isalpha()
                for j in (k - 1, k + 1)
            ):
                cost += 3.0  # a Greek or Cyrillic letter inside a Latin word: 'GrцЯe'
        elif ch in _TYPOGRAPHIC:
            cost += 0.2
        elif 0 < k < len(text) - 1 and text[k - 1].isalpha() and text[k + 1].isalpha():
            cost += 4.0  # a symbol inside a word: 'Zak³ad'
        else:
            cost += 1.5
    if not letters:
        return cost
    best = float("inf")
    for name, alphabet in _ALPHABETS.items():
        missing = 0.0
        for ch, n in letters.items():
            if name == "cyrillic":
                inside = "\u0400" <= ch <= "\u04ff"
            elif name == "greek":
                inside = "\u0370" <= ch <= "\u03ff"
            else:
                inside = ch in alphabet
            if not inside:
                missing += n
            elif ch in _RARE:
                missing += 0.5 * n  # 'Universitŕ': Italian read as cp1250
        best = min(best, missing)
    return cost + best


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            "the file cannot be decoded",
            [
                Problem(
                    None,
                    None,
                    None,
                    f"the file starts with a {encoding.upper()} byte order mark but byte "
                    f"{exc.start} is not {encoding.upper()}; save it again as CSV (UTF-8)",
                )
            ],
        ) from None


def _clean(value: str) -> str:
    if value.isascii():
        return value.strip()
    return value.translate(_INVISIBLE).strip()


def _sniff_delimiter(text: str) -> str:
    # The header decides: cells may hold ';' (the multi-value separator) but headers do not.
    # A title line above the header (one cell, no delimiter) leaves it to the next lines.
    lines = text.split("\n", 12)[:12]
    best, best_count = ",", 0
    for line in lines:
        counts: dict[str, int] = {}
        for delim in (",", ";", "\t"):
            try:
                counts[delim] = len(next(csv.reader([line], delimiter=delim))) - 1
            except (csv.Error, StopIteration):
                counts[delim] = 0
        best = max(counts, key=lambda d: (counts[d], d == ","))
        best_count = counts[best]
        if best_count > 0:
            break
    return best if best_count > 0 else ","


def check_size(data: bytes, max_bytes: int) -> None:
    _refuse_size(len(data), max_bytes)


def _refuse_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise InvalidInputError(
            "the file is too large",
            [Problem(None, None, None, f"the file has {size:,} bytes; the limit is {max_bytes:,}")],
        )


def _empty() -> InvalidInputError:
    return InvalidInputError(
        "the file is empty",
        [Problem(None, None, None, "the file is empty; expected a header row and data rows")],
    )


def _past(summary: str, row: int | None, message: str) -> InvalidInputError:
    return InvalidInputError(summary, [Problem(row, None, None, message)])


def _too_many_rows(where: str, row: int) -> InvalidInputError:
    return _past(
        "the file has too many rows",
        row,
        f"{where} has more than {LIMITS.rows:,} rows (row {row:,}); the limit is {LIMITS.rows:,}",
    )


def _too_many_cells(row: int, cells: int) -> InvalidInputError:
    return _past(
        "the file has too many columns",
        row,
        f"row {row:,} has {cells:,} cells; the limit is {LIMITS.columns:,} columns",
    )


def _too_many_filled(where: str, row: int) -> InvalidInputError:
    return _past(
        "the file has too many cells",
        row,
        f"{where} has more than {LIMITS.cells:,} non-empty cells (by row {row:,}); the limit "
        f"is {LIMITS.cells:,}",
    )


def _line_too_long(number: int) -> InvalidInputError:
    return InvalidInputError(
        "the file has a line that is too long",
        [
            Problem(
                number,
                None,
                None,
                f"line {number:,} has more than {LIMITS.line_chars:,} characters; the limit is "
                f"{LIMITS.line_chars:,} (is it a CSV file? is a closing quote missing?)",
            )
        ],
    )


def _text_encoding(head: bytes) -> str:
    """The encoding to read a file that starts with ``head`` as: its BOM's, else UTF-8 (a code
    page is chosen when the UTF-8 turns out to be invalid, see :func:`read_csv`)."""
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        decode_text(head[:4096])  # raises: binary data
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


def _more_lines_than(open_file: Callable[[], BinaryIO], limit: int) -> bool:
    seen = 0
    with open_file() as fh:
        while chunk := fh.read(_DETECT_BYTES):
            seen += chunk.count(b"\n")
            if seen > limit:
                return True
    return False


def _bounded_lines(stream: io.TextIOBase, delimiter: str | None = None) -> Iterator[str]:
    """The physical lines of ``stream``, each refused before it is whole when it is longer
    than :attr:`Limits.line_chars`: no line longer than that is ever held. With a
    ``delimiter``, a line of more delimiters than :attr:`Limits.columns` is refused before it
    is split, unless quotes may hold some of them (then the csv module splits it: it is
    bounded)."""
    limit = LIMITS.line_chars
    columns = LIMITS.columns
    number = 0
    while True:
        line = stream.readline(limit + 2)  # the line and its CR LF
        if not line:
            return
        number += 1
        if len(line) > limit and len(line.rstrip("\r\n")) > limit:
            raise _line_too_long(number)
        if delimiter is not None and len(line) > columns:
            n = line.count(delimiter) + 1
            if n > columns and '"' not in line:
                raise _too_many_cells(number, n)
        yield line


def _csv_records(
    open_file: Callable[[], BinaryIO], encoding: str, errors: str = "strict"
) -> tuple[str, list[list[str]], list[int]]:
    """Sniff the delimiter and read the records; ``(delimiter, records, row numbers)``.

    Rows, columns and non-empty cells are counted as the records come: the first record past a
    bound stops the reading. A line of delimiters is measured before it is split.
    """

    def lines(delimiter: str | None = None) -> Iterator[str]:
        with io.TextIOWrapper(open_file(), encoding=encoding, errors=errors, newline="") as text:
            yield from _bounded_lines(text, delimiter)

    delimiter = _sniff_delimiter("".join(itertools.islice(lines(), 12)))
    records: list[list[str]] = []
    numbers: list[int] = []
    cells = 0
    index = 0
    try:
        if _more_lines_than(open_file, LIMITS.rows):
            # More lines than rows allowed: count the records first (cells may span lines),
            # so that a file of too many rows is refused before its rows are kept.
            for index, _ in enumerate(csv.reader(lines(delimiter), delimiter=delimiter), 1):
                if index > LIMITS.rows:
                    raise _too_many_rows("the file", index)
            index = 0
        for record in csv.reader(lines(delimiter), delimiter=delimiter, strict=False):
            index += 1
            if index > LIMITS.rows:
                raise _too_many_rows("the file", index)
            if len(record) > LIMITS.columns:
                raise _too_many_cells(index, len(record))
            if records and not any(c.strip() for c in record):
                continue  # a blank line (the first record is the header, even blank)
            cells += len(record) - record.count("")
            if cells > LIMITS.cells:
                raise _too_many_filled("the file", index)
            records.append([c.strip() if c.isascii() else _clean(c) for c in record])
            numbers.append(index)
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = (
                f"a cell is longer than {csv.field_size_limit():,} characters"
                " (is a closing quote missing?)"
            )
        raise InvalidInputError(
            "the file is not valid CSV", [Problem(index + 1, None, None, message)]
        ) from None
    return delimiter, records, numbers


def read_csv(data: bytes | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Read CSV bytes (or a CSV file, as it streams): encoding and delimiter (``,`` ``;`` or
    tab) are detected.

    The bounds of :data:`~matchmaker.limits.LIMITS` (bytes, line length, rows, columns,
    cells) are checked while reading; the first one crossed is an :class:`InvalidInputError`
    that names the row. The text is decoded line by line, never held whole.
    """
    open_file = _opener(data)
    if isinstance(data, Path):
        _refuse_size(data.stat().st_size, max_bytes)
        with open_file() as fh:
            head = fh.read(_DETECT_BYTES)
    else:
        check_size(data, max_bytes)
        head = data[:_DETECT_BYTES]
    encoding = _text_encoding(head)
    try:
        delimiter, records, numbers = _csv_records(open_file, encoding)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            with open_file() as fh:
                _decode(fh.read(), encoding.removesuffix("-sig"))  # names the wrong byte
            raise
        encoding = detect_encoding(head)
        delimiter, records, numbers = _csv_records(open_file, encoding, errors="replace")
    if not records or not any(records[0]):
        raise _empty()
    header, rows = records[0], records[1:]
    return Table(header, rows, numbers[1:], encoding=encoding, delimiter=delimiter)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise InvalidInputError(
            "the file is not a valid XLSX workbook",
            [Problem(None, None, None, "the file is not a valid XLSX workbook (a broken zip)")],
        ) from None
    if inflated > MAX_XLSX_INFLATED_BYTES or inflated > MAX_XLSX_RATIO * max(len(data), 1):
        raise InvalidInputError(
            "the workbook is too large",
            [
                Problem(
                    None,
                    None,
                    None,
                    f"the workbook inflates from {len(data):,} to {inflated:,} bytes, past the "
                    "limits for a spreadsheet (a zip bomb?); it is not read",
                )
            ],
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# What openpyxl raises on a damaged workbook: broken XML (``ParseError`` is a
# ``SyntaxError``), parts with unexpected attributes or values, missing parts, broken zip
# members (a bad CRC, a deflate stream that does not end where the headers say).
_DAMAGED = (
    SyntaxError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    OverflowError,
    RecursionError,
    zipfile.BadZipFile,
    zlib.error,
)


def _damaged(exc: BaseException) -> InvalidInputError:
    detail = str(exc).strip() or type(exc).__name__
    return InvalidInputError(
        "the file is not a valid XLSX workbook",
        [
            Problem(
                None,
                None,
                None,
                f"the file is not a valid XLSX workbook ({detail[:200]}); open it in the "
                "spreadsheet program and save it again",
            )
        ],
    )


# The sheet XML's rows and cells, found without parsing it (any namespace prefix), and the
# column letters of a cell reference past column ZZ (702): the only ones that can pass the
# column limit.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["']\s*(\d+)""")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_WIDE_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br\s*=\s*["']([A-Za-z]{3,})""")
_SCAN_CHUNK = 1 << 20


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters.upper()[:8]:
        index = index * 26 + ch - 64
    return index


def _scan_sheet(ws: Any) -> None:
    """Refuse a sheet past the row, column or cell limits, from its XML, before it is read.

    The XML is inflated piece by piece and its ``row`` and ``c`` tags are counted; a row
    number past :attr:`Limits.rows`, a row of more cells than :attr:`Limits.columns` (or a
    cell in a column past it) and more cells than :attr:`Limits.cells` stop the scan at once.
    What the sheet declares about itself (its ``dimension``) is not read.
    """
    title = f"the sheet '{ws.title}'"
    row = 0  # the current row's number
    in_row = 0  # cells of the current row so far
    total = 0
    seen_rows = 0

    def count(body: bytes) -> None:
        nonlocal in_row, total
        cells = len(_CELL_TAG.findall(body))
        in_row += cells
        total += cells
        if in_row > LIMITS.columns:
            raise _too_many_cells(row, in_row)
        if total > LIMITS.cells:
            raise _past(
                "the file has too many cells",
                row,
                f"{title} has more than {LIMITS.cells:,} cells (by row {row:,}); the limit is "
                f"{LIMITS.cells:,}",
            )
        for letters in _WIDE_CELL.findall(body):
            column = _column_index(letters)
            if column > LIMITS.columns:
                shown = letters.decode("ascii", "replace").upper()
                raise _past(
                    "the file has too many columns",
                    row,
                    f"row {row:,} has a cell in column {shown} ({column:,}); the limit is "
                    f"{LIMITS.columns:,} columns",
                )

    def scan(part: bytes) -> None:
        nonlocal row, in_row, seen_rows
        pieces = _ROW_TAG.split(part)
        count(pieces[0])
        for k in range(1, len(pieces), 2):
            found = _ROW_NUMBER.search(pieces[k])
            row = int(found.group(1)[:12]) if found else row + 1
            seen_rows += 1
            if row > LIMITS.rows or seen_rows > LIMITS.rows:
                raise _too_many_rows(title, max(row, seen_rows))
            in_row = 0
            count(pieces[k + 1])

    tail = b""
    with ws._get_source() as source:  # openpyxl's own stream of the sheet's XML
        while True:
            chunk = source.read(_SCAN_CHUNK)
            if not chunk:
                break
            buffer = tail + chunk
            cut = buffer.rfind(b"<")
            if cut <= 0 and len(buffer) > _SCAN_CHUNK:
                cut = len(buffer) - 256  # no tag in a long run of text: keep its end only
            if cut <= 0:
                tail = buffer
                continue
            scan(buffer[:cut])
            tail = buffer[cut:]
        scan(tail)


def xlsx_sheet_names(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> list[str]:
    """The names of a workbook's sheets, in order."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    check_size(data, max_bytes)
    _check_zip(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, *_DAMAGED) as exc:
        raise _damaged(exc) from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx(data: bytes, *, sheet: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Read the first (or the named) sheet of an XLSX workbook.

    Cells that hold formulas are reported in ``formula_cells``: their results are not trusted.
    A damaged workbook (broken XML, missing parts, a zip that lies about its sizes) is an
    :class:`InvalidInputError`, whenever openpyxl finds the damage.
    """
    import openpyxl  # lazily: only XLSX users pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    check_size(data, max_bytes)
    _check_zip(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, *_DAMAGED) as exc:
        raise _damaged(exc) from None
    try:
        if not wb.sheetnames:
            raise InvalidInputError(
                "the workbook has no sheet",
                [Problem(None, None, None, "the workbook has no sheet; expected a sheet of rows")],
            )
        if sheet is not None and sheet not in wb.sheetnames:
            raise InvalidInputError(
                f"no sheet '{sheet}'",
                [
                    Problem(
                        None,
                        None,
                        sheet,
                        f"the workbook has no sheet '{sheet}'; it has: " + ", ".join(wb.sheetnames),
                    )
                ],
            )
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        _scan_sheet(ws)
        # The scan bounds the rows, their numbers and their cells; the dimension the sheet
        # declares (A1:XFD1048576) is dropped, so that rows are not padded to it.
        ws.reset_dimensions()
        header: list[str] | None = None
        rows: list[list[str]] = []
        numbers: list[int] = []
        formulas: set[tuple[int, int]] = set()
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if not values:
                continue  # a row the sheet leaves out (the one object, never made)
            cells = []
            for j, value in enumerate(values):
                if isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    formulas.add((number, j))
                cells.append(_clean(_cell_text(value)))
            if header is None:
                if not any(cells):
                    continue
                header = cells
                continue
            if not any(cells):
                continue
            rows.append(cells)
            numbers.append(number)
    except InvalidInputError:
        raise
    except _DAMAGED as exc:
        raise _damaged(exc) from None
    finally:
        wb.close()
    if header is None:
        raise _empty()
    return Table(header, rows, numbers, formula_cells=formulas)


def _quoted_formula(value: str) -> bool:
    return value.lstrip("'").startswith(FORMULA_PREFIXES)


def json_error(exc: json.JSONDecodeError) -> str:
    """A JSON syntax error in words: where, then what."""
    what = exc.msg.removesuffix(" at")
    return f"not valid JSON at line {exc.lineno}, column {exc.colno}: {what[:1].lower()}{what[1:]}"


class _BadKeyError(ValueError):
    """A key twice in one JSON object, or a key that is not text."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    ident = obj.get("id")
    which = f" (the one with id '{ident}')" if isinstance(ident, str) and ident.isascii() else ""
    if len(obj) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                break
            seen.add(key)
        shown = key.encode("utf-8", "backslashreplace").decode()
        raise _BadKeyError(f"key '{shown}' appears twice in one object{which}; keep one of them")
    for key in obj:
        if not key.isascii():
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                # A lone surrogate (an escape such as \ud800): no text, and the validation
                # of the fields cannot even name it.
                shown = key.encode("utf-8", "backslashreplace").decode()
                raise _BadKeyError(
                    f"key '{shown}' in an object{which} holds a lone surrogate, which is not text"
                ) from None
    return obj


_RECORDS_START = re.compile(r'\s*(?:\{\s*"(?:organisations|registrations)"\s*:\s*)?\[')
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def json_records_past(text: str, limit: int) -> int | None:
    """Whether a JSON document lists more than ``limit`` records, found before it is parsed
    whole: the number of the first record past it, else ``None``.

    The records are the top-level list, or the list under ``organisations`` or
    ``registrations`` when that key comes first. They are decoded one at a time and dropped,
    so a list of millions of small records (``[{},{},...]``) is refused without building it.
    A document this cannot count (another shape, a syntax error) gives ``None``: the full
    parse says what is wrong with it.
    """
    found = _RECORDS_START.match(text)
    if found is None:
        return None
    decoder = json.JSONDecoder()
    at = _JSON_SPACE.match(text, found.end()).end()  # type: ignore[union-attr]
    if text.startswith("]", at):
        return None
    count = 0
    try:
        while True:
            _, at = decoder.raw_decode(text, at)
            count += 1
            if count > limit:
                return count
            at = _JSON_SPACE.match(text, at).end()  # type: ignore[union-attr]
            if not text.startswith(",", at):
                return None
            at = _JSON_SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
    except (ValueError, RecursionError):
        return None


def load_json(text: str) -> Any:
    """Parse JSON text; every way it can be wrong is an :class:`InvalidInputError`.

    Besides syntax errors: a key twice in one object (``json`` would keep the last silently),
    a key with a lone surrogate, nesting deeper than the parser's recursion allows, and
    integers longer than Python converts (``sys.get_int_max_str_digits()``).
    """
    hook: Callable[[list[tuple[str, Any]]], dict[str, Any]] = _unique_keys
    message: str
    try:
        return json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        message = json_error(exc)
    except _BadKeyError as exc:
        message = str(exc)
    except RecursionError:
        message = "the JSON is nested too deeply"
    except ValueError:  # an integer literal past the digit limit
        message = f"not valid JSON: a number has more than {sys.get_int_max_str_digits():,} digits"
    raise InvalidInputError("the file is not valid JSON", [Problem(None, None, None, message)])


def neutralise(value: str) -> str:
    """Make a cell safe to open in a spreadsheet: a leading ``= + - @`` is quoted with ``'``.

    Values that already start with quotes before such a character get one more, so that
    :func:`unneutralise` gives back exactly the original.
    """
    return "'" + value if _quoted_formula(value) else value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise`, so that an exported file imports to the same values."""
    if value.startswith("'") and _quoted_formula(value):
        return value[1:]
    return value
