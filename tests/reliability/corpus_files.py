"""The bad-input corpus, second round: Bounded work for bad files: rows, columns, cells and
line lengths checked while streaming; one id or one participant on thousands of rows.

Entries here join :func:`reliability.corpus.corpus`; see that module for what an entry is.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Callable
from pathlib import Path

from matchmaker.limits import LIMITS
from reliability.corpus import (
    GOOD_XLSX_ROWS,
    ORGANISATION_COMMANDS,
    RH,
    SHEET,
    SHEET_FOOT,
    SHEET_HEAD,
    Entry,
    H,
    _deflate_repeated,
    _raw_zip,
    csv_text,
    good_xlsx,
    jbytes,
    members,
    sheet_xml,
    streamed,
    xlsx,
)

# How many rows share one id (or one participant) in the duplicate entries.
DUPLICATES = 20_000
ROWS_PAST = f"has more than {LIMITS.rows:,} rows"
NO_ORGANISATION = "the file holds no organisation"


def _orgs(name: str, kind: str, data: bytes, *expect: str) -> Entry:
    suffix = {"csv": "csv", "xlsx": "xlsx", "json": "json"}[kind]
    return Entry(name, kind, f"organisations.{suffix}", expect, ORGANISATION_COMMANDS, data)  # type: ignore[arg-type]


def _registrations(name: str, data: bytes, *expect: str, filename: str = "people.csv") -> Entry:
    return Entry(name, "registrations", filename, expect, (), data)


@functools.cache
def one_id_on_many_rows() -> bytes:
    """An organisation CSV of 20,000 rows with one id (320 KB)."""
    return csv_text(H, *[f"A,Alpha {k},sme,FR10" for k in range(DUPLICATES)])


@functools.cache
def one_participant_on_many_rows(rows: int = LIMITS.participants) -> bytes:
    """A registration list of ``rows`` rows of one participant of one organisation."""
    return csv_text(RH, *[f"P1,Ann {k},1,A,Alpha,sme,FR10" for k in range(rows)])


@functools.cache
def padded_dimension_xlsx() -> bytes:
    """A 2 KB workbook whose dimension says A1:XFD1048576, with a row at 1,048,576."""
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Z</t></is></c></row></sheetData>'

    def edit(xml: bytes) -> bytes:
        start = xml.index(b"<dimension")
        end = xml.index(b"/>", start) + 2
        xml = xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]
        return xml.replace(b"</sheetData>", far)

    return sheet_xml(good_xlsx(), edit)


# 1,000 rows of one small cell each (no row numbers: each row is the next one).
_SMALL_ROWS = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1000
MANY_ROWS = 7_000_000


def many_rows_xlsx(path: Path) -> None:
    """A 3 MB workbook of 7 million small rows (350 MB of sheet XML): under the size, ratio
    and inflated-size limits, past the row limit. The sheet is deflated without being built;
    a stored member of random bytes brings the ratio under the zip-bomb limit."""
    stream, crc, size = _deflate_repeated(
        SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1"/><sheetData>'),
        _SMALL_ROWS,
        MANY_ROWS // 1000,
        SHEET_FOOT,
    )
    parts: list[tuple[str, bytes, int, int, int]] = []
    for name, value in members(good_xlsx()).items():
        if name == SHEET:
            parts.append((name, stream, crc, size, size))
            continue
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = co.compress(value) + co.flush()
        parts.append((name, packed, zlib.crc32(value), len(value), len(value)))
    # Random bytes do not deflate: enough of them keep the ratio under the zip-bomb limit.
    noise = random.Random(0).randbytes(size // LIMITS.xlsx_ratio + 1)
    co = zlib.compressobj(0, zlib.DEFLATED, -15)
    stored = co.compress(noise) + co.flush()
    parts.append(("docProps/noise.bin", stored, zlib.crc32(noise), len(noise), len(noise)))
    path.write_bytes(_raw_zip(parts))


def _builder(make: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(make())


COMMAS_MB = 100
HEADER_MB = 100


def entries() -> list[Entry]:
    """This area's entries, in a fixed order."""
    wide = ",".join(["x"] * (LIMITS.columns + 1))
    return [
        # --- 5: one value on many rows: one message each, of a bounded size, and a cap
        _orgs(
            "20,000 rows share one id",
            "csv",
            one_id_on_many_rows(),
            "row 2, column 'id': id 'A' is also used in row 3 and 19,998 more rows",
            "row 3, column 'id': id 'A' is also used in row 2; ids must be unique",
        ),
        _orgs(
            "20,000 records share one id (JSON)",
            "json",
            jbytes(
                [
                    {"id": "A", "name": f"Alpha {k}", "type": "sme", "region": "FR10"}
                    for k in range(DUPLICATES)
                ]
            ),
            "row 1, column 'id': id 'A' is also used in row 2 and 19,998 more rows",
            "row 2, column 'id': id 'A' is also used in row 1; ids must be unique",
        ),
        _registrations(
            f"registrations: {LIMITS.participants:,} rows of one participant",
            one_participant_on_many_rows(),
            "row 2, column 'participant': participant id 'P1' is also used in row 3 and "
            f"{LIMITS.participants - 2:,} more rows",
            "row 3, column 'participant': participant id 'P1' is also used in row 2",
            "more problems are not listed",
        ),
        _registrations(
            "registrations: 20,000 rows of one participant",
            one_participant_on_many_rows(DUPLICATES),
            f"the list has 20,000 participant rows (the last is row 20,001); an event takes at "
            f"most {LIMITS.participants:,} participants",
        ),
        # --- 6: rows, columns and cells of a sheet, from the XML, not from its dimension
        Entry(
            "an XLSX whose dimension says A1:XFD1048576, with a row at 1,048,576",
            "xlsx",
            "organisations.xlsx",
            (f"the sheet 'Organisations' {ROWS_PAST} (row 1,048,576); the limit is",),
            ORGANISATION_COMMANDS,
            build=_builder(padded_dimension_xlsx),
            huge=True,
        ),
        Entry(
            "an XLSX of 7 million small rows, within the zip limits",
            "xlsx",
            "organisations.xlsx",
            (f"the sheet 'Organisations' {ROWS_PAST} (row {LIMITS.rows + 1:,})",),
            ORGANISATION_COMMANDS,
            build=many_rows_xlsx,
            huge=True,
        ),
        _orgs(
            "an XLSX row with a cell past the column limit",
            "xlsx",
            sheet_xml(
                good_xlsx(),
                lambda s: s.replace(
                    b"</row></sheetData>",
                    b'<c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row></sheetData>',
                ),
            ),
            f"row 2 has a cell in column XFD (16,384); the limit is {LIMITS.columns:,} columns",
        ),
        _orgs(
            "an XLSX row of more cells than the column limit",
            "xlsx",
            xlsx([GOOD_XLSX_ROWS[0], GOOD_XLSX_ROWS[1] + ["x"] * LIMITS.columns]),
            f"row 2 has {LIMITS.columns + 4:,} cells; the limit is {LIMITS.columns:,} columns",
        ),
        _registrations(
            "registrations: an XLSX whose dimension says A1:XFD1048576",
            padded_dimension_xlsx(),
            f"{ROWS_PAST} (row 1,048,576)",
            filename="people.xlsx",
        ),
        # --- 7: columns and line lengths of a CSV, before the line is split
        _orgs(
            "a data row of more cells than the column limit",
            "csv",
            csv_text(H, "A,Alpha,sme,FR10," + wide),
            f"row 2 has {LIMITS.columns + 5:,} cells; the limit is {LIMITS.columns:,} columns",
        ),
        _orgs(
            "a header of more columns than the column limit",
            "csv",
            csv_text(H + "," + wide, "A,Alpha,sme,FR10"),
            f"row 1 has {LIMITS.columns + 5:,} cells; the limit is {LIMITS.columns:,} columns",
        ),
        _orgs(
            "a data row of a million quoted cells",
            "csv",
            csv_text(H, ",".join(['"x"'] * 1_000_000)),
            f"row 2 has 1,000,000 cells; the limit is {LIMITS.columns:,} columns",
        ),
        _orgs(
            "a row of five cells under a four-column header",
            "csv",
            csv_text(H, "A,Alpha,sme,FR10,stray"),
            "row 2",
            "the row has 5 cells but the header has 4 columns",
        ),
        _registrations(
            "registrations: a row of more cells than the header",
            csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10,stray,cells"),
            "row 2",
            "the row has 9 cells but the header has 7 columns",
        ),
        _registrations(
            "registrations: a row past the column limit",
            csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10," + wide),
            f"row 2 has {LIMITS.columns + 8:,} cells; the limit is {LIMITS.columns:,} columns",
        ),
        Entry(
            f"a {COMMAS_MB} MB line of commas",
            "csv",
            "organisations.csv",
            (f"line 2 has more than {LIMITS.line_chars:,} characters",),
            ORGANISATION_COMMANDS,
            build=streamed(csv_text(H), b"," * (1 << 20), COMMAS_MB, b"\n"),
            huge=True,
        ),
        Entry(
            f"a {HEADER_MB} MB header line",
            "csv",
            "organisations.csv",
            (f"line 1 has more than {LIMITS.line_chars:,} characters",),
            ORGANISATION_COMMANDS,
            build=streamed(b"id,name,type,region,", b"h" * (1 << 20), HEADER_MB, b"\n" + ROW_BYTES),
            huge=True,
        ),
        Entry(
            "a CSV of more rows than the row limit",
            "csv",
            "organisations.csv",
            (f"the file {ROWS_PAST} (row {LIMITS.rows + 1:,})",),
            ORGANISATION_COMMANDS,
            build=streamed(csv_text(H), b"A,Alpha,sme,FR10\n", LIMITS.rows + 10, b""),
            huge=True,
        ),
        # --- JSON: the records are counted one at a time before the document is parsed whole
        Entry(
            "a JSON list of a million empty records",
            "json",
            "organisations.json",
            (
                f"the file lists more than {LIMITS.json_items:,} organisations (record "
                f"{LIMITS.json_items + 1:,}); the limit is {LIMITS.json_items:,}",
            ),
            ORGANISATION_COMMANDS,
            build=streamed(b"[{}", b",{}" * 1000, 1000, b"]"),
            huge=True,
        ),
        _registrations(
            "registrations: a JSON list of 20,000 records",
            jbytes([{"participant": f"P{k}"} for k in range(DUPLICATES)]),
            f"the list has more than {LIMITS.participants:,} registrations (record "
            f"{LIMITS.participants + 1:,}); an event takes at most {LIMITS.participants:,}",
            filename="people.json",
        ),
        # --- 17: an empty input is refused in every format
        _orgs("an empty JSON object", "json", b"{}", NO_ORGANISATION),
        _orgs("an empty JSON list", "json", b"[]", NO_ORGANISATION),
        _orgs(
            "a JSON registry with an empty organisation list",
            "json",
            jbytes({"organisations": [], "vocabulary": {}}),
            NO_ORGANISATION,
        ),
        _registrations(
            "registrations: an empty JSON list", b"[]", NO_ORGANISATION, filename="people.json"
        ),
        _registrations(
            "registrations: an empty JSON object", b"{}", NO_ORGANISATION, filename="people.json"
        ),
        _registrations(
            "registrations: a header and no rows",
            csv_text(RH),
            "the file has a header but no data rows",
        ),
    ]


ROW_BYTES = b"A,Alpha,sme,FR10\n"
