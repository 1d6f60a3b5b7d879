"""Bounded work for bad input files (issue 19, items 5, 6, 7 and part of 17).

Each refused file gets a clear message (row, field, value, rule) at a cost that does not grow
with what the file claims: one value on thousands of rows gives messages of a bounded size and a
capped list; a sheet's rows, columns and cells are bounded from its XML, not its dimension; a
CSV line is measured before it is split; an empty file is refused in every format. The huge
inputs are refused by the installed command in a child process, measured: at most 200 MB of
peak memory and 2 seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matchmaker.errors import InvalidInputError
from matchmaker.io import validate_organisations
from matchmaker.io.registrations import validate_registrations
from matchmaker.io.tabular import (
    MAX_CELL_CHARS,
    MAX_FILE_BYTES,
    MAX_XLSX_INFLATED_BYTES,
    MAX_XLSX_RATIO,
    read_csv,
    read_xlsx,
)
from matchmaker.limits import LIMITS
from reliability.corpus import RH, Entry, H, csv_text, good_xlsx, jbytes, orgs_json, sheet_xml, xlsx
from reliability.corpus_files import (
    COMMAS_MB,
    DUPLICATES,
    HEADER_MB,
    many_rows_xlsx,
    one_id_on_many_rows,
    one_participant_on_many_rows,
    padded_dimension_xlsx,
)
from reliability.corpus_files import entries as file_entries

EXE = Path(sys.executable).with_name("matchmaker")
MAX_PEAK_MB = 200
MAX_SECONDS = 2.0


def _messages(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [str(p) for p in problems]


# --- 5: one value on many rows -------------------------------------------------------------


def test_duplicate_ids_on_20000_rows_give_bounded_messages_and_a_capped_list() -> None:
    report = validate_organisations(one_id_on_many_rows(), name="orgs.csv")
    assert len(report.rejected_rows) == DUPLICATES
    assert len(report.problems) == LIMITS.problems + 1
    assert report.problem_count == DUPLICATES
    first, second = report.problems[0], report.problems[1]
    assert (first.row, first.column, first.value) == (2, "id", "A")
    assert "is also used in row 3 and 19,998 more rows; ids must be unique" in first.message
    assert second.message == "id 'A' is also used in row 2; ids must be unique"
    assert "19,000 more problems are not listed" in report.problems[-1].message
    assert max(len(p.message) for p in report.problems) < 300


def test_duplicate_ids_in_json_are_bounded_too() -> None:
    items = [{"id": "A", "name": f"A {k}", "type": "sme", "region": "FR10"} for k in range(3000)]
    report = validate_organisations(jbytes(items), name="orgs.json")
    assert report.problem_count == 3000
    assert len(report.problems) == LIMITS.problems + 1
    assert max(len(p.message) for p in report.problems) < 300


def test_one_participant_on_20000_rows_is_refused_by_the_participant_limit() -> None:
    report = validate_registrations(one_participant_on_many_rows(DUPLICATES), name="people.csv")
    assert _messages(report.problems) == [
        "the list has 20,000 participant rows (the last is row 20,001); an event takes at most "
        f"{LIMITS.participants:,} participants"
    ]


def test_one_participant_on_every_row_gives_bounded_messages_and_a_capped_list() -> None:
    report = validate_registrations(one_participant_on_many_rows(), name="people.csv")
    assert len(report.problems) == LIMITS.problems + 1
    assert report.problem_count == LIMITS.participants
    more = LIMITS.participants - 2
    assert f"participant id 'P1' is also used in row 3 and {more:,} more rows" in str(
        report.problems[0]
    )
    assert "participant id 'P1' is also used in row 2;" in str(report.problems[1])
    assert max(len(p.message) for p in report.problems) < 300


def test_colleagues_that_disagree_on_many_rows_stay_bounded() -> None:
    rows = [f"P{k},Ann,1,A,Alpha,sme,{'FR10' if k % 2 else 'BE10'}" for k in range(4000)]
    report = validate_registrations(csv_text(RH, *rows), name="people.csv")
    assert report.problem_count == 2000
    assert len(report.problems) <= LIMITS.problems + 1
    assert max(len(p.message) for p in report.problems) < 400


# --- 6: sheets bounded from their XML --------------------------------------------------------


def test_an_xlsx_dimension_of_a_million_rows_is_refused_naming_the_row() -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_xlsx(padded_dimension_xlsx())
    assert str(caught.value.problems[0]) == (
        "row 1048576: the sheet 'Organisations' has more than 250,000 rows (row 1,048,576); "
        "the limit is 250,000"
    )


def test_an_xlsx_dimension_that_lies_does_not_pad_the_rows() -> None:
    # The same workbook without its far row: the dimension alone is not trusted.
    data = padded_dimension_xlsx()

    def edit(xml: bytes) -> bytes:
        start = xml.index(b'<row r="1048576"')
        end = xml.index(b"</row>", start) + len(b"</row>")
        return xml[:start] + xml[end:]

    table = read_xlsx(sheet_xml(data, edit))
    assert table.header == ["id", "name", "type", "region"]
    assert table.rows == [["A", "Alpha", "sme", "FR10"]]


def test_an_xlsx_of_7_million_rows_is_refused_at_the_row_limit(tmp_path: Path) -> None:
    path = tmp_path / "rows.xlsx"
    many_rows_xlsx(path)
    with pytest.raises(InvalidInputError) as caught:
        read_xlsx(path.read_bytes())
    assert f"(row {LIMITS.rows + 1:,}); the limit is {LIMITS.rows:,}" in str(caught.value)


def test_an_xlsx_cell_past_the_column_limit_is_refused() -> None:
    data = sheet_xml(
        good_xlsx(),
        lambda s: s.replace(
            b"</row></sheetData>",
            b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        ),
    )
    with pytest.raises(InvalidInputError, match=r"row 2 has a cell in column XFD \(16,384\)"):
        read_xlsx(data)


def test_an_xlsx_within_the_limits_reads_as_before() -> None:
    data = xlsx([["id", "name", "type", "region"], [], ["A", "Alpha", "sme", "FR10"]])
    table = read_xlsx(data)
    assert table.rows == [["A", "Alpha", "sme", "FR10"]]
    assert table.row_numbers == [3]


# --- 7: CSV lines and columns, before the line is split --------------------------------------


def test_a_row_of_a_million_cells_under_a_four_column_header_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="row 2 has 1,000,005 cells; the limit is 1,000"):
        read_csv(csv_text(H, "A,Alpha,sme,FR10," + "," * 1_000_000))


def test_a_line_past_the_line_limit_is_refused_before_it_is_split() -> None:
    data = csv_text(H, '"' + "x" * (LIMITS.line_chars + 1))
    with pytest.raises(InvalidInputError, match="line 2 has more than 4,194,304 characters"):
        read_csv(data)


def test_a_row_with_more_cells_than_the_header_is_an_error_naming_the_counts() -> None:
    report = validate_registrations(csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10,x"), name="p.csv")
    assert (
        "row 2: the row has 8 cells but the header has 7 columns" in _messages(report.problems)[0]
    )
    empty_extra = validate_registrations(csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10,,"), name="p.csv")
    assert empty_extra.ok, empty_extra.problems


def test_a_csv_past_the_row_limit_is_refused_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(csv_text(H) + b"A,Alpha,sme,FR10\n" * (LIMITS.rows + 5))
    report = validate_organisations(path)
    assert _messages(report.problems) == [
        f"row {LIMITS.rows + 1}: the file has more than {LIMITS.rows:,} rows "
        f"(row {LIMITS.rows + 1:,}); the limit is {LIMITS.rows:,}"
    ]


# --- 17: empty inputs, in every format --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"{}", "orgs.json"),
        (b"[]", "orgs.json"),
        (b'{"organisations": []}', "orgs.json"),
        (b"", "orgs.csv"),
        (csv_text(H), "orgs.csv"),
        (xlsx([["id", "name", "type", "region"]]), "orgs.xlsx"),
    ],
)
def test_an_empty_organisation_file_is_refused_in_every_format(data: bytes, name: str) -> None:
    report = validate_organisations(data, name=name)
    assert not report.ok
    assert not report.organisations
    text = " ".join(_messages(report.problems))
    assert "no organisation" in text or "empty" in text or "no data rows" in text


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"{}", "p.json"), (b"[]", "p.json"), (b'{"registrations": []}', "p.json")],
)
def test_an_empty_registration_list_is_refused(data: bytes, name: str) -> None:
    report = validate_registrations(data, name=name)
    assert not report.ok
    assert "the file holds no organisation" in " ".join(_messages(report.problems))


def test_a_json_list_past_the_record_limit_is_refused_before_it_is_parsed() -> None:
    data = b"[" + b",".join([b"{}"] * (LIMITS.json_items + 1)) + b"]"
    report = validate_organisations(data, name="orgs.json")
    assert _messages(report.problems) == [
        f"row {LIMITS.json_items + 1}: the file lists more than {LIMITS.json_items:,} "
        f"organisations (record {LIMITS.json_items + 1:,}); the limit is {LIMITS.json_items:,}"
    ]
    # A list within the limit, or a document that is not a list, is parsed as before.
    assert "must be a JSON object" in str(validate_organisations(b"[1]", name="o.json").problems)
    assert "not valid JSON" in str(validate_organisations(b"[{},", name="o.json").problems)


def test_the_file_limits_come_from_matchmaker_limits() -> None:
    assert LIMITS.file_bytes == MAX_FILE_BYTES
    assert LIMITS.cell_chars == MAX_CELL_CHARS
    assert LIMITS.xlsx_inflated_bytes == MAX_XLSX_INFLATED_BYTES
    assert LIMITS.xlsx_ratio == MAX_XLSX_RATIO


# --- the cost of refusing the huge inputs, measured -------------------------------------------

HUGE = [e for e in file_entries() if e.huge] + [
    e
    for e in file_entries()
    if e.name.startswith(("20,000 rows", "registrations: 20,000", "registrations: 10,000"))
]

# Runs the command and reports its peak resident set (VmHWM: this process's own, while
# ru_maxrss would count the pytest process it was forked from) and the command's time.
_MEASURE = """
import contextlib, io, json, sys, time
from matchmaker.cli import main
warm = json.loads(sys.argv[2])
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    assert main(warm) == 0, "the warm-up failed"
start = time.perf_counter()
code = main(json.loads(sys.argv[1]))
seconds = time.perf_counter() - start
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
sys.stdout.write("\\n" + json.dumps({"code": code, "peak_kib": peak, "seconds": seconds}) + "\\n")
"""


def _warm_argv(entry: Entry, folder: Path) -> list[str]:
    """The same command on a valid file of the entry's kind: it imports what the command
    needs, so that the time measured is the refusal's."""
    warm = folder / "warm"
    warm.mkdir()
    if entry.kind == "registrations":
        path = warm / "people.csv"
        path.write_bytes(csv_text(RH, "P1,Ann,1,A,Alpha,sme,FR10"))
        return _registration_argv(path, warm)
    data = {"csv": csv_text(H, "A,Alpha,sme,FR10"), "xlsx": good_xlsx(), "json": orgs_json()}
    path = warm / f"warm.{entry.kind}"
    path.write_bytes(data[entry.kind])
    return ["validate", str(path)]


def _registration_argv(path: Path, folder: Path) -> list[str]:
    db = f"sqlite:///{folder / 'store.db'}"
    return ["import", str(path), "--event", "ev", "--db", db]


@pytest.mark.parametrize("entry", HUGE, ids=lambda e: e.name)
def test_refusing_a_huge_input_takes_little_memory_and_time(entry: Entry, tmp_path: Path) -> None:
    if entry.data is not None:
        path = tmp_path / entry.filename
        path.write_bytes(entry.data)
    else:
        path = entry.materialise(tmp_path)
    if entry.kind == "registrations":
        argv = _registration_argv(path, tmp_path)
    else:
        argv = ["validate", str(path)]
    warm = _warm_argv(entry, tmp_path)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(argv), json.dumps(warm)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["code"] == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    for expected in entry.expect:
        assert expected in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    peak_mb = figures["peak_kib"] / 1024
    assert peak_mb <= MAX_PEAK_MB, f"{entry.name}: peak {peak_mb:.0f} MB"
    # The command's own time; the wall time adds the interpreter's start and the imports.
    assert figures["seconds"] <= MAX_SECONDS, f"{entry.name}: {figures['seconds']:.2f} s"
    assert wall < 30


def test_the_huge_inputs_are_the_issues() -> None:
    names = {e.name for e in HUGE}
    assert f"a {COMMAS_MB} MB line of commas" in names
    assert f"a {HEADER_MB} MB header line" in names
