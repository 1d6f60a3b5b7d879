"""The corpus of bad organisation files: each one gets exactly the problems listed.

A case is the file's bytes, its name (which tells the format) and every problem expected, as
``(row, column, value, message)``. Nothing of a file with problems is imported.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.io import read_organisations, validate_organisations
from matchmaker.limits import LIMITS

H = "id,name,type,region"
Row = tuple[int | None, str | None, str | None, str]


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes
    expected: list[Row]
    name: str = "orgs.csv"


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


MISSING_TYPE = (
    "missing column 'type'; headers read as it: 'type', 'organisation type', "
    "'organization type', 'org type', 'type of organisation'"
)
MISSING_REGION = (
    "missing column 'region' (or a 'country' column); headers read as it: 'region', 'nuts', "
    "'nuts code', 'region nuts', 'nuts region'"
)
MISSING_NAME = (
    "missing column 'name'; headers read as it: 'name', 'organisation', 'organization', "
    "'organisation name', 'organization name'"
)
ID_RULE = (
    "may hold only letters, digits and . _ : @ - , must start with a letter or digit, and "
    "has at most 64 characters"
)
TYPE_RULE = (
    "is not an organisation type; use one of: cluster, sme, large_company, university, "
    "research_organisation, public_authority, agency, network, other"
)
S3_RULE = (
    "is not a code of the S3 vocabularies (EU industrial ecosystems, S3 thematic platforms, "
    "NABS chapters, NACE) or of the event's own vocabulary"
)
EMPTY = "the file is empty; expected a header row and data rows"

CASES = [
    # --- the file as a whole ---
    Case("empty file", b"", [(None, None, None, EMPTY)]),
    Case("only whitespace", b"  \n\n \t\n", [(None, None, None, EMPTY)]),
    Case("empty with BOM", b"\xef\xbb\xbf", [(None, None, None, EMPTY)]),
    Case(
        "header without rows",
        csv(H),
        [(None, None, None, "the file has a header but no data rows; nothing to import")],
    ),
    Case(
        "wrong delimiter",
        csv("id|name|type|region", "A|Alpha|sme|FR10"),
        [
            (
                1,
                None,
                "id|name|type|region",
                "the header has a single column; separate columns with ',', ';' or a tab",
            )
        ],
    ),
    Case(
        "binary data named .csv",
        b"id,name\x00\x01\x02,type\n",
        [
            (
                None,
                None,
                None,
                "the file holds binary data (a NUL byte at offset 7); save the spreadsheet as "
                "CSV (UTF-8) or upload the .xlsx file itself",
            )
        ],
    ),
    Case(
        "10 MB cell: an unclosed quote",
        csv(H, 'A,"Alpha' + "x" * (10 * 1024 * 1024)),
        [
            (
                2,
                None,
                None,
                # The line is refused before it is split (LIMITS.line_chars).
                f"line 2 has more than {LIMITS.line_chars:,} characters; the limit is "
                f"{LIMITS.line_chars:,} (is it a CSV file? is a closing quote missing?)",
            )
        ],
    ),
    Case(
        "broken xlsx",
        b"PK\x03\x04 this is not a zip",
        [(None, None, None, "the file is not a valid XLSX workbook (a broken zip)")],
        name="orgs.xlsx",
    ),
    Case(
        "xlsx zip bomb",
        _zip_bomb(),
        [
            (
                None,
                None,
                None,
                "the workbook inflates from {size} to 52,428,808 bytes, past the limits for a "
                "spreadsheet (a zip bomb?); it is not read",
            )
        ],
        name="orgs.xlsx",
    ),
    # --- columns ---
    Case(
        "missing column type",
        csv("id,name,region", "A,Alpha,FR10"),
        [(None, "type", None, MISSING_TYPE)],
    ),
    Case(
        "missing region and country",
        csv("id,name,type", "A,Alpha,sme"),
        [(None, "region", None, MISSING_REGION)],
    ),
    Case(
        "missing name and type",
        csv("id,region", "A,FR10"),
        [(None, "name", None, MISSING_NAME), (None, "type", None, MISSING_TYPE)],
    ),
    Case(
        "misspelt header",
        csv("id,name,type,Regoin", "A,Alpha,sme,FR10"),
        [
            (
                1,
                "Regoin",
                "Regoin",
                "column 'Regoin' is not a known column; did you mean 'region'?",
            ),
            (None, "region", None, MISSING_REGION),
        ],
    ),
    Case(
        "two columns for the name",
        csv("id,Organisation,Name,type,region", "A,Alpha,Alpha,sme,FR10"),
        [(1, "Name", "Name", "columns 'Organisation' and 'Name' both give the name; keep one")],
    ),
    Case(
        "more cells than columns",
        csv(H, "A,Alpha,sme,FR10,extra"),
        [
            (
                2,
                None,
                "extra",
                "the row has 5 cells but the header has 4 columns (a stray delimiter, or a cell "
                "that should be quoted?)",
            )
        ],
    ),
    # --- codes ---
    Case(
        "unknown NUTS code",
        csv(H, "A,Alpha,sme,FR99"),
        [(2, "region", "FR99", "region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?")],
    ),
    Case(
        "unknown NUTS code, lower case",
        csv(H, "A,Alpha,sme,fr99"),
        [(2, "region", "fr99", "region 'fr99' is not a NUTS 2021/2024 code; did you mean FR10?")],
    ),
    Case(
        "bad NACE code",
        csv(H + ",sectors", "A,Alpha,sme,FR10,C26.51;C99.99"),
        [
            (
                2,
                "sectors",
                "C99.99",
                "sector 'C99.99' is not a NACE Rev. 2 code; did you mean U99.00?",
            )
        ],
    ),
    Case(
        "unreadable NACE code",
        csv(H + ",NACE", "A,Alpha,sme,FR10,abc"),
        [
            (
                2,
                "NACE",
                "abc",
                "sector 'abc' is not a NACE Rev. 2 code (write it like C26.51, 26.51 or 2651)",
            )
        ],
    ),
    Case(
        "bad NACE Rev. 2.1 code",
        csv(H + ",NACE Rev 2.1", "A,Alpha,sme,FR10,99.99"),
        [
            (
                2,
                "NACE Rev 2.1",
                "99.99",
                "sector '99.99' is not a NACE Rev. 2.1 code; did you mean V99.00?",
            )
        ],
    ),
    Case(
        "NACE Rev. 2.1 code without a Rev. 2 counterpart",
        csv(H + ",NACE Rev 2.1", "A,Alpha,sme,FR10,46.89"),
        [
            (
                2,
                "NACE Rev 2.1",
                "46.89",
                "NACE Rev. 2.1 code '46.89' has no NACE Rev. 2 counterpart in the official "
                "correspondence; give the sector as a NACE Rev. 2 code",
            )
        ],
    ),
    Case(
        "unknown S3 priority",
        csv(H + ",S3 priorities", "A,Alpha,sme,FR10,IE05;IE99"),
        [(2, "S3 priorities", "IE99", f"S3 priority 'IE99' {S3_RULE}; did you mean IE09?")],
    ),
    Case(
        "unknown language",
        csv(H + ",languages", "A,Alpha,sme,FR10,en;xx"),
        [(2, "languages", "xx", "language 'xx' is not an ISO 639-1 code; did you mean xh?")],
    ),
    Case(
        "unknown organisation type",
        csv(H, "A,Alpha,Univ,FR10"),
        [(2, "type", "Univ", f"type 'Univ' {TYPE_RULE}")],
    ),
    Case(
        "unknown country",
        csv("name,type,country", "Alpha,sme,Atlantis"),
        [
            (
                2,
                "country",
                "Atlantis",
                "country 'Atlantis' is not a country code or name of the NUTS countries "
                "(EU, EFTA, candidates, UK)",
            )
        ],
    ),
    Case(
        "country contradicts region",
        csv("name,type,Country,Region", "Alpha,sme,BE,FR10"),
        [(2, "Country", "BE", "country 'BE' does not match region 'FR10', which is in France")],
    ),
    # --- values ---
    Case(
        "duplicate id",
        csv(H, "A,Alpha,sme,FR10", "B,Beta,sme,FR10", "A,Again,sme,BE10"),
        [
            (2, "id", "A", "id 'A' is also used in row 4; ids must be unique"),
            (4, "id", "A", "id 'A' is also used in row 2; ids must be unique"),
        ],
    ),
    Case(
        "duplicate name without id column",
        csv("name,type,region", "Alpha Cluster,cluster,FR10", "alpha cluster,sme,FR10"),
        [
            (
                2,
                "id",
                "alpha-cluster",
                "id 'alpha-cluster' is also used in row 3; ids must be unique",
            ),
            (
                3,
                "id",
                "alpha-cluster",
                "id 'alpha-cluster' is also used in row 2; ids must be unique",
            ),
        ],
    ),
    Case(
        "id with a space", csv(H, "A B,Alpha,sme,FR10"), [(2, "id", "A B", f"id 'A B' {ID_RULE}")]
    ),
    Case("empty id", csv(H, ",Alpha,sme,FR10"), [(2, "id", None, "id is empty; it is required")]),
    Case(
        "empty name",
        csv("id,Organisation,type,region", "A,,sme,FR10"),
        [(2, "Organisation", None, "Organisation is empty; it is required")],
    ),
    Case(
        "empty region cell",
        csv("id,name,type,Region", "A,Alpha,sme,"),
        [(2, "Region", "", "Region is empty; give a NUTS code or a country")],
    ),
    Case(
        "name too long",
        csv(H, "A," + "x" * 301 + ",sme,FR10"),
        [(2, "name", "x" * 301, "name has 301 characters; the limit is 300")],
    ),
    Case(
        "size of the wrong type",
        csv(H + ",size", "A,Alpha,sme,FR10,lots", "B,Beta,sme,FR10,-5"),
        [
            (
                2,
                "size",
                "lots",
                "size 'lots' is neither a head count nor one of: micro, small, medium, large",
            ),
            (
                3,
                "size",
                "-5",
                "size '-5' is neither a head count nor one of: micro, small, medium, large",
            ),
        ],
    ),
    Case(
        "bad e-mail and phone",
        csv(H + ",email,phone", "A,Alpha,sme,FR10,x@y,call me"),
        [
            (2, "email", "x@y", "email 'x@y' is not an e-mail address"),
            (
                2,
                "phone",
                "call me",
                "phone 'call me' is not a phone number (digits, spaces, + ( ) . / -)",
            ),
        ],
    ),
    Case(
        "formula cell in CSV",
        csv(H, 'A,"=HYPERLINK(""http://x"",""y"")",sme,FR10'),
        [
            (
                2,
                "name",
                '=HYPERLINK("http://x","y")',
                "value '=HYPERLINK(\"http://x\",\"y\")' starts with '=' like a spreadsheet "
                "formula; formulas are not imported",
            )
        ],
    ),
    Case(
        "formula cell in XLSX",
        _xlsx([["id", "name", "type", "region"], ["A", '=CONCAT("Al","pha")', "sme", "FR10"]]),
        [
            (
                2,
                "name",
                '=CONCAT("Al","pha")',
                'cell holds a spreadsheet formula (\'=CONCAT("Al","pha")\'); formulas are not '
                "imported, paste the value instead",
            )
        ],
        name="orgs.xlsx",
    ),
    Case(
        "every problem of a row at once",
        csv(H + ",sectors,languages", "A,Alpha,sme,FR99,C99.99,xx"),
        [
            (2, "region", "FR99", "region 'FR99' is not a NUTS 2021/2024 code; did you mean FR10?"),
            (
                2,
                "sectors",
                "C99.99",
                "sector 'C99.99' is not a NACE Rev. 2 code; did you mean U99.00?",
            ),
            (2, "languages", "xx", "language 'xx' is not an ISO 639-1 code; did you mean xh?"),
        ],
    ),
    # --- JSON ---
    Case(
        "JSON syntax error",
        b'[{"id": "A",}]',
        [
            (
                None,
                None,
                None,
                "not valid JSON at line 1, column 13: expecting property name enclosed in "
                "double quotes",
            )
        ],
        name="orgs.json",
    ),
    Case(
        "JSON truncated",
        b'[{"id": "A", "name": "Al',
        [(None, None, None, "not valid JSON at line 1, column 22: unterminated string starting")],
        name="orgs.json",
    ),
    Case(
        "JSON nested too deeply",
        b"[" * 100 + b"]" * 100,
        [(None, None, None, "the JSON is nested too deeply (limit 32)")],
        name="orgs.json",
    ),
    Case(
        "JSON wrong type and unknown field",
        b'[{"id": "A", "name": 123, "type": "sme", "region": "FR10", "colour": "red"}]',
        [
            (1, "name", "123", "name '123': input should be a valid string"),
            (1, "colour", "red", "'colour' is not a field of an organisation"),
        ],
        name="orgs.json",
    ),
    Case(
        "JSON item not an object",
        b'[1, "x"]',
        [
            (1, None, "1", "an organisation must be a JSON object"),
            (2, None, "x", "an organisation must be a JSON object"),
        ],
        name="orgs.json",
    ),
    Case(
        "JSON unknown top-level key",
        b'{"orgs": []}',
        [
            (
                None,
                "orgs",
                None,
                "'orgs' is not a key of a registry file; the keys are 'organisations' and "
                "'vocabulary'",
            )
        ],
        name="orgs.json",
    ),
    Case(
        "JSON own vocabulary clashes with a built-in code",
        b'{"vocabulary": {"IE01": "Mine"}, "organisations": []}',
        [
            (
                None,
                "vocabulary",
                None,
                "custom S3 code 'IE01' clashes with the built-in code 'IE01' (EU industrial "
                "ecosystem); choose another code",
            )
        ],
        name="orgs.json",
    ),
    Case(
        "JSON nested field path",
        b'[{"id": "A", "name": "Alpha", "type": "sme", "region": "FR10",'
        b' "offers": [{"text": ""}], "contact": {"email": "nobody"}}]',
        [
            (1, "offers[0].text", "", "offers[0].text is empty; it is required"),
            (1, "contact.email", "nobody", "contact.email 'nobody' is not an e-mail address"),
        ],
        name="orgs.json",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_exactly_the_expected_problems(case: Case) -> None:
    report = validate_organisations(case.data, name=case.name)
    got = [(p.row, p.column, p.value, p.message) for p in report.problems]
    expected = [
        (r, c, v, m.replace("{size}", f"{len(case.data):,}")) for r, c, v, m in case.expected
    ]
    assert got == expected
    assert not report.ok


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_imports_nothing(case: Case) -> None:
    with pytest.raises(InvalidInputError, match="nothing was imported"):
        read_organisations(case.data, name=case.name)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_file_over_the_size_limit() -> None:
    data = csv(H, "A,Alpha,sme,FR10")
    report = validate_organisations(data, name="x.csv", max_bytes=10)
    assert [p.message for p in report.problems] == [
        f"the file has {len(data):,} bytes; the limit is 10"
    ]


def test_partial_import_keeps_valid_rows_and_reports_the_rest() -> None:
    data = csv(H, "A,Alpha,sme,FR10", "B,Beta,sme,FR99", "C,Gamma,university,BE10")
    report = read_organisations(data, name="x.csv", partial=True)
    assert [o.id for o in report.organisations] == ["A", "C"]
    assert report.rejected_rows == [3]
    assert [p.value for p in report.problems] == ["FR99"]


def test_partial_import_with_no_valid_row_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="1 problem in 1 row; nothing was imported"):
        read_organisations(csv(H, "B,Beta,sme,FR99"), name="x.csv", partial=True)


def test_unused_columns_are_warnings_not_errors() -> None:
    report = validate_organisations(
        csv(H + ",Timestamp", "A,Alpha,sme,FR10,2024-01-01"), name="x.csv"
    )
    assert report.ok
    assert [str(w) for w in report.warnings] == [
        "row 1, column 'Timestamp': column 'Timestamp' is not used"
    ]
