"""The bad-input corpus: files a user (or an attacker) may hand to Matchmaker, built in code.

Every :class:`Entry` is one bad input: its bytes (or, for the huge ones, a builder that writes
the file in place without holding it in memory), the commands it goes through, and what must
come out: the exit code and substrings of the message (naming the row, field, value or rule
where there is one). Nothing here is random and nothing large is committed: ``materialise``
writes an entry into a folder, the same bytes every time.

Kinds:

``csv``, ``xlsx``, ``json``
    Organisation files, through ``matchmaker validate`` and ``matchmaker import`` (and
    ``POST /api/organisations/import``).
``event``
    Event files (JSON), through ``matchmaker import`` and ``breakouts`` or ``schedule``
    (``POST /api/events``).
``rules``
    Valid event files whose hard rules cannot be met, through ``breakouts`` or ``schedule``
    (a run of the event through the API).
``registrations``
    Registration lists (one row per participant with its organisation's profile), through
    ``POST /api/events/{id}/participants`` (the command line has no command for them).
``rooms``, ``published``, ``vocabulary``, ``options``
    The other files and options of the command line: a rooms CSV, an earlier schedule to
    re-plan from, an own S3 vocabulary, option values.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from matchmaker.demo import DATA as DEMO_DATA
from matchmaker.io.tabular import MAX_CELL_CHARS, MAX_FILE_BYTES

Kind = Literal[
    "csv",
    "xlsx",
    "json",
    "event",
    "rules",
    "registrations",
    "rooms",
    "published",
    "vocabulary",
    "options",
]

ROOT = Path(__file__).resolve().parents[2]
LEUVEN = DEMO_DATA / "leuven-2018" / "event.json"

# Placeholders in an entry's commands, filled in by the tests.
FILE = "{file}"  # the entry's file
DB = "{db}"  # a fresh database URL
OUT = "{out}"  # an output folder that must stay empty
GOOD_ORGS = "{good_orgs}"  # a valid organisation CSV
GOOD_EVENT = "{good_event}"  # a valid event file (see ``base_event``)

VALIDATE = ("validate", FILE)
IMPORT = ("import", FILE, "--db", DB)
BREAKOUTS = ("breakouts", FILE, "--export", OUT)
SCHEDULE = ("schedule", FILE, "--export", OUT)
ORGANISATION_COMMANDS = (VALIDATE, IMPORT)


@dataclass(frozen=True)
class Entry:
    """One bad input and the outcome it must have.

    Attributes
    ----------
    name:
        What is wrong, in a few words (unique in the corpus).
    kind:
        What the file is meant to be (see the module's docstring).
    filename:
        The file's name; its suffix tells the format, as a user's file name does.
    expect:
        Substrings that must all appear in what the command prints.
    commands:
        Argument lists for ``matchmaker``, with the placeholders ``{file}``, ``{db}``,
        ``{out}``, ``{good_orgs}`` and ``{good_event}``.
    data:
        The file's bytes, or ``None`` when ``build`` writes the file.
    build:
        Writes the file at the path given, streaming (for files too large to hold).
    exit_code:
        1 for bad input, 2 for wrong usage.
    huge:
        The file is far larger than the memory a refusal may take: it is measured.
    """

    name: str
    kind: Kind
    filename: str
    expect: tuple[str, ...]
    commands: tuple[tuple[str, ...], ...]
    data: bytes | None = None
    build: Callable[[Path], None] | None = field(default=None, compare=False)
    exit_code: int = 1
    huge: bool = False

    def materialise(self, folder: Path) -> Path:
        """Write the entry's file into ``folder``; returns its path."""
        path = folder / self.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.build is not None:
            self.build(path)
        else:
            assert self.data is not None
            path.write_bytes(self.data)
        return path


# --------------------------------------------------------------------------- builders


def csv_text(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    """Lines joined as a CSV file (the lines are written as given)."""
    return (newline.join(lines) + newline).encode(encoding)


H = "id,name,type,region"
ROW = "A,Alpha,sme,FR10"


def xlsx(
    rows: Iterable[Iterable[object]],
    *,
    merge: Iterable[str] = (),
    sheet: str = "Organisations",
) -> bytes:
    """An XLSX workbook of one sheet, written by openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for cells in merge:
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info.filename) for info in zf.infolist()}


def rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """The zip ``data`` with members replaced, added or (``None``) removed."""
    parts = members(data)
    for name, value in change.items():
        if value is None:
            parts.pop(name, None)
        else:
            parts[name] = value
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, value in parts.items():
            zf.writestr(name, value)
    return buffer.getvalue()


GOOD_XLSX_ROWS = [["id", "name", "type", "region"], ["A", "Alpha", "sme", "FR10"]]


@functools.cache
def good_xlsx() -> bytes:
    return xlsx(GOOD_XLSX_ROWS)


SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_FOOT = b"</sheetData></worksheet>"


def _deflate_repeated(head: bytes, chunk: bytes, times: int, foot: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of ``head + chunk * times + foot`` without ever building that text.

    After a full flush the compressor starts afresh, so every copy of ``chunk`` compresses to
    the same bytes: the stream is those bytes repeated. Returns the stream, the CRC-32 and the
    inflated size.
    """
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "the compressor did not restart after a full flush"
    end = co.compress(foot) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(foot, crc)
    return start + block * times + end, crc, len(head) + len(chunk) * times + len(foot)


def _raw_zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of deflated members ``(name, stream, crc, inflated size, declared size)``.

    The declared size goes into the headers; it differs from the inflated size for a zip
    that lies about its contents.
    """
    # Fields after the signature: versions, flags, method 8 (deflate), time, date (1980-01-01),
    # CRC, sizes, name length, extra lengths...; see the zip specification (APPNOTE 4.3.7/12).
    out = io.BytesIO()
    central = io.BytesIO()
    for name, stream, crc, _size, declared in entries:
        raw = name.encode()
        offset = out.tell()
        sizes = (crc, len(stream), declared, len(raw))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, *sizes, 0))
        out.write(raw + stream)
        fields = (20, 20, 0, 8, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, *fields) + raw)
    start = out.tell()
    out.write(central.getvalue())
    n = len(entries)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central.getvalue()), start, 0))
    return out.getvalue()


# One row of one cell of about 1 MiB: runs of one letter deflate about 1,000 to 1.
BOMB_CHUNK = b'<row><c t="inlineStr"><is><t>' + b"A" * ((1 << 20) - 48) + b"</t></is></c></row>"
BOMB_CHUNKS = 2048  # about 2 GiB of sheet XML


@functools.cache
def _bomb_sheet() -> tuple[bytes, int, int]:
    return _deflate_repeated(SHEET_HEAD, BOMB_CHUNK, BOMB_CHUNKS, SHEET_FOOT)


@functools.cache
def xlsx_bomb(*, lying: bool = False) -> bytes:
    """A real workbook whose sheet XML inflates to about 2 GiB (a zip bomb), never built.

    ``lying``: the headers declare 64 KiB for the sheet, so that the sizes look harmless.
    """
    entries = []
    for name, value in members(good_xlsx()).items():
        if name == SHEET:
            stream, crc, size = _bomb_sheet()
            entries.append((name, stream, crc, size, 64 * 1024 if lying else size))
            continue
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        stream = co.compress(value) + co.flush()
        entries.append((name, stream, zlib.crc32(value), len(value), len(value)))
    return _raw_zip(entries)


BOMB_INFLATED = len(SHEET_HEAD) + len(BOMB_CHUNK) * BOMB_CHUNKS + len(SHEET_FOOT)


def sparse(head: bytes, size: int) -> Callable[[Path], None]:
    """A builder of a file of ``size`` bytes that starts with ``head`` (the rest is a hole)."""

    def build(path: Path) -> None:
        with path.open("wb") as fh:
            fh.write(head)
            fh.truncate(size)

    return build


def streamed(head: bytes, chunk: bytes, times: int, foot: bytes) -> Callable[[Path], None]:
    """A builder that writes ``head + chunk * times + foot`` chunk by chunk."""

    def build(path: Path) -> None:
        with path.open("wb") as fh:
            fh.write(head)
            for _ in range(times):
                fh.write(chunk)
            fh.write(foot)

    return build


OVER_LIMIT = MAX_FILE_BYTES + 1
TOO_LARGE = f"the file has {OVER_LIMIT:,} bytes; the limit is {MAX_FILE_BYTES:,}"


def external_link_xlsx() -> bytes:
    """A workbook whose cell takes its value from another workbook (an external link)."""
    data = xlsx([["id", "name", "type", "region"], ["A", "='[1]Sheet1'!A1", "sme", "FR10"]])
    parts = members(data)
    types = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    workbook = parts["xl/workbook.xml"].replace(
        b"</workbook>",
        b'<externalReferences><externalReference xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships" r:id="rIdX1"/></externalReferences></workbook>',
    )
    link = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://'
        b'schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1">'
        b'<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
    )
    link_rels = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
        b'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"
        b'" Target="file:///C:/secret/prices.xlsx" TargetMode="External"/></Relationships>'
    )
    return rezip(
        data,
        {
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/workbook.xml": workbook,
            "xl/externalLinks/externalLink1.xml": link,
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
        },
    )


DDE = "=cmd|' /C calc'!A0"


def macro_xlsx() -> bytes:
    """A macro-enabled workbook (content type and a VBA part) with a DDE formula cell."""
    data = xlsx([["id", "name", "type", "region"], ["A", DDE, "sme", "FR10"]])
    parts = members(data)
    types = (
        parts["[Content_Types].xml"]
        .replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            b"</Types>",
        )
    )
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdV1" Type="http://schemas.microsoft.com/office/2006/relationships/'
        b'vbaProject" Target="vbaProject.bin"/></Relationships>',
    )
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # an OLE header, no macro
    return rezip(
        data,
        {
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/vbaProject.bin": vba,
        },
    )


def sheet_xml(data: bytes, edit: Callable[[bytes], bytes]) -> bytes:
    return rezip(data, {SHEET: edit(members(data)[SHEET])})


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b"<!ENTITY " + bytes([c + 1]) + b' "' + (b"&" + bytes([c]) + b";") * 10 + b'">'
        for c in range(ord("a"), ord("i"))
    )
    + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData>'
    b"</worksheet>"
)


def jbytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


ORG = {"id": "A", "name": "Alpha", "type": "sme", "region": "FR10"}


def orgs_json(**changes: Any) -> bytes:
    return jbytes([{**ORG, **changes}])


# --------------------------------------------------------------------------- events

REGIONS = ["FR10", "BE10", "DE11", "NL42", "FI1D", "ES51", "ITC4", "PL21"]
TYPES = ["sme", "university", "cluster", "public_authority"]


def base_event(n: int = 6) -> dict[str, Any]:
    """A small valid event: ``n`` participants of ``n`` organisations, 2 rooms, 2 rounds, 3
    slots of 20 minutes and 3 tables. Breakouts and schedules run on it."""
    orgs = [
        {
            "id": f"org-{k}",
            "name": f"Organisation {k}",
            "type": TYPES[k % len(TYPES)],
            "region": REGIONS[k % len(REGIONS)],
            "sectors": ["C26.51"] if k % 2 else ["M72.1"],
            "languages": ["en"],
        }
        for k in range(n)
    ]
    start = dt.datetime(2025, 3, 4, 9, 0)
    return {
        "id": "test-event",
        "name": "Clusters meet Regions",
        "date": "2025-03-04",
        "organisations": orgs,
        "participants": [{"id": f"P{k + 1}", "organisation": f"org-{k}"} for k in range(n)],
        "rooms": [
            {"id": "r1", "name": "Energy", "capacity": 4},
            {"id": "r2", "name": "Health", "capacity": 4},
        ],
        "rounds": [{"id": "R1", "name": "Round 1"}, {"id": "R2", "name": "Round 2"}],
        "slots": [
            {
                "id": f"S{k + 1}",
                "start": (start + dt.timedelta(minutes=20 * k)).isoformat(),
                "end": (start + dt.timedelta(minutes=20 * (k + 1))).isoformat(),
            }
            for k in range(3)
        ],
        "tables": 3,
    }


def event(change: Callable[[dict[str, Any]], object], n: int = 6) -> bytes:
    """The base event after ``change`` (which edits the document in place)."""
    doc = copy.deepcopy(base_event(n))
    change(doc)
    return jbytes(doc)


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets ``path`` (``participants.0.seats``) to ``value``."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def rules(**values: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        doc["rules"] = values

    return change


def both(*changes: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for c in changes:
            c(doc)

    return change


def raw_event(text: str) -> bytes:
    """An event document written by hand (for what ``json.dumps`` cannot write)."""
    return text.encode()


BASE_EVENT_JSON = json.dumps(base_event())
EVENT_HEAD = BASE_EVENT_JSON[:-1]  # without the closing brace: add a key by hand


# --------------------------------------------------------------------------- the corpus


def _orgs(
    name: str,
    kind: Kind,
    data: bytes,
    *expect: str,
    filename: str | None = None,
) -> Entry:
    suffix = {"csv": "csv", "xlsx": "xlsx", "json": "json"}[kind]
    return Entry(
        name, kind, filename or f"organisations.{suffix}", expect, ORGANISATION_COMMANDS, data
    )


def _event(
    name: str,
    data: bytes,
    *expect: str,
    commands: tuple[tuple[str, ...], ...] = (IMPORT, BREAKOUTS),
) -> Entry:
    return Entry(name, "event", "event.json", expect, commands, data)


def _rules(name: str, data: bytes, *expect: str, command: tuple[str, ...] = BREAKOUTS) -> Entry:
    return Entry(name, "rules", "event.json", expect, (command,), data)


ID_RULE = "may hold only letters, digits and . _ : @ -"
EMPTY = "the file is empty; expected a header row and data rows"
FORMULA = "formulas are not imported"
NOT_XLSX = "the file is not a valid XLSX workbook"


def _csv_entries() -> list[Entry]:
    c = "csv"
    return [
        _orgs(
            "unbalanced quote at the end of the file",
            c,
            csv_text(H, 'A,"Alpha,sme,FR10'),
            "row 2",
            "region is empty",
        ),
        _orgs(
            "unbalanced quote swallows the rows after it",
            c,
            csv_text(H, 'A,"Alpha,sme,FR10', "B,Beta,sme,FR10", "C,Gamma,sme,FR10"),
            "row 2",
            "region is empty",
        ),
        _orgs(
            "a quote inside an unquoted cell",
            c,
            csv_text(H, 'A,Alpha "the first,sme,FR10', 'B,Beta",sme,FR99'),
            "row 3",
            "region 'FR99' is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "the delimiter changes mid-file",
            c,
            csv_text(H, ROW, "B;Beta;sme;FR10"),
            "row 3, column 'region'",
            "region is empty",
        ),
        _orgs(
            "a tab header over comma rows",
            c,
            csv_text("id\tname\ttype\tregion", ROW),
            "row 2, column 'region'",
            "region is empty",
        ),
        _orgs(
            "NUL bytes in the header",
            c,
            b"id,na\x00me,type,region\n" + ROW.encode() + b"\n",
            "a NUL byte at offset 5",
        ),
        _orgs(
            "a NUL byte deep in the file",
            c,
            csv_text(H, *[f"A{k},Alpha {k},sme,FR10" for k in range(300)])
            + b"Z,Ze\x00ta,sme,FR10\n",
            "row 302, column 'name'",
            "NUL",
        ),
        _orgs("an empty file", c, b"", EMPTY),
        _orgs("only delimiters", c, b",,,\n,,,\n;;;\n", EMPTY),
        _orgs(
            "only a header, with a BOM",
            c,
            b"\xef\xbb\xbf" + H.encode() + b"\r\n",
            "the file has a header but no data rows",
        ),
        _orgs(
            "no header: the first row is data",
            c,
            csv_text(ROW, "B,Beta,university,BE10"),
            "missing column 'name'",
            "missing column 'type'",
        ),
        _orgs(
            "ragged rows: cells missing",
            c,
            csv_text(H, "A,Alpha", "B,Beta,sme"),
            "row 2, column 'region': region is empty",
            "row 3, column 'region': region is empty",
        ),
        _orgs(
            "ragged rows: cells too many",
            c,
            csv_text(H, "A,Alpha,sme,FR10,x,y,z"),
            "row 2",
            "the row has 7 cells but the header has 4 columns",
        ),
        _orgs(
            "the header repeated mid-file (two exports pasted together)",
            c,
            csv_text(H, ROW, H, "B,Beta,sme,BE10"),
            "row 3, column 'type': type 'type' is not an organisation type",
        ),
        _orgs(
            "a doubled UTF-8 BOM",
            c,
            b"\xef\xbb\xbf\xef\xbb\xbf" + csv_text(H, "A,Alpha,sme,FR99"),
            "region 'FR99' is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "a UTF-32 file with its BOM",
            c,
            csv_text(H, ROW, encoding="utf-32"),
            "missing column 'name'",
        ),
        _orgs(
            "UTF-16 LE without a BOM",
            c,
            csv_text(H, ROW, encoding="utf-16-le"),
            "the file holds binary data (a NUL byte at offset 1)",
        ),
        _orgs(
            "UTF-16 BE without a BOM",
            c,
            csv_text(H, ROW, encoding="utf-16-be"),
            "the file holds binary data (a NUL byte at offset 0)",
        ),
        _orgs(
            "UTF-16 with a BOM, cut in the middle of a character",
            c,
            b"\xff\xfe" + csv_text(H, ROW, encoding="utf-16-le")[:-1],
            "the file starts with a UTF-16 byte order mark but byte",
        ),
        _orgs(
            "invalid UTF-8 in an id (read as Windows-1252)",
            c,
            csv_text(H) + b"Caf\xe9-1,Cafe,sme,FR10\n",
            "row 2, column 'id'",
            "id 'Café-1'",
            ID_RULE,
        ),
        _orgs(
            "invalid UTF-8 in a region code",
            c,
            csv_text(H) + b"A,Alpha,sme,FR\x8110\n",
            "row 2, column 'region'",
            "is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "an overlong description",
            c,
            csv_text(H + ",description", ROW + "," + "x" * 6000),
            "row 2, column 'description'",
            "description has 6000 characters; the limit is 5000",
        ),
        _orgs(
            "a quoted cell longer than the cell limit",
            c,
            csv_text(H + ",description", ROW + ',"' + "x" * (MAX_CELL_CHARS + 10) + '"'),
            f"a cell is longer than {MAX_CELL_CHARS:,} characters",
        ),
        _orgs(
            "100,000 columns, none known",
            c,
            csv_text(",".join(f"c{k}" for k in range(100_000)), ",".join("x" * 100_000)),
            "row 1 has 100,000 cells; the limit is 1,000 columns",
        ),
        _orgs(
            "100,000 columns after the known ones, a bad region",
            c,
            csv_text(H + "," + ",".join(f"c{k}" for k in range(100_000)), "A,Alpha,sme,FR99"),
            "row 1 has 100,004 cells; the limit is 1,000 columns",
        ),
        _orgs(
            "a formula in the name (DDE)",
            c,
            csv_text(H, f'A,"{DDE.replace(chr(34), chr(34) * 2)}",sme,FR10'),
            "row 2, column 'name'",
            FORMULA,
        ),
        _orgs(
            "a formula in the region",
            c,
            csv_text(H, "A,Alpha,sme,=FR10"),
            "row 2, column 'region'",
            "value '=FR10' starts with '='",
        ),
        _orgs(
            "a formula in the id",
            c,
            csv_text(H, '"=1+1",Alpha,sme,FR10'),
            "row 2, column 'id'",
            FORMULA,
        ),
        _orgs(
            "a formula in the offers",
            c,
            csv_text(H + ",offers", ROW + ',"=IMPORTXML(""http://x"",""//a"")"'),
            "row 2, column 'offers'",
            FORMULA,
        ),
        _orgs(
            "a formula in a contact e-mail",
            c,
            csv_text(H + ",email", ROW + ",=1+1@example.org"),
            "row 2, column 'email'",
            FORMULA,
        ),
        _orgs(
            "an unknown NACE code",
            c,
            csv_text(H + ",sectors", ROW + ",Z99.99"),
            "row 2, column 'sectors'",
            "sector 'Z99.99' is not a NACE Rev. 2 code",
        ),
        _orgs(
            "an unknown language",
            c,
            csv_text(H + ",languages", ROW + ",Klingon"),
            "row 2, column 'languages'",
            "Klingon",
        ),
        _orgs(
            "a NUTS-2 code in the country column",
            c,
            csv_text("name,type,country", "Alpha,sme,FR10"),
            "row 2, column 'country'",
            "country 'FR10' is not a country code or name",
        ),
        _orgs(
            "a website longer than 500 characters",
            c,
            csv_text(H + ",website", ROW + ",https://example.org/" + "a" * 500),
            "row 2, column 'website'",
            "the limit is 500",
        ),
        _orgs(
            "101 sectors in one cell",
            c,
            csv_text(H + ",sectors", ROW + "," + ";".join(["C26.51"] * 101)),
            "row 2, column 'sectors'",
            "too many items; the limit is 100",
        ),
        _orgs(
            "an offer longer than 2,000 characters",
            c,
            csv_text(H + ",offers", ROW + "," + "o" * 2001),
            "row 2, column 'offers'",
            "2001 characters; the limit is 2000",
        ),
        _orgs(
            "a need with keywords but no text",
            c,
            csv_text(H + ",needs", ROW + ",| pilot line"),
            "row 2, column 'needs'",
            "string should have at least 1 character",
        ),
        _orgs(
            "a head count that is not a number",
            c,
            csv_text(H + ",size", ROW + ",1e3"),
            "row 2, column 'size'",
            "size '1e3' is neither a head count nor one of",
        ),
    ]


def _unicode_entries() -> list[Entry]:
    c = "csv"
    return [
        _orgs(
            "a right-to-left override in an id",
            c,
            csv_text(H, "A\u202egpj.exe,Alpha,sme,FR10"),
            "row 2, column 'id'",
            ID_RULE,
        ),
        _orgs(
            "a right-to-left override in a region code",
            c,
            csv_text(H, "A,Alpha,sme,FR\u202e01"),
            "row 2, column 'region'",
            "is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "a zero-width joiner in an id",
            c,
            csv_text(H, "Al\u200dpha,Alpha,sme,FR10"),
            "row 2, column 'id'",
            ID_RULE,
        ),
        _orgs(
            "a zero-width joiner in a region code",
            c,
            csv_text(H, "A,Alpha,sme,FR\u200d10"),
            "row 2, column 'region'",
            "is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "combining characters in an id",
            c,
            csv_text(H, "e\u0301cole-1,Ecole,university,FR10"),
            "row 2, column 'id'",
            ID_RULE,
        ),
        _orgs(
            "a homoglyph NUTS code: letter O for zero",
            c,
            csv_text(H, "A,Alpha,sme,FR1O"),
            "row 2, column 'region'",
            "region 'FR1O' is not a NUTS 2021/2024 code; did you mean",
        ),
        _orgs(
            "a homoglyph NUTS code: Cyrillic A",
            c,
            csv_text(H, "A,Alpha,sme,\u0410T13"),
            "row 2, column 'region'",
            "region '\u0410T13' is not a NUTS 2021/2024 code; did you mean AT13?",
        ),
        _orgs(
            "a homoglyph NUTS code: Greek omicron",
            c,
            csv_text(H, "A,Alpha,sme,FR1\u039f"),
            "row 2, column 'region'",
            "is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "a NUTS code in full-width digits",
            c,
            csv_text(H, "A,Alpha,sme,FR\uff11\uff10"),
            "row 2, column 'region'",
            "is not a NUTS 2021/2024 code; did you mean FR10?",
        ),
        _orgs(
            "an emoji in an id",
            c,
            csv_text(H, "\U0001f680-rocket,Rocket,sme,FR10"),
            "row 2, column 'id'",
            ID_RULE,
        ),
        _orgs(
            "an emoji as the organisation type",
            c,
            csv_text(H, "A,Alpha,\U0001f3ed,FR10"),
            "row 2, column 'type'",
            "is not an organisation type",
        ),
        _orgs(
            "one name in NFC and in NFD, no id column",
            c,
            csv_text(
                "name,type,region",
                "Universit\u00e9 de Lyon,university,FR10",
                "Universite\u0301 de Lyon,university,FR10",
            ),
            "id 'universite-de-lyon' is also used in row 3; ids must be unique",
        ),
        _orgs(
            "a non-breaking space inside an id",
            c,
            csv_text(H, "A\u00a0B,Alpha,sme,FR10"),
            "row 2, column 'id'",
            ID_RULE,
        ),
        _orgs(
            "a lone surrogate in a name (JSON)",
            "json",
            b'[{"id": "A", "name": "Al\\ud800pha", "type": "sme", "region": "FR10"}]',
            "row 1, column 'name'",
            "unable to parse raw data as a unicode string",
        ),
        _orgs(
            "a lone low surrogate in a region (JSON)",
            "json",
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR\\udc0010"}]',
            "row 1, column 'region'",
        ),
        _orgs(
            "a lone surrogate in a key (JSON)",
            "json",
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "\\ud800": 1}]',
            "key '\\ud800' in an object (the one with id 'A') holds a lone surrogate",
        ),
        _orgs(
            "a lone surrogate as the organisation type (JSON)",
            "json",
            b'[{"id": "A", "name": "Alpha", "type": "\\ud83d", "region": "FR10"}]',
            "row 1, column 'type': type '\\ud83d' is not an organisation type",
        ),
        _orgs(
            "an escaped NUL in a name (JSON)",
            "json",
            orgs_json(name="Al\x00pha"),
            "row 1, column 'name'",
            "NUL",
        ),
        _orgs(
            "an escaped NUL in a keyword (JSON)",
            "json",
            orgs_json(offers=[{"text": "Pilot line", "keywords": ["na\x00no"]}]),
            "row 1, column 'offers[0].keywords[0]'",
            "NUL",
        ),
    ]


def _xlsx_entries() -> list[Entry]:
    x = "xlsx"
    good = good_xlsx()
    header = GOOD_XLSX_ROWS[0]
    return [
        _orgs("a workbook cut in half", x, good[: len(good) // 2], NOT_XLSX, "a broken zip"),
        _orgs("a workbook without its last byte", x, good[:-1], NOT_XLSX),
        _orgs("a text file named .xlsx", x, csv_text(H, ROW), NOT_XLSX, "a broken zip"),
        _orgs("an empty file named .xlsx", x, b"", NOT_XLSX),
        _orgs(
            "a zip that is not a workbook",
            x,
            rezip(good, {name: None for name in members(good)} | {"readme.txt": b"hello"}),
            NOT_XLSX,
        ),
        _orgs(
            "a workbook without its sheet",
            x,
            rezip(good, {SHEET: None}),
            "the workbook has no sheet",
        ),
        _orgs(
            "a sheet cut in the middle of its XML",
            x,
            sheet_xml(good, lambda s: s[: len(s) // 2]),
            NOT_XLSX,
        ),
        _orgs(
            "a sheet that is not XML",
            x,
            sheet_xml(good, lambda s: b"\x00\xffnot xml at all"),
            NOT_XLSX,
        ),
        _orgs(
            "a sheet with a cell reference that is not one",
            x,
            sheet_xml(good, lambda s: s.replace(b'r="A2"', b'r="2A!"')),
            NOT_XLSX,
        ),
        _orgs(
            "a workbook part that is not XML",
            x,
            rezip(good, {"xl/workbook.xml": b"<workbook"}),
            NOT_XLSX,
        ),
        _orgs(
            "a styles part that is not XML",
            x,
            rezip(good, {"xl/styles.xml": b"<styleSheet><"}),
            NOT_XLSX,
        ),
        _orgs(
            "a content-types part with unknown attributes",
            x,
            rezip(
                good,
                {
                    "[Content_Types].xml": members(good)["[Content_Types].xml"].replace(
                        b"<Default ", b'<Default bogus="1" ', 1
                    )
                },
            ),
            NOT_XLSX,
        ),
        _orgs(
            "entity expansion in the sheet (billion laughs)",
            x,
            rezip(good, {SHEET: LAUGHS}),
            NOT_XLSX,
        ),
        _orgs(
            "a zip bomb: the sheet inflates to 2 GiB",
            x,
            xlsx_bomb(),
            f"to {BOMB_INFLATED + sum(len(v) for k, v in members(good).items() if k != SHEET):,} "
            "bytes",
            "(a zip bomb?); it is not read",
        ),
        _orgs(
            "a zip bomb that declares small sizes",
            x,
            xlsx_bomb(lying=True),
            NOT_XLSX,
        ),
        _orgs(
            "an external link",
            x,
            external_link_xlsx(),
            "row 2, column 'name'",
            "cell holds a spreadsheet formula",
        ),
        _orgs(
            "a macro-enabled workbook with a DDE formula",
            x,
            macro_xlsx(),
            "row 2, column 'name'",
            "cell holds a spreadsheet formula",
            filename="organisations.xlsm",
        ),
        _orgs(
            "formula cells",
            x,
            xlsx([header, ["A", "Alpha", "sme", '=LEFT("FR10", 4)']]),
            "row 2, column 'region'",
            "cell holds a spreadsheet formula",
        ),
        _orgs(
            "a date where a NACE code is expected",
            x,
            xlsx([[*header, "sectors"], ["A", "Alpha", "sme", "FR10", dt.date(2024, 1, 10)]]),
            "row 2, column 'sectors'",
            "sector '2024-01-10' is not a NACE Rev. 2 code",
        ),
        _orgs(
            "a date and time where a region is expected",
            x,
            xlsx([header, ["A", "Alpha", "sme", dt.datetime(2024, 10, 1, 8, 30)]]),
            "row 2, column 'region'",
            "region '2024-10-01 08:30:00' is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "a boolean where a type is expected",
            x,
            xlsx([header, ["A", "Alpha", True, "FR10"]]),
            "row 2, column 'type'",
            "type 'true' is not an organisation type",
        ),
        _orgs(
            "an error value in a cell",
            x,
            xlsx([header, ["A", "Alpha", "sme", "#N/A"]]),
            "row 2, column 'region'",
            "region '#N/A' is not a NUTS 2021/2024 code",
        ),
        _orgs(
            "merged cells: the type written once for two rows",
            x,
            xlsx(
                [header, ["A", "Alpha", "sme", "FR10"], ["B", "Beta", None, "BE10"]],
                merge=["C2:C3"],
            ),
            "row 3, column 'type': type is empty; it is required",
        ),
        _orgs(
            "a workbook with no rows",
            x,
            xlsx([]),
            EMPTY,
        ),
        _orgs(
            "a workbook named .csv",
            "csv",
            good,
            "the file holds binary data",
            "upload the .xlsx file itself",
        ),
        Entry(
            "a sheet that does not exist",
            "xlsx",
            "organisations.xlsx",
            ("the workbook has no sheet 'Members'; it has: Organisations",),
            (
                ("validate", FILE, "--sheet", "Members"),
                ("import", FILE, "--db", DB, "--sheet", "Members"),
            ),
            good,
        ),
    ]


def _json_entries() -> list[Entry]:
    j = "json"
    return [
        _orgs("a list cut short", j, orgs_json()[:-7], "not valid JSON at line 1"),
        _orgs("an object cut after a key", j, b'[{"id": ', "not valid JSON at line 1, column 9"),
        _orgs(
            "nested 100,000 levels deep",
            j,
            b"[" * 100_000 + b"]" * 100_000,
            "the JSON is nested too deeply",
        ),
        _orgs(
            "nested 100,000 levels deep inside an organisation",
            j,
            b'[{"id": "A", "name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]",
            "the JSON is nested too deeply",
        ),
        _orgs(
            "a number of 5,000 digits",
            j,
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "size": '
            + b"9" * 5000
            + b"}]",
            "a number has more than",
        ),
        _orgs(
            "a number beyond floating point",
            j,
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "size": 1e999}]',
            "row 1, column 'size'",
            "size 'inf' is neither a head count nor one of",
        ),
        _orgs(
            "NaN as a head count",
            j,
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "size": NaN}]',
            "row 1, column 'size'",
            "size 'nan'",
        ),
        _orgs(
            "-Infinity as a head count",
            j,
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "size": -Infinity}]',
            "row 1, column 'size'",
            "size '-inf'",
        ),
        _orgs(
            "a number at the top",
            j,
            b"42",
            "expected a list of organisations, or an object with the key 'organisations'",
        ),
        _orgs("a string at the top", j, b'"organisations"', "expected a list of organisations"),
        _orgs("null at the top", j, b"null", "expected a list of organisations"),
        _orgs(
            "organisations that are not a list",
            j,
            b'{"organisations": {"A": {}}}',
            "expected a list of organisations",
        ),
        _orgs(
            "a vocabulary that is a list",
            j,
            b'{"vocabulary": ["BLUE"], "organisations": []}',
            "'vocabulary' must map codes to labels (strings)",
        ),
        _orgs(
            "a duplicate key in an organisation",
            j,
            b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10", "region": "XX99"}]',
            "key 'region' appears twice in one object (the one with id 'A'); keep one of them",
        ),
        _orgs(
            "a duplicate key at the top",
            j,
            b'{"organisations": [], "organisations": []}',
            "key 'organisations' appears twice in one object",
        ),
        _orgs(
            "a 10 MB name",
            j,
            orgs_json(name="n" * (10 * 1024 * 1024)),
            "row 1, column 'name'",
            "name has 10485760 characters; the limit is 300",
        ),
        _orgs(
            "a name that is a list",
            j,
            orgs_json(name=["Alpha"]),
            "row 1, column 'name'",
            "input should be a valid string",
        ),
        _orgs(
            "offers that are a string",
            j,
            orgs_json(offers="Pilot line"),
            "row 1, column 'offers'",
        ),
        _orgs(
            "an unknown field",
            j,
            orgs_json(colour="red"),
            "'colour' is not a field of an organisation",
        ),
        _orgs(
            "trailing data after the list",
            j,
            orgs_json() + b" []",
            "not valid JSON at line 1",
            "extra data",
        ),
        _orgs(
            "comments in JSON",
            j,
            b'// exported\n[{"id": "A"}]',
            "not valid JSON at line 1, column 1",
        ),
        _orgs(
            "single quotes",
            j,
            b"[{'id': 'A'}]",
            "not valid JSON at line 1, column 3",
            "enclosed in double quotes",
        ),
        _orgs(
            "JSON in UTF-16 without a BOM",
            j,
            orgs_json().decode().encode("utf-16-le"),
            "a NUL byte at offset 1",
        ),
        _orgs(
            "100 organisations, every one invalid",
            j,
            jbytes([{**ORG, "id": f"A{k}", "region": "FR99"} for k in range(100)]),
            "100 problems",
            "row 100, column 'region': region 'FR99' is not a NUTS 2021/2024 code",
            filename="organisations.json",
        ),
    ]


def _event_entries() -> list[Entry]:
    sched = (IMPORT, SCHEDULE)
    return [
        _event("an event cut short", BASE_EVENT_JSON[:-40].encode(), "not valid JSON at line 1"),
        _event(
            "an empty event file",
            b"",
            "not valid JSON at line 1, column 1: expecting value",
            commands=(BREAKOUTS, SCHEDULE),
        ),
        _event(
            "an event nested 100,000 levels deep",
            raw_event(EVENT_HEAD + ', "rules": ' + "[" * 100_000 + "]" * 100_000 + "}"),
            "nested too deeply",
        ),
        _event(
            "a table count of 5,000 digits",
            raw_event(EVENT_HEAD.replace('"tables": 3', '"tables": ' + "9" * 5000) + "}"),
            "a number has more than",
        ),
        _event(
            "NaN tables",
            raw_event(EVENT_HEAD.replace('"tables": 3', '"tables": NaN') + "}"),
            "tables",
            "Input should be a finite number",
            commands=sched,
        ),
        _event(
            "an infinite room capacity",
            raw_event(EVENT_HEAD.replace('"capacity": 4', '"capacity": Infinity', 1) + "}"),
            "rooms[0].capacity",
            "finite number",
        ),
        _event(
            "a duplicate key in a participant",
            raw_event(EVENT_HEAD.replace('"id": "P1"', '"id": "P1", "id": "P9"') + "}"),
            "key 'id' appears twice in one object",
        ),
        _event(
            "negative seats",
            event(put("participants.0.seats", -2)),
            "participants[0].seats",
            "greater than or equal to 1",
        ),
        _event(
            "seats above 50",
            event(put("participants.1.seats", 51)),
            "participants[1].seats",
            "less than or equal to 50",
        ),
        _event(
            "seats as text",
            event(put("participants.0.seats", "two")),
            "participants[0].seats",
            "valid integer",
        ),
        _event(
            "a room of capacity 0",
            event(put("rooms.0.capacity", 0)),
            "rooms[0].capacity",
            "greater than or equal to 1",
        ),
        _event(
            "10^12 tables",
            event(put("tables", 10**12)),
            "tables",
            "less than or equal to 10000",
            commands=sched,
        ),
        _event(
            "negative tables",
            event(put("tables", -1)),
            "tables",
            "greater than or equal to 0",
            commands=sched,
        ),
        _event(
            "a slot that ends before it starts",
            event(put("slots.1.end", "2025-03-04T09:00:00")),
            "slot 'S2' ends (2025-03-04 09:00:00) before it starts (2025-03-04 09:20:00)",
            commands=sched,
        ),
        _event(
            "a slot that starts without a time zone and ends with one",
            event(put("slots.0.end", "2025-03-04T09:20:00+01:00")),
            "slots[0]",
            "must both have a time zone, or neither",
            commands=sched,
        ),
        _event(
            "a slot start that is not a time",
            event(put("slots.0.start", "tomorrow morning")),
            "slots[0].start",
            commands=sched,
        ),
        _event(
            "30 February",
            event(put("date", "2025-02-30")),
            "date",
            "day value is outside expected range",
        ),
        _event(
            "an unknown NUTS code in an organisation",
            event(put("organisations.2.region", "DE99")),
            "organisations[2].region",
            "region 'DE99' is not a NUTS 2021/2024 code",
        ),
        _event(
            "an unknown NACE code in an organisation",
            event(put("organisations.0.sectors", ["M72.1", "Q99"])),
            "organisations[0].sectors[1]",
            "sector 'Q99' is not a NACE Rev. 2 code",
        ),
        _event(
            "an unknown language in an organisation",
            event(put("organisations.3.languages", ["en", "xx"])),
            "organisations[3].languages[1]",
            "language 'xx' is not an ISO 639-1 code",
        ),
        _event(
            "a participant of an organisation not in the event",
            event(put("participants.4.organisation", "org-99")),
            "participant 'P5': organisation 'org-99' is not in the event",
        ),
        _event(
            "a participant available in an unknown slot",
            event(put("participants.0.available", ["S1", "S9"])),
            "participant 'P1': slot 'S9' is not a slot of the event",
            commands=sched,
        ),
        _event(
            "two participants with one id",
            event(put("participants.3.id", "P1")),
            "participant id 'P1' appears more than once",
        ),
        _event(
            "a pin to an unknown room",
            event(rules(pins=[{"participant": "P1", "room": "r9"}])),
            "pin: room 'r9' is not a room of the event",
        ),
        _event(
            "a keep-apart group of one",
            event(rules(keep_apart=[["P1"]])),
            "keep_apart[0] needs at least two participants",
        ),
        _event(
            "a keep-together group naming an unknown participant",
            event(rules(keep_together=[["P1", "P77"]])),
            "keep_together: participant 'P77' is not in the event",
        ),
        _event(
            "a minimum above the maximum of meetings",
            event(
                both(put("participants.2.min_meetings", 3), put("participants.2.max_meetings", 1))
            ),
            "min_meetings 3 is above max_meetings 1",
            commands=sched,
        ),
        _event(
            "a participant who asks to meet its own organisation",
            event(put("participants.0.requests", [{"organisation": "org-0"}])),
            "participant 'P1' requests its own organisation",
            commands=sched,
        ),
        _event(
            "two requests for one organisation",
            event(
                put(
                    "participants.0.requests",
                    [
                        {"organisation": "org-1", "preference": "must_meet"},
                        {"organisation": "org-1", "preference": "would_rather_not"},
                    ],
                )
            ),
            "requests name organisation 'org-1' more than once",
            commands=sched,
        ),
        _event(
            "an unknown preference",
            event(
                put("participants.0.requests", [{"organisation": "org-1", "preference": "maybe"}])
            ),
            "participants[0].requests[0].preference",
            commands=sched,
        ),
        _event(
            "an unknown field in the event",
            event(put("colour", "red")),
            "colour",
            "Extra inputs are not permitted",
        ),
        _event(
            "a right-to-left override in the event id",
            event(put("id", "ev\u202eent")),
            "id",
            "may hold only letters, digits and . _ : @ -",
        ),
        _event(
            "an escaped NUL in a room name",
            event(put("rooms.0.name", "Ener\x00gy")),
            "rooms[0].name",
            "NUL",
        ),
        _event(
            "a lone surrogate in a participant's name",
            raw_event(
                EVENT_HEAD.replace('"id": "P1"', '"id": "P1", "person": "Ann\\udfffa"') + "}"
            ),
            "participants[0].person",
            "unable to parse raw data as a unicode string",
        ),
        _event(
            "a lone surrogate in a key of the event",
            raw_event(EVENT_HEAD + ', "\\udc00x": 1}'),
            "key '\\udc00x' in an object (the one with id 'test-event') holds a lone surrogate",
        ),
        _event(
            "participants that are an object",
            event(put("participants", {"P1": "org-0"})),
            "participants",
            "valid list",
        ),
        _event(
            "an event with no participants",
            event(put("participants", [])),
            "event 'test-event' has no participants to put in rooms",
            commands=(BREAKOUTS,),
        ),
        _event(
            "an event with no rooms",
            event(put("rooms", [])),
            "event 'test-event' has no breakout rooms",
            commands=(BREAKOUTS,),
        ),
        _event(
            "an event with no organisations",
            event(put("organisations", [])),
            "event 'test-event' has no organisations",
            commands=(BREAKOUTS, SCHEDULE),
        ),
        _event(
            "an event with no slots",
            event(put("slots", [])),
            "event 'test-event' has no time slots; give --slots N",
            commands=(SCHEDULE,),
        ),
        _event(
            "an event with no tables",
            event(put("tables", 0)),
            "event 'test-event' has no tables; give --tables M",
            commands=(SCHEDULE,),
        ),
        _event(
            "a list at the top",
            jbytes([base_event()]),
            "Input should be a valid dictionary or instance of Event",
            commands=(BREAKOUTS, SCHEDULE),
        ),
        _event(
            "an event wrapped twice",
            jbytes({"event": {"event": base_event()}}),
            "Field required",
            commands=(BREAKOUTS,),
        ),
    ]


def _rules_entries() -> list[Entry]:
    return [
        _rules(
            "more seats pinned to a room than it holds",
            event(
                rules(
                    pins=[{"participant": f"P{k}", "room": "r1"} for k in range(1, 6)],
                    apart_same_organisation=False,
                )
            ),
            "5 participants pinned to room 'Energy' of capacity 4",
        ),
        _rules(
            "pinned delegations take more seats than the room has",
            event(
                both(
                    put("participants.0.seats", 3),
                    put("participants.1.seats", 2),
                    rules(
                        pins=[
                            {"participant": "P1", "room": "r1"},
                            {"participant": "P2", "room": "r1"},
                        ]
                    ),
                ),
                n=4,
            ),
            "2 participants (5 seats) pinned to room 'Energy' of capacity 4",
        ),
        _rules(
            "a participant pinned to two rooms in one round",
            event(
                rules(
                    pins=[
                        {"participant": "P1", "room": "r1", "round": "R1"},
                        {"participant": "P1", "room": "r2", "round": "R1"},
                    ]
                )
            ),
            "is pinned to rooms 'Energy' and 'Health' in round 1",
        ),
        _rules(
            "keep-together larger than any room",
            event(rules(keep_together=[["P1", "P2", "P3", "P4", "P5"]])),
            "keep-together participants",
            "take 5 seats but the largest room holds 4",
        ),
        _rules(
            "keep-apart larger than the number of rooms",
            event(rules(keep_apart=[["P1", "P2", "P3"]])),
            "keep-apart set",
            "has 3 participants but there are only 2 rooms",
        ),
        _rules(
            "keep-together and keep-apart on one pair",
            event(rules(keep_together=[["P1", "P2"]], keep_apart=[["P1", "P2"]])),
            "must share a room (keep-together) and be in different rooms (keep-apart",
        ),
        _rules(
            "keep-together members pinned to different rooms",
            event(
                rules(
                    keep_together=[["P1", "P2"]],
                    pins=[{"participant": "P1", "room": "r1"}, {"participant": "P2", "room": "r2"}],
                )
            ),
            "must share a room (keep-together) but are pinned to rooms 'Energy' and 'Health'",
        ),
        _rules(
            "keep-apart members pinned to one room",
            event(
                rules(
                    keep_apart=[["P1", "P2"]],
                    pins=[{"participant": "P1", "room": "r1"}, {"participant": "P2", "room": "r1"}],
                )
            ),
            "are pinned to room 'Energy'",
            "must be in different rooms (keep-apart",
        ),
        _rules(
            "more seats than the rooms hold",
            event(put("participants.0.seats", 5)),
            "need 10 seats but the 2 rooms hold 8",
        ),
        _rules(
            "minimum room sizes above the seats",
            event(both(put("rooms.0.min_size", 4), put("rooms.1.min_size", 4))),
            "the rooms need at least 8 seats",
            "the participants take only 6",
        ),
        _rules(
            "must-meet with no common available slot",
            event(
                both(
                    put("participants.0.available", ["S1"]),
                    put("participants.1.available", ["S2", "S3"]),
                    put(
                        "participants.0.requests",
                        [{"organisation": "org-1", "preference": "must_meet"}],
                    ),
                )
            ),
            "required pair (0, 1) cannot meet: the two are not both available in any slot",
            command=SCHEDULE,
        ),
        _rules(
            "two must-meets for someone with one free slot",
            event(
                both(
                    put("participants.0.available", ["S2"]),
                    put(
                        "participants.0.requests",
                        [
                            {"organisation": "org-1", "preference": "must_meet"},
                            {"organisation": "org-2", "preference": "must_meet"},
                        ],
                    ),
                )
            ),
            "has 2 required or kept meetings but can have at most 1",
            command=SCHEDULE,
        ),
        _rules(
            "more must-meets than tables",
            event(
                both(
                    put("tables", 1),
                    put("slots", base_event()["slots"][:1]),
                    put(
                        "participants.0.requests",
                        [{"organisation": "org-1", "preference": "must_meet"}],
                    ),
                    put(
                        "participants.2.requests",
                        [{"organisation": "org-3", "preference": "must_meet"}],
                    ),
                )
            ),
            "2 required or kept meetings, but only 1 tables over all slots",
            command=SCHEDULE,
        ),
        _rules(
            "a minimum of meetings above the slots",
            event(rules(min_meetings=4)),
            "needs min_meetings = 4 but max_meetings = 3",
            command=SCHEDULE,
        ),
        _rules(
            "a minimum of meetings nobody can reach",
            event(
                both(put("participants.0.available", ["S1"]), put("participants.0.min_meetings", 2))
            ),
            "needs min_meetings = 2 but can have at most 1",
            command=SCHEDULE,
        ),
    ]


RH = "participant,person,seats,id,name,type,region"


def _registrations(name: str, data: bytes, *expect: str, filename: str = "people.csv") -> Entry:
    return Entry(name, "registrations", filename, expect, (), data)


def _registration_entries() -> list[Entry]:
    seats = "is not a whole number from 1 to 50"
    return [
        _registrations(
            "registrations: seats 0",
            csv_text(RH, "P1,Ann,0,A,Alpha,sme,FR10"),
            f"row 2, column 'seats': seats '0' {seats}",
        ),
        _registrations(
            "registrations: seats as text",
            csv_text(RH, "P1,Ann,two,A,Alpha,sme,FR10"),
            f"seats 'two' {seats}",
        ),
        _registrations(
            "registrations: seats above 50",
            csv_text(RH, "P1,Ann,51,A,Alpha,sme,FR10"),
            f"seats '51' {seats}",
        ),
        _registrations(
            "registrations: two participants with one id",
            csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10", "P1,Bob,1,B,Beta,sme,BE10"),
            "row 3, column 'participant': participant id 'P1' is also used in row 2",
        ),
        _registrations(
            "registrations: colleagues whose organisation's rows disagree",
            csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10", "P2,Bob,1,A,Alpha,sme,BE10"),
            "row 3, column 'region': rows 2 and 3 give organisation 'A' different region",
        ),
        _registrations(
            "registrations: a formula as the person",
            csv_text(RH, 'P1,"=HYPERLINK(""http://x"")",1,A,Alpha,sme,FR10'),
            "row 2, column 'person'",
            "formulas are not imported",
        ),
        _registrations(
            "registrations: an unknown NUTS code",
            csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR99"),
            "row 2, column 'region': region 'FR99' is not a NUTS 2021/2024 code",
        ),
        _registrations(
            "registrations: no organisation columns",
            csv_text("participant,person,seats", "P1,Ann,1"),
            "missing column 'name'",
        ),
        _registrations("registrations: an empty file", b"", EMPTY),
        _registrations(
            "registrations: a workbook cut short",
            good_xlsx()[:1000],
            NOT_XLSX,
            filename="people.xlsx",
        ),
        _registrations(
            "registrations: a participant id with a space",
            csv_text(RH, "P 1,Ann,1,A,Alpha,sme,FR10"),
            "row 2, column 'participant': participant id 'P 1' may hold only letters",
        ),
        _registrations(
            "registrations: a country that cannot be placed",
            csv_text("participant,person,name,type,country", "P1,Ann,Alpha,sme,Atlantis"),
            "row 2, column 'country': country 'Atlantis' is not a country the product can place",
        ),
        _registrations(
            "registrations: a misspelt country",
            csv_text("participant,person,name,type,country", "P1,Ann,Alpha,sme,Deutchland"),
            "row 2, column 'country': country 'Deutchland' is not a country the product can "
            "place; did you mean Germany (DE)?",
        ),
        _registrations(
            "registrations: an organisation type that cannot be placed",
            csv_text(
                "First name,Organisation,Organisation type,Country",
                "Ann,Alpha,Stammtisch,FR",
                "Bo,Beta,SME,DE",
                "Cy,Gamma,University,IT",
            ),
            "row 2, column 'Organisation type': organisation type 'Stammtisch' is not one the "
            "product can place",
        ),
        _registrations(
            "registrations: negative seats in JSON",
            jbytes([{**ORG, "participant": "P1", "seats": -1}]),
            f"row 1, column 'seats': seats '-1' {seats}",
            filename="people.json",
        ),
        _registrations(
            "registrations: a duplicate key in JSON",
            b'[{"participant": "P1", "participant": "P2", "id": "A", "name": "Alpha", '
            b'"type": "sme", "region": "FR10"}]',
            "key 'participant' appears twice in one object",
            filename="people.json",
        ),
    ]


def _cli_entries() -> list[Entry]:
    def rooms(name: str, text: str, *expect: str) -> Entry:
        return Entry(
            name,
            "rooms",
            "rooms.csv",
            expect,
            (("breakouts", GOOD_EVENT, "--rooms", FILE, "--export", OUT),),
            text.encode(),
        )

    def previous(name: str, data: bytes, *expect: str) -> Entry:
        return Entry(
            name,
            "published",
            "published.json",
            expect,
            (("schedule", GOOD_EVENT, "--previous", FILE, "--export", OUT),),
            data,
        )

    def vocabulary(name: str, data: bytes, *expect: str) -> Entry:
        return Entry(
            name,
            "vocabulary",
            "vocabulary.csv",
            expect,
            (("validate", GOOD_ORGS, "--vocabulary", FILE),),
            data,
        )

    def option(name: str, argv: tuple[str, ...], *expect: str, exit_code: int = 1) -> Entry:
        return Entry(name, "options", "unused.txt", expect, (argv,), b"", exit_code=exit_code)

    return [
        rooms(
            "rooms: capacity as text",
            "id,name,capacity\na,A,many\nb,B,9\n",
            "capacity must be a whole number",
        ),
        rooms(
            "rooms: capacity 0",
            "id,name,capacity\na,A,0\nb,B,9\n",
            "capacity",
            "greater than or equal to 1",
        ),
        rooms(
            "rooms: two with one id",
            "id,name,capacity\na,A,5\na,B,5\n",
            "room ids must be unique; these repeat",
        ),
        rooms(
            "rooms: no capacity column",
            "id,name\na,A\n",
            "needs the columns id, name and capacity",
            "it lacks capacity",
        ),
        rooms("rooms: an empty file", "", EMPTY),
        rooms("rooms: only a header", "id,name,capacity\n", "has no rooms"),
        rooms(
            "rooms: too few seats",
            "id,name,capacity\na,A,2\nb,B,2\n",
            "need 6 seats but the 2 rooms hold 4",
        ),
        previous(
            "previous: not JSON",
            b"meetings",
            "is not the JSON output of 'matchmaker schedule --json'",
        ),
        previous(
            "previous: no meetings key",
            b'{"pairs": []}',
            "is not the JSON output of 'matchmaker schedule --json'",
        ),
        previous(
            "previous: a table that is not a number",
            b'{"meetings": [{"slot": "S1", "table": "x", "a": "P1", "b": "P2"}]}',
            "is not the JSON output of 'matchmaker schedule --json'",
        ),
        previous(
            "previous: nested 100,000 levels deep",
            b'{"meetings": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "is not the JSON output of 'matchmaker schedule --json'",
        ),
        vocabulary(
            "vocabulary: no label column", b"code\nBLUE\n", "needs the columns 'code' and 'label'"
        ),
        vocabulary(
            "vocabulary: binary data", b"code,label\x00\x01\n", "the file holds binary data"
        ),
        vocabulary(
            "vocabulary: a code that clashes with a built-in one",
            b"code,label\nIE01,Mine\n",
            "custom S3 code 'IE01' clashes with the built-in code 'IE01'",
        ),
        option("--rooms 0", ("breakouts", GOOD_EVENT, "--rooms", "0"), "--rooms must be from 1 to"),
        option(
            "--time-limit -1",
            ("breakouts", GOOD_EVENT, "--time-limit", "-1"),
            "--time-limit must be above 0 and at most 3600 seconds; got -1",
        ),
        option(
            "--time-limit nan",
            ("breakouts", GOOD_EVENT, "--time-limit", "nan"),
            "--time-limit must be above 0 and at most 3600 seconds; got nan",
        ),
        option(
            "--mode chaos",
            ("breakouts", GOOD_EVENT, "--mode", "chaos"),
            "invalid choice: 'chaos'",
            exit_code=2,
        ),
        option(
            "--rounds x",
            ("breakouts", GOOD_EVENT, "--rounds", "x"),
            "invalid int value: 'x'",
            exit_code=2,
        ),
        option(
            "--start that is not a time",
            ("schedule", GOOD_EVENT, "--tables", "2", "--start", "half past nine"),
            "--start 'half past nine' is not a date and time",
        ),
        option(
            "--minutes 0",
            ("schedule", GOOD_EVENT, "--tables", "2", "--minutes", "0"),
            "--minutes must be from 1 to 1440; got 0",
        ),
        option(
            "--slots that change the event's",
            ("schedule", GOOD_EVENT, "--slots", "7"),
            "already has 3 slots; --slots 7 would change them",
        ),
        option(
            "pairs --capacity -1",
            ("pairs", GOOD_EVENT, "--capacity", "-1"),
            "--capacity must be from 1 to 50; got -1",
        ),
        option(
            "pairs --sides of one value",
            ("pairs", GOOD_EVENT, "--sides", "helix"),
            "must split the participants in exactly two sides",
        ),
        option(
            "suggest -k 0",
            ("suggest", GOOD_ORGS, "--org", "A", "-k", "0"),
            "-k must be from 1 to 100; got 0",
        ),
        option(
            "suggest an unknown organisation", ("suggest", GOOD_ORGS, "--org", "nobody"), "nobody"
        ),
        option(
            "suggest --country XX", ("suggest", GOOD_ORGS, "--org", "A", "--country", "XX"), "XX"
        ),
        option(
            "a missing file",
            ("validate", "no/such/file.csv"),
            "file 'no/such/file.csv' does not exist",
        ),
        option("a folder instead of a file", ("validate", "."), "'.' is a folder, not a file"),
    ]


BIG_HEAD = EVENT_HEAD.encode() + b', "x": ['
BIG_CHUNK = b"1," * (1 << 19)  # 1 MiB


def _huge_entries() -> list[Entry]:
    return [
        Entry(
            "a CSV one byte over the size limit",
            "csv",
            "organisations.csv",
            (TOO_LARGE,),
            ORGANISATION_COMMANDS,
            build=sparse(csv_text(H, ROW), OVER_LIMIT),
            huge=True,
        ),
        Entry(
            "an XLSX one byte over the size limit",
            "xlsx",
            "organisations.xlsx",
            (TOO_LARGE,),
            ORGANISATION_COMMANDS,
            build=sparse(good_xlsx(), OVER_LIMIT),
            huge=True,
        ),
        Entry(
            "a JSON list over the size limit",
            "json",
            "organisations.json",
            (TOO_LARGE,),
            ORGANISATION_COMMANDS,
            build=sparse(b"[" + orgs_json()[1:-1] + b"," + b" " * 16, OVER_LIMIT),
            huge=True,
        ),
        Entry(
            "an event file over the size limit",
            "event",
            "event.json",
            (TOO_LARGE,),
            (IMPORT, BREAKOUTS, SCHEDULE),
            build=sparse(EVENT_HEAD.encode() + b', "description": "', OVER_LIMIT),
            huge=True,
        ),
        Entry(
            "a 300 MB event file of real JSON",
            "event",
            "event.json",
            (f"the file has {len(BIG_HEAD) + 300 * len(BIG_CHUNK) + 3:,} bytes; the limit is",),
            (BREAKOUTS,),
            build=streamed(BIG_HEAD, BIG_CHUNK, 300, b"1]}"),
            huge=True,
        ),
        Entry(
            "a zip bomb (2 GiB of sheet XML) through the command line",
            "xlsx",
            "bomb.xlsx",
            ("(a zip bomb?); it is not read",),
            ORGANISATION_COMMANDS,
            build=lambda path: path.write_bytes(xlsx_bomb()),
            huge=True,
        ),
        Entry(
            "a zip bomb that declares small sizes, through the command line",
            "xlsx",
            "liar.xlsx",
            (NOT_XLSX,),
            ORGANISATION_COMMANDS,
            build=lambda path: path.write_bytes(xlsx_bomb(lying=True)),
            huge=True,
        ),
    ]


@functools.cache
def corpus() -> tuple[Entry, ...]:
    """Every entry, in a fixed order; names are unique."""
    entries = (
        _csv_entries()
        + _unicode_entries()
        + _xlsx_entries()
        + _json_entries()
        + _event_entries()
        + _rules_entries()
        + _registration_entries()
        + _cli_entries()
        + _huge_entries()
    )
    # The second round's entries, one module per area (files, documents and options, rules).
    from reliability import corpus_documents, corpus_files, corpus_rules

    entries += corpus_files.entries() + corpus_documents.entries() + corpus_rules.entries()
    names = [e.name for e in entries]
    assert len(names) == len(set(names)), "entry names must be unique"
    return tuple(entries)


def good_organisations_csv() -> bytes:
    """A valid organisation file (the control of the organisation entries)."""
    return csv_text(H, ROW, "B,Beta,university,BE10", "C,Gamma,cluster,DE11")


def good_event_json() -> bytes:
    """The valid base event (the control of the event and rules entries)."""
    return jbytes(base_event())
